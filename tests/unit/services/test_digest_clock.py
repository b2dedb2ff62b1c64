"""Each subscriber receives the digest at their own hour in their own zone, once a day.

An install is driven hour by hour as the hourly schedule drives it (plan the slots
due, then send every batch queued) over a real SQLite store and the in-process queue,
its clock set to each hour. Who received what, and when, is read back from the sent
ledger (the digest line of each edition) and the recording mailer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from tests import builders
from tests.builders import story_source

from warta.adapters.memory_queue import MemoryQueue
from warta.adapters.sqlite_store import SqliteStore
from warta.core.model import Subscriber, SubscriberStatus
from warta.core.slots import Slot
from warta.services.alerts import Alerts
from warta.services.delivery import Delivery
from warta.services.digest import KIND, Digest
from warta.services.fanout import Fanout, Queues
from warta.services.messages import read_batch

from .conftest import LETTERHEAD, CountingRenderer, FixedClock, RecordingMailer

FEB_10, FEB_11, FEB_12 = date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12)
LATE_TITLE = "KPU Tetapkan Daftar Pemilih Tambahan Malam Ini"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


@dataclass
class Install:
    store: SqliteStore
    clock: FixedClock
    mailer: RecordingMailer = field(default_factory=RecordingMailer)
    queued: list[tuple[str, ...]] = field(default_factory=list)
    """The subscriber ids of every batch queued, in order."""

    def __post_init__(self) -> None:
        self.queue = MemoryQueue()
        delivery = Delivery(
            store=self.store,
            clock=self.clock,
            mailer=self.mailer,
            notifier=None,  # type: ignore[arg-type]  # the digest sends no SMS
            letterhead=LETTERHEAD,
        )
        renderer = CountingRenderer()
        self.digest = Digest(store=self.store, delivery=delivery, renderer=renderer, batch_size=2)
        alerts = Alerts(store=self.store, delivery=delivery, renderer=renderer)
        queues = Queues(ingest=MemoryQueue(), alerts=MemoryQueue(), digest=self.queue)
        self.fanout = Fanout(
            store=self.store, clock=self.clock, queues=queues, digest=self.digest, alerts=alerts
        )

    def send_queued(self) -> None:
        for message in self.queue.drain():
            batch = read_batch(message)
            self.queued.append(batch.subscriber_ids)
            self.digest.send_batch(batch)

    def hourly(self, start: datetime, hours: int, *, skip: Iterable[datetime] = ()) -> None:
        """The hourly schedule from `start` (its runs at `skip` missed)."""
        skipped = set(skip)
        for n in range(hours):
            moment = start + timedelta(hours=n)
            if moment in skipped:
                continue
            self.clock.set(moment)
            self.fanout.plan_due_digests()
            self.send_queued()

    def received(self, subscriber: Subscriber) -> dict[date, datetime]:
        """When each edition reached the subscriber, from the sent ledger."""
        got = {}
        for edition in (FEB_10, FEB_11, FEB_12):
            line = self.store.get_send(KIND, edition.isoformat(), subscriber.id)
            if line is not None and line.sent_at is not None:
                got[edition] = line.sent_at
        # The ledger and the mailer agree: one message per edition received.
        assert len(self.mailer.to(subscriber.email)) == len(got)
        return got


def subscriber(name: str, region: str, hour: int = 6, **fields: object) -> Subscriber:
    return Subscriber(
        id=f"sub-{name}",
        email=f"{name}@contoh.id",
        regions=(region,),
        digest_hour=hour,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def install(store: SqliteStore, clock: FixedClock) -> Install:
    """National stories on the 10th, 11th and 12th (Jakarta days), one of them filed at
    23:30 WIB on the 10th: after midnight in WIT, still the 10th's edition."""
    for n, (day, when, title) in enumerate(
        [
            (FEB_10, utc(10, 3), "KPU Umumkan Jadwal Kampanye"),
            (FEB_10, utc(10, 16, 30), LATE_TITLE),
            (FEB_11, utc(11, 4), "Bawaslu Awasi Masa Tenang"),
            (FEB_12, utc(12, 4), "KPU Siapkan Logistik Pemungutan Suara"),
        ]
    ):
        source = story_source(url=f"https://www.kpu.go.id/berita/{n}", published_at=when)
        store.put_story(
            builders.story(
                f"st-{n}", day=day, title=title, published_at=when, created_at=when,
                sources=(source,),
            )
        )  # fmt: skip
    return Install(store, clock)


WIB = subscriber("wib", "35.71")  # Kota Kediri, 06:00 WIB
WITA = subscriber("wita", "73.71")  # Kota Makassar, 06:00 WITA
WIT = subscriber("wit", "91.01")  # Papua, 06:00 WIT
WIT_MIDNIGHT = subscriber("wit-midnight", "91.01", hour=0)


def test_each_subscriber_gets_each_edition_once_at_their_own_hour_across_days(
    install: Install,
) -> None:
    for person in (WIB, WITA, WIT, WIT_MIDNIGHT):
        install.store.put_subscriber(person)

    install.hourly(utc(10, 12), hours=48)

    assert install.received(WIT) == {FEB_10: utc(10, 21), FEB_11: utc(11, 21)}  # 06:00 WIT
    assert install.received(WITA) == {FEB_10: utc(10, 22), FEB_11: utc(11, 22)}  # 06:00 WITA
    assert install.received(WIB) == {FEB_10: utc(10, 23), FEB_11: utc(11, 23)}  # 06:00 WIB
    # Midnight in WIT is 22:00 in Jakarta: the edition waits for Jakarta's day to end.
    assert install.received(WIT_MIDNIGHT) == {FEB_10: utc(10, 17), FEB_11: utc(11, 17)}


def test_a_wit_morning_edition_holds_the_whole_jakarta_day(install: Install) -> None:
    install.store.put_subscriber(WIT)
    install.store.put_subscriber(WIT_MIDNIGHT)

    install.hourly(utc(10, 12), hours=12)

    for person in (WIT, WIT_MIDNIGHT):
        (message,) = install.mailer.to(person.email)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert LATE_TITLE in text  # filed at 23:30 WIB, after midnight in WIT
        assert "Bawaslu Awasi Masa Tenang" not in text  # the 11th's, next edition


def test_a_missed_hour_is_caught_up_at_the_next_run_never_twice(install: Install) -> None:
    for person in (WIB, WIT):
        install.store.put_subscriber(person)

    # The runs at 06:00 WIB and 06:00 WIT on the 11th never happen.
    install.hourly(utc(10, 12), hours=36, skip=[utc(10, 23), utc(10, 21)])
    install.clock.set(utc(11, 23, 30))
    again = install.fanout.plan_due_digests()  # a second run within the same hour

    assert install.received(WIB) == {FEB_10: utc(11, 0), FEB_11: utc(11, 23)}  # 07:00 WIB
    assert install.received(WIT) == {FEB_10: utc(10, 22), FEB_11: utc(11, 21)}  # 07:00 WIT
    assert again.planned == []


def test_planning_again_or_sending_the_edition_at_once_sends_nobody_a_second_copy(
    install: Install,
) -> None:
    install.store.put_subscriber(WIB)
    install.hourly(utc(10, 23), hours=1)

    install.clock.set(utc(11, 1))
    install.fanout.plan_digest(FEB_10)  # an admin sends the 10th's edition to everyone
    install.send_queued()
    install.fanout.plan_slot(Slot(FEB_10, "Asia/Jakarta", 6))  # as a sweep would
    install.send_queued()

    assert install.received(WIB) == {FEB_10: utc(10, 23)}
    assert sum(WIB.id in ids for ids in install.queued) == 3  # planned thrice, sent once
    assert install.fanout.unfinished_digests() == []


def test_a_subscriber_without_the_digest_or_not_active_is_never_planned(
    install: Install,
) -> None:
    install.store.put_subscriber(WIB)
    away = [
        subscriber("no-digest", "35.71", digest=False, urgent=True),
        subscriber("pending", "35.71", status=SubscriberStatus.PENDING),
        subscriber("left", "35.71", status=SubscriberStatus.UNSUBSCRIBED),
    ]
    for person in away:
        install.store.put_subscriber(person)

    install.hourly(utc(10, 12), hours=48)

    planned = {i for ids in install.queued for i in ids}
    assert planned == {WIB.id}
    assert all(install.received(person) == {} for person in away)


def test_a_subscriber_who_moves_their_hour_after_todays_digest_gets_no_second_one(
    install: Install,
) -> None:
    install.store.put_subscriber(WIB)
    install.hourly(utc(10, 23), hours=2)  # 06:00 and 07:00 WIB: the digest came at 06:00
    install.store.put_subscriber(replace(WIB, digest_hour=9))

    install.hourly(utc(11, 1), hours=26)  # 08:00 WIB on the 11th to 09:00 WIB on the 12th

    assert install.received(WIB) == {FEB_10: utc(10, 23), FEB_11: utc(12, 2)}  # then 09:00
    # 09:00 WIB on the 11th planned them with the 10th's edition: the ledger said no.
    assert sum(WIB.id in ids for ids in install.queued) == 3


def test_a_subscriber_who_moves_their_hour_later_before_it_came_gets_it_at_the_new_hour(
    install: Install,
) -> None:
    later = replace(WIB, digest_hour=9)
    install.store.put_subscriber(later)
    install.hourly(utc(10, 22), hours=2)  # 05:00, 06:00 WIB: not theirs
    install.store.put_subscriber(replace(later, digest_hour=7))

    install.hourly(utc(11, 0), hours=4)  # 07:00 to 10:00 WIB

    assert install.received(later) == {FEB_10: utc(11, 0)}
