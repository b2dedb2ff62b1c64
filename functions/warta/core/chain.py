"""An alert's lifecycle: a chain of immutable messages, alert then updates, perhaps a cancel.

A clarification alert is not sent once and forgotten. Its story may be
confirmed by another official source, its summary may change at the source,
its region may widen; each of these is an update. The source may withdraw the
item (gone from its feed while newer items stay, and its page answers 404 or
410) or publish a correction of it: that is a cancel, the chain's last word.

Every message keeps the story as it stood when the message was made, so the
message reads the same however often it is sent or published (CAP receivers
and mail threads expect that), and message n follows message n-1 for every
recipient. A chain stands for `DEFAULT_LIFETIME` from its alert (the `expires`
of its CAP messages); after that, nothing it hears of produces an update.

Pure: the model, its JSON form, and the tests that decide what counts as an
update. services.lifecycle keeps chains in the sent ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from warta.core.model import NATIONAL, Authority, Story, StorySource
from warta.core.regions import region_name

DEFAULT_LIFETIME = timedelta(hours=72)
"""How long a chain stands after its alert: the `expires` of its CAP messages too."""

REVISED_OVERLAP = 0.6
"""Facts or summaries whose content words overlap less than this (Jaccard) changed materially."""


class Step(StrEnum):
    """What a message of the chain does, as CAP's msgType says it."""

    ALERT = "alert"
    UPDATE = "update"
    CANCEL = "cancel"


class Reason(StrEnum):
    """Why an update or a cancel was made."""

    CONFIRMED = "confirmed"
    """Another official source (an election body, the government or a fact-checker) carried it."""
    REVISED = "revised"
    """The source changed the item so that its summary, fact or verdict changed."""
    WIDENED = "widened"
    """The story concerns a wider region than the alert's (a national source carried it)."""
    WITHDRAWN = "withdrawn"
    """The item left its source's feed while older items stayed, and its page answers 404/410."""
    CORRECTED = "corrected"
    """The source published a correction (ralat, koreksi, pencabutan) of the item."""


CANCELLING = frozenset({Reason.WITHDRAWN, Reason.CORRECTED})


@dataclass(frozen=True, slots=True)
class ChainMessage:
    """One message of a chain, as it was made: never changed afterwards."""

    number: int
    """0 for the alert, then 1, 2, ... in the order they were made."""
    step: Step
    at: datetime
    """When it was made: CAP's `sent`, and what the sweep compares plannings with."""
    story: Story
    """The story as it stood then (without its signature)."""
    reasons: tuple[Reason, ...] = ()
    cause: str = ""
    """What made it ("join:<item id>", "gone:<item id>", ...): the same event never makes two."""
    note: str = ""
    """What a reader needs besides the story: the region before it widened, the source
    that withdrew or corrected the item."""


def message_key(story_id: str, number: int) -> str:
    """The sent-ledger key of message `number` of a story's chain, for each recipient: the
    alert keeps the story id (as before chains), an update or cancel adds its number."""
    return story_id if number == 0 else f"{story_id}:{number}"


@dataclass(frozen=True, slots=True)
class Chain:
    story_id: str
    messages: tuple[ChainMessage, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.messages)

    @property
    def last(self) -> ChainMessage | None:
        return self.messages[-1] if self.messages else None

    @property
    def cancelled(self) -> bool:
        return any(m.step is Step.CANCEL for m in self.messages)

    def expires_at(self, lifetime: timedelta = DEFAULT_LIFETIME) -> datetime | None:
        return self.messages[0].at + lifetime if self.messages else None

    def open(self, now: datetime, lifetime: timedelta = DEFAULT_LIFETIME) -> bool:
        """Whether the chain may still gain a message: started, not cancelled, not expired."""
        expires = self.expires_at(lifetime)
        return expires is not None and now < expires and not self.cancelled

    def has_cause(self, cause: str) -> bool:
        return any(m.cause == cause for m in self.messages)


# -- what counts as an update ----------------------------------------------------------


def widened(before: str, after: str) -> bool:
    """Whether a story's region `after` holds `before` and more (35.71 -> 35 -> national)."""
    if before in (after, NATIONAL):
        return False
    return after == NATIONAL or before.startswith(after + ".")


def _overlap(a: str, b: str) -> float:
    """Jaccard overlap of two texts' content words (1.0 for two texts without any)."""
    from warta.core.text.tokens import content_words  # the text pipeline, on first use

    x, y = set(content_words(a)), set(content_words(b))
    return len(x & y) / len(x | y) if x | y else 1.0


def revised(before: Story, title: str, summary: str, text: str = "") -> bool:
    """Whether the item's new title, summary and text change what the alert says: its
    verdict, or most of the words of its fact or of its summary. A typo fixed, a word
    added, is not an update."""
    # The text pipeline on first use: the alert sweep reads chains and never this.
    from warta.core.text.claims import check_claim

    old = check_claim(before.title, before.summary, before.text)
    new = check_claim(title, summary, text)
    return (
        old.verdict is not new.verdict
        or _overlap(old.fact or "", new.fact or "") < REVISED_OVERLAP
        or _overlap(before.summary, summary) < REVISED_OVERLAP
    )


_CORRECTION = re.compile(
    r"^\W*(?:ralat|koreksi|pencabutan|dicabut|pembatalan|revisi\s+berita)\b"
    r"|\[\s*(?:ralat|koreksi|dicabut)\s*\]",
    re.IGNORECASE,
)


def correction_notice(title: str) -> bool:
    """A title that announces a correction of an earlier item: '[RALAT] ...', 'Koreksi:
    ...', 'Pencabutan Siaran Pers ...'. A fact-check's own 'Cek Fakta' is not one."""
    return bool(_CORRECTION.search(title))


def dropped_within_window(published_at: datetime, listed: Sequence[datetime]) -> bool:
    """Whether an item missing from its feed left it before its time: the feed still lists
    an item at least as old, so it did not merely scroll off the end."""
    return any(moment <= published_at for moment in listed)


def describe(message: ChainMessage, previous: Story | None = None) -> str:
    """What an update or a cancel changes, in one Indonesian sentence or two (for CAP and
    feeds; the emails say it through their templates). Empty for the alert."""
    if message.step is Step.ALERT:
        return ""
    who = message.note or "Sumber"
    if message.step is Step.CANCEL:
        if Reason.WITHDRAWN in message.reasons:
            return f"DICABUT: {who} menarik klarifikasi ini; halamannya tidak lagi tersedia."
        return f"DICABUT: {who} menerbitkan ralat atas klarifikasi ini."
    said = []
    if Reason.CONFIRMED in message.reasons:
        known = {s.source_id for s in previous.sources} if previous else set()
        names = [s.name for s in message.story.sources if s.source_id not in known] or [who]
        said.append(f"dikonfirmasi juga oleh {', '.join(names)}")
    if Reason.WIDENED in message.reasons:

        def name(code: str) -> str:
            return "seluruh Indonesia" if code == NATIONAL else region_name(code)

        before = f"dari {name(previous.region)} " if previous else ""
        said.append(f"wilayahnya diperluas {before}menjadi {name(message.story.region)}")
    if Reason.REVISED in message.reasons:
        said.append(f"{who} memperbarui isinya")
    return "PEMBARUAN: " + "; ".join(said) + "."


# -- the JSON form kept in the sent ledger ----------------------------------------------


def story_json(story: Story) -> dict[str, Any]:
    """A story as plain JSON values, without its signature."""
    return {
        "id": story.id,
        "day": story.day.isoformat(),
        "region": story.region,
        "title": story.title,
        "summary": story.summary,
        "published_at": story.published_at.isoformat(),
        "created_at": story.created_at.isoformat(),
        "election": story.election,
        "clarification": story.clarification,
        "urgent": story.urgent,
        "text": story.text,
        "sources": [
            {
                "source_id": s.source_id,
                "name": s.name,
                "url": s.url,
                "authority": s.authority.value,
                "item_id": s.item_id,
                "published_at": s.published_at.isoformat(),
            }
            for s in story.sources
        ],
    }


def story_of(data: Mapping[str, Any]) -> Story:
    """The story story_json wrote; raises KeyError, TypeError or ValueError otherwise."""
    return Story(
        id=data["id"],
        day=date.fromisoformat(data["day"]),
        region=data["region"],
        title=data["title"],
        summary=data["summary"],
        published_at=datetime.fromisoformat(data["published_at"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        election=bool(data["election"]),
        clarification=bool(data["clarification"]),
        urgent=bool(data["urgent"]),
        text=data.get("text", ""),
        sources=tuple(
            StorySource(
                source_id=s["source_id"],
                name=s["name"],
                url=s["url"],
                authority=Authority(s["authority"]),
                item_id=s["item_id"],
                published_at=datetime.fromisoformat(s["published_at"]),
            )
            for s in data["sources"]
        ),
    )


def to_json(message: ChainMessage) -> str:
    """The message as one JSON document (its number is where it is kept)."""
    return json.dumps(
        {
            "step": message.step.value,
            "at": message.at.isoformat(),
            "reasons": [r.value for r in message.reasons],
            "cause": message.cause,
            "note": message.note,
            "story": story_json(message.story),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def from_json(number: int, text: str) -> ChainMessage:
    """The message kept as `text`; raises ValueError when it is not one."""
    try:
        data = json.loads(text)
        return ChainMessage(
            number=number,
            step=Step(data["step"]),
            at=datetime.fromisoformat(data["at"]),
            story=story_of(data["story"]),
            reasons=tuple(Reason(r) for r in data.get("reasons", ())),
            cause=str(data.get("cause", "")),
            note=str(data.get("note", "")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a chain message: {type(exc).__name__}") from None
