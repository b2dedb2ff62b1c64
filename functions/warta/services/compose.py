"""Building one RFC 5322 message from rendered parts.

Messages are rendered once per audience with UNSUBSCRIBE_MARK standing in for
the recipient's own link; `personalize` swaps in the signed link per
recipient, so a batch of thousands costs one render.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

UNSUBSCRIBE_MARK = "https://warta.invalid/__unsubscribe__"
"""A URL-safe stand-in: Jinja's escaping leaves it unchanged, so one replace finds it."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    to: str,
    unsubscribe: str,
    domain: str,
    kind: str,
    now: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 8058 one-click unsubscribe: mail providers show an unsubscribe button
    # and POST to the link, which must work without a login.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Warta-Kind"] = kind
    message.set_content(rendered.text.replace(UNSUBSCRIBE_MARK, unsubscribe))
    message.add_alternative(
        rendered.html.replace(UNSUBSCRIBE_MARK, html.escape(unsubscribe)), subtype="html"
    )
    return message


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What every outgoing message needs besides its content."""

    sender: str
    domain: str
    public_url: str
    secret: bytes = b""

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return f"Letterhead(sender={self.sender!r}, public_url={self.public_url!r})"
