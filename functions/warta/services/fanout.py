"""The hand-offs between steps, over the Queue port: one message per unit of work.

Queue the due sources (one message each), queue the urgent stories whose
officials must be alerted and plan each into batches of officials, sweep for
urgent stories whose alerts are not complete, plan the digest slots that are
due (each hour's subscribers of each zone, core.slots) into batches, and sweep
for slots with a batch not sent. On AWS the queues
are SQS and each message is its own Lambda invocation; on one machine they
are in-memory queues that the cycle drains in order. Either way the same
rules decide what is queued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from warta.core.days import recent_days
from warta.core.errors import ConfigError
from warta.core.model import (
    AlertBatch,
    Claim,
    CorrectionBatch,
    DigestBatch,
    SendRecord,
    SendStatus,
    Source,
)
from warta.core.ports import Clock, Queue, Store
from warta.core.slots import Slot, due_slots, edition_slots, recent_slots
from warta.services.alerts import ALERTED, ALERTED_RECIPIENT, AlertPlan, Alerts, Deadline
from warta.services.alerts import PLANNED as ALERT_PLANNED
from warta.services.correction_mail import DONE as CORRECTION_DONE
from warta.services.correction_mail import PLANNED as CORRECTION_PLANNED
from warta.services.correction_mail import RECIPIENT as CORRECTION_RECIPIENT
from warta.services.correction_mail import CorrectionMail
from warta.services.digest import BATCH_DONE, Digest, batch_key
from warta.services.ingest import due_sources
from warta.services.messages import (
    alert_batch_message,
    batch_message,
    correction_batch_message,
    correction_message,
    source_message,
    story_message,
)

QUEUE_CHUNK = 10
"""Batches handed to the queue at a time while a plan streams subscribers or officials."""

QUEUED = "alert-queued"
"""Sent-ledger kind that marks an urgent story whose alerts reached the alert queue."""
QUEUE_RECIPIENT = "alert-queue"
CORRECTION_QUEUED = "correction-queued"
"""Sent-ledger kind that marks a story's correction as handed to the alert queue."""
ALERT_DAYS = 4
"""Jakarta days the lost-alert sweep looks back: an alert's chain may gain an update for
72 hours after it (core.chain), which spans four calendar days."""

SLOT = "digest-slot"
"""Sent-ledger kind of the plannings of digest slots (core.slots): one line per hour ("06")
under "<edition>:<zone>", claimed while a run plans it, then "batches:plan" once planned,
then "done" once the sweep found every batch of that planning sent."""
SLOT_DONE = "done"
SLOT_LEASE = timedelta(minutes=15)
"""How long a claim on a slot's planning holds: far longer than planning a slot takes
(the planning function's timeout is 5 minutes), far shorter than the day it stays due."""


@dataclass(slots=True)
class DuePlanning:
    """What one run of the hourly planning did."""

    planned: list[tuple[Slot, int]] = field(default_factory=list)
    """The slots it planned, each with its number of batches."""
    held: list[Slot] = field(default_factory=list)
    """Slots another run is planning right now."""

    @property
    def batches(self) -> int:
        return sum(batches for _, batches in self.planned)


@dataclass(frozen=True, slots=True)
class Queues:
    """Where each step hands on its work: one message per unit of fan-out."""

    ingest: Queue
    """{"source_id": ...}: one due source to fetch."""
    alerts: Queue
    """{"story_id": ...}: one urgent story to plan into batches of officials; and
    {"story_id": ..., "plan": ..., "number": n, "official_ids": [...]} (with
    "subscriber_ids": [...] for subscribers who asked for urgent alerts): one such batch.
    {"story_id": ..., "correction": true}: a story's correction to plan into batches of
    subscribers, and with "plan", "number" and "subscriber_ids", one such batch."""
    digest: Queue
    """{"day": "YYYY-MM-DD", "number": n, "subscriber_ids": [...]}: one digest batch."""


PLAN_ID = "%Y%m%dT%H%M%S%f"


def _plan_id(clock: Clock) -> str:
    return clock.now().strftime(PLAN_ID)


def _planned_at(record: SendRecord) -> datetime | None:
    """When the planning an alerted mark names started (its id is its UTC time), or, for a
    mark that names none, when the mark was made."""
    try:
        return datetime.strptime(record.message_id or "", PLAN_ID).replace(tzinfo=UTC)
    except ValueError:
        return record.sent_at


class Fanout:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        queues: Queues,
        digest: Digest,
        alerts: Alerts,
        corrections: CorrectionMail | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.queues = queues
        self.digest = digest
        self.alerts = alerts
        self.corrections = corrections

    def queue_sources(self, sources: Iterable[Source], *, force: bool = False) -> list[Source]:
        """Queue every due source (every enabled one when forced); returns those queued."""
        sources = list(sources)
        todo = (
            [s for s in sources if s.enabled]
            if force
            else due_sources(sources, self.store, self.clock.now())
        )
        self.queues.ingest.send([source_message(s.id) for s in todo])
        return todo

    def queue_alerts(self, story_ids: Sequence[str]) -> None:
        """Queue the alerts of these urgent stories, and mark each as queued in the ledger."""
        story_ids = list(dict.fromkeys(story_ids))
        if not story_ids:
            return
        self.queues.alerts.send([story_message(s) for s in story_ids])
        now = self.clock.now()
        for story_id in story_ids:
            self.store.complete_send(
                QUEUED, story_id, QUEUE_RECIPIENT, message_id="queued", now=now
            )

    def plan_alerts(self, story_id: str, deadline: Deadline | None = None) -> AlertPlan:
        """Queue one message per batch of the officials an urgent story concerns.

        Batches are sized for invocations with `deadline`'s time (or as the
        admin set). The planning is recorded with its batch count under an id
        of its own, so the last of its batches to finish, or the sweep, can
        tell that the story's alert is complete.
        """
        report = AlertPlan(story_id)
        story, report.skipped = self.alerts.urgent_story(story_id)
        if story is None:
            return report
        plan = _plan_id(self.clock)
        pending: list[dict[str, Any]] = []
        for batch in self.alerts.plan(story, plan, size=self.alerts.size_for(deadline)):
            pending.append(alert_batch_message(batch))
            report.batches += 1
            report.officials += len(batch.official_ids)
            report.subscribers += len(batch.subscriber_ids)
            if len(pending) == QUEUE_CHUNK:
                self.queues.alerts.send(pending)
                pending = []
        self.queues.alerts.send(pending)
        self.store.complete_send(
            ALERT_PLANNED,
            story_id,
            ALERTED_RECIPIENT,
            message_id=f"{report.batches}:{plan}",
            now=self.clock.now(),
        )
        # No official concerned, or every batch already done before the planning was
        # recorded (they run while it streams): no batch would mark the story alerted.
        self.alerts.finish(story_id, plan)
        return report

    def queue_alert_batches(self, batches: Sequence[AlertBatch]) -> None:
        """Queue batches of officials, such as the rest of one that ran out of time."""
        self.queues.alerts.send([alert_batch_message(b) for b in batches])

    def requeue_lost_alerts(self, grace: timedelta = timedelta(0)) -> int:
        """Queue again the alerts of urgent stories whose officials are still owed them.

        Ingest is the only run that sees a story become urgent. When the queue
        refuses it, the process dies between recording its items and queueing
        the alert, or dies in the middle of planning or of a batch, the retry
        finds the items seen and the alert would be lost: this sweep, run with
        every schedule and every local cycle, finds such stories of the last
        ALERT_DAYS days (Jakarta) by a missing "alert-done" mark (services.alerts),
        or one whose planning began before the last message of the story's chain
        was made (an update or cancel not yet sent to everyone). A story whose
        every batch is done is marked so instead. A story queued
        or planned less than `grace` ago is left to the queue, which may still
        be delivering it or its batches. Queueing twice is harmless: the story
        is planned anew, and its batches send each official only what the
        ledger has not seen. Corrections travel the same queue and are swept here
        too (requeue_lost_corrections); the count is of both.
        """
        now = self.clock.now()
        lost = [
            story.id
            for day in recent_days(now, ALERT_DAYS)
            for story in self.store.stories_of_day(day)
            if story.urgent and self._owed(story.id, now - grace)
        ]
        self.queue_alerts(lost)
        return len(lost) + self.requeue_lost_corrections(grace)

    def _owed(self, story_id: str, queued_before: datetime) -> bool:
        if self._alerted(story_id) or (self.alerts.finish(story_id) and self._alerted(story_id)):
            return False
        marks = (
            self.store.get_send(QUEUED, story_id, QUEUE_RECIPIENT),
            self.store.get_send(ALERT_PLANNED, story_id, ALERTED_RECIPIENT),
        )
        last = max((m.sent_at for m in marks if m and m.sent_at), default=None)
        return last is None or last <= queued_before

    def _alerted(self, story_id: str) -> bool:
        """Whether the story is marked alerted by a planning that began after the last
        message of its chain was made: every recipient has had every message."""
        alerted = self.store.get_send(ALERTED, story_id, ALERTED_RECIPIENT)
        if alerted is None:
            return False
        last = self.alerts.lifecycle.chain(story_id).last
        planned = _planned_at(alerted)
        return last is None or last.number == 0 or (planned is not None and planned >= last.at)

    # -- corrections (services.corrections), over the alert queue ------------------------

    def queue_corrections(self, story_ids: Sequence[str]) -> None:
        """Queue the corrections of these stories, and mark each as queued in the ledger."""
        story_ids = list(dict.fromkeys(story_ids))
        if not story_ids:
            return
        self.queues.alerts.send([correction_message(s) for s in story_ids])
        now = self.clock.now()
        for story_id in story_ids:
            self.store.complete_send(
                CORRECTION_QUEUED, story_id, CORRECTION_RECIPIENT, message_id="queued", now=now
            )

    def plan_corrections(self, story_id: str, deadline: Deadline | None = None) -> int:
        """Queue one message per batch of the subscribers a story's correction may be owed
        to; returns how many batches. Recorded like an alert's planning, so the last batch
        to finish, or the sweep, can tell that the correction is complete."""
        mail = self._correction_mail()
        plan = _plan_id(self.clock)
        pending: list[dict[str, Any]] = []
        batches = 0
        for batch in mail.plan(story_id, plan, size=self.alerts.size_for(deadline)):
            pending.append(correction_batch_message(batch))
            batches += 1
            if len(pending) == QUEUE_CHUNK:
                self.queues.alerts.send(pending)
                pending = []
        self.queues.alerts.send(pending)
        self.store.complete_send(
            CORRECTION_PLANNED,
            story_id,
            CORRECTION_RECIPIENT,
            message_id=f"{batches}:{plan}",
            now=self.clock.now(),
        )
        mail.finish(story_id, plan)
        return batches

    def queue_correction_batches(self, batches: Sequence[CorrectionBatch]) -> None:
        """Queue batches of a correction, such as the rest of one that ran out of time."""
        self.queues.alerts.send([correction_batch_message(b) for b in batches])

    def requeue_lost_corrections(self, grace: timedelta = timedelta(0)) -> int:
        """Queue again the corrections of the last days not yet sent to everyone, as the
        lost-alert sweep does for alerts."""
        if self.corrections is None:
            return 0
        now = self.clock.now()
        lost = []
        for correction in self.corrections.corrections.open_corrections(now):
            story_id = correction.story.id
            if self.store.get_send(CORRECTION_DONE, story_id, CORRECTION_RECIPIENT):
                continue
            if self.corrections.finish(story_id):
                continue
            marks = (
                self.store.get_send(CORRECTION_QUEUED, story_id, CORRECTION_RECIPIENT),
                self.store.get_send(CORRECTION_PLANNED, story_id, CORRECTION_RECIPIENT),
            )
            last = max((m.sent_at for m in marks if m and m.sent_at), default=None)
            if last is None or last <= now - grace:
                lost.append(story_id)
        self.queue_corrections(lost)
        return len(lost)

    def _correction_mail(self) -> CorrectionMail:
        if self.corrections is None:
            raise ConfigError("this fan-out was built without the correction mail")
        return self.corrections

    def plan_due_digests(self) -> DuePlanning:
        """Plan every slot due now (core.slots) that no run has planned yet: the hourly step.

        The slots of one edition in one zone are claimed together in the sent
        ledger, with a lease: of two runs at once exactly one plans each slot,
        one that died holding a claim is taken over once its lease has run out,
        and a slot planned before (by an earlier hour's run, or an admin sending
        the edition at once) is left alone. A slot whose planning fails gives its
        claim back, so the next run, within the day it stays due, plans it again.
        """
        now = self.clock.now()
        report = DuePlanning()
        by_key: dict[str, list[Slot]] = {}
        for slot in due_slots(now):
            by_key.setdefault(slot.key, []).append(slot)
        for key, slots in by_key.items():
            claims = self.store.claim_sends(
                SLOT, key, [s.line for s in slots], now=now, lease=SLOT_LEASE
            )
            for slot in slots:
                claim = claims[slot.line]
                if claim is Claim.HELD:
                    report.held.append(slot)
                if not claim:
                    continue
                try:
                    report.planned.append((slot, self.plan_slot(slot)))
                except BaseException:
                    self.store.release_send(SLOT, slot.key, slot.line)
                    raise
        return report

    def plan_slot(self, slot: Slot) -> int:
        """Queue one message per batch of one slot; returns how many batches.

        The planning is recorded on the slot's ledger line with its batch count
        and an id of its own ("batches:plan"), so the digest sweep can tell
        whether every batch of it was sent.
        """
        plan = f"{_plan_id(self.clock)}:{slot.name}"
        pending: list[dict[str, Any]] = []
        batches = 0
        for batch in self.digest.plan_slot(slot, plan):
            pending.append(batch_message(batch))
            batches += 1
            if len(pending) == QUEUE_CHUNK:
                self.queues.digest.send(pending)
                pending = []
        self.queues.digest.send(pending)
        self.store.complete_send(
            SLOT, slot.key, slot.line, message_id=f"{batches}:{plan}", now=self.clock.now()
        )
        return batches

    def plan_digest(self, day: date) -> int:
        """Queue every slot of an edition at once, whatever the hour (an admin's explicit
        send, the demo); returns how many batches. Its slots count as planned, so the
        hourly planning leaves them alone."""
        return sum(self.plan_slot(slot) for slot in edition_slots(day))

    def queue_digest_batches(self, batches: Sequence[DigestBatch]) -> None:
        """Queue digest batches, such as the rest of one that ran out of time."""
        self.queues.digest.send([batch_message(b) for b in batches])

    def unfinished_digests(self, grace: timedelta = timedelta(0)) -> list[Slot]:
        """Slots of recent editions planned more than `grace` ago with a batch not sent, and
        slots whose planner died holding its claim.

        A slot found complete is marked so ("done"), so later sweeps read one
        line for it and count its batches no more.
        """
        now = self.clock.now()
        unfinished = []
        for slot in recent_slots(now):
            line = self.store.get_send(SLOT, slot.key, slot.line)
            if line is None or line.message_id == SLOT_DONE:
                continue
            if line.status is SendStatus.PENDING:
                # Claimed and never recorded as planned: planning, or dead while planning.
                if line.claimed_at is not None and line.claimed_at <= now - SLOT_LEASE:
                    unfinished.append(slot)
                continue
            if line.sent_at is None or line.sent_at > now - grace:
                continue
            batches, _, plan = (line.message_id or "0:").partition(":")
            key = batch_key(slot.edition, plan)
            if all(
                self.store.get_send(BATCH_DONE, key, str(n)) is not None
                for n in range(int(batches))
            ):
                self.store.complete_send(SLOT, slot.key, slot.line, message_id=SLOT_DONE, now=now)
            else:
                unfinished.append(slot)
        return unfinished

    def resume_digests(self, grace: timedelta = timedelta(0)) -> list[Slot]:
        """Plan again every unfinished slot; the ledger keeps anyone from a second copy."""
        slots = self.unfinished_digests(grace)
        for slot in slots:
            self.plan_slot(slot)
        return slots
