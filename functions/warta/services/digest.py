"""The daily digest: plan an edition into batches of recipients, then send one batch.

plan_slot() streams the subscribers of one slot (an edition at one hour of one
zone, core.slots) page by page and never holds them all; each batch is
independent, so on AWS every batch is its own invocation. Within a batch,
recipients who follow the same regions form a segment whose digest is
rendered once; only the signed unsubscribe link differs per recipient.

A digest is rendered once per edition, not per batch: the service reads the
day's stories at most once a minute and keeps the digest of each selection of
them, known by the version of those stories (services.editions), and Delivery
keeps each built as bytes, so the thousands of batches of an edition render and
build a few dozen digests between them. The batch's recipients are then claimed
in the sent ledger together and sent one message each (Delivery.emails); each
recipient's line, completed, names the selection of stories their digest held
(services.corrections), so who received what costs no write of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial

from warta.core.links import RecipientKind
from warta.core.model import DigestBatch, Reader, Story
from warta.core.ports import Renderer, Store
from warta.core.regions import wanted
from warta.core.slots import Slot, edition_slots
from warta.services.compose import Edition, render_edition
from warta.services.corrections import DIGEST_KIND, Correction, Corrections
from warta.services.delivery import Delivery, Letter, Outcome, Recipient, message_id, tally
from warta.services.editions import (
    EDITIONS_KEPT,
    STORIES_FRESH,
    DayStories,
    Lru,
    StoryVersions,
)

KIND = DIGEST_KIND
BATCH_DONE = "digest-batch"
"""Sent-ledger kind that marks one batch of one planning of an edition as sent."""


def batch_key(day: date, plan: str) -> str:
    return f"{day.isoformat()}:{plan}"


@dataclass(slots=True)
class BatchReport:
    day: date
    number: int
    recipients: int = 0
    sent: int = 0
    already: int = 0
    busy: int = 0
    """Held by another sender's claim under lease: to be tried again later."""
    resumed: int = 0
    """Sent after taking over a dead sender's claim (counted in sent too)."""
    failed: int = 0
    empty: int = 0
    """Recipients with no story for their regions that day: no mail is better than an empty one."""
    segments: int = 0
    stories: set[str] = field(default_factory=set)


_Selection = tuple[tuple[str, ...], Edition | None, str | None]
"""The stories a selection of regions gets, their digest and its note (services.editions)."""


def order_stories(stories: list[Story]) -> list[Story]:
    """Urgent clarifications first, then the stories confirmed by most sources, then newest."""
    return sorted(
        stories,
        key=lambda s: (not s.urgent, -len(s.sources), -s.published_at.timestamp(), s.id),
    )


class Digest:
    def __init__(
        self,
        *,
        store: Store,
        delivery: Delivery,
        renderer: Renderer,
        batch_size: int = 100,
        corrections: Corrections | None = None,
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.renderer = renderer
        self.batch_size = batch_size
        self.corrections = corrections
        """Who received which story, and the corrections that lead a digest (None: neither)."""
        self._stories = StoryVersions()
        # Keyed by the version of the day's stories: by the regions chosen, the stories
        # they get and their digest, one lookup a segment; by those stories, their digest
        # (selections that get the same stories share it).
        self._selections: Lru[tuple[int, tuple[str, ...]], _Selection] = Lru(EDITIONS_KEPT)
        self._editions: Lru[tuple[int, tuple[str, ...]], tuple[Edition, str | None]] = Lru(
            EDITIONS_KEPT
        )
        """The digest of each selection of stories, and the note its recipients' lines keep."""
        self._open: tuple[list[Correction], datetime] | None = None
        """The open corrections as last read, and when: read again after STORIES_FRESH, as
        the day's stories are."""

    def plan_slot(self, slot: Slot, plan: str = "") -> Iterator[DigestBatch]:
        """The recipients of one slot of an edition (core.slots), in batches, streamed page by
        page from the store's index of that zone and hour."""
        cursor: str | None = None
        number = 0
        while True:
            page = self.store.subscriber_ids_due(
                slot.zone, slot.hour, cursor=cursor, limit=self.batch_size
            )
            if page.items:
                yield DigestBatch(slot.edition, page.items, number, plan)
                number += 1
            cursor = page.cursor
            if cursor is None:
                return

    def plan(self, day: date, plan: str = "") -> Iterator[DigestBatch]:
        """Every recipient of an edition, whatever their hour, in batches numbered in turn."""
        number = 0
        for slot in edition_slots(day):
            for batch in self.plan_slot(slot, plan):
                yield replace(batch, number=number)
                number += 1

    def render(
        self, day: date, stories: list[Story], corrections: tuple[Correction, ...] = ()
    ) -> Edition:
        return render_edition(
            self.renderer,
            subject="digest_subject.txt",
            text="digest.txt",
            html="digest.html",
            day=day,
            stories=stories,
            urgent_count=sum(1 for s in stories if s.urgent),
            corrections=corrections,
        )

    def send_batch(self, batch: DigestBatch) -> BatchReport:
        report = BatchReport(batch.day, batch.number)
        stories = self._stories.of(
            batch.day, partial(self.store.stories_of_day, batch.day), self.delivery.clock.now()
        )
        segments: dict[tuple[str, ...], list[Reader]] = defaultdict(list)
        # Only those who take the digest now: someone may have unsubscribed, or turned the
        # digest off, between plan and send.
        found = self.store.digest_readers(batch.subscriber_ids)
        for subscriber_id in batch.subscriber_ids:
            reader = found.get(subscriber_id)
            if reader is not None:
                report.recipients += 1
                segments[tuple(sorted(reader.regions))].append(reader)
        owed = self._owed_corrections(segments)
        letters: list[Letter] = []
        for regions, subscribers in segments.items():
            chosen, edition, note = self._selections.get(
                (stories.version, regions), partial(self._selection, batch.day, stories, regions)
            )
            if edition is None:
                report.empty += len(subscribers)
                continue
            report.segments += 1
            report.stories.update(chosen)
            for s in subscribers:
                corrected = edition
                if s.id in owed:  # corrections lead this subscriber's digest
                    corrected = self._corrected(batch.day, stories, chosen, owed[s.id])
                to = Recipient(RecipientKind.SUBSCRIBER, s.id, s.email)
                letters.append(Letter(corrected, to, note=note))
        # One claim for the batch's ledger lines, one message each, completions together.
        outcomes = self.delivery.emails(letters, kind=KIND, key=batch.day.isoformat())
        for outcome, times in Counter(outcomes).items():
            tally(report, outcome, times=times)
        if owed:
            self._corrections_led(batch.day, letters, outcomes, owed)
        if batch.plan and not report.failed and not report.busy:
            # The mark the digest sweep counts: this batch of that planning is done.
            self.store.complete_send(
                BATCH_DONE,
                batch_key(batch.day, batch.plan),
                str(batch.number),
                message_id="done",
                now=self.delivery.clock.now(),
            )
        return report

    def _selection(self, day: date, stories: DayStories, regions: tuple[str, ...]) -> _Selection:
        """The ids of the stories a selection of regions gets, in the digest's order, and
        their digest (None when there are none)."""
        chosen = tuple(
            s.id for s in order_stories([s for s in stories.stories if wanted(s.region, regions)])
        )
        if not chosen:
            return chosen, None, None
        edition, note = self._editions.get(
            (stories.version, chosen), partial(self._render, day, stories, chosen)
        )
        return chosen, edition, note

    # -- corrections (services.corrections): who received what, what leads their digest ------

    def _owed_corrections(
        self, segments: dict[tuple[str, ...], list[Reader]]
    ) -> dict[str, tuple[Correction, ...]]:
        if self.corrections is None:
            return {}
        now = self.delivery.clock.now()
        if self._open is None or now - self._open[1] >= STORIES_FRESH or now < self._open[1]:
            self._open = (self.corrections.open_corrections(now), now)
        recipients = [s for subscribers in segments.values() for s in subscribers]
        return dict(self.corrections.owed_in_digest(recipients, now, self._open[0]))

    def _corrected(
        self,
        day: date,
        stories: DayStories,
        chosen: tuple[str, ...],
        corrections: tuple[Correction, ...],
    ) -> Edition:
        by_id = {s.id: s for s in stories.stories}
        return self.render(day, [by_id[story_id] for story_id in chosen], corrections)

    def _corrections_led(
        self,
        day: date,
        letters: list[Letter],
        outcomes: list[Outcome],
        owed: dict[str, tuple[Correction, ...]],
    ) -> None:
        """Record the corrections that led the digests now sent, so each is made once."""
        if self.corrections is None:
            return
        now = self.delivery.clock.now()
        for letter, outcome in zip(letters, outcomes, strict=True):
            if outcome in (Outcome.SENT, Outcome.RESUMED) and letter.to.id in owed:
                mid = message_id(
                    KIND, day.isoformat(), letter.to.id, self.delivery.letterhead.domain
                )
                self.corrections.delivered_in_digest(letter.to.id, owed[letter.to.id], mid, now=now)

    def _render(
        self, day: date, stories: DayStories, chosen: tuple[str, ...]
    ) -> tuple[Edition, str | None]:
        """The digest of these stories, and the note kept with each line of a digest sent
        from it: the name of its segment, whose corrections find who received them."""
        by_id = {s.id: s for s in stories.stories}
        edition = self.render(day, [by_id[story_id] for story_id in chosen])
        if self.corrections is None:
            return edition, None
        return edition, self.corrections.segment(day, chosen, now=self.delivery.clock.now())
