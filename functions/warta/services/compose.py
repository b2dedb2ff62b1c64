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
then writes each recipient's message in microseconds, splicing in the parts
that differ: To, Date, Message-ID, List-Unsubscribe and the link in both
bodies. Each is spliced where the render said it goes, never where a search
of the rendered text would find it. Headers come from the standard library's
own folding (the wire policy), bodies are quoted-printable, which keeps every
hard line break where it is: the lines that hold no link are encoded once per
edition, and where the few that hold one break depends only on the shape of
the link (its length and where its "=" are), so they are laid out once per
shape and each recipient's link is cut into those lines. Each message's bytes
are exactly those of encoding its whole text at once.
tests/unit/services/test_wire.py holds the two builders to one result for
every golden message and for hostile content, and the bytes of a message to
those of encoding its text at once, for links of every shape.
"""

from __future__ import annotations

import html
import re
import secrets
import struct
import sys
from binascii import b2a_qp
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from typing import Any, NamedTuple

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


# Most messages go to an address whose local part is letters and digits, at a host
# that others of them went to, and have a Message-ID whose first word is letters and
# digits (a ledger line's digest), with the same words after it as others (the
# message's kind and Warta's domain). Such values are told plain by those parts alone,
# once the shape of a whole one made their host or their last words known; any other
# is matched whole. So exactly the values _plain_line writes directly are plain.
_HOSTS: set[bytes] = set()
_HOSTS_AT_MOST = 4096
_ID_END = b"@localhost>"
"""What follows the first word of the last plain Message-ID: after "<" and any word, a
plain one."""


def _plain_to(address: bytes) -> bool:
    """Whether an ASCII address is _ADDRESS."""
    local, _, host = address.partition(b"@")
    if local.isalnum() and host in _HOSTS:
        return True
    if not _ADDRESS.fullmatch(address.decode("ascii")):
        return False
    if len(_HOSTS) >= _HOSTS_AT_MOST:
        _HOSTS.clear()
    _HOSTS.add(host)
    return True


def _plain_id(ident: bytes) -> bool:
    """Whether an ASCII Message-ID is _MESSAGE_ID."""
    global _ID_END
    end = _ID_END
    if ident.endswith(end) and ident[0] == 0x3C and ident[1 : len(ident) - len(end)].isalnum():
        return True  # "<", a word, then the words after it in the last plain one
    if not _MESSAGE_ID.fullmatch(ident.decode("ascii")):
        return False
    first = ident.find(b".")
    if 0 < first < ident.find(b"@"):
        _ID_END = ident[first:]
    return True


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


# How b2a_qp (and so EmailMessage) writes a line of quoted-printable, which the
# lines holding a link follow byte for byte. It reads the line a character at a time
# and keeps its column: a character written as itself takes one column, an encoded one
# ("=3D") three. Before a character that would end past column 75 it breaks the line
# softly ("=" and a line end: no line is longer than 76), except that a character
# written as itself right before a line feed may take column 76. At a line feed it
# encodes the white space before it, if any ("=20": a line of up to 78, as the
# standard library's are), and starts again at column 0. It encodes "=", every byte
# outside printable ASCII but tab and space, white space at the very end of the text
# and a "." alone on a line.
#
# A link is printable ASCII without white space (_LINK). When it does not end in ".",
# only its "=" are encoded, and how its encoded form breaks depends on the column it
# starts at and on where its "=" are, not on its other characters: all the links of one
# shape (_SHAPE) break alike. Nor does the text after it depend on the link but for
# the column that text starts at: a Wire lays its message out once for each shape of
# link (_Plan), and each recipient's message only cuts their link into those lines.
_FOLD = 75
"""The columns of a quoted-printable line before its soft break."""


def _fold(link: bytes, column: int, last: bool) -> tuple[list[int], int]:
    """The lengths of the lines the encoded `link` (each "=" as "=3D") takes when it
    starts at `column`, broken as b2a_qp breaks it, and the column it ends at. `last`
    when its last character may take column 76: a line feed follows, and it is not
    encoded."""
    end = len(link)
    start = 0
    room = _FOLD - column
    lengths = []
    while end - start > room + last:
        cut = start + room
        # An "=3D" that would cross the break goes to the next line whole.
        encoded = link.rfind(b"=", max(start, cut - 2), cut)
        if encoded >= 0:
            cut = encoded
        lengths.append(cut - start)
        start = cut
        room = _FOLD
    lengths.append(end - start)
    return lengths, (column if len(lengths) == 1 else 0) + end - start


def _qp_from(text: str, column: int, *, linked: bool) -> tuple[bytes, int]:
    """`text` as b2a_qp encodes it in the whole text of a part, where it starts at
    `column` right after a character that is not white space and, when `linked`, is
    followed by a link (else it ends in its line feed); and the column it ends at.

    An "x" in each column before it and one after it are what a link is to b2a_qp
    there: characters written as themselves, neither white space nor a line feed.
    (b2a_qp never breaks the line before the last character of its input.)
    """
    data = _qp("x" * column + text + ("x" if linked else ""))[: -1 if linked else None]
    return data[column:], len(data) - data.rfind(b"\n") - 1


@dataclass(frozen=True, slots=True)
class _Body:
    """One part's text as quoted-printable: `static` are the encoded runs of lines
    without a link, one more than `lines`, the runs of lines that hold one (the text
    around each link in them), which are encoded for each recipient. `leads` are the
    encoded text of each run up to its first link, which starts at that column of
    `columns`."""

    static: tuple[bytes, ...]
    lines: tuple[tuple[str, ...], ...]
    leads: tuple[bytes, ...]
    columns: tuple[int, ...]

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
        leads = [_qp_from(run[0], 0, linked=True) for run in lines]
        return cls(
            tuple(static),
            tuple(lines),
            tuple(lead for lead, _ in leads),
            tuple(column for _, column in leads),
        )

    @property
    def links(self) -> int:
        """How many places of a link the part has."""
        return sum(len(run) - 1 for run in self.lines)

    def write(self, out: list[bytes], value: str) -> None:
        """Append the part's body with `value` in every place of a link."""
        static = self.static
        out.append(static[0])
        for n, run in enumerate(self.lines, 1):
            out.append(_qp(value.join(run)))
            out.append(static[n])

    def layout(self, link: bytes) -> list[bytes | int]:
        """The part's body with a link in every place of one, as the bytes between the
        lines of the link and the lengths of these lines: `link` is the link's encoded
        form (each "=" as "=3D"), cut into lines of those lengths, copy after copy.

        The link is printable ASCII without white space, and does not end in ".".
        """
        plain_end = not link.endswith(b"=3D")
        out: list[bytes | int] = []
        for run, before, lead, column in zip(
            self.lines, self.static, self.leads, self.columns, strict=False
        ):
            out += (before, lead)
            for n, text in enumerate(run[1:], 2):
                lengths, column = _fold(link, column, plain_end and text.startswith("\n"))
                out.append(lengths[0])
                for length in lengths[1:]:
                    out += (b"=\r\n", length)
                after, column = _qp_from(text, column, linked=n < len(run))
                out.append(after)
        out.append(self.static[-1])
        return out


def _boundary() -> str:
    # As the standard library makes one. A quoted-printable body never holds "==" (a
    # literal "=" is always "=3D"), so no line of one can be a delimiter.
    width = len(repr(sys.maxsize - 1))
    return "=" * 15 + f"{secrets.randbelow(sys.maxsize):0{width}d}" + "=="


_SHAPE = bytes(c if c in b".=?&<>\"'" else 0x61 if 0x21 <= c <= 0x7E else 0x20 for c in range(256))
"""Each byte of a link as its shape has it: one that no link holds as a space, one
whose place changes how the link is written ("." at its end, "=" and "=?", "&" and
what else html.escape writes otherwise) as itself, any other as "a"."""
_ESCAPED = frozenset(b"<>\"'")
"""What html.escape writes otherwise in a link besides "&"."""


class _Plan(NamedTuple):
    """A Wire's message laid out for the links of one shape: `around` are the bytes
    between the values of one recipient (To, Date, Message-ID, In-Reply-To and
    References, the link, then the lines of its copies in the text and HTML bodies),
    with a None in the place of each value; `cut` cuts `copies` copies of the link's
    encoded form into those lines (in the HTML, the "amp;" after each "&" is among the
    bytes around them)."""

    around: list[bytes | None]
    cut: Callable[[bytes], tuple[bytes, ...]]
    copies: int


def _unescaped(items: list[bytes | int], link: bytes) -> list[bytes | int]:
    """The items of a body laid out for the HTML of an encoded link (each "&" of it as
    "&amp;"), with the lines of the link cut from copies of `link` itself: the "amp;"
    after each "&" moves to the bytes around them."""
    escaped = link.replace(b"&", b"&amp;")
    added = bytearray()  # 1 for each byte of `escaped` that is not in `link`
    for byte in link:
        added += b"\0\1\1\1\1" if byte == 0x26 else b"\0"
    out: list[bytes | int] = []
    at = 0
    for item in items:
        if isinstance(item, bytes):
            out.append(item)
            continue
        end = at + item
        while at < end:
            kind = added[at]
            stop = added.find(b"\0" if kind else b"\1", at, end)
            if stop < 0:
                stop = end
            out.append(escaped[at:stop] if kind else stop - at)
            at = stop
        at %= len(escaped)
    return out


class Wire:
    """An edition built once as the bytes of its message, for any number of recipients.

    `message` writes one recipient's message: the bytes `build_message` would give
    as a mailer serializes it (WIRE_POLICY), with both bodies quoted-printable.
    """

    __slots__ = (
        "_end",
        "_from",
        "_html",
        "_middle",
        "_plans",
        "_post",
        "_subject",
        "_text",
    )

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
        self._plans: dict[bytes, _Plan | None] = {}

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
        try:
            link = unsubscribe.encode("ascii")
        except UnicodeEncodeError:
            link = b"\x00"  # no link
        shape = link.translate(_SHAPE)
        try:
            plan = self._plans[shape]  # only a link's shape has one
        except KeyError:
            plan = self._plan(shape)
        date = _date(now)
        try:
            address = to.encode("ascii")
            ident = message_id.encode("ascii")
        except UnicodeEncodeError:
            plan = None
        # A plan writes To and Message-ID as _plain_line writes plain values directly;
        # any other value is written by _plain_line itself.
        if (
            plan is None
            or len(address) + len(ident) >= _SHORT
            or not _plain_to(address)
            or not _plain_id(ident)
        ):
            return self._written(to, unsubscribe, message_id, date, references)
        around, cut, copies = plan
        out = around.copy()
        out[1::2] = (
            address,
            date,
            ident,
            _references(references) if references else b"",
            link,
            *cut(link.replace(b"=", b"=3D") * copies),
        )
        return b"".join(out)  # type: ignore[arg-type]

    def _plan(self, shape: bytes) -> _Plan | None:
        """The plan of the messages whose link has this shape, kept for the next ones:
        None when they are written line by line (the link ends in ".", holds what
        html.escape writes otherwise, or is no plain List-Unsubscribe); ValueError
        when the shape is no link's."""
        if not _LINK.fullmatch(shape.decode("ascii")):
            raise ValueError("an unsubscribe link is printable ASCII without spaces")
        plan = None
        if (
            not shape.endswith(b".")
            and _ESCAPED.isdisjoint(shape)
            and len(shape) < _SHORT - 2
            and b"=?" not in shape
        ):
            encoded = shape.replace(b"=", b"=3D")
            plan = self._lay_out(
                [
                    self._from + b"To: ",
                    None,
                    b"\r\n" + self._subject,
                    None,
                    b"Message-ID: ",
                    None,
                    b"\r\n",
                    None,  # In-Reply-To and References
                    b"List-Unsubscribe: <",
                    None,
                    b">\r\n" + self._post,
                    *self._text.layout(encoded),
                    self._middle,
                    *_unescaped(self._html.layout(encoded.replace(b"&", b"&amp;")), encoded),
                    self._end,
                ]
            )
        if len(self._plans) >= _PLANS:
            self._plans.clear()
        self._plans[shape] = plan
        return plan

    def _lay_out(self, items: list[bytes | int | None]) -> _Plan:
        """The plan of a message of these items: bytes, the place of one of the five
        values before the bodies (None) and the lengths of the lines of the link in
        them. Bytes that follow one another are joined, but for a long run of lines
        without a link: those are the Wire's own, kept apart (an empty line of the
        link between them) so that a plan holds no copy of them."""
        around: list[bytes | None] = [b""]
        lengths: list[int] = []
        for item in items:
            last = around[-1]
            if not isinstance(item, bytes):
                if last is None:
                    around.append(b"")
                around.append(None)
                if item is not None:
                    lengths.append(item)
            elif last is None:
                around.append(item)
            elif len(last) + len(item) <= _JOINED:
                around[-1] = last + item
            else:
                around += (None, item)
                lengths.append(0)
        if around[-1] is None:
            around.append(b"")
        cut = struct.Struct("".join(f"{n}s" for n in lengths)).unpack
        return _Plan(around, cut, self._text.links + self._html.links)

    def _written(
        self,
        to: str,
        unsubscribe: str,
        message_id: str,
        date: bytes,
        references: tuple[str, ...],
    ) -> bytes:
        """The message written line by line, for any values (message keeps to the
        ones most are)."""
        out = [
            self._from,
            _plain_line("To", to, _ADDRESS),
            self._subject,
            date,
            _plain_line("Message-ID", message_id, _MESSAGE_ID),
        ]
        if references:
            out.append(_references(references))
        out += [
            _plain_line("List-Unsubscribe", f"<{unsubscribe}>", _LINK),
            self._post,
        ]
        self._text.write(out, unsubscribe)
        out.append(self._middle)
        self._html.write(out, html.escape(unsubscribe))
        out.append(self._end)
        return b"".join(out)


_PLANS = 256
"""Shapes of link a Wire keeps the plan of at most: a subscriber's links have one, an
official's one per length of their id (at most 64 characters)."""
_JOINED = 4096
"""Bytes a plan joins into one at most."""


def _references(references: tuple[str, ...]) -> bytes:
    return _plain_line("In-Reply-To", references[-1], _MESSAGE_ID) + header_line(
        "References", " ".join(references)
    )


_DATE: tuple[datetime, datetime, bytes] = (datetime.max.replace(tzinfo=UTC),) * 2 + (b"",)
"""The second of the last Date written, from its start to the next, and its line."""


def _date(now: datetime) -> bytes:
    """The Date line of `now`: _date_line of its second, told without reckoning the
    second of each message in a second after the first."""
    global _DATE
    start, end, line = _DATE
    try:
        if start <= now < end:
            return line
    except TypeError:  # a time without its zone (read as local time by timestamp)
        pass
    second = int(now.timestamp())
    line = _date_line(second)
    if second > 0 and now.tzinfo is not None:
        start = datetime.fromtimestamp(second, UTC)
        _DATE = (start, start + timedelta(seconds=1), line)
    return line


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What every outgoing message needs besides its content."""

    sender: str
    domain: str
    public_url: str
    secret: bytes = b""

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return f"Letterhead(sender={self.sender!r}, public_url={self.public_url!r})"
