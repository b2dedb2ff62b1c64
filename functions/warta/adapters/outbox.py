"""Outbox mailer and notifier: messages become files, for trying Warta out and for tests.

Each message is one RFC 5322 .eml file any mail client opens; a digest also
gets an .html preview beside it. Files are written under a temporary name and
renamed, so a reader never sees half a message.

A file is named after its message, not after the time it was written: an
email by its Message-ID (derived from its sent-ledger line), an SMS by its
ledger key. A message sent again after a crash (written, then the process
died before the ledger recorded it) overwrites its own file instead of
appearing twice.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from hashlib import blake2b
from pathlib import Path

from warta.core.errors import SendError
from warta.core.mail import WIRE_POLICY


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SendError(f"cannot write {path.name} to the outbox: {exc.strerror}") from exc


def _ensure_folder(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SendError(f"cannot create the outbox folder {directory}: {exc.strerror}") from exc


class OutboxMailer:
    """Implements the Mailer port by writing .eml files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: EmailMessage) -> str:
        return self._write(message, message.as_bytes(policy=WIRE_POLICY))

    def send_raw(self, recipient: str, data: bytes) -> str:
        """Write the bytes as they are; they are parsed only to name the file and, for a
        digest, to write its HTML preview."""
        message = message_from_bytes(data, policy=default)
        if "Bcc" in message:
            raise SendError("a message on the wire must not carry a Bcc header")
        return self._write(message, data)

    def _write(self, message: EmailMessage, data: bytes) -> str:
        message_id = message["Message-ID"]
        if not message_id:
            raise SendError("message has no Message-ID")
        kind = re.sub(r"[^a-z0-9-]", "", str(message.get("X-Warta-Kind", "message")).lower())
        digest = blake2b(str(message_id).encode(), digest_size=10).hexdigest()
        _ensure_folder(self.directory)
        stem = f"warta-{kind or 'message'}-{digest}"
        _write_atomically(self.directory / f"{stem}.eml", data)
        if kind == "digest":
            html = message.get_body(preferencelist=("html",))
            if html is not None:
                content = html.get_content()
                _write_atomically(self.directory / f"{stem}.html", content.encode("utf-8"))
        return str(message_id)

    def messages(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml")) if self.directory.is_dir() else []


class OutboxNotifier:
    """Implements the Notifier port by writing one JSON file per SMS under outbox/sms/."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        _ensure_folder(self.directory)
        sent_at = datetime.now(UTC)
        name = key if key is not None else f"{phone}{text}{sent_at.isoformat()}"
        message_id = "sms-" + blake2b(name.encode(), digest_size=10).hexdigest()
        record = {"id": message_id, "to": phone, "text": text, "sent_at": sent_at.isoformat()}
        _write_atomically(
            self.directory / f"{message_id}.json",
            json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"),
        )
        return message_id
