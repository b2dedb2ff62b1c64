from __future__ import annotations

from dataclasses import dataclass, field, replace
from email.message import EmailMessage

import pytest
from tests import builders
from tests.builders import official

from warta.adapters.sqlite_store import SqliteStore
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, AlertBatch, Story, Subscriber, SubscriberStatus
from warta.services.alerts import (
    ALERTED,
    ALERTED_RECIPIENT,
    BATCH_DONE,
    PLANNED,
    SMS_LIMIT,
    Alerts,
    Deadline,
    InTime,
    batch_size_for,
    sms_text,
)
from warta.services.delivery import Delivery

from .conftest import (
    LETTERHEAD,
    CountingRenderer,
    FixedClock,
    RecordingMailer,
    RecordingNotifier,
)


def story(
    region: str = "national",
    urgent: bool = True,
    title: str = "KPU Bantah Isu Surat Suara Dicoblos",
) -> Story:
    return builders.story(
        region=region,
        title=title,
        summary="KPU menegaskan video surat suara tercoblos tidak benar.",
        urgent=urgent,
    )


def alerts(
    store: SqliteStore, clock: FixedClock, mailer: RecordingMailer, notifier: RecordingNotifier
) -> Alerts:
    return Alerts(
        store=store,
        delivery=Delivery(
            store=store, clock=clock, mailer=mailer, notifier=notifier, letterhead=LETTERHEAD
        ),
        renderer=CountingRenderer(),
        page_size=2,  # several pages with a handful of officials
    )


def test_only_officials_of_the_story_region_are_alerted(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story(region="35.71"))
    for o in (
        official("kediri", "35.71", email="kediri@petugas.example"),
        official("mojoroto", "35.71.02", email="mojoroto@petugas.example"),
        official("surabaya", "35.78", email="surabaya@petugas.example"),
        official("ri", "national", email="ri@petugas.example"),
        official("jakarta", "31", email="jakarta@petugas.example"),
    ):
        store.put_official(o)
    mailer, notifier = RecordingMailer(), RecordingNotifier()

    report = alerts(store, clock, mailer, notifier).story("st-1")

    assert sorted(str(m["To"]) for m in mailer.sent) == [
        "kediri@petugas.example",
        "mojoroto@petugas.example",
        "ri@petugas.example",
    ]
    assert (report.officials, report.emails, report.sms) == (3, 3, 0)


def test_second_call_for_the_same_story_sends_nothing(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    store.put_official(
        official("ri", "national", email="ri@petugas.example", phone="+6281100000002")
    )
    mailer, notifier = RecordingMailer(), RecordingNotifier()
    service = alerts(store, clock, mailer, notifier)

    service.story("st-1")
    again = service.story("st-1")

    assert (len(mailer.sent), len(notifier.sent)) == (1, 1)
    assert (again.emails, again.sms, again.already) == (0, 0, 2)


def test_failed_email_is_retried_by_the_next_run(store: SqliteStore, clock: FixedClock) -> None:
    store.put_story(story())
    store.put_official(official("ri", "national", email="ri@petugas.example"))
    mailer, notifier = RecordingMailer(fail_for={"ri@petugas.example"}), RecordingNotifier()
    service = alerts(store, clock, mailer, notifier)

    first = service.story("st-1")
    mailer.fail_for.clear()
    second = service.story("st-1")

    assert (first.failed, first.emails) == (1, 0)
    assert (second.failed, second.emails) == (0, 1)
    record = store.get_send("alert-email", "st-1", "ri")
    assert record is not None and record.message_id == "provider-1"


def test_story_that_is_not_urgent_alerts_nobody(store: SqliteStore, clock: FixedClock) -> None:
    store.put_story(story(urgent=False))
    store.put_official(official("ri", "national", email="ri@petugas.example"))
    mailer = RecordingMailer()

    report = alerts(store, clock, mailer, RecordingNotifier()).story("st-1")

    assert report.skipped == "not urgent"
    assert mailer.sent == []


def test_sms_fits_two_segments_and_keeps_the_link(store: SqliteStore, clock: FixedClock) -> None:
    store.put_story(story(title="Klarifikasi " + "sangat panjang " * 40))
    store.put_official(official("ri", "national", phone="+6281100000002"))
    notifier = RecordingNotifier()

    alerts(store, clock, RecordingMailer(), notifier).story("st-1")

    ((phone, text),) = notifier.sent
    assert phone == "+6281100000002"
    assert len(text) <= SMS_LIMIT
    assert "https://www.kpu.go.id/berita/1" in text


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ("KPU: “Tidak benar” — cek kanal resmi…", 'KPU: "Tidak benar" - cek kanal resmi...'),
        (
            "Bawaslu\u00a0RI:\n\nkabar ‘TPS dipindah’ hoaks",
            "Bawaslu RI: kabar 'TPS dipindah' hoaks",
        ),
    ],
)
def test_sms_text_stays_in_the_gsm_alphabet(rendered: str, expected: str) -> None:
    assert sms_text(rendered) == expected


def test_long_sms_is_cut_to_two_segments_with_a_plain_ellipsis() -> None:
    text = sms_text("kata " * 200)
    assert len(text) <= SMS_LIMIT
    assert text.endswith("...")


# -- batches ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "size"),
    [
        (None, 100),  # one machine: no timeout to fit
        (60, 102),  # the template's 60 s: 30 s at 2/14 + 2/20 + 0.05 s an official
        (10, 17),
        (1, 1),  # never less than one official
        (900, 1000),  # never more than a message can name
    ],
)
def test_a_batch_is_sized_to_half_its_function_time_at_the_accounts_rates(
    seconds: float | None, size: int
) -> None:
    assert batch_size_for(seconds) == size


@pytest.mark.parametrize(
    ("remaining", "slowest", "close"),
    [
        (21, 0, False),
        (20, 0, False),  # a third of 60 s is left: still room for one more
        (19.9, 0, True),
        (24, 12, False),
        (23.9, 12, True),  # the slowest official so far took 12 s: twice that is kept
    ],
)
def test_a_batch_stops_when_a_third_of_its_time_or_twice_its_slowest_is_left(
    remaining: float, slowest: float, close: bool
) -> None:
    assert Deadline(total=60, remaining=lambda: remaining).too_close(slowest) is close


def test_plan_streams_the_officials_of_the_region_in_batches_of_the_size(
    store: SqliteStore, clock: FixedClock
) -> None:
    the_story = story(region="35.71")
    for n in range(5):
        store.put_official(official(f"kediri-{n}", "35.71", email=f"k{n}@petugas.example"))
    store.put_official(official("jakarta", "31", email="jakarta@petugas.example"))
    service = alerts(store, clock, RecordingMailer(), RecordingNotifier())

    batches = list(service.plan(the_story, "p1", size=2))

    assert [b.number for b in batches] == [0, 1, 2]
    assert [len(b.official_ids) for b in batches] == [2, 2, 1]
    assert sorted(i for b in batches for i in b.official_ids) == [f"kediri-{n}" for n in range(5)]
    assert {(b.story_id, b.plan) for b in batches} == {("st-1", "p1")}


@dataclass
class Stopwatch:
    """The time of a pretend invocation: each send spends `per_send` seconds of it."""

    total: float
    per_send: float = 1.0
    spent: float = 0.0

    def deadline(self) -> Deadline:
        return Deadline(total=self.total, remaining=lambda: self.total - self.spent)


@dataclass
class SlowMailer(RecordingMailer):
    watch: Stopwatch = field(default_factory=lambda: Stopwatch(0))

    def send(self, message: EmailMessage) -> str:
        self.watch.spent += self.watch.per_send
        return super().send(message)


def batch_of(store: SqliteStore, count: int, plan: str = "p1") -> AlertBatch:
    ids = tuple(f"o-{n:02d}" for n in range(count))
    for official_id in ids:
        store.put_official(official(official_id, "national", email=f"{official_id}@contoh.id"))
    return AlertBatch("st-1", ids, 0, plan)


def test_a_batch_short_of_time_hands_back_the_officials_it_has_not_reached(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    batch = batch_of(store, 10)
    watch = Stopwatch(total=9)  # a third is 3 s: it stops with less than that left
    mailer = SlowMailer(watch=watch)
    service = alerts(store, clock, mailer, RecordingNotifier())

    first = service.send_batch(batch, watch.deadline())

    assert (first.emails, first.complete) == (7, False)
    assert first.remainder == replace(batch, official_ids=batch.official_ids[7:])
    assert watch.spent <= watch.total
    assert store.get_send(BATCH_DONE, "st-1:p1", "0") is None  # not done: the rest is owed

    rest = service.send_batch(first.remainder)

    assert (rest.emails, rest.complete) == (3, True)
    assert sorted(str(m["To"]) for m in mailer.sent) == [f"o-{n:02d}@contoh.id" for n in range(10)]
    assert store.get_send(BATCH_DONE, "st-1:p1", "0") is not None


def test_a_batch_begun_without_time_hands_back_all_of_it(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    batch = batch_of(store, 3)
    mailer = RecordingMailer()

    report = alerts(store, clock, mailer, RecordingNotifier()).send_batch(
        batch, Deadline(total=60, remaining=lambda: 10)
    )

    assert report.remainder == batch
    assert mailer.sent == []


def test_the_last_batch_of_the_planning_to_finish_marks_the_story_alerted(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    for n in range(5):
        store.put_official(official(f"o-{n}", "national", phone=f"+62811000000{n:02d}"))
    service = alerts(store, clock, RecordingMailer(), RecordingNotifier())
    batches = list(service.plan(story(), "p1", size=2))
    store.complete_send(PLANNED, "st-1", ALERTED_RECIPIENT, message_id="3:p1", now=clock.now())

    for batch in reversed(batches):  # in any order
        assert store.get_send(ALERTED, "st-1", ALERTED_RECIPIENT) is None
        assert service.send_batch(batch).complete

    assert store.get_send(ALERTED, "st-1", ALERTED_RECIPIENT) is not None


def test_a_batch_of_an_older_planning_leaves_the_mark_to_the_latest(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    batch = batch_of(store, 1, plan="old")
    store.complete_send(PLANNED, "st-1", ALERTED_RECIPIENT, message_id="1:new", now=clock.now())

    alerts(store, clock, RecordingMailer(), RecordingNotifier()).send_batch(batch)

    assert store.get_send(BATCH_DONE, "st-1:old", "0") is not None
    assert store.get_send(ALERTED, "st-1", ALERTED_RECIPIENT) is None


def test_an_official_who_left_or_moved_since_the_planning_is_not_alerted(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story(region="35.71"))
    store.put_official(official("stays", "35.71", email="stays@petugas.example"))
    store.put_official(official("moved", "31", email="moved@petugas.example"))
    store.put_official(replace(official("left", "35.71", email="left@contoh.id"), active=False))
    mailer = RecordingMailer()

    report = alerts(store, clock, mailer, RecordingNotifier()).send_batch(
        AlertBatch("st-1", ("stays", "moved", "left", "never-existed"))
    )

    assert [str(m["To"]) for m in mailer.sent] == ["stays@petugas.example"]
    assert (report.officials, report.complete) == (1, True)


# -- subscribers who asked for urgent clarifications ---------------------------------------


def subscriber(address: str, regions: tuple[str, ...], **changes: object) -> Subscriber:
    made = Subscriber(
        id=subscriber_id(address),
        email=address,
        regions=regions,
        urgent=True,
        status=SubscriberStatus.ACTIVE,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_subscribers_who_asked_get_the_alert_of_their_regions_and_nobody_else_does(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story(region="35.71"))
    store.put_official(official("kediri", "35.71", email="kediri@petugas.example"))
    for s in (
        subscriber("kota@warga.example", ("35.71",)),
        subscriber("prov@warga.example", ("35",)),  # the province contains the city
        subscriber("semua@warga.example", (ALL_REGIONS,)),
        subscriber("nasional@warga.example", ("national",)),  # national stories only
        subscriber("jakarta@warga.example", ("31",)),
        subscriber("tidak@warga.example", ("35.71",), urgent=False),
        subscriber("tertunda@warga.example", ("35.71",), status=SubscriberStatus.PENDING),
        subscriber("keluar@warga.example", ("35.71",), status=SubscriberStatus.UNSUBSCRIBED),
        subscriber("ditekan@warga.example", ("35.71",), status=SubscriberStatus.SUPPRESSED),
    ):
        store.put_subscriber(s)
    mailer, notifier = RecordingMailer(), RecordingNotifier()
    service = alerts(store, clock, mailer, notifier)

    report = service.story("st-1")

    assert sorted(str(m["To"]) for m in mailer.sent) == [
        "kediri@petugas.example",
        "kota@warga.example",
        "prov@warga.example",
        "semua@warga.example",
    ]
    assert (report.officials, report.subscribers, report.emails) == (1, 3, 4)
    assert report.complete
    to_subscriber = next(m for m in mailer.sent if str(m["To"]) == "kota@warga.example")
    body = to_subscriber.get_body(("plain",))
    assert body is not None
    words = " ".join(body.get_content().split())
    assert "memilih menerima klarifikasi hoaks mendesak" in words
    assert "sebagai petugas" not in words
    # Once only, whatever retries: a second run sends nothing more.
    again = service.story("st-1")
    assert (again.emails, again.already) == (0, 4)


def test_subscribers_are_planned_in_batches_of_their_own_after_the_officials(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    for n in range(3):
        store.put_official(official(f"o{n}", "national", email=f"o{n}@petugas.example"))
    for n in range(3):
        store.put_subscriber(subscriber(f"w{n}@warga.example", (ALL_REGIONS,)))
    service = alerts(store, clock, RecordingMailer(), RecordingNotifier())

    found = store.get_story("st-1")
    assert found is not None
    batches = list(service.plan(found, "p1", size=2))

    assert [(len(b.official_ids), len(b.subscriber_ids)) for b in batches] == [
        (2, 0),
        (1, 0),
        (0, 2),
        (0, 1),
    ]
    assert [b.number for b in batches] == [0, 1, 2, 3]


def test_a_subscriber_who_left_after_the_planning_is_not_alerted(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    store.put_subscriber(subscriber("pergi@warga.example", (ALL_REGIONS,)))
    store.put_subscriber(subscriber("tetap@warga.example", (ALL_REGIONS,)))
    mailer = RecordingMailer()
    service = alerts(store, clock, mailer, RecordingNotifier())
    found = store.get_story("st-1")
    assert found is not None
    [batch] = list(service.plan(found, "p1", size=10))
    gone = store.get_subscriber(subscriber_id("pergi@warga.example"))
    assert gone is not None
    store.put_subscriber(replace(gone, status=SubscriberStatus.SUPPRESSED))

    report = service.send_batch(batch)

    assert [str(m["To"]) for m in mailer.sent] == ["tetap@warga.example"]
    assert (report.subscribers, report.emails) == (1, 1)


def test_a_subscriber_batch_out_of_time_hands_back_its_rest(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story())
    for n in range(3):
        store.put_subscriber(subscriber(f"w{n}@warga.example", (ALL_REGIONS,)))
    service = alerts(store, clock, RecordingMailer(), RecordingNotifier())
    found = store.get_story("st-1")
    assert found is not None
    [batch] = list(service.plan(found, "p1", size=10))
    left = iter([60.0, 60.0, 60.0, 10.0, 10.0, 10.0, 10.0])

    report = service.send_batch(batch, Deadline(total=60.0, remaining=lambda: next(left)))

    assert report.remainder is not None
    assert report.remainder.official_ids == ()
    assert report.remainder.subscriber_ids == batch.subscriber_ids[1:]
    assert report.subscribers == 1


def test_in_time_walks_every_recipient_without_a_deadline_and_stops_in_time_with_one() -> None:
    everyone = InTime(("a", "b", "c"), None)
    assert list(everyone) == ["a", "b", "c"]
    assert everyone.rest == ()

    # 60 s in all; "a" takes 5 s and "b" 15 s. With 25 s left, more than a third of the
    # total but less than twice the slowest so far (30 s), "c" and "d" are left over.
    # Each recipient reads the time thrice: the check, its start and its end.
    left = iter([60.0, 60.0, 55.0, 55.0, 55.0, 40.0, 25.0])
    walk = InTime(("a", "b", "c", "d"), Deadline(total=60.0, remaining=lambda: next(left)))
    assert list(walk) == ["a", "b"]
    assert walk.rest == ("c", "d")
