"""What every Mailer promises, run against each implementation.

A factory returns the mailer and a way to read back what it delivered, so the
same assertions hold for the outbox folder, an SMTP server (aiosmtpd on
127.0.0.1), SES (moto in server mode on 127.0.0.1) and the shared RecordingMailer
double, which the service suites stand in for a provider with.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Callable, Iterator
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
from warta.core.ports import Mailer
from warta.services.compose import Rendered, build_message

Delivered = Callable[[], list[EmailMessage]]


def outbox_factory(request: pytest.FixtureRequest) -> tuple[Mailer, Delivered]:
    folder = request.getfixturevalue("tmp_path") / "outbox"
    mailer = OutboxMailer(folder)

    def delivered() -> list[EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(folder.glob("*.eml"))
        ]

    return mailer, delivered


def ses_factory(request: pytest.FixtureRequest) -> tuple[Mailer, Delivered]:
    account = request.getfixturevalue("moto_account")  # of its own: no other test's mail
    client = account.client("sesv2")
    # moto, like SES in its sandbox, refuses a sender it has not verified.
    client.create_email_identity(EmailIdentity="warta@warta.example")

    def delivered() -> list[EmailMessage]:
        return [
            email.message_from_bytes(sent.raw_data.encode(), policy=email.policy.default)  # type: ignore[misc]
            for sent in ses_backends[account.account][account.region].sent_messages
        ]

    return SesMailer(client), delivered


class _LoopbackController(Controller):
    """aiosmtpd on a port the system picks: its own start-up probe needs the real number."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class _Recorder:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert envelope.original_content is not None
        self.received.append(envelope.original_content)
        return "250 2.0.0 Ok"


_smtp_servers: list[Controller] = []


@pytest.fixture(autouse=True)
def _stop_smtp_servers() -> Iterator[None]:
    yield
    while _smtp_servers:
        _smtp_servers.pop().stop()


def smtp_factory(request: pytest.FixtureRequest) -> tuple[Mailer, Delivered]:
    recorder = _Recorder()
    server = _LoopbackController(recorder, hostname="127.0.0.1", port=0)
    server.start()
    _smtp_servers.append(server)
    mailer = SmtpMailer(
        "127.0.0.1", server.port, security="none", timeout=5.0, local_hostname="localhost"
    )

    def delivered() -> list[EmailMessage]:
        return [
            email.message_from_bytes(data, policy=email.policy.default)
            for data in recorder.received
        ]

    return mailer, delivered


def recording_factory(request: pytest.FixtureRequest) -> tuple[Mailer, Delivered]:
    # The shared double (tests/doubles.py): held to the same promises as the adapters.
    mailer = RecordingMailer()
    return mailer, lambda: list(mailer.sent)


MAILER_FACTORIES = [
    pytest.param(outbox_factory, id="outbox"),
    pytest.param(ses_factory, id="ses"),
    pytest.param(smtp_factory, id="smtp"),
    pytest.param(recording_factory, id="recording-double"),
]


@pytest.fixture(params=MAILER_FACTORIES)
def mailer(request: pytest.FixtureRequest) -> tuple[Mailer, Delivered]:
    # A factory takes the request and asks for the fixtures it needs (tmp_path,
    # moto_account), so the outbox and SMTP cases never start moto.
    factory = request.param
    return factory(request)  # type: ignore[no-any-return]


def _message(to: str = "pembaca@warga.example", subject: str = "Warta Pemilu") -> EmailMessage:
    return build_message(
        Rendered(
            subject=subject, text="Halo, ini ringkasan.\n", html="<p>Halo, ini ringkasan.</p>"
        ),
        sender="Warta Pemilu <warta@warta.example>",
        to=to,
        unsubscribe="https://warta.example/unsubscribe?subscriber=sub-1&token=abc",
        domain="warta.example",
        kind="digest",
        now=datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
    )


def test_send_returns_the_providers_message_id(mailer: tuple[Mailer, Delivered]) -> None:
    sender, _ = mailer
    message_id = sender.send(_message())
    assert isinstance(message_id, str) and message_id


def test_each_message_gets_its_own_id(mailer: tuple[Mailer, Delivered]) -> None:
    sender, _ = mailer
    ids = {sender.send(_message(to=f"pembaca{n}@warga.example")) for n in range(5)}
    assert len(ids) == 5


def test_delivered_message_keeps_headers_and_both_parts(mailer: tuple[Mailer, Delivered]) -> None:
    sender, delivered = mailer
    sender.send(_message(subject="Klarifikasi: Surat Suara Tidak Dicoblos"))

    (message,) = delivered()
    assert message.defects == []
    assert message["Subject"] == "Klarifikasi: Surat Suara Tidak Dicoblos"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"]
        == "<https://warta.example/unsubscribe?subscriber=sub-1&token=abc>"
    )
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and "Halo, ini ringkasan." in text.get_content()
    assert html is not None and "<p>Halo, ini ringkasan.</p>" in html.get_content()


def test_message_without_message_id_is_refused(mailer: tuple[Mailer, Delivered]) -> None:
    sender, delivered = mailer
    message = _message()
    del message["Message-ID"]
    with pytest.raises(SendError):
        sender.send(message)
    assert delivered() == []
