"""Corrections: who read a story in a digest hears, once, when it is clarified.

A story goes out in a digest; within `days` (3 by default) it becomes the
subject of a clarification: a clarification item joins the story itself, or a
new clarification's claim matches it (`rebuts`). Ingest records the
correction once (`record`), keeping the clarification as it stood then, and
asks for it to be sent.

Who received which story is recorded by the digest sender: for each edition,
one note per distinct set of stories sent (a segment, named by a hash of its
story ids, `segment`), and each recipient's digest line in the sent ledger
keeps the name of their segment (SendRecord.note), written with its
completion. A correction goes to exactly the subscribers whose line names a
segment holding the story. (Lines of their own, RECEIVED_KIND, name it for
digests recorded apart from their ledger line: `record_received`.)

How, each subscriber's choices decide: one who takes urgent clarifications as
they come (Subscriber.urgent), or no longer takes the digest, gets one short
correction email now, fanned out like an alert (planned into batches of
subscribers on the alert queue, a batch sent per message); the others find it
leading their next digest (`owed_in_digest`, `delivered_in_digest`). Either
way the ledger line (KIND, story, subscriber) makes it once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from hashlib import blake2b

from warta.core.chain import story_json, story_of
from warta.core.days import jakarta_day, recent_days
from warta.core.model import Reader, SendStatus, Story, Subscriber
from warta.core.ports import Store
from warta.services import notes

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 3
"""A story clarified this many days after its digest day, at most, is corrected."""

KIND = "correction"
"""Sent-ledger kind of one subscriber's correction (key: the corrected story), by email or
in a digest."""
NOTE_KIND = "correction-note"
"""The correction of a story (key: its id): the clarification as it stood, and when."""
LOG_KIND = "correction-log"
"""The stories corrected on a Jakarta day (key: the day), in order: what digests look up."""
DIGEST_KIND = "digest"
"""Sent-ledger kind of a digest (key: the day), whose note names the recipient's segment."""
RECEIVED_KIND = "digest-stories"
"""Which stories one recipient's digest of a day held (key: the day), for a digest whose own
line names no segment: their segment's name as the line's message id."""
SEGMENT_KIND = "digest-segment"
"""The story ids of one segment of an edition (key: "<day>:<segment>")."""

NOTED_KEPT = 10_000
"""Segment notes remembered as written, at most (a day has one per selection of stories)."""

MIN_SHARED = 3
"""Content words a claim must share with a story to rebut it."""
MIN_CONTAINED = 0.6
"""Share of the claim's content words a story must contain to be the one it rebuts."""


def rebuts(clarification: Story, story: Story) -> bool:
    """Whether `clarification` (a new clarification story) is about `story` (an earlier one that
    was not a clarification): most of the claim's words are in the story's title and summary,
    and the two name the same places, figures and dates."""
    # The text pipeline on first use: the sweeps and the digest read corrections only.
    from warta.core.text.claims import check_story
    from warta.core.text.cluster import compatible
    from warta.core.text.tokens import content_words

    claim = check_story(clarification).claim or clarification.title
    words = set(content_words(claim))
    shared = words & set(content_words(f"{story.title} {story.summary}"))
    return (
        len(shared) >= MIN_SHARED
        and len(shared) / len(words) >= MIN_CONTAINED
        and compatible(clarification.title, claim, story.title, story.summary)
    )


def segment_name(story_ids: Sequence[str]) -> str:
    return blake2b(" ".join(sorted(story_ids)).encode(), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Correction:
    story: Story
    """The story the subscribers read, as it is now."""
    clarification: Story
    """What clarifies it, as it stood when the correction was made."""
    at: datetime


class Corrections:
    """The corrections and what they are read from, in the store (no mail is sent here:
    services.correction_mail sends them)."""

    def __init__(self, *, store: Store, days: int = DEFAULT_DAYS) -> None:
        self.store = store
        self.days = days
        self._noted: set[str] = set()
        """Segment notes this instance wrote: a note never changes, so once is enough."""

    # -- noticing ------------------------------------------------------------------------
    def in_window(self, story: Story, now: datetime) -> bool:
        return jakarta_day(now) - timedelta(days=self.days) <= story.day

    def rebutted_by(self, clarification: Story, now: datetime) -> list[Story]:
        """Recent stories that were not clarifications and that `clarification` rebuts."""
        found = []
        for day in recent_days(now, self.days + 1):
            for story in self.store.stories_of_day(day):
                if (
                    story.id != clarification.id
                    and story.election
                    and not story.clarification
                    and rebuts(clarification, story)
                ):
                    found.append(story)
        return found

    def record(self, story: Story, clarification: Story, *, now: datetime) -> bool:
        """Record that `story` is clarified by `clarification`; True the first time, when the
        story is recent enough (never for a story that was itself a clarification)."""
        if story.clarification or not self.in_window(story, now):
            return False
        text = json.dumps(
            {"at": now.isoformat(), "clarification": story_json(clarification)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        if not notes.claim_note(self.store, NOTE_KIND, story.id, text, now=now):
            return False
        notes.append(self.store, LOG_KIND, jakarta_day(now).isoformat(), story.id, now=now)
        logger.info("correction recorded", extra={"story_id": story.id})
        return True

    def correction(self, story_id: str) -> Correction | None:
        text = notes.get_note(self.store, NOTE_KIND, story_id)
        story = self.store.get_story(story_id) if text else None
        if text is None or story is None:
            return None
        try:
            data = json.loads(text)
            return Correction(
                story, story_of(data["clarification"]), datetime.fromisoformat(data["at"])
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("correction unreadable", extra={"story_id": story_id})
            return None

    def open_corrections(self, now: datetime) -> list[Correction]:
        """The corrections made in the last `days` days, oldest first."""
        found: dict[str, Correction] = {}
        for day in recent_days(now, self.days + 1):
            for entry in notes.entries(self.store, LOG_KIND, day.isoformat()):
                if entry.text not in found and (correction := self.correction(entry.text)):
                    found[entry.text] = correction
        return list(found.values())

    # -- who received what -----------------------------------------------------------------
    def segment(self, day: date, story_ids: Sequence[str], *, now: datetime) -> str:
        """The name of the segment of `day` holding these stories, its note written (once by
        this instance): what a digest's line notes when it holds them."""
        segment = segment_name(story_ids)
        key = f"{day.isoformat()}:{segment}"
        if key not in self._noted:
            notes.put_note(self.store, SEGMENT_KIND, key, " ".join(story_ids), now=now)
            if len(self._noted) >= NOTED_KEPT:
                self._noted.clear()
            self._noted.add(key)
        return segment

    def record_received(
        self, day: date, story_ids: Sequence[str], subscriber_ids: Sequence[str], *, now: datetime
    ) -> None:
        """Record that these subscribers' digest of `day` held these stories, apart from their
        digest lines (a digest sent without them, or by a Warta whose lines kept no note)."""
        if not story_ids or not subscriber_ids:
            return
        segment = self.segment(day, story_ids, now=now)
        lines = dict.fromkeys(subscriber_ids, segment)
        self.store.complete_sends(RECEIVED_KIND, day.isoformat(), lines, now=now)

    def received(
        self, subscriber_id: str, story: Story, segments: dict[str, frozenset[str]]
    ) -> bool:
        """Whether the subscriber's digest of the story's day held it (`segments` caches the
        segments read so far)."""
        day = story.day.isoformat()
        line = self.store.get_send(DIGEST_KIND, day, subscriber_id)
        segment = line.note if line is not None and line.status is SendStatus.SENT else None
        if not segment:
            line = self.store.get_send(RECEIVED_KIND, day, subscriber_id)
            if line is None or line.status is not SendStatus.SENT or not line.message_id:
                return False
            segment = line.message_id
        key = f"{day}:{segment}"
        if key not in segments:
            text = notes.get_note(self.store, SEGMENT_KIND, key) or ""
            segments[key] = frozenset(text.split())
        return story.id in segments[key]

    # -- in the next digest ---------------------------------------------------------------------
    @staticmethod
    def by_email(subscriber: Subscriber | Reader) -> bool:
        """Whether the subscriber gets a correction as its own email rather than leading their
        next digest: they take urgent clarifications as they come, or no longer the digest."""
        return subscriber.urgent or not subscriber.digest

    def owed_in_digest(
        self,
        subscribers: Sequence[Subscriber | Reader],
        now: datetime,
        open_corrections: Sequence[Correction] | None = None,
    ) -> Mapping[str, tuple[Correction, ...]]:
        """The corrections each of these subscribers (who take them in the digest) is owed:
        stories they received that were clarified since, not yet corrected for them, among
        `open_corrections` (read now unless given)."""
        corrections = self.open_corrections(now) if open_corrections is None else open_corrections
        if not corrections:
            return {}
        owed: dict[str, tuple[Correction, ...]] = {}
        segments: dict[str, frozenset[str]] = {}
        for subscriber in subscribers:
            if self.by_email(subscriber):
                continue
            theirs = tuple(
                c
                for c in corrections
                if self.received(subscriber.id, c.story, segments)
                and self.store.get_send(KIND, c.story.id, subscriber.id) is None
            )
            if theirs:
                owed[subscriber.id] = theirs
        return owed

    def delivered_in_digest(
        self,
        subscriber_id: str,
        corrections: Sequence[Correction],
        message: str,
        *,
        now: datetime,
    ) -> None:
        """Record that these corrections led a digest sent to the subscriber (`message`: its
        Message-ID)."""
        for correction in corrections:
            self.store.complete_send(
                KIND, correction.story.id, subscriber_id, message_id=message, now=now
            )
