"""Building one RFC 5322 message from rendered parts.

A message is rendered once per audience as an Edition: its text and HTML cut
at the places where each recipient's own unsubscribe link goes, places known
while rendering (Renderer.render_parts). Each recipient's message joins the
parts around their signed link, so a batch of thousands costs one render and
nothing rendered is ever searched and replaced: text from a feed cannot pose
as a recipient's link and receive their token.

Headers are built from single clean lines (core.safe_text.header_text), so no
feed text can add a header, and the subject has a length a mail client shows.

Two builders make the same message. `build_message` makes an EmailMessage for
one recipient: the standard library's reference, milliseconds a message.
`Wire` builds an edition once as the bytes every mailer puts on the wire and
then writes each recipient's message in tens of microseconds, splicing in the
parts that differ: To, Date, Message-ID, List-Unsubscribe and the link in
both bodies. Each is spliced where the render said it goes, never where a
search of the rendered text would find it. Headers come from the standard
library's own folding (the wire policy), bodies are quoted-printable, which
keeps every hard line break where it is: the lines that hold no link are
encoded once per edition, and the few that hold one are encoded per
recipient, so each message's bytes are exactly those of encoding its whole
text at once. tests/unit/services/test_wire.py holds the two builders to one
result for every golden message and for hostile content.
"""

from __future__ import annotations

import html
import re
import secrets
import sys
from binascii import b2a_qp
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from typing import Any

from warta.core.mail import WIRE_POLICY
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
    references: tuple[str, ...] = (),
) -> EmailMessage:
    """`references` are the Message-IDs of the messages this one follows, oldest first
    (an alert's update follows the alert): its In-Reply-To and References."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = header_text(rendered.subject, SUBJECT_LIMIT)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=domain)
    if references:
        message["In-Reply-To"] = references[-1]
        message["References"] = " ".join(references)
    # RFC 8058 one-click unsubscribe: mail providers show an unsubscribe button
    # and POST to the link, which must work without a login.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Warta-Kind"] = kind
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


# -- the byte builder -------------------------------------------------------------------


def header_line(name: str, value: str) -> bytes:
    """One header as the wire policy writes it, through the standard library (folded,
    RFC 2047-encoded where needed): what EmailMessage.as_bytes writes for it."""
    return WIRE_POLICY.fold_binary(*WIRE_POLICY.header_store_parse(name, value))


# Values the standard library writes back exactly as given: plain ASCII, one word, no
# encoded word ("=?"). Only these skip its header parser, which costs more than the rest
# of a message; anything else goes through header_line. tests/unit/services/test_wire.py
# checks each shape against header_line.
_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>")
_LINK = re.compile(r"[!-~]+")
"""A recipient's link: printable ASCII without a space, as core.links writes it."""
_SHORT = 900
"""Longer values go through header_line, which folds past the policy's 998 characters."""


def _plain_line(name: str, value: str, shape: re.Pattern[str]) -> bytes:
    if len(value) < _SHORT and shape.fullmatch(value) and "=?" not in value:
        return f"{name}: {value}\r\n".encode("ascii")
    return header_line(name, value)


@lru_cache(maxsize=16)
def _date_line(second: int) -> bytes:
    # Recipients of one second share it: what EmailMessage writes from format_datetime
    # of that moment in UTC, the time of the Clock port.
    return header_line("Date", format_datetime(datetime.fromtimestamp(second, UTC)))


def _qp(text: str) -> bytes:
    """Quoted-printable of whole lines (each ends in a line feed), with CRLF line ends.

    b2a_qp starts over at each line feed, so lines encoded apart are the bytes of
    the same lines encoded together; every raw CR is encoded (=0D), so the only
    line feeds of its output end lines.
    """
    return b2a_qp(text.encode("utf-8")).replace(b"\n", b"\r\n")


@dataclass(frozen=True, slots=True)
class _Body:
    """One part's text as quoted-printable: `static` are the encoded runs of lines
    without a link, one more than `lines`, the runs of lines that hold one (the text
    around each link in them), which are encoded for each recipient."""

    static: tuple[bytes, ...]
    lines: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, parts: tuple[str, ...]) -> _Body:
        # Line ends as EmailMessage.set_content leaves them: CR, LF and CRLF are line
        # ends, and the text ends with one. A link holds no line end, so a CR at the
        # end of one part and an LF at the start of the next are two.
        parts = tuple(p.replace("\r\n", "\n").replace("\r", "\n") for p in parts)
        if not parts[-1].endswith("\n"):
            parts = (*parts[:-1], parts[-1] + "\n")
        first = parts[0]
        cut = first.rfind("\n") + 1
        static = [_qp(first[:cut])]
        lines: list[tuple[str, ...]] = []
        run = [first[cut:]]  # the lines the next link is on, up to it
        for part in parts[1:]:
            end = part.find("\n") + 1
            cut = part.rfind("\n") + 1
            if end == cut:  # no whole line without a link before the next link, if any
                run.append(part)
                continue
            lines.append((*run, part[:end]))
            static.append(_qp(part[end:cut]))
            run = [part[cut:]]
        if run != [""]:  # the last part's lines hold links up to its end
            lines.append(tuple(run))
            static.append(b"")
        return cls(tuple(static), tuple(lines))

    def write(self, out: list[bytes], value: str) -> None:
        """Append the part's body with `value` in every place of a link."""
        static = self.static
        out.append(static[0])
        for n, run in enumerate(self.lines, 1):
            out.append(_qp(value.join(run)))
            out.append(static[n])


def _boundary() -> str:
    # As the standard library makes one. A quoted-printable body never holds "==" (a
    # literal "=" is always "=3D"), so no line of one can be a delimiter.
    width = len(repr(sys.maxsize - 1))
    return "=" * 15 + f"{secrets.randbelow(sys.maxsize):0{width}d}" + "=="


class Wire:
    """An edition built once as the bytes of its message, for any number of recipients.

    `message` writes one recipient's message: the bytes `build_message` would give
    as a mailer serializes it (WIRE_POLICY), with both bodies quoted-printable.
    """

    __slots__ = ("_end", "_from", "_html", "_middle", "_post", "_subject", "_text")

    def __init__(self, edition: Edition, *, sender: str, kind: str) -> None:
        boundary = _boundary()
        self._from = header_line("From", sender)
        self._subject = header_line("Subject", header_text(edition.subject, SUBJECT_LIMIT))
        qp = header_line("Content-Transfer-Encoding", "quoted-printable")
        self._post = b"".join(
            (
                header_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                header_line("X-Warta-Kind", kind),
                header_line("MIME-Version", "1.0"),
                header_line("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
                b"\r\n--" + boundary.encode("ascii") + b"\r\n",
                header_line("Content-Type", 'text/plain; charset="utf-8"'),
                qp,
                b"\r\n",
            )
        )
        self._text = _Body.of(edition.text)
        self._middle = b"".join(
            (
                b"\r\n--" + boundary.encode("ascii") + b"\r\n",
                header_line("Content-Type", 'text/html; charset="utf-8"'),
                qp,
                header_line("MIME-Version", "1.0"),
                b"\r\n",
            )
        )
        self._html = _Body.of(edition.html)
        self._end = b"\r\n--" + boundary.encode("ascii") + b"--\r\n"

    def message(
        self,
        *,
        to: str,
        unsubscribe: str,
        message_id: str,
        now: datetime,
        references: tuple[str, ...] = (),
    ) -> bytes:
        """One recipient's message; ValueError when a value cannot be a header or link."""
        if not _LINK.fullmatch(unsubscribe):
            raise ValueError("an unsubscribe link is printable ASCII without spaces")
        out = [
            self._from,
            _plain_line("To", to, _ADDRESS),
            self._subject,
            _date_line(int(now.timestamp())),
            _plain_line("Message-ID", message_id, _MESSAGE_ID),
        ]
        if references:
            out.append(_plain_line("In-Reply-To", references[-1], _MESSAGE_ID))
            out.append(header_line("References", " ".join(references)))
        out += [
            _plain_line("List-Unsubscribe", f"<{unsubscribe}>", _LINK),
            self._post,
        ]
        self._text.write(out, unsubscribe)
        out.append(self._middle)
        self._html.write(out, html.escape(unsubscribe))
        out.append(self._end)
        return b"".join(out)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What every outgoing message needs besides its content."""

    sender: str
    domain: str
    public_url: str
    secret: bytes = b""

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return f"Letterhead(sender={self.sender!r}, public_url={self.public_url!r})"
