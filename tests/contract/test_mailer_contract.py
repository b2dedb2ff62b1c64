"""What every Mailer promises, run against each implementation.

A factory returns the mailer and a way to read back what it delivered, so the
same assertions hold for the outbox folder, an SMTP server (aiosmtpd on
127.0.0.1), SES (moto in server mode on 127.0.0.1) and the shared RecordingMailer
double, which the service suites stand in for a provider with.

Each promise holds for a message handed over as an EmailMessage (send) and as
the finished bytes a Wire writes (send_raw), which every mailer delivers as
they are.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from moto.ses import ses_backends
from tests.doubles import RecordingMailer

from warta.adapters.outbox import OutboxMailer
from warta.adapters.ses import SesMailer
from warta.adapters.smtp import SmtpMailer
from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY
from warta.core.ports import Mailer
from warta.services.compose import Edition, Rendered, Wire, build_message

Received = Callable[[], list[bytes]]
"""The bytes of each message the provider took, as it took them, oldest first."""


@dataclass
class Case:
    mailer: Mailer
    received: Received

    def delivered(self) -> list[EmailMessage]:
        """Each message taken, parsed as its receiver parses it."""
        parsed = [
            email.message_from_bytes(data, policy=email.policy.default) for data in self.received()
        ]
        assert all(isinstance(message, EmailMessage) for message in parsed)
        return parsed  # type: ignore[return-value]


def outbox_factory(request: pytest.FixtureRequest) -> Case:
    folder = request.getfixturevalue("tmp_path") / "outbox"
    return Case(
        OutboxMailer(folder), lambda: [p.read_bytes() for p in sorted(folder.glob("*.eml"))]
    )


def ses_factory(request: pytest.FixtureRequest) -> Case:
    account = request.getfixturevalue("moto_account")  # of its own: no other test's mail
    client = account.client("sesv2")
    # moto, like SES in its sandbox, refuses a sender it has not verified.
    client.create_email_identity(EmailIdentity="warta@warta.example")

    def received() -> list[bytes]:
        sent = ses_backends[account.account][account.region].sent_messages
        return [message.raw_data.encode() for message in sent]

    return Case(SesMailer(client), received)


class _LoopbackController(Controller):
    """aiosmtpd on a port the system picks: its own start-up probe needs the real number."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class _Recorder:
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.envelopes: list[list[str]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert envelope.original_content is not None
        self.received.append(envelope.original_content)
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 2.0.0 Ok"


_smtp_servers: list[Controller] = []


@pytest.fixture(autouse=True)
def _stop_smtp_servers() -> Iterator[None]:
    yield
    while _smtp_servers:
        _smtp_servers.pop().stop()


def smtp_server() -> tuple[SmtpMailer, _Recorder]:
    recorder = _Recorder()
    server = _LoopbackController(recorder, hostname="127.0.0.1", port=0)
    server.start()
    _smtp_servers.append(server)
    mailer = SmtpMailer(
        "127.0.0.1", server.port, security="none", timeout=5.0, local_hostname="localhost"
    )
    return mailer, recorder


def smtp_factory(request: pytest.FixtureRequest) -> Case:
    mailer, recorder = smtp_server()
    return Case(mailer, lambda: list(recorder.received))


def recording_factory(request: pytest.FixtureRequest) -> Case:
    # The shared double (tests/doubles.py): held to the same promises as the adapters.
    mailer = RecordingMailer()
    return Case(mailer, lambda: list(mailer.raw))


MAILER_FACTORIES = [
    pytest.param(outbox_factory, id="outbox"),
    pytest.param(ses_factory, id="ses"),
    pytest.param(smtp_factory, id="smtp"),
    pytest.param(recording_factory, id="recording-double"),
]


@pytest.fixture(params=MAILER_FACTORIES)
def mailer(request: pytest.FixtureRequest) -> Case:
    # A factory takes the request and asks for the fixtures it needs (tmp_path,
    # moto_account), so the outbox and SMTP cases never start moto.
    factory = request.param
    return factory(request)  # type: ignore[no-any-return]


SENDER = "Warta Pemilu <warta@warta.example>"
LINK = "https://warta.example/unsubscribe?subscriber=sub-1&token=abc"
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _message(to: str = "pembaca@warga.example", subject: str = "Warta Pemilu") -> EmailMessage:
    return build_message(
        Rendered(
            subject=subject, text="Halo, ini ringkasan.\n", html="<p>Halo, ini ringkasan.</p>"
        ),
        sender=SENDER,
        to=to,
        unsubscribe=LINK,
        domain="warta.example",
        kind="digest",
        now=NOW,
    )


def _raw(to: str = "pembaca@warga.example", subject: str = "Warta Pemilu") -> bytes:
    """A message as the digest writes it: built once as bytes, the recipient's parts spliced."""
    edition = Edition(
        subject=subject,
        text=("Halo, ini ringkasan.\nBerhenti berlangganan: ", "\n"),
        html=('<p>Halo, ini ringkasan.</p><a href="', '">Berhenti berlangganan</a>'),
    )
    wire = Wire(edition, sender=SENDER, kind="digest")
    return wire.message(
        to=to, unsubscribe=LINK, message_id=f"<{to.split('@')[0]}.digest@warta.example>", now=NOW
    )


Send = Callable[[Mailer, str, str], str]
"""Hands one message to a mailer: (mailer, recipient, subject) -> the provider's id."""


def _by_send(mailer: Mailer, to: str, subject: str) -> str:
    return mailer.send(_message(to=to, subject=subject))


def _by_send_raw(mailer: Mailer, to: str, subject: str) -> str:
    return mailer.send_raw(to, _raw(to=to, subject=subject))


@pytest.fixture(params=[_by_send, _by_send_raw], ids=["send", "send_raw"])
def send(request: pytest.FixtureRequest) -> Send:
    return request.param  # type: ignore[no-any-return]


def test_send_returns_the_providers_message_id(mailer: Case, send: Send) -> None:
    message_id = send(mailer.mailer, "pembaca@warga.example", "Warta Pemilu")
    assert isinstance(message_id, str) and message_id


def test_each_message_gets_its_own_id(mailer: Case, send: Send) -> None:
    ids = {send(mailer.mailer, f"pembaca{n}@warga.example", "Warta Pemilu") for n in range(5)}
    assert len(ids) == 5


def test_delivered_message_keeps_headers_and_both_parts(mailer: Case, send: Send) -> None:
    send(mailer.mailer, "pembaca@warga.example", "Klarifikasi: Surat Suara Tidak Dicoblos")

    (message,) = mailer.delivered()
    assert message.defects == []
    assert message["To"] == "pembaca@warga.example"
    assert message["Subject"] == "Klarifikasi: Surat Suara Tidak Dicoblos"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"] == f"<{LINK}>"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "Halo, ini ringkasan." in text.get_content()
    assert html is not None and "<p>Halo, ini ringkasan.</p>" in html.get_content()


def test_raw_bytes_are_delivered_as_they_are(mailer: Case) -> None:
    data = _raw(subject="Klarifikasi — Surat Suara Tidak Dicoblos")

    mailer.mailer.send_raw("pembaca@warga.example", data)

    assert mailer.received() == [data]


def test_message_without_message_id_is_refused(mailer: Case) -> None:
    message = _message()
    del message["Message-ID"]
    with pytest.raises(SendError):
        mailer.mailer.send(message)
    with pytest.raises(SendError):
        mailer.mailer.send_raw("pembaca@warga.example", message.as_bytes(policy=WIRE_POLICY))
    assert mailer.received() == []


def test_raw_message_with_a_bcc_header_is_refused(mailer: Case) -> None:
    # A Bcc header on the wire would show every recipient the hidden one.
    message = _message()
    message["Bcc"] = "tersembunyi@warga.example"
    with pytest.raises(SendError):
        mailer.mailer.send_raw("pembaca@warga.example", message.as_bytes(policy=WIRE_POLICY))
    assert mailer.received() == []


def test_smtp_sends_raw_bytes_to_the_recipient_alone() -> None:
    mailer, recorder = smtp_server()
    message = _message(to="pembaca@warga.example")
    message["Cc"] = "lain@warga.example"

    mailer.send_raw("pembaca@warga.example", message.as_bytes(policy=WIRE_POLICY))

    assert recorder.envelopes == [["pembaca@warga.example"]]
