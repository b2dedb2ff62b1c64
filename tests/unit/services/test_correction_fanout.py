"""A correction through the alert queue: its messages, planning, batches and the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.builders import story, story_source
from tests.doubles import RecordingQueue

from warta.adapters.sqlite_store import SqliteStore
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, Authority, CorrectionBatch, Story, Subscriber
from warta.render import JinjaRenderer
from warta.services.alerts import Alerts, Deadline
from warta.services.correction_mail import DONE, RECIPIENT, CorrectionMail
from warta.services.corrections import Corrections
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.fanout import Fanout, Queues
from warta.services.messages import (
    BadMessage,
    correction_batch_message,
    correction_message,
    read_alert,
)

from .conftest import LETTERHEAD, FixedClock, RecordingMailer
from .test_alert_chain_sending import CLARIFICATION

RUMOUR: Story = story(
    "st-kabar",
    region="35.71",
    title="Video Kotak Suara Dibakar di Gudang KPU Kota Kediri Viral",
    summary="Sebuah video kotak suara dibakar di gudang KPU Kota Kediri viral.",
    sources=(story_source("radar", "Radar Kediri", authority=Authority.MEDIA),),
)


@pytest.mark.parametrize(
    "batch",
    [CorrectionBatch("st-kabar"), CorrectionBatch("st-kabar", ("sub-a", "sub-b"), 3, "p1")],
)
def test_correction_messages_read_back_as_written(batch: CorrectionBatch) -> None:
    message = correction_message(batch.story_id) if not batch.plan else None
    body = message or correction_batch_message(batch)

    assert read_alert(body) == batch


@pytest.mark.parametrize(
    "body",
    [
        {"story_id": "st-kabar", "correction": "yes"},
        {"story_id": "st-kabar", "correction": True, "subscriber_ids": "sub-a", "plan": "p"},
        {"story_id": "st-kabar", "correction": True, "subscriber_ids": ["sub-a"], "number": 0},
        {"story_id": "st-kabar", "correction": True, "subscriber_ids": [""], "plan": "p"},
    ],
)
def test_a_correction_message_of_the_wrong_shape_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(BadMessage):
        read_alert(body)


class World:
    def __init__(self, store: SqliteStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        self.mailer = RecordingMailer()
        self.queue = RecordingQueue()
        delivery = Delivery(store=store, clock=clock, mailer=self.mailer, letterhead=LETTERHEAD)
        self.corrections = Corrections(store=store)
        self.mail = CorrectionMail(
            corrections=self.corrections,
            delivery=delivery,
            renderer=JinjaRenderer(),
            page_size=2,
        )
        renderer = JinjaRenderer()
        self.fanout = Fanout(
            store=store,
            clock=clock,
            queues=Queues(ingest=RecordingQueue(), alerts=self.queue, digest=RecordingQueue()),
            digest=Digest(store=store, delivery=delivery, renderer=renderer),
            alerts=Alerts(store=store, delivery=delivery, renderer=renderer, batch_size=2),
            corrections=self.mail,
        )

    def readers(self, count: int, *, urgent: bool = True) -> list[str]:
        ids = []
        for n in range(count):
            address = f"pembaca{n}@warga.example"
            self.store.put_subscriber(
                Subscriber(subscriber_id(address), address, regions=(ALL_REGIONS,), urgent=urgent)
            )
            ids.append(subscriber_id(address))
        return ids

    def corrected(self, received: list[str]) -> None:
        self.store.put_story(RUMOUR)
        self.corrections.record_received(RUMOUR.day, [RUMOUR.id], received, now=self.clock.now())
        assert self.corrections.record(RUMOUR, CLARIFICATION, now=self.clock.now())

    def drain(self) -> None:
        """Run the alert queue as its function does, until it is empty."""
        while messages := self.queue.drain():
            for body in messages:
                work = read_alert(body)
                assert isinstance(work, CorrectionBatch)
                if not work.plan:
                    self.fanout.plan_corrections(work.story_id)
                else:
                    self.mail.send_batch(work)


def test_a_correction_reaches_its_readers_in_batches_once_and_is_marked_done(
    store: SqliteStore, clock: FixedClock
) -> None:
    world = World(store, clock)
    readers = world.readers(5)
    world.corrected(readers[:4])  # the fifth did not get that digest
    world.fanout.queue_corrections([RUMOUR.id])

    world.drain()
    world.fanout.queue_corrections([RUMOUR.id])  # delivered twice: nothing more
    world.drain()

    to = sorted(str(m["To"]) for m in world.mailer.sent)
    assert to == [f"pembaca{n}@warga.example" for n in range(4)]
    assert store.get_send(DONE, RUMOUR.id, RECIPIENT) is not None
    assert world.fanout.requeue_lost_corrections() == 0


def test_a_batch_out_of_time_hands_back_the_rest(store: SqliteStore, clock: FixedClock) -> None:
    world = World(store, clock)
    readers = world.readers(3)
    world.corrected(readers)
    left = iter([100.0, 100.0, 10.0, 10.0])

    report = world.mail.send_batch(
        CorrectionBatch(RUMOUR.id, tuple(readers), 0, "p"),
        Deadline(total=100.0, remaining=lambda: next(left, 10.0)),
    )

    assert report.sent == 1
    assert report.remainder is not None and report.remainder.subscriber_ids == tuple(readers[1:])
    assert store.get_send(DONE, RUMOUR.id, RECIPIENT) is None


def test_the_sweep_plans_again_a_correction_whose_planning_was_lost(
    store: SqliteStore, clock: FixedClock
) -> None:
    world = World(store, clock)
    readers = world.readers(2, urgent=False)
    world.corrected(readers)
    world.fanout.queue_corrections([RUMOUR.id])
    world.queue.drain()  # the queue lost it

    assert world.fanout.requeue_lost_corrections(timedelta(minutes=15)) == 0  # still in grace
    clock.advance(minutes=16)
    assert world.fanout.requeue_lost_corrections(timedelta(minutes=15)) == 1
    world.drain()

    # They take the digest: the correction waits for it, and the correction is done here.
    assert world.mailer.sent == []
    assert store.get_send(DONE, RUMOUR.id, RECIPIENT) is not None
    assert world.fanout.requeue_lost_corrections() == 0
