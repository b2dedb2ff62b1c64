from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage

from warta.adapters.sqlite_store import SqliteStore
from warta.core.errors import FetchError
from warta.core.model import FetchResult, SourceState
from warta.render import JinjaRenderer
from warta.services.delivery import Delivery
from warta.services.health import Health, describe
from warta.services.ingest import Ingest

from .conftest import LETTERHEAD, FixedClock, ItemsParser, RecordingMailer, ScriptedFetcher, item
from .conftest import source as make_source

ADMIN = "admin@warta.example"
KPU = make_source()


def health(
    store: SqliteStore,
    clock: FixedClock,
    mailer: RecordingMailer,
    admin_email: str | None = ADMIN,
) -> Health:
    return Health(
        store=store,
        delivery=Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD),
        renderer=JinjaRenderer(),
        clock=clock,
        admin_email=admin_email,
        failing_after=timedelta(hours=24),
        quiet=timedelta(days=7),
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def failing_state(clock: FixedClock, hours: float, **fields: object) -> SourceState:
    state = SourceState(
        KPU.id,
        error_count=6,
        last_error="timeout: read timed out",
        failing_since=clock.now() - timedelta(hours=hours),
        last_success_at=clock.now() - timedelta(hours=hours + 1),
    )
    return replace(state, **fields)  # type: ignore[arg-type]


def test_source_failing_over_a_day_brings_one_message_to_admins(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    store.put_source_state(failing_state(clock, hours=25))
    checker = health(store, clock, mailer)

    first = checker.check([KPU])
    clock.advance(hours=1)
    second = checker.check([KPU])

    assert (first.sent, second.sent, second.already) == (1, 0, 1)
    (message,) = mailer.sent
    assert message["To"] == ADMIN
    assert message["X-Warta-Kind"] == "health"
    assert message["Subject"] == f"[Warta admin] Sumber gagal diambil: {KPU.name}"
    assert message["List-Unsubscribe"].startswith("<https://warta.example/unsubscribe?admin=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = text_of(message)
    assert "gagal diambil sejak Jumat, 27 November 2026 pukul 09.00 WIB" in text
    assert "timeout: read timed out" in text
    assert f"warta sources check {KPU.id}" in text
    state = store.get_source_state(KPU.id)
    assert state is not None
    assert (state.notified_reason, state.notified_at) == (
        "failing",
        clock.now() - timedelta(hours=1),
    )
    (problem,) = second.problems
    assert (problem.source_id, problem.reason, problem.outcome) == (KPU.id, "failing", "already")


def test_source_failing_for_less_than_a_day_brings_nothing(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    store.put_source_state(failing_state(clock, hours=23))

    report = health(store, clock, mailer).check([KPU])

    assert (report.checked, report.problems, mailer.sent) == (1, [], [])


def test_recovery_then_relapse_brings_a_new_message(store: SqliteStore, clock: FixedClock) -> None:
    timeout = FetchError("timeout", "read timed out")
    fetcher = ScriptedFetcher([timeout, timeout, ok_empty(), timeout, timeout])
    ingest = Ingest(
        store=store,
        fetcher=fetcher,
        parse=ItemsParser({b"": []}),
        clock=clock,
        today=lambda _: date(2026, 11, 28),
    )
    mailer = RecordingMailer()
    checker = health(store, clock, mailer)

    ingest.source(KPU)
    clock.advance(hours=25)
    ingest.source(KPU)
    assert checker.check([KPU]).sent == 1

    clock.advance(hours=1)
    ingest.source(KPU)  # recovers
    recovered = checker.check([KPU])
    state = store.get_source_state(KPU.id)
    assert recovered.problems == [] and state is not None and state.notified_reason is None

    clock.advance(hours=1)
    ingest.source(KPU)  # fails again
    clock.advance(hours=25)
    ingest.source(KPU)
    assert checker.check([KPU]).sent == 1
    assert len(mailer.sent) == 2
    assert checker.check([KPU]).sent == 0


def ok_empty() -> FetchResult:
    return FetchResult(url=KPU.url, status=200, body=b"")


def test_failing_source_that_turns_out_gone_is_a_new_problem(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    store.put_source_state(failing_state(clock, hours=30))
    checker = health(store, clock, mailer)
    checker.check([KPU])
    state = store.get_source_state(KPU.id)
    assert state is not None
    store.put_source_state(replace(state, disabled=True, last_error="gone: 410 Gone"))

    report = checker.check([KPU])

    assert report.sent == 1
    assert [m["Subject"] for m in mailer.sent] == [
        f"[Warta admin] Sumber gagal diambil: {KPU.name}",
        f"[Warta admin] Sumber dinonaktifkan: {KPU.name}",
    ]
    assert f"warta sources enable {KPU.id}" in text_of(mailer.sent[1])


def test_gone_source_is_told_at_once_and_once(store: SqliteStore, clock: FixedClock) -> None:
    ingest = Ingest(
        store=store,
        fetcher=ScriptedFetcher([FetchError("gone", "410 Gone", status=410)]),
        parse=ItemsParser(),
        clock=clock,
        today=lambda _: date(2026, 11, 28),
    )
    mailer = RecordingMailer()
    checker = health(store, clock, mailer)
    ingest.source(KPU)

    first = checker.check([KPU])
    clock.advance(days=3)
    second = checker.check([KPU])

    assert (first.sent, second.sent) == (1, 0)
    assert [p.reason for p in first.problems] == ["gone"]
    assert "410 Gone" in text_of(mailer.sent[0])


def test_quiet_source_is_told_once_per_quiet_spell(store: SqliteStore, clock: FixedClock) -> None:
    parser = ItemsParser(
        {
            b"v1": [item("a", "KPU Tetapkan Jadwal", "Isi berita pertama.", hours_ago=8 * 24)],
            b"v2": [
                item("a", "KPU Tetapkan Jadwal", "Isi berita pertama.", hours_ago=8 * 24),
                item("b", "KPU Umumkan DCT", "Isi berita kedua."),
            ],
        }
    )
    fetcher = ScriptedFetcher(
        [FetchResult(url=KPU.url, status=200, body=body) for body in (b"v1", b"v1", b"v2", b"v2")]
    )
    ingest = Ingest(
        store=store,
        fetcher=fetcher,
        parse=parser,
        clock=clock,
        today=lambda _: date(2026, 11, 28),
    )
    mailer = RecordingMailer()
    checker = health(store, clock, mailer)

    ingest.source(KPU)  # a first run whose newest item is eight days old
    first = checker.check([KPU])
    clock.advance(hours=1)
    ingest.source(KPU)
    again = checker.check([KPU])
    ingest.source(KPU)  # a new item: the spell is over
    over = checker.check([KPU])
    clock.advance(days=7)
    ingest.source(KPU)
    relapse = checker.check([KPU])

    assert [r.sent for r in (first, again, over, relapse)] == [1, 0, 0, 1]
    assert [p.reason for p in first.problems] == ["quiet"]
    assert mailer.sent[0]["Subject"] == f"[Warta admin] Sumber sepi: {KPU.name}"
    assert "tidak membawa berita baru sejak" in text_of(mailer.sent[0])


def test_without_an_admin_address_problems_are_reported_but_not_mailed(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    store.put_source_state(failing_state(clock, hours=48))

    report = health(store, clock, mailer, admin_email=None).check([KPU])

    assert mailer.sent == []
    (problem,) = report.problems
    assert (problem.reason, problem.outcome, problem.detail) == (
        "failing",
        "unsent",
        "timeout: read timed out",
    )
    lines = describe(report)
    assert lines[0] == "1 sources checked, 1 need attention"
    assert lines[1].startswith(f"  {KPU.id}: failing since 2026-11-26T03:00+00:00")
    assert lines[1].endswith("[unsent]")
    # Nothing claimed: an address set later still brings the message.
    assert health(store, clock, mailer).check([KPU]).sent == 1


def test_failed_send_is_tried_again_at_the_next_check(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer(fail_for={ADMIN})
    store.put_source_state(failing_state(clock, hours=30))
    checker = health(store, clock, mailer)

    failed = checker.check([KPU])
    mailer.fail_for.clear()
    retried = checker.check([KPU])

    assert (failed.failed, failed.sent, retried.sent) == (1, 0, 1)
    state = store.get_source_state(KPU.id)
    assert state is not None and state.notified_reason == "failing"


def test_sources_off_in_the_file_or_never_fetched_are_not_judged(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    off = replace(make_source("dkpp-ri"), enabled=False)
    store.put_source_state(replace(failing_state(clock, hours=48), source_id=off.id))

    report = health(store, clock, mailer).check([off, make_source("bawaslu-ri")])

    assert (report.checked, report.problems, mailer.sent) == (1, [], [])


def test_error_text_from_a_source_is_escaped_in_the_html_part(
    store: SqliteStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()
    store.put_source_state(
        failing_state(clock, hours=30, last_error='protocol: <img src=x onerror="alert(1)">')
    )

    health(store, clock, mailer).check([KPU])

    page = html_of(mailer.sent[0])
    assert "<img" not in page
    assert "&lt;img src=x" in page
