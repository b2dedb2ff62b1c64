"""Building one RFC 5322 message from rendered parts.

A message is rendered once per audience as an Edition: its text and HTML cut
at the places where each recipient's own unsubscribe link goes, places known
while rendering (Renderer.render_parts). Each recipient's message joins the
parts around their signed link, so a batch of thousands costs one render and
nothing rendered is ever searched and replaced: text from a feed cannot pose
as a recipient's link and receive their token.

Headers are built from single clean lines (core.safe_text.header_text), so no
feed text can add a header, and the subject has a length a mail client shows.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from warta.core.ports import Renderer
from warta.core.safe_text import header_text

SUBJECT_LIMIT = 200
"""Characters of a subject at most; a longer one is cut on a word with an ellipsis."""

LINK_SLOT = "unsubscribe_url"
"""The template variable that holds the recipient's own unsubscribe link."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """One recipient's message, ready to build."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class Edition:
    """A message rendered once for an audience, cut where each recipient's own link goes."""

    subject: str
    text: tuple[str, ...]
    html: tuple[str, ...]

    def personal(self, link: str) -> Rendered:
        return Rendered(self.subject, link.join(self.text), html.escape(link).join(self.html))


def render_edition(
    renderer: Renderer, *, subject: str, text: str, html: str, **context: Any
) -> Edition:
    """Render the subject, text and HTML templates of one message for one audience."""
    return Edition(
        subject=renderer.render(subject, **context, **{LINK_SLOT: ""}).strip(),
        text=renderer.render_parts(text, LINK_SLOT, **context),
        html=renderer.render_parts(html, LINK_SLOT, **context),
    )


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    to: str,
    unsubscribe: str,
    domain: str,
    kind: str,
    now: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = header_text(rendered.subject, SUBJECT_LIMIT)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    # RFC 8058 one-click unsubscribe: mail providers show an unsubscribe button
    # and POST to the link, which must work without a login.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Warta-Kind"] = kind
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
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
