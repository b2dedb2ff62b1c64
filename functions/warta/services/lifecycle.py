"""Alert chains kept in the sent ledger, and the items of open chains each source watches.

A chain (core.chain) is a log of notes (services.notes) under its story's id:
entry 0 is the alert, as the story stood when it became urgent; each later
entry an update or a cancel, with the story as it stood then. Ingest adds the
entries as it notices what changed (a source joining, an item revised,
withdrawn or corrected); the alert fan-out (services.alerts) sends each
recipient every entry they are owed, in order, through the ledger.

To notice that an item was withdrawn or revised, the ingest of a source must
know which of the items it lists belong to open chains: each source keeps one
note listing them (its watch list), written only by its own ingest, so no two
writers share it. An entry leaves the list when its chain expires.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warta.core.chain import (
    CANCELLING,
    DEFAULT_LIFETIME,
    Chain,
    ChainMessage,
    Reason,
    Step,
    from_json,
    to_json,
)
from warta.core.model import Story
from warta.core.ports import Store
from warta.services import notes

logger = logging.getLogger(__name__)

CHAIN = "alert-chain"
"""Sent-ledger kind of a story's chain: one line per message, "0", "1", ..."""
WATCH = "alert-watch"
"""Sent-ledger kind of a source's watch list (key: the source id)."""


@dataclass(frozen=True, slots=True)
class Watched:
    """An item a source listed that belongs to an open chain."""

    item_id: str
    story_id: str
    published_at: datetime
    until: datetime


def snapshot(story: Story) -> Story:
    """The story as a chain message keeps it (the signature is only for clustering)."""
    return replace(story, signature=())


class Lifecycle:
    def __init__(self, *, store: Store, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        self.store = store
        self.lifetime = lifetime

    # -- chains ------------------------------------------------------------------------
    def chain(self, story_id: str) -> Chain:
        messages = []
        for entry in notes.entries(self.store, CHAIN, story_id):
            try:
                messages.append(from_json(entry.number, entry.text))
            except ValueError:
                # A line this version cannot read stays out of the chain, never fails it.
                logger.warning(
                    "chain message unreadable", extra={"story_id": story_id, "n": entry.number}
                )
        return Chain(story_id, tuple(messages))

    def of(self, story: Story) -> Chain:
        """The story's chain; for a story alerted before chains were kept, its alert alone,
        as the story stands, made when the story was."""
        chain = self.chain(story.id)
        if chain:
            return chain
        return Chain(story.id, (ChainMessage(0, Step.ALERT, story.created_at, snapshot(story)),))

    def start(self, story: Story, *, at: datetime) -> bool:
        """Record the alert of a story that became urgent (entry 0); False if it was."""
        message = ChainMessage(0, Step.ALERT, at, snapshot(story), cause="alert")
        return notes.put_entry(self.store, CHAIN, story.id, 0, to_json(message), now=at)

    def add(
        self,
        before: Story,
        after: Story,
        *,
        reasons: tuple[Reason, ...],
        cause: str,
        now: datetime,
        note: str = "",
    ) -> ChainMessage | None:
        """Add an update, or a cancel when a reason withdraws the item, to the chain of
        `before` (the story as its alert knew it), showing `after`.

        Nothing is added when the chain has expired or was cancelled, or when this
        cause (one event: an item joining, an item gone) already made a message.
        """
        chain = self.chain(before.id)
        if not chain:
            # An urgent story alerted before chains were kept: its alert is the story
            # as it was, made when the story was.
            self.start(before, at=before.created_at)
            chain = self.chain(before.id)
        if not chain.open(now, self.lifetime) or chain.has_cause(cause):
            return None
        step = Step.CANCEL if any(r in CANCELLING for r in reasons) else Step.UPDATE
        message = ChainMessage(0, step, now, snapshot(after), reasons, cause, note)
        number = notes.append(self.store, CHAIN, before.id, to_json(message), now=now)
        logger.info(
            "alert chain message",
            extra={"story_id": before.id, "n": number, "step": step.value, "cause": cause},
        )
        return replace(message, number=number)

    # -- what each source watches --------------------------------------------------------
    def watched(self, source_id: str, now: datetime) -> dict[str, Watched]:
        """The items of open chains this source listed, by item id."""
        text = notes.get_note(self.store, WATCH, source_id)
        if not text:
            return {}
        try:
            data = json.loads(text)
            found = {
                item_id: Watched(
                    item_id,
                    story_id,
                    datetime.fromisoformat(published),
                    datetime.fromisoformat(until),
                )
                for item_id, (story_id, published, until) in data.items()
            }
        except (ValueError, TypeError, AttributeError):
            logger.warning("watch list unreadable", extra={"source_id": source_id})
            return {}
        return {k: w for k, w in found.items() if w.until > now}

    def watch(
        self, source_id: str, items: Mapping[str, tuple[str, datetime]], now: datetime
    ) -> None:
        """Add items (item id -> (story id, published)) to the source's watch list."""
        current = self.watched(source_id, now)
        until = now + self.lifetime
        for item_id, (story_id, published) in items.items():
            current[item_id] = Watched(item_id, story_id, published, until)
        self._keep(source_id, current, now)

    def unwatch(self, source_id: str, item_ids: set[str], now: datetime) -> None:
        current = self.watched(source_id, now)
        if item_ids & current.keys():
            self._keep(source_id, {k: w for k, w in current.items() if k not in item_ids}, now)

    def _keep(self, source_id: str, watched: Mapping[str, Watched], now: datetime) -> None:
        text = json.dumps(
            {
                w.item_id: [w.story_id, w.published_at.isoformat(), w.until.isoformat()]
                for w in watched.values()
            },
            separators=(",", ":"),
        )
        notes.put_note(self.store, WATCH, source_id, text, now=now)
