"""The hand-offs between steps: due sources, urgent stories planned into batches of officials,
the lost-alert sweep, digest batches.

Run over a real SQLite store and the in-process queue the one-machine cycle uses.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests import builders
from tests.builders import official, story_source

from warta.adapters.memory_queue import MemoryQueue
from warta.adapters.sqlite_store import SqliteStore
from warta.core.days import jakarta_day
from warta.core.model import AlertBatch, Story, Subscriber
from warta.core.slots import Slot
from warta.services.alerts import (
    ALERTED,
    ALERTED_RECIPIENT,
    BATCH_DONE,
    PLANNED,
    Alerts,
    Deadline,
    batch_key,
)
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.fanout import QUEUED, SLOT, SLOT_DONE, Fanout, Queues
from warta.services.messages import (
    BadMessage,
    alert_batch_message,
    read_alert,
    read_batch,
    read_story_id,
)

from .conftest import (
    LETTERHEAD,
    NOW,
    CountingRenderer,
    FixedClock,
    RecordingMailer,
    RecordingNotifier,
)


def urgent_story(story_id: str, days_ago: int, *, urgent: bool = True) -> Story:
    when = NOW - timedelta(days=days_ago)
    return builders.story(
        story_id,
        day=jakarta_day(when),
        title="KPU Bantah Isu Surat Suara Dicoblos",
        summary="KPU menegaskan kabar itu tidak benar.",
        published_at=when,
        created_at=when,
        urgent=urgent,
        sources=(story_source(url="https://www.kpu.go.id/b/1", published_at=when),),
    )


def add_subscribers(store: SqliteStore, count: int) -> None:
    """Subscribers sub-0, sub-1...: all active, all since NOW."""
    for n in range(count):
        store.put_subscriber(Subscriber(id=f"sub-{n}", email=f"s{n}@contoh.id", created_at=NOW))


def fanout(store: SqliteStore, clock: FixedClock, batch_size: int = 2) -> tuple[Fanout, Queues]:
    queues = Queues(ingest=MemoryQueue(), alerts=MemoryQueue(), digest=MemoryQueue())
    delivery = Delivery(
        store=store,
        clock=clock,
        mailer=RecordingMailer(),
        notifier=RecordingNotifier(),
        letterhead=LETTERHEAD,
    )
    renderer = CountingRenderer()
    digest = Digest(store=store, delivery=delivery, renderer=renderer, batch_size=batch_size)
    alerts = Alerts(store=store, delivery=delivery, renderer=renderer, batch_size=batch_size)
    service = Fanout(store=store, clock=clock, queues=queues, digest=digest, alerts=alerts)
    return service, queues


def add_officials(store: SqliteStore, count: int) -> None:
    for n in range(count):
        store.put_official(official(f"off-{n}", "national", phone=f"+62811000000{n:02d}"))


def alert_batches(queues: Queues) -> list[AlertBatch]:
    taken = [read_alert(m) for m in queues.alerts.drain()]
    assert all(isinstance(b, AlertBatch) for b in taken)
    return [b for b in taken if isinstance(b, AlertBatch)]


def test_sweep_queues_urgent_stories_whose_officials_are_still_owed_their_alert(
    store: SqliteStore, clock: FixedClock
) -> None:
    for story in (
        urgent_story("today", 0),
        urgent_story("yesterday", 1),
        urgent_story("last-week", 7),
        urgent_story("calm", 0, urgent=False),
    ):
        store.put_story(story)
    service, queues = fanout(store, clock)

    assert service.requeue_lost_alerts() == 2
    queued = [read_story_id(m) for m in queues.alerts.drain()]
    assert sorted(queued) == ["today", "yesterday"]
    assert store.get_send(QUEUED, "today", "alert-queue") is not None
    # Queued but never alerted (the run died): the next sweep queues them again...
    assert service.requeue_lost_alerts() == 2
    # ...unless the queue may still be delivering them.
    clock.advance(minutes=5)
    service.queue_alerts(["today", "yesterday"])
    assert service.requeue_lost_alerts(grace=timedelta(minutes=15)) == 0


def test_a_story_whose_alert_is_done_is_not_swept_again(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    service, queues = fanout(store, clock)
    service.queue_alerts(["today", "today"])
    assert [read_story_id(m) for m in queues.alerts.drain()] == ["today"]

    store.complete_send(ALERTED, "today", ALERTED_RECIPIENT, message_id="done", now=NOW)

    assert service.requeue_lost_alerts() == 0


def test_digest_sweep_finds_a_slot_with_a_batch_not_sent(
    store: SqliteStore, clock: FixedClock
) -> None:
    add_subscribers(store, 5)  # all at 06:00 in Jakarta
    service, queues = fanout(store, clock, batch_size=2)
    day = jakarta_day(NOW)
    slot = Slot(day, "Asia/Jakarta", 6)
    assert service.unfinished_digests() == []  # never planned: nothing to resume

    service.plan_digest(day)
    batches = [read_batch(m) for m in queues.digest.drain()]
    for batch in batches[:2]:  # the run dies before the third batch
        service.digest.send_batch(batch)

    assert service.unfinished_digests() == [slot]  # the empty slots are done
    assert service.unfinished_digests(grace=timedelta(hours=1)) == []  # too recent on AWS
    assert service.resume_digests() == [slot]
    for batch in (read_batch(m) for m in queues.digest.drain()):
        service.digest.send_batch(batch)
    assert service.unfinished_digests() == []
    line = store.get_send(SLOT, slot.key, slot.line)
    assert line is not None and line.message_id == SLOT_DONE


def test_digest_plan_queues_every_active_subscriber_of_the_edition_in_batches(
    store: SqliteStore, clock: FixedClock
) -> None:
    add_subscribers(store, 5)
    service, queues = fanout(store, clock, batch_size=2)

    day = jakarta_day(NOW)
    assert service.plan_digest(day) == 3

    batches = [read_batch(m) for m in queues.digest.drain()]
    assert [b.number for b in batches] == [0, 1, 2]
    assert {b.day for b in batches} == {day}
    assert len({b.plan for b in batches}) == 1  # one planning of the one slot they share
    assert sorted(i for b in batches for i in b.subscriber_ids) == [f"sub-{n}" for n in range(5)]


def test_an_urgent_story_is_planned_into_batches_of_its_officials(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    add_officials(store, 5)
    service, queues = fanout(store, clock, batch_size=2)

    plan = service.plan_alerts("today")

    batches = alert_batches(queues)
    assert (plan.batches, plan.officials, plan.skipped) == (3, 5, None)
    assert [b.number for b in batches] == [0, 1, 2]
    assert len({b.plan for b in batches}) == 1
    planned = store.get_send(PLANNED, "today", ALERTED_RECIPIENT)
    assert planned is not None and planned.message_id == f"3:{batches[0].plan}"
    assert store.get_send(ALERTED, "today", ALERTED_RECIPIENT) is None  # nothing sent yet


def test_without_a_set_size_batches_fit_the_deadline_they_run_under(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    add_officials(store, 40)
    service, queues = fanout(store, clock)
    service.alerts.batch_size = None

    plan = service.plan_alerts("today", Deadline(total=10, remaining=lambda: 10))

    assert plan.batches == 3  # 17 officials fit half of 10 s
    assert [len(b.official_ids) for b in alert_batches(queues)] == [17, 17, 6]


@pytest.mark.parametrize(("story_id", "why"), [("calm", "not urgent"), ("gone", "unknown story")])
def test_a_story_not_to_alert_about_is_not_planned(
    store: SqliteStore, clock: FixedClock, story_id: str, why: str
) -> None:
    store.put_story(urgent_story("calm", 0, urgent=False))
    add_officials(store, 2)
    service, queues = fanout(store, clock)

    assert service.plan_alerts(story_id).skipped == why
    assert queues.alerts.drain() == []


def test_a_story_concerning_no_official_is_alerted_once_planned(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    service, queues = fanout(store, clock)

    assert service.plan_alerts("today").batches == 0
    assert queues.alerts.drain() == []
    assert store.get_send(ALERTED, "today", ALERTED_RECIPIENT) is not None


def test_sweep_plans_again_a_story_with_a_batch_not_done_once_its_grace_is_over(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    add_officials(store, 5)
    service, queues = fanout(store, clock, batch_size=2)
    service.plan_alerts("today")
    for batch in alert_batches(queues)[:2]:  # the third batch's invocation dies
        service.alerts.send_batch(batch)

    clock.advance(minutes=10)
    assert service.requeue_lost_alerts(grace=timedelta(minutes=15)) == 0  # planned too recently
    clock.advance(minutes=10)
    assert service.requeue_lost_alerts(grace=timedelta(minutes=15)) == 1
    assert [read_alert(m) for m in queues.alerts.drain()] == ["today"]

    service.plan_alerts("today")
    again = [service.alerts.send_batch(b) for b in alert_batches(queues)]

    assert [r.sms for r in again] == [0, 0, 1]  # only the one who was owed it
    assert sum(r.already for r in again) == 4
    assert store.get_send(ALERTED, "today", ALERTED_RECIPIENT) is not None
    assert service.requeue_lost_alerts() == 0


def test_sweep_marks_a_story_whose_batches_are_all_done_instead_of_planning_it_again(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(urgent_story("today", 0))
    add_officials(store, 3)
    service, queues = fanout(store, clock, batch_size=2)
    service.plan_alerts("today")
    for batch in alert_batches(queues):
        # What each batch records once done; the last one dies before it marks the story.
        key = batch_key(batch.story_id, batch.plan)
        store.complete_send(BATCH_DONE, key, str(batch.number), message_id="done", now=NOW)
    assert store.get_send(ALERTED, "today", ALERTED_RECIPIENT) is None

    assert service.requeue_lost_alerts() == 0
    assert queues.alerts.drain() == []
    assert store.get_send(ALERTED, "today", ALERTED_RECIPIENT) is not None


def test_an_alert_batch_of_subscribers_goes_through_the_queue_whole() -> None:
    batch = AlertBatch("st-1", (), 3, "p1", subscriber_ids=("sub-a", "sub-b"))
    assert read_alert(json.loads(json.dumps(alert_batch_message(batch)))) == batch
    officials = AlertBatch("st-1", ("o1",), 0, "p1")
    assert read_alert(json.loads(json.dumps(alert_batch_message(officials)))) == officials


@pytest.mark.parametrize("bad", [{"a": 1}, "sub-a", [""], [1]])
def test_an_alert_batch_with_bad_subscriber_ids_is_refused(bad: object) -> None:
    body = {"story_id": "st-1", "number": 0, "official_ids": [], "subscriber_ids": bad}
    with pytest.raises(BadMessage):
        read_alert(body)
