"""The SMTP mailer against a real SMTP server (aiosmtpd) on 127.0.0.1, and its settings."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from warta.adapters.outbox import OutboxMailer
from warta.adapters.smtp import SmtpMailer
from warta.config.settings import SmtpSettings, load_settings
from warta.core.errors import ConfigError, SendError
from warta.services.compose import Rendered, build_message
from warta.wiring import build_mailer

USER = "warta-relay"
PASSWORD = "kata-sandi-rahasia-42"  # noqa: S105 - the test server's own
TO = "pembaca@warga.example"
LONG_UNSUBSCRIBE = (
    "https://warta.example/unsubscribe?subscriber=sub-0123456789abcdef&token=" + "a1b2c3d4" * 12
)


# -- a recording SMTP server ----------------------------------------------------


@dataclass
class Recorder:
    """aiosmtpd handler: records what arrives, answers what a test tells it to."""

    mail_reply: str | None = None
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str = "250 2.0.0 Ok: queued as 4FqK2x"
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login)
        ok = data.login == USER.encode() and data.password == PASSWORD.encode()
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=ok, handled=False)

    def wire(self) -> bytes:
        (envelope,) = self.envelopes
        assert envelope.original_content is not None
        return envelope.original_content


class LoopbackController(Controller):
    """aiosmtpd on a port the system picks: its own start-up probe needs the real number."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[Controller] = []

    def start(recorder: Recorder, **options: Any) -> int:
        controller = LoopbackController(
            recorder,
            hostname="127.0.0.1",
            port=0,
            authenticator=recorder.authenticate,
            **options,
        )
        controller.start()
        started.append(controller)
        return int(controller.port)

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture(scope="module")
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def message(
    to: str = TO, *, text: str = "Halo, ini ringkasan.\n", unsubscribe: str = LONG_UNSUBSCRIBE
) -> EmailMessage:
    return build_message(
        Rendered(subject="Warta Pemilu", text=text, html=f"<p>{text}</p>"),
        sender="Warta Pemilu <warta@warta.example>",
        to=to,
        unsubscribe=unsubscribe,
        domain="warta.example",
        kind="digest",
        now=datetime(2026, 11, 28, 3, 0, tzinfo=UTC),
    )


def plain(port: int, **options: Any) -> SmtpMailer:
    return SmtpMailer(
        "127.0.0.1", port, security="none", timeout=5.0, local_hostname="localhost", **options
    )


# -- delivery and authentication ------------------------------------------------


def test_starttls_then_auth_delivers_and_returns_the_message_id(
    serve: Any, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    recorder = Recorder()
    port = serve(recorder, tls_context=server_tls, require_starttls=True, auth_required=True)
    mailer = SmtpMailer(
        "127.0.0.1",
        port,
        security="starttls",
        username=USER,
        password=PASSWORD,
        timeout=5.0,
        tls_context=client_tls,
    )
    sent = message()

    assert mailer.send(sent) == sent["Message-ID"]
    assert recorder.logins == [USER.encode()]
    (envelope,) = recorder.envelopes
    assert envelope.mail_from == "warta@warta.example"
    assert envelope.rcpt_tos == [TO]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls_delivers(
    serve: Any, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    recorder = Recorder()
    # aiosmtpd counts only STARTTLS as TLS; this whole connection is TLS from the first byte.
    port = serve(recorder, ssl_context=server_tls, auth_required=True, auth_require_tls=False)
    mailer = SmtpMailer(
        "127.0.0.1",
        port,
        security="tls",
        username=USER,
        password=PASSWORD,
        timeout=5.0,
        tls_context=client_tls,
    )
    mailer.send(message())
    assert recorder.logins == [USER.encode()]
    assert len(recorder.envelopes) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_on_loopback_without_tls(serve: Any) -> None:
    recorder = Recorder()
    port = serve(recorder, auth_required=True, auth_require_tls=False)
    plain(port, username=USER, password=PASSWORD).send(message())
    assert recorder.logins == [USER.encode()]
    assert len(recorder.envelopes) == 1


def test_starttls_mailer_never_logs_in_to_a_server_without_starttls(serve: Any) -> None:
    recorder = Recorder()
    port = serve(recorder, auth_require_tls=False)
    mailer = SmtpMailer("127.0.0.1", port, username=USER, password=PASSWORD, timeout=5.0)

    with pytest.raises(SendError, match=r"^permanent: .*STARTTLS") as raised:
        mailer.send(message())
    assert recorder.logins == []
    assert recorder.envelopes == []
    assert PASSWORD not in str(raised.value)


def test_untrusted_certificate_is_refused_before_login(
    serve: Any, server_tls: ssl.SSLContext
) -> None:
    recorder = Recorder()
    port = serve(recorder, tls_context=server_tls, require_starttls=True)
    # The system's CAs: the test CA is not among them.
    mailer = SmtpMailer("127.0.0.1", port, username=USER, password=PASSWORD, timeout=5.0)

    with pytest.raises(SendError, match=r"^permanent: .*certificate"):
        mailer.send(message())
    assert recorder.logins == []


def test_wrong_password_is_a_permanent_error_that_names_no_secret(
    serve: Any, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    recorder = Recorder()
    port = serve(recorder, tls_context=server_tls, require_starttls=True, auth_required=True)
    wrong = "salah-" + PASSWORD
    mailer = SmtpMailer(
        "127.0.0.1", port, username=USER, password=wrong, timeout=5.0, tls_context=client_tls
    )

    with pytest.raises(
        SendError, match=r"^permanent: .* refused the login \(535 5\.7\.8\)$"
    ) as raised:
        mailer.send(message())
    assert wrong not in str(raised.value)
    assert wrong not in repr(mailer)
    assert recorder.envelopes == []


# -- refusals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "reply", "lasting", "refused", "code"),
    [
        ("rcpt", f"550 5.1.1 <{TO}>: Recipient address rejected", "permanent", "the recipient", "550 5.1.1"),
        ("rcpt", f"450 4.2.0 <{TO}>: Greylisted, try again", "temporary", "the recipient", "450 4.2.0"),
        ("mail", "553 5.7.1 <warta@warta.example>: Sender address rejected", "permanent", "the sender", "553 5.7.1"),
        ("mail", "421 4.7.0 Too many connections from you", "temporary", "the sender", "421 4.7.0"),
        ("data", f"554 5.7.1 Message to {TO} rejected as spam", "permanent", "the message", "554 5.7.1"),
        ("data", "451 4.3.0 Local error in processing", "temporary", "the message", "451 4.3.0"),
        ("data", "552 Message size exceeds fixed limit", "permanent", "the message", "552"),
    ],
)  # fmt: skip
def test_refusal_is_a_send_error_that_names_no_address(
    serve: Any,
    caplog: pytest.LogCaptureFixture,
    stage: str,
    reply: str,
    lasting: str,
    refused: str,
    code: str,
) -> None:
    recorder = Recorder()
    if stage == "rcpt":
        recorder.rcpt_replies[TO] = reply
    elif stage == "mail":
        recorder.mail_reply = reply
    else:
        recorder.data_reply = reply
    port = serve(recorder)

    with caplog.at_level(logging.DEBUG, logger="warta"), pytest.raises(SendError) as raised:
        plain(port).send(message())

    error = raised.value
    assert str(error) == f"{lasting}: SMTP server 127.0.0.1:{port} refused {refused} ({code})"
    assert error.temporary is (lasting == "temporary")
    # The smtplib exception carries the server's text, addresses included: not chained.
    assert error.__cause__ is None and error.__suppress_context__
    assert "@" not in caplog.text
    assert recorder.envelopes == []


def test_one_refused_recipient_of_two_still_sends_to_the_other(
    serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(rcpt_replies={TO: f"550 5.1.1 <{TO}>: unknown"})
    port = serve(recorder)
    both = message(to=f"{TO}, kedua@warga.example")

    with caplog.at_level(logging.DEBUG, logger="warta"):
        assert plain(port).send(both) == both["Message-ID"]

    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == ["kedua@warga.example"]
    (record,) = [r for r in caplog.records if r.name.startswith("warta")]
    assert record.levelno == logging.WARNING
    assert (record.refused, record.recipients) == (1, 2)  # type: ignore[attr-defined]
    assert "@" not in record.getMessage()


def test_message_without_message_id_is_refused_before_dialling() -> None:
    unnamed = message()
    del unnamed["Message-ID"]
    # No server listens: had the mailer dialled, the error would be "cannot reach".
    with pytest.raises(SendError, match=r"^permanent: message has no Message-ID$"):
        SmtpMailer("127.0.0.1", _closed_port(), security="none").send(unnamed)


# -- servers that are down or silent ---------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_server_that_is_down_fails_at_once_as_temporary() -> None:
    mailer = SmtpMailer("127.0.0.1", _closed_port(), security="none", timeout=30.0)
    started = time.monotonic()
    with pytest.raises(
        SendError, match=r"^temporary: cannot reach SMTP server 127\.0\.0\.1:\d+"
    ) as raised:
        mailer.send(message())
    # Refused, not waited out: far inside the 30 s timeout.
    assert time.monotonic() - started < 10.0
    assert raised.value.temporary
    # The network's own error names no address: it stays chained for the traceback.
    assert isinstance(raised.value.__cause__, ConnectionRefusedError)


def test_server_that_never_greets_times_out_as_temporary() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        mailer = SmtpMailer(
            "127.0.0.1", silent.getsockname()[1], security="none", timeout=0.5,
            local_hostname="localhost",
        )  # fmt: skip
        started = time.monotonic()
        with pytest.raises(SendError, match=r"^temporary: .*timed out"):
            mailer.send(message())
        assert time.monotonic() - started < 10.0


# -- the bytes on the wire ---------------------------------------------------------


def test_wire_bytes_keep_list_unsubscribe_on_one_line(serve: Any) -> None:
    recorder = Recorder()
    plain(serve(recorder)).send(message())

    wire = recorder.wire()
    header = f"List-Unsubscribe: <{LONG_UNSUBSCRIBE}>\r\n".encode()
    assert len(header) > 78
    assert b"\r\n" + header in wire
    assert b"\n" not in wire.replace(b"\r\n", b"")


def test_non_ascii_body_is_announced_as_8bitmime(serve: Any) -> None:
    recorder = Recorder()
    plain(serve(recorder)).send(
        message(text="Bawaslu menemukan 12 pelanggaran – lihat rinciannya.\n")
    )
    (envelope,) = recorder.envelopes
    assert "BODY=8BITMIME" in envelope.mail_options
    assert "–".encode() in recorder.wire()


def test_bcc_rides_the_envelope_but_not_the_headers(serve: Any) -> None:
    recorder = Recorder()
    hidden = message()
    hidden["Bcc"] = "arsip@warta.example"
    plain(serve(recorder)).send(hidden)

    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == [TO, "arsip@warta.example"]
    assert b"arsip@" not in recorder.wire()
    assert hidden["Bcc"] == "arsip@warta.example"  # the caller's message is left as it was


# -- construction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"host": "smtp.warta.example", "security": "none"}, "loopback"),
        ({"host": "127.0.0.1", "security": "ssl"}, "security must be"),
        ({"host": "127.0.0.1", "username": USER}, "go together"),
    ],
)
def test_mailer_refuses_unsafe_or_half_configuration(options: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmtpMailer(port=25, **options)


def test_repr_names_no_password() -> None:
    mailer = SmtpMailer("smtp.warta.example", 587, username=USER, password=PASSWORD)
    assert PASSWORD not in repr(mailer)
    assert "authenticated=True" in repr(mailer)


# -- settings and wiring ------------------------------------------------------------

BASE = {"WARTA_SECRET": "s" * 32}


def _settings(tmp_path: Path, **env: str) -> Any:
    return load_settings({**BASE, **env}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example"},
         SmtpSettings(host="smtp.warta.example")),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_PORT": "465",
          "WARTA_SMTP_SECURITY": "tls", "WARTA_SMTP_USER": USER, "WARTA_SMTP_PASSWORD": PASSWORD,
          "WARTA_SMTP_TIMEOUT": "12.5"},
         SmtpSettings(host="smtp.warta.example", port=465, security="tls", username=USER,
                      password=PASSWORD, timeout=12.5)),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "localhost", "WARTA_SMTP_PORT": "25",
          "WARTA_SMTP_SECURITY": "none"},
         SmtpSettings(host="localhost", port=25, security="none")),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "::1", "WARTA_SMTP_SECURITY": "none"},
         SmtpSettings(host="::1", security="none")),
    ],
)  # fmt: skip
def test_smtp_settings_from_the_environment(
    tmp_path: Path, env: dict[str, str], expected: SmtpSettings
) -> None:
    settings = _settings(tmp_path, **env)
    assert settings.mail == "smtp"
    assert settings.smtp == expected


def test_outbox_is_the_default(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert (settings.mail, settings.smtp) == ("outbox", None)
    assert isinstance(build_mailer(settings), OutboxMailer)


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"WARTA_MAIL": "ses"}, "WARTA_MAIL must be outbox or smtp, not 'ses'"),
        ({"WARTA_MAIL": "smtp"}, "WARTA_SMTP_HOST is required when WARTA_MAIL=smtp"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "  "}, "WARTA_SMTP_HOST is required"),
        ({"WARTA_SMTP_HOST": "smtp.warta.example"}, "WARTA_SMTP_HOST is set but WARTA_MAIL is not smtp"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_PORT": "0"},
         "WARTA_SMTP_PORT must be at least 1"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_PORT": "70000"},
         "WARTA_SMTP_PORT must be at most 65535"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_PORT": "smtp"},
         "WARTA_SMTP_PORT must be a whole number"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_SECURITY": "ssl"},
         "WARTA_SMTP_SECURITY must be starttls, tls or none, not 'ssl'"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_SECURITY": "none"},
         "WARTA_SMTP_SECURITY=none is only allowed when WARTA_SMTP_HOST is this machine"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "10.0.0.5", "WARTA_SMTP_SECURITY": "none"},
         "WARTA_SMTP_SECURITY=none is only allowed"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_USER": USER},
         "WARTA_SMTP_PASSWORD is required when WARTA_SMTP_USER is set"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_PASSWORD": PASSWORD},
         "WARTA_SMTP_USER is required when WARTA_SMTP_PASSWORD is set"),
        ({"WARTA_MAIL": "smtp", "WARTA_SMTP_HOST": "smtp.warta.example", "WARTA_SMTP_TIMEOUT": "0"},
         "WARTA_SMTP_TIMEOUT must be more than 0"),
    ],
)  # fmt: skip
def test_wrong_mail_settings_fail_at_start_naming_the_variable(
    tmp_path: Path, env: dict[str, str], error: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings(tmp_path, **env)
    assert str(raised.value).startswith(error)
    assert PASSWORD not in str(raised.value)


def test_password_stays_out_of_the_settings_repr(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        WARTA_MAIL="smtp",
        WARTA_SMTP_HOST="smtp.warta.example",
        WARTA_SMTP_USER=USER,
        WARTA_SMTP_PASSWORD=PASSWORD,
    )
    assert PASSWORD not in repr(settings)
    assert "s" * 32 not in repr(settings)  # nor the signing secret


def test_wiring_builds_the_smtp_mailer_from_settings(tmp_path: Path, serve: Any) -> None:
    recorder = Recorder()
    port = serve(recorder, auth_require_tls=False)
    settings = _settings(
        tmp_path,
        WARTA_MAIL="smtp",
        WARTA_SMTP_HOST="127.0.0.1",
        WARTA_SMTP_PORT=str(port),
        WARTA_SMTP_SECURITY="none",
        WARTA_SMTP_USER=USER,
        WARTA_SMTP_PASSWORD=PASSWORD,
        WARTA_SMTP_TIMEOUT="5",
    )
    mailer = build_mailer(settings)
    assert isinstance(mailer, SmtpMailer)

    mailer.send(message())
    assert recorder.logins == [USER.encode()]
    assert len(recorder.envelopes) == 1
