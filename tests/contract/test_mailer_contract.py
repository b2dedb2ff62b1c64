"""What every Mailer promises, run against each implementation.

A factory returns the mailer and a way to read back what it delivered, so the
same assertions hold for the outbox folder today and SMTP or SES later.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from warta.adapters.outbox import OutboxMailer
from warta.core.errors import SendError
from warta.core.ports import Mailer
from warta.services.compose import Rendered, build_message

Delivered = Callable[[], list[EmailMessage]]


def outbox_factory(tmp_path: Path) -> tuple[Mailer, Delivered]:
    folder = tmp_path / "outbox"
    mailer = OutboxMailer(folder)

    def delivered() -> list[EmailMessage]:
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(folder.glob("*.eml"))
        ]

    return mailer, delivered


MAILER_FACTORIES = [pytest.param(outbox_factory, id="outbox")]


@pytest.fixture(params=MAILER_FACTORIES)
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Mailer, Delivered]:
    factory = request.param
    return factory(tmp_path)  # type: ignore[no-any-return]


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
