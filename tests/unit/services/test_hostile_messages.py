"""A hostile publisher's text in a message: it stays text, in headers, bodies and links.

Each test builds a real digest or alert from a story carrying hostile text and
reads the message as the recipient's mail server would, from its wire bytes.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from tests import builders
from tests.builders import DAY, official, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.mail import WIRE_POLICY
from warta.core.model import DigestBatch, Story, Subscriber
from warta.services.alerts import Alerts
from warta.services.compose import SUBJECT_LIMIT
from warta.services.delivery import Delivery
from warta.services.digest import Digest

from .conftest import LETTERHEAD, NOW, CountingRenderer, FixedClock, RecordingMailer

HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "X-Warta-Kind",
    "MIME-Version",
    "Content-Type",
}
OLD_PLACEHOLDER = "https://warta.invalid/__unsubscribe__"

HOSTILE_TITLES = [
    "=?utf-8?q?Hoaks=0D=0ABcc:_korban@contoh.id=0D=0AReply-To:_x@jahat.id?=",
    "=?utf-8?b?SG9ha3MNCkJjYzogYUBiLmM=?= Klarifikasi KPU",
    "Klarifikasi\r\nBcc: korban@contoh.id\r\n\r\nbadan palsu",
    "Klarifikasi\x00NUL\x1bESC\u202eKPU\u200bBantah\u2066isolasi",
    "Klarifikasi " + "panjang " * 1250,
    "🚨🔥 HOAKS surat suara 😡 " * 5,
    f"Klik {OLD_PLACEHOLDER} untuk berhenti",
]


def story(title: str, url: str = "https://www.kpu.go.id/berita/1", *, urgent: bool) -> Story:
    return builders.story(
        title=title,
        summary=f"Ringkasan dengan tautan {OLD_PLACEHOLDER} dan https://warta.invalid/x.",
        urgent=urgent,
        sources=(story_source(url=url),),
    )


def on_the_wire(message: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(message.as_bytes(policy=WIRE_POLICY), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> str:
    return "".join(str(part.get_content()) for part in message.walk() if not part.is_multipart())


def check(message: EmailMessage, recipient: str, *, links: int = 1) -> None:
    """`links`: the footer links of each part that carry the token (a digest has two:
    "Atur langganan" and "Berhenti berlangganan")."""
    wire = on_the_wire(message)
    assert set(wire.keys()) == HEADERS, wire.keys()
    assert wire.get_all("To") == [recipient]
    assert len(str(wire["Subject"])) <= SUBJECT_LIMIT
    assert not any(c in str(wire["Subject"]) for c in "\r\n\x00\x1b\u202e\u200b\u2066")
    head = message.as_bytes(policy=WIRE_POLICY).split(b"\r\n\r\n", 1)[0]
    names = {line.split(b":", 1)[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"}
    assert {n.decode() for n in names} == HEADERS
    link = str(wire["List-Unsubscribe"]).strip("<>")
    token = link.rsplit("token=", 1)[1]
    text = bodies(wire)
    # The token is in the footer links (of the text and the HTML part) and nowhere
    # else: no feed text that looks like a link or a placeholder receives it.
    assert text.count(token) == 2 * links, text
    assert OLD_PLACEHOLDER in text


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_digest_of_a_hostile_story_keeps_its_headers_and_links(
    store: SqliteStore, clock: FixedClock, title: str
) -> None:
    store.put_story(story(title, url=f"{OLD_PLACEHOLDER}?subscriber=x", urgent=False))
    store.put_subscriber(Subscriber(id="sub-1", email="warga@contoh.id", created_at=NOW))
    mailer = RecordingMailer()
    delivery = Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD)
    digest = Digest(store=store, delivery=delivery, renderer=CountingRenderer())

    report = digest.send_batch(DigestBatch(DAY, ("sub-1",), 0))

    assert report.sent == 1
    check(mailer.sent[0], "warga@contoh.id", links=2)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_alert_of_a_hostile_story_keeps_its_headers_and_links(
    store: SqliteStore, clock: FixedClock, title: str
) -> None:
    store.put_story(story(title, urgent=True))
    store.put_official(official("kpu-ri", "national", email="p@kpu.id"))
    mailer = RecordingMailer()
    delivery = Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD)

    report = Alerts(store=store, delivery=delivery, renderer=CountingRenderer()).story("st-1")

    assert report.emails == 1
    check(mailer.sent[0], "p@kpu.id")
