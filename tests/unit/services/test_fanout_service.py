"""The hand-offs between steps: due sources, urgent stories, the lost-alert sweep, digest batches.

Run over a real SQLite store and the in-process queue the one-machine cycle uses.
"""

from __future__ import annotations

from datetime import timedelta

from tests import builders
from tests.builders import story_source

from warta.adapters.memory_queue import MemoryQueue
from warta.adapters.sqlite_store import SqliteStore
from warta.core.days import jakarta_day
from warta.core.model import Story, Subscriber
from warta.services.alerts import ALERTED, ALERTED_RECIPIENT
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.fanout import FINISHED, QUEUED, Fanout, Queues
from warta.services.messages import read_batch, read_story_id

from .conftest import LETTERHEAD, NOW, CountingRenderer, FixedClock, RecordingMailer


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
    digest = Digest(
        store=store,
        delivery=Delivery(
            store=store, clock=clock, mailer=RecordingMailer(), letterhead=LETTERHEAD
        ),
        renderer=CountingRenderer(),
        batch_size=batch_size,
    )
    return Fanout(store=store, clock=clock, queues=queues, digest=digest), queues


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


def test_digest_sweep_finds_an_edition_with_a_batch_not_sent(
    store: SqliteStore, clock: FixedClock
) -> None:
    add_subscribers(store, 5)
    service, queues = fanout(store, clock, batch_size=2)
    day = jakarta_day(NOW)
    assert service.unfinished_digests() == []  # never planned: nothing to resume

    service.plan_digest(day)
    batches = [read_batch(m) for m in queues.digest.drain()]
    for batch in batches[:2]:  # the run dies before the third batch
        service.digest.send_batch(batch)

    assert service.unfinished_digests() == [day]
    assert service.unfinished_digests(grace=timedelta(hours=1)) == []  # too recent on AWS
    assert service.resume_digests() == [day]
    for batch in (read_batch(m) for m in queues.digest.drain()):
        service.digest.send_batch(batch)
    assert service.unfinished_digests() == []
    assert store.get_send(FINISHED, day.isoformat(), "edition") is not None


def test_digest_plan_queues_every_active_subscriber_in_batches(
    store: SqliteStore, clock: FixedClock
) -> None:
    add_subscribers(store, 5)
    service, queues = fanout(store, clock, batch_size=2)

    day = jakarta_day(NOW)
    assert service.plan_digest(day) == 3

    batches = [read_batch(m) for m in queues.digest.drain()]
    assert [b.number for b in batches] == [0, 1, 2]
    assert {b.day for b in batches} == {day}
    assert sorted(i for b in batches for i in b.subscriber_ids) == [f"sub-{n}" for n in range(5)]
