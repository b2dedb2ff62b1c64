from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warta.adapters.outbox import OutboxMailer, OutboxNotifier
from warta.core.errors import SendError
from warta.services.compose import Rendered, build_message


def _message(kind: str) -> object:
    return build_message(
        Rendered(subject="S", text="teks\n", html="<p>teks</p>"),
        sender="Warta <warta@warta.example>",
        to="a@warga.example",
        unsubscribe="http://127.0.0.1:8025/unsubscribe?subscriber=s&token=t",
        domain="warta.example",
        kind=kind,
        now=datetime(2026, 11, 28, tzinfo=UTC),
    )


def test_digest_gets_an_html_preview_and_an_alert_does_not(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path)
    mailer.send(_message("digest"))  # type: ignore[arg-type]
    mailer.send(_message("alert"))  # type: ignore[arg-type]
    assert len(list(tmp_path.glob("*.eml"))) == 2
    (preview,) = tmp_path.glob("*.html")
    assert "-digest-" in preview.name
    assert preview.read_text(encoding="utf-8").strip() == "<p>teks</p>"


def test_outbox_path_that_is_a_file_raises_send_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    with pytest.raises(SendError):
        OutboxMailer(blocker / "inner").send(_message("digest"))  # type: ignore[arg-type]


def test_sms_is_recorded_with_number_and_text(tmp_path: Path) -> None:
    notifier = OutboxNotifier(tmp_path / "sms")
    message_id = notifier.notify("+6281100000001", "WARTA PEMILU: klarifikasi")
    (record,) = (tmp_path / "sms").glob("*.json")
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["id"] == message_id
    assert data["to"] == "+6281100000001"
    assert data["text"] == "WARTA PEMILU: klarifikasi"
