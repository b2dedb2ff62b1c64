from __future__ import annotations

import pytest
from tests import builders
from tests.builders import official

from warta.adapters.sqlite_store import SqliteStore
from warta.core.model import Story
from warta.services.alerts import SMS_LIMIT, Alerts, sms_text
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
