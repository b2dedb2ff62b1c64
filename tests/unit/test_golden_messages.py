"""Golden messages: every kind of email, rendered from fixed data, must match a reviewed file.

Each test drives the real service (Digest.send_batch, Alerts.story,
Health.check) over a real SQLite store with a fixed clock and a fixed secret,
takes the bytes the service handed the mailer (Mailer.send_raw: what goes on
the wire), blanks what differs from one run to the next, and compares the
result with tests/golden/<kind>.eml. A template or composition change therefore
shows up as a diff of those files, to be read like any other code change.

Blanked: the Message-ID value (random), the MIME boundary wherever it occurs
(random), and the Date header value (the clock is fixed, but the header is
checked apart, so that the golden files do not pin a formatting detail of the
standard library). Everything else, the signed unsubscribe link included, is
deterministic and stays in the files.

Line endings: the wire form uses CRLF throughout; the tests check that, then
store and compare with LF, so the files diff cleanly and survive editors.

To accept an intended change, regenerate the files and review their diff:

    WARTA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_golden_messages.py -q
    git diff tests/golden/

A regenerating run rewrites the files and then fails on purpose, each comparison
naming the file it rewrote: a run with the variable set never passes, so a new
golden file gets into a commit only through a reviewed diff and a second, clean run.
"""

from __future__ import annotations

import difflib
import email
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from tests.doubles import FixedClock, RecordingMailer, RecordingNotifier

from warta.adapters.sqlite_store import SqliteStore
from warta.core import links
from warta.core.chain import Reason
from warta.core.model import (
    Authority,
    CorrectionBatch,
    DigestBatch,
    Official,
    Source,
    SourceState,
    Story,
    StorySource,
    Subscriber,
)
from warta.render import JinjaRenderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.correction_mail import CorrectionMail
from warta.services.corrections import Corrections
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.health import Health
from warta.services.lifecycle import Lifecycle
from warta.services.sms import SMS_LIMIT, septets

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
REGENERATE = "WARTA_REGENERATE_GOLDEN"
"""Set to 1 to rewrite the golden files (the run then fails, for the diff to be reviewed)."""

NOW = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)  # polling day, 10.00 WIB
DAY = date(2024, 2, 14)
TANGGAL = "Rabu, 14 Februari 2024"
"""The Indonesian date every digest and alert must show."""

LETTERHEAD = Letterhead(
    sender="Warta Pemilu <warta@warta.example>",
    domain="warta.example",
    public_url="https://warta.example",
    secret=b"golden-secret-" * 4,
)

BLANK_MESSAGE_ID = "<MESSAGE-ID>"
BLANK_BOUNDARY = "BOUNDARY"
BLANK_DATE = "DATE"


# -- fixed data --------------------------------------------------------------------------

KPU = StorySource(
    "kpu-ri",
    "KPU RI",
    "https://www.kpu.go.id/berita/baca/12001?lang=id&hal=1",  # & must become &amp; in HTML
    Authority.KPU,
    "kpu-ri:12001",
    NOW - timedelta(hours=2, minutes=30),
)
BAWASLU = StorySource(
    "bawaslu-ri",
    "Bawaslu RI",
    "https://www.bawaslu.go.id/id/berita/bawaslu-luruskan-video-surat-suara",
    Authority.BAWASLU,
    "bawaslu-ri:881",
    NOW - timedelta(hours=1, minutes=45),
)
PEMKOT = StorySource(
    "pemkot-kediri",
    "Pemerintah Kota Kediri",
    "https://www.kedirikota.go.id/p/berita/tps-keliling",
    Authority.PEMDA,
    "pemkot-kediri:55",
    NOW - timedelta(hours=5),
)
MEDIA = StorySource(
    "antara",
    "Antara",
    "https://www.antaranews.com/berita/pemilu-2024-partisipasi",
    Authority.MEDIA,
    "antara:9",
    NOW - timedelta(hours=3),
)

URGENT = Story(
    id="st-hoaks",
    day=DAY,
    region="national",
    # Quotes, &, < and an em dash: escaping in HTML and RFC 2047 in the Subject header.
    title='Hoaks "Surat Suara Tercoblos" — KPU & Bawaslu Tegaskan Tidak Benar',
    # The claim as it circulated, then the fact the bodies state (core.text.claims).
    summary=(
        'Beredar video yang menyebut "surat suara sudah tercoblos" dikirim ke TPS di '
        'Jakarta Timur. KPU & Bawaslu menegaskan video "surat suara sudah tercoblos" itu '
        "direkam saat simulasi: TPS dalam video melayani <300 pemilih dan pemungutan suara "
        "baru dimulai pukul 07.00."
    ),
    published_at=KPU.published_at,
    created_at=NOW - timedelta(hours=2),
    election=True,
    clarification=True,
    urgent=True,
    sources=(KPU, BAWASLU),
)
REGIONAL = Story(
    id="st-kediri",
    day=DAY,
    region="35.71",
    title="Pemkot Kediri Siapkan TPS Keliling untuk Pasien Rumah Sakit",
    summary="Pemerintah Kota Kediri menyiapkan TPS keliling bagi pasien dan tenaga medis.",
    published_at=PEMKOT.published_at,
    created_at=NOW - timedelta(hours=4),
    election=True,
    clarification=False,
    urgent=False,
    sources=(PEMKOT,),
)
REPORTED = Story(
    id="st-partisipasi",
    day=DAY,
    region="national",
    title="Partisipasi Pemilih Diperkirakan Naik",
    summary="Pengamat memperkirakan partisipasi pemilih naik dibanding pemilu sebelumnya.",
    published_at=MEDIA.published_at,
    created_at=NOW - timedelta(hours=3),
    election=True,
    clarification=False,
    urgent=False,
    sources=(MEDIA,),
)

SUBSCRIBER = Subscriber(
    id="sub-0001", email="pembaca@pembaca.example", regions=("35.71",), name="Pembaca"
)
OFFICIAL = Official(
    id="off-0001",
    name="Petugas Kediri",
    role="Ketua KPU Kota",
    region="35.71",
    email="petugas@petugas.example",
)
ADMIN_EMAIL = "admin@warta.example"
FAILING_SOURCE = Source(
    id="kpu-jatim",
    name="KPU Provinsi Jawa Timur",
    url="https://jatim.kpu.go.id/feed?kategori=berita&format=rss",
    authority=Authority.KPU,
    region="35",
)
FAILING_STATE = SourceState(
    FAILING_SOURCE.id,
    error_count=9,
    last_error='HTTP 503: <title>Service Unavailable</title> & "coba lagi"',
    failing_since=NOW - timedelta(hours=30),
    last_success_at=NOW - timedelta(hours=31),
)


# -- rendering through the real services -------------------------------------------------

Sent = tuple[EmailMessage, bytes]
"""A message the service sent: as its receiver parses it, and its bytes on the wire."""
MakeDelivery = Callable[..., Delivery]
"""Delivery, or a subclass of it that takes the same arguments (tests/unit/services/test_wire.py)."""


def sent(mailer: RecordingMailer) -> Sent:
    assert len(mailer.sent) == len(mailer.raw) == 1
    return mailer.sent[0], mailer.raw[0]


def digest_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    for story in (REPORTED, REGIONAL, URGENT):
        store.put_story(story)
    store.put_subscriber(SUBSCRIBER)
    mailer = RecordingMailer()
    digest = Digest(
        store=store,
        delivery=delivery(store=store, clock=FixedClock(NOW), mailer=mailer, letterhead=LETTERHEAD),
        renderer=JinjaRenderer(),
    )
    report = digest.send_batch(DigestBatch(DAY, (SUBSCRIBER.id,)))
    assert report.sent == 1
    return sent(mailer)


def alert_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    store.put_story(URGENT)
    store.put_official(OFFICIAL)
    mailer = RecordingMailer()
    alerts = Alerts(
        store=store,
        delivery=delivery(
            store=store,
            clock=FixedClock(NOW),
            mailer=mailer,
            notifier=RecordingNotifier(),
            letterhead=LETTERHEAD,
        ),
        renderer=JinjaRenderer(),
    )
    report = alerts.story(URGENT.id)
    assert report.emails == 1
    return sent(mailer)


def alert_sms(store: SqliteStore) -> str:
    store.put_story(URGENT)
    store.put_official(replace(OFFICIAL, email=None, phone="+6281234567890"))
    notifier = RecordingNotifier()
    alerts = Alerts(
        store=store,
        delivery=Delivery(
            store=store,
            clock=FixedClock(NOW),
            mailer=RecordingMailer(),
            notifier=notifier,
            letterhead=LETTERHEAD,
        ),
        renderer=JinjaRenderer(),
    )
    report = alerts.story(URGENT.id)
    assert (report.sms, len(notifier.sent)) == (1, 1)
    return notifier.sent[0][1] + "\n"


def chain_message(
    store: SqliteStore, delivery: MakeDelivery = Delivery, *, cancelled: bool = False
) -> Sent:
    """The alert of URGENT as KPU RI alone told it, then Bawaslu RI confirming it (an
    update) and, when `cancelled`, KPU RI withdrawing it: the last message sent."""
    alone = replace(URGENT, sources=(KPU,))
    store.put_story(alone)
    store.put_official(OFFICIAL)
    lifecycle = Lifecycle(store=store)
    clock = FixedClock(URGENT.created_at)
    lifecycle.start(alone, at=clock.now())
    mailer = RecordingMailer()
    alerts = Alerts(
        store=store,
        delivery=delivery(
            store=store,
            clock=clock,
            mailer=mailer,
            notifier=RecordingNotifier(),
            letterhead=LETTERHEAD,
        ),
        renderer=JinjaRenderer(),
    )
    alerts.story(URGENT.id)
    clock.set(NOW - timedelta(minutes=30) if cancelled else NOW)
    lifecycle.add(
        alone, URGENT, reasons=(Reason.CONFIRMED,), cause="join", now=clock.now(), note="Bawaslu RI"
    )
    store.put_story(URGENT)
    alerts.story(URGENT.id)
    if cancelled:
        clock.set(NOW)
        lifecycle.add(
            URGENT, URGENT, reasons=(Reason.WITHDRAWN,), cause="gone", now=NOW, note="KPU RI"
        )
        alerts.story(URGENT.id)
    assert len(mailer.sent) == (3 if cancelled else 2)
    return mailer.sent[-1], mailer.raw[-1]


def update_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    return chain_message(store, delivery)


def cancel_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    return chain_message(store, delivery, cancelled=True)


RUMOUR = Story(
    id="st-kabar",
    day=DAY - timedelta(days=1),
    region="31.75",
    title="Video Surat Suara Sudah Tercoblos Beredar di Jakarta Timur",
    summary="Sebuah video surat suara yang disebut sudah tercoblos ramai dibagikan warga.",
    published_at=NOW - timedelta(days=1),
    created_at=NOW - timedelta(days=1),
    election=True,
    clarification=False,
    urgent=False,
    sources=(MEDIA,),
)
"""A story of yesterday's digest that URGENT rebuts today."""


def correction_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    store.put_story(RUMOUR)
    reader = replace(SUBSCRIBER, urgent=True)  # takes corrections by email
    store.put_subscriber(reader)
    corrections = Corrections(store=store)
    corrections.record_received(RUMOUR.day, [RUMOUR.id], [reader.id], now=NOW - timedelta(days=1))
    assert corrections.record(RUMOUR, URGENT, now=NOW)
    mailer = RecordingMailer()
    mail = CorrectionMail(
        corrections=corrections,
        delivery=delivery(store=store, clock=FixedClock(NOW), mailer=mailer, letterhead=LETTERHEAD),
        renderer=JinjaRenderer(),
    )
    report = mail.send_batch(CorrectionBatch(RUMOUR.id, (reader.id,), 0, "golden"))
    assert report.sent == 1
    return sent(mailer)


def health_message(store: SqliteStore, delivery: MakeDelivery = Delivery) -> Sent:
    store.put_source_state(FAILING_STATE)
    mailer = RecordingMailer()
    health = Health(
        store=store,
        delivery=delivery(store=store, clock=FixedClock(NOW), mailer=mailer, letterhead=LETTERHEAD),
        renderer=JinjaRenderer(),
        clock=FixedClock(NOW),
        admin_email=ADMIN_EMAIL,
    )
    report = health.check([FAILING_SOURCE])
    assert report.sent == 1
    return sent(mailer)


# -- serializing, blanking, comparing ----------------------------------------------------


def wire_text(raw: bytes) -> str:
    """The message as the mailer was given it, with CRLF checked and then turned into LF."""
    assert raw.count(b"\n") == raw.count(b"\r\n"), "a bare LF on the wire"
    return raw.replace(b"\r\n", b"\n").decode("utf-8")


def blank(message: EmailMessage, text: str) -> str:
    boundary = message.get_boundary()
    assert boundary, "every message is multipart/alternative"
    head, sep, body = text.partition("\n\n")
    # Only in the top-level header block: a body line starting "Date:" is content.
    head = re.sub(r"(?m)^Message-ID: .*$", f"Message-ID: {BLANK_MESSAGE_ID}", head)
    head = re.sub(r"(?m)^Date: .*$", f"Date: {BLANK_DATE}", head)
    return (head + sep + body).replace(boundary, BLANK_BOUNDARY)


def regenerating() -> bool:
    return os.environ.get(REGENERATE) == "1"


def compare_with_golden(name: str, actual: str, golden: Path = GOLDEN) -> None:
    path = golden / name
    if regenerating():
        stored = path.read_bytes() if path.exists() else None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        change = "unchanged" if stored == actual.encode("utf-8") else "changed"
        pytest.fail(
            f"{path} was rewritten ({change}) because {REGENERATE}=1. Golden files that "
            "were rewritten must be reviewed: read `git diff tests/golden/`, then run "
            f"the tests again without {REGENERATE} before committing.",
            pytrace=False,
        )
    if not path.exists():
        pytest.fail(
            f"{path} is missing; create it with WARTA_REGENERATE_GOLDEN=1 "
            "and review it before committing",
            pytrace=False,
        )
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"tests/golden/{name} (stored)",
                tofile=f"tests/golden/{name} (rendered now)",
            )
        )
        pytest.fail(
            f"{name} differs from the stored golden message:\n{diff}\n"
            "If the change is intended, regenerate and review the diff:\n"
            "  WARTA_REGENERATE_GOLDEN=1 .venv/bin/python -m pytest "
            "tests/unit/test_golden_messages.py -q && git diff tests/golden/",
            pytrace=False,
        )


def reparsed(blanked: str) -> EmailMessage:
    parsed = email.message_from_bytes(blanked.encode("utf-8"), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None
    return str(part.get_content())


# -- the tests ---------------------------------------------------------------------------

KINDS = {
    "digest.eml": (digest_message, "subscriber", SUBSCRIBER.id),
    "alert.eml": (alert_message, "official", OFFICIAL.id),
    "alert_update.eml": (update_message, "official", OFFICIAL.id),
    "alert_cancel.eml": (cancel_message, "official", OFFICIAL.id),
    "correction.eml": (correction_message, "subscriber", SUBSCRIBER.id),
    "health.eml": (health_message, "admin", "admin"),
}


@pytest.mark.parametrize("name", KINDS)
def test_message_matches_its_golden_file(store: SqliteStore, name: str) -> None:
    make, _, _ = KINDS[name]
    message, raw = make(store)

    compare_with_golden(name, blank(message, wire_text(raw)))


@pytest.mark.parametrize("name", KINDS)
def test_blanking_keeps_the_signed_unsubscribe_link(store: SqliteStore, name: str) -> None:
    make, kind, recipient_id = KINDS[name]
    message, raw = make(store)
    link = links.unsubscribe_url(
        LETTERHEAD.public_url,
        links.unsubscribe_link(LETTERHEAD.secret, links.RecipientKind(kind), recipient_id),
    )

    blanked = reparsed(blank(message, wire_text(raw)))

    assert blanked["List-Unsubscribe"] == f"<{link}>"
    assert blanked["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in body(blanked, "plain")
    assert f'href="{link.replace("&", "&amp;")}"' in body(blanked, "html")


@pytest.mark.parametrize("name", ["digest.eml", "alert.eml"])
def test_blanking_keeps_the_indonesian_date(store: SqliteStore, name: str) -> None:
    make, _, _ = KINDS[name]
    message, raw = make(store)

    blanked = reparsed(blank(message, wire_text(raw)))

    assert TANGGAL in body(blanked, "plain")
    assert TANGGAL in body(blanked, "html")
    if name == "digest.eml":
        assert TANGGAL in blanked["Subject"]


@pytest.mark.parametrize("name", KINDS)
def test_what_is_blanked_is_well_formed(store: SqliteStore, name: str) -> None:
    make, _, _ = KINDS[name]
    message, raw = make(store)

    assert parsedate_to_datetime(message["Date"]) == NOW
    assert re.fullmatch(r"<[^<>@\s]+@warta\.example>", message["Message-ID"])
    # The boundary is blanked everywhere, and only there: the Content-Type parameter,
    # the two part delimiters and the closing delimiter.
    assert blank(message, wire_text(raw)).count(BLANK_BOUNDARY) == 4


FACT_START = "KPU & Bawaslu menegaskan video"
"""How the fact of URGENT begins (the sentence its bodies state)."""
CLAIM_LABEL = "Klaim yang beredar"
CLAIM_WORDS = "dikirim ke TPS di Jakarta Timur"
"""Words of URGENT's claim only: they must not appear before the claim is marked as such."""


def assert_fact_before_claim(text: str, *, fact: str = FACT_START) -> None:
    """The fact comes first, then the claim's label, and the claim's words only after it."""
    assert fact in text, "the fact is missing"
    assert CLAIM_LABEL in text, "the claim is not marked as such"
    assert text.index(fact) < text.index(CLAIM_LABEL), "the claim comes before the fact"
    assert text.index(CLAIM_LABEL) < text.index(CLAIM_WORDS), "the claim is shown unmarked"


@pytest.mark.parametrize(
    "name", ["alert.eml", "digest.eml", "alert_update.eml", "alert_cancel.eml", "correction.eml"]
)
def test_a_clarification_leads_with_the_fact_then_the_claim_marked_as_such(
    store: SqliteStore, name: str
) -> None:
    make, _, _ = KINDS[name]
    sent, raw = make(store)
    message = reparsed(blank(sent, wire_text(raw)))

    assert_fact_before_claim(body(message, "plain"))
    assert_fact_before_claim(body(message, "html"), fact=FACT_START.replace("&", "&amp;"))
    subjects = {
        "alert.eml": "[PENTING] HOAKS - ",
        "alert_update.eml": "[PEMBARUAN] HOAKS - ",
        "alert_cancel.eml": "[DICABUT] Peringatan klarifikasi tidak berlaku lagi - ",
        "correction.eml": "[RALAT] HOAKS - ",
    }
    if name in subjects:
        assert message["Subject"].startswith(subjects[name] + FACT_START)
        assert CLAIM_WORDS not in message["Subject"]


def test_an_update_and_a_cancel_name_the_messages_they_follow(store: SqliteStore) -> None:
    update, _ = update_message(store)
    cancel, _ = cancel_message(SqliteStore(":memory:"))

    assert update["In-Reply-To"] == update["References"]
    assert cancel["References"].split()[-1] == cancel["In-Reply-To"]
    assert len(cancel["References"].split()) == 2


def test_the_alert_sms_leads_with_verdict_and_fact_within_two_segments(
    store: SqliteStore,
) -> None:
    sms = alert_sms(store).strip()

    assert sms.startswith(f"WARTA PEMILU: HOAKS. {FACT_START}")
    # The claim comes last, marked, with what room is left: here cut short.
    assert sms.index(URGENT.sources[0].url) < sms.index(f"{CLAIM_LABEL}: ")
    assert sms.endswith("...") and CLAIM_WORDS not in sms
    assert septets(sms) <= SMS_LIMIT


@pytest.mark.parametrize(
    "text",
    [
        f"Klaim yang beredar: surat suara {CLAIM_WORDS}. {FACT_START} itu simulasi.",
        f"Hoaks: surat suara {CLAIM_WORDS}. {FACT_START} itu simulasi. Klaim yang beredar: -",
        f"{FACT_START} itu simulasi.",
    ],
)
def test_the_fact_before_claim_check_fails_on_a_claim_first(text: str) -> None:
    with pytest.raises(AssertionError):
        assert_fact_before_claim(text)


def test_html_escapes_feed_text_that_looks_like_markup(store: SqliteStore) -> None:
    message, _ = digest_message(store)

    html = body(message, "html")

    assert "KPU &amp; Bawaslu menegaskan video &#34;surat suara sudah tercoblos&#34;" in html
    assert "melayani &lt;300 pemilih" in html
    assert "<300" not in html
    assert "KPU & Bawaslu" in body(message, "plain")


def test_the_alert_sms_matches_its_golden_file(store: SqliteStore) -> None:
    compare_with_golden("alert_sms.txt", alert_sms(store))


def test_every_golden_file_belongs_to_a_message_kind() -> None:
    # A renamed kind would otherwise leave its old file behind, reviewed by no test.
    assert sorted(p.name for p in GOLDEN.glob("*.eml")) == sorted(KINDS)


@pytest.mark.parametrize("stored", ["an older rendering\n", None, "same"], ids=str)
def test_regenerating_rewrites_the_file_and_then_fails(
    store: SqliteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: str | None
) -> None:
    # Into a folder of the test's own: the real golden files stay as they are.
    real = {p.name: p.read_bytes() for p in GOLDEN.iterdir()}
    message, raw = digest_message(store)
    actual = blank(message, wire_text(raw))
    path = tmp_path / "golden" / "digest.eml"
    if stored is not None:
        path.parent.mkdir()
        path.write_text(actual if stored == "same" else stored, encoding="utf-8")
    monkeypatch.setenv(REGENERATE, "1")

    with pytest.raises(pytest.fail.Exception) as failed:
        compare_with_golden("digest.eml", actual, golden=tmp_path / "golden")

    assert path.read_bytes() == actual.encode("utf-8")
    reason = str(failed.value)
    assert str(path) in reason
    assert "rewritten" in reason and "must be reviewed" in reason
    assert ("(unchanged)" in reason) is (stored == "same")
    assert {p.name: p.read_bytes() for p in GOLDEN.iterdir()} == real


@pytest.mark.parametrize("value", [None, "0", ""])
def test_without_regenerating_a_difference_fails_and_leaves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv(REGENERATE, raising=False)
    else:
        monkeypatch.setenv(REGENERATE, value)
    (tmp_path / "digest.eml").write_text("stored\n", encoding="utf-8")

    with pytest.raises(pytest.fail.Exception, match=r"(?s)differs from the stored.*\+rendered"):
        compare_with_golden("digest.eml", "rendered\n", golden=tmp_path)
    assert (tmp_path / "digest.eml").read_text(encoding="utf-8") == "stored\n"
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        compare_with_golden("alert.eml", "rendered\n", golden=tmp_path)
    assert not (tmp_path / "alert.eml").exists()
