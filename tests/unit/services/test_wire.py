"""The byte builder (services.compose.Wire) against the standard library's EmailMessage.

Every message the services send is written as bytes by a Wire, built once per
edition, with each recipient's parts spliced in where the render put them. The
reference is `build_message`, which makes the same message as an EmailMessage
from the same parts. For every golden message and for the hostile stories of
test_hostile_messages, both are parsed as a receiver parses them and must be
the same: the same headers in the same order, the same parts with the same
headers (but how each body is transfer-encoded) and the same decoded bodies.

A Wire writes most messages from a plan made once for each shape of link. Those
are held, for links of every shape, to the bytes of the same message written
line by line, whose bodies are their whole text encoded at once.
"""

from __future__ import annotations

import random
from binascii import a2b_qp, b2a_qp
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from tests import builders
from tests.builders import DAY, official, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.mail import WIRE_POLICY
from warta.core.model import DigestBatch, Subscriber
from warta.services.alerts import Alerts
from warta.services.compose import (
    _ADDRESS,
    _LINK,
    _MESSAGE_ID,
    Edition,
    Rendered,
    Wire,
    _Body,
    _date,
    _date_line,
    _plain_id,
    _plain_line,
    _plain_to,
    build_message,
    header_line,
)
from warta.services.delivery import Delivery, Letter, message_id
from warta.services.digest import Digest

from ..test_golden_messages import (
    alert_message,
    cancel_message,
    correction_message,
    digest_message,
    health_message,
    update_message,
)
from .conftest import LETTERHEAD, NOW, CountingRenderer, FixedClock, RecordingMailer
from .test_hostile_messages import HOSTILE_TITLES, OLD_PLACEHOLDER

Pairs = list[tuple[bytes, EmailMessage]]


class ReferenceDelivery(Delivery):
    """Delivery that keeps, beside the bytes of each message it sends, the EmailMessage
    build_message makes of the same parts."""

    def __init__(self, pairs: Pairs, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pairs = pairs

    def message(self, letter: Letter, kind: str, ledger: str, key: str, now: datetime) -> bytes:
        data = super().message(letter, kind, ledger, key, now)
        to = letter.to
        link = self.unsubscribe_url(to.kind, to.id)
        reference = build_message(
            letter.edition.personal(link),
            sender=self.letterhead.sender,
            to=to.address,
            unsubscribe=link,
            domain=self.letterhead.domain,
            kind=kind,
            now=now,
            message_id=message_id(ledger, key, to.id, self.letterhead.domain),
            references=letter.references,
        )
        self.pairs.append((data, reference))
        return data


def recording(pairs: Pairs) -> Callable[..., Delivery]:
    return lambda **kwargs: ReferenceDelivery(pairs, **kwargs)


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _headers(part: EmailMessage) -> list[tuple[str, str]]:
    boundary = part.get_boundary()
    return [
        (name, str(value).replace(boundary, "BOUNDARY") if boundary else str(value))
        for name, value in part.items()
        # How a body is encoded for transport is not what it says.
        if name != "Content-Transfer-Encoding"
    ]


def assert_same_message(data: bytes, reference: EmailMessage, *, any_base64: bool = False) -> None:
    """`data` parses as the reference does once serialized as a mailer sends it.

    With `any_base64`, a part of the reference may be base64, whose text keeps the line
    feeds it was given, where the line breaks of quoted-printable are CRLF."""
    assert data.count(b"\n") == data.count(b"\r\n"), "a bare LF on the wire"
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    built, expected = parsed(data), parsed(reference.as_bytes(policy=WIRE_POLICY))
    assert built.defects == []
    built_parts, expected_parts = list(built.walk()), list(expected.walk())
    assert len(built_parts) == len(expected_parts)
    for ours, theirs in zip(built_parts, expected_parts, strict=True):
        assert _headers(ours) == _headers(theirs)
        assert ours.defects == []
        if not ours.is_multipart():
            assert ours["Content-Transfer-Encoding"] == "quoted-printable"
            if any_base64 and theirs["Content-Transfer-Encoding"] == "base64":
                assert ours.get_content().replace("\r\n", "\n") == theirs.get_content()
            else:
                assert ours.get_content() == theirs.get_content()


# -- every golden message ----------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        digest_message,
        alert_message,
        update_message,
        cancel_message,
        correction_message,
        health_message,
    ],
)
def test_each_golden_message_parses_as_the_email_message_of_its_parts(
    store: SqliteStore, make: Callable[..., tuple[EmailMessage, bytes]]
) -> None:
    pairs: Pairs = []

    _, raw = make(store, recording(pairs))

    # An update or cancel is sent after the messages it follows: each is compared.
    assert pairs[-1][0] == raw  # what the mailer was given
    for data, reference in pairs:
        assert_same_message(data, reference)


def test_the_comparison_fails_on_a_changed_body_header_or_part(store: SqliteStore) -> None:
    pairs: Pairs = []
    digest_message(store, recording(pairs))
    ((data, reference),) = pairs

    text, html = reference.get_body(("plain",)), reference.get_body(("html",))
    assert text is not None and html is not None
    other_body = build_message(
        Rendered(str(reference["Subject"]), text.get_content() + "x", html.get_content()),
        sender=str(reference["From"]),
        to=str(reference["To"]),
        unsubscribe=str(reference["List-Unsubscribe"]).strip("<>"),
        domain="warta.example",
        kind="digest",
        now=NOW,
        message_id=str(reference["Message-ID"]),
    )
    other_header = parsed(reference.as_bytes(policy=WIRE_POLICY))
    other_header.replace_header("Subject", "Subjek lain")
    for wrong in (other_body, other_header):
        with pytest.raises(AssertionError):
            assert_same_message(data, wrong)
    with pytest.raises(AssertionError):
        assert_same_message(data.replace(b"\r\n", b"\n"), reference)


# -- hostile content ---------------------------------------------------------------------


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_digest_parses_as_the_email_message_of_its_parts(
    store: SqliteStore, clock: FixedClock, title: str
) -> None:
    store.put_story(_hostile_story(title, urgent=False))
    store.put_subscriber(Subscriber(id="sub-1", email="warga@contoh.id", created_at=NOW))
    store.put_subscriber(Subscriber(id="sub-2", email="w.2+x@contoh.co.id", created_at=NOW))
    pairs: Pairs = []
    delivery = ReferenceDelivery(
        pairs, store=store, clock=clock, mailer=RecordingMailer(), letterhead=LETTERHEAD
    )
    digest = Digest(store=store, delivery=delivery, renderer=CountingRenderer())

    report = digest.send_batch(DigestBatch(DAY, ("sub-1", "sub-2"), 0))

    assert report.sent == 2 and len(pairs) == 2
    for data, reference in pairs:
        assert_same_message(data, reference)


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_alert_parses_as_the_email_message_of_its_parts(
    store: SqliteStore, clock: FixedClock, title: str
) -> None:
    store.put_story(_hostile_story(title, urgent=True))
    store.put_official(official("kpu-ri", "national", email="p@kpu.id"))
    pairs: Pairs = []
    delivery = ReferenceDelivery(
        pairs, store=store, clock=clock, mailer=RecordingMailer(), letterhead=LETTERHEAD
    )

    Alerts(store=store, delivery=delivery, renderer=CountingRenderer()).story("st-1")

    ((data, reference),) = pairs
    assert_same_message(data, reference)


def _hostile_story(title: str, *, urgent: bool) -> Any:
    return builders.story(
        title=title,
        # Text that looks like the link, a placeholder or an encoded word, and lines
        # longer than any quoted-printable line.
        summary=(
            f"Ringkasan dengan tautan {OLD_PLACEHOLDER} dan https://warta.invalid/x.\n"
            "=?utf-8?q?=0D=0ABcc:_x@y?= =3D =\n" + "panjang " * 200
        ),
        urgent=urgent,
        sources=(story_source(url=f"{OLD_PLACEHOLDER}?subscriber=x&token=y"),),
    )


# -- the parts of the builder ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "shape"),
    [
        ("To", "warga@contoh.id", _ADDRESS),
        ("To", "W.Arga+pemilu_1%x@sub-domain.contoh.co.id", _ADDRESS),
        ("To", "warga@localhost", _ADDRESS),
        ("To", '"warga lain"@contoh.id', _ADDRESS),
        ("To", "a..b@contoh.id", _ADDRESS),
        ("To", "warga@contoh.id, korban@contoh.id", _ADDRESS),
        ("To", "Warga <warga@contoh.id>", _ADDRESS),
        ("To", "wärga@contoh.id", _ADDRESS),
        ("To", "a=?utf-8?q?x?=@contoh.id", _ADDRESS),
        ("Message-ID", "<0a1b2c.digest@warta.example>", _MESSAGE_ID),
        ("Message-ID", "<0a1b2c.digest-batch@warta.example>", _MESSAGE_ID),
        ("Message-ID", "<a b@warta.example>", _MESSAGE_ID),
        ("List-Unsubscribe", "<https://warta.example/unsubscribe?subscriber=s&token=t>", _LINK),
        ("List-Unsubscribe", "<https://warta.example/=?utf-8?q?x?=>", _LINK),
        ("List-Unsubscribe", "<https://warta.example/" + "x" * 1200 + ">", _LINK),
    ],
)
def test_a_header_written_directly_is_the_standard_librarys(
    name: str, value: str, shape: Any
) -> None:
    assert _plain_line(name, value, shape) == header_line(name, value)


def test_the_date_is_written_as_the_standard_library_writes_it() -> None:
    wire = Wire(Edition("S", ("a\n",), ("<p>a</p>",)), sender="W <w@w.example>", kind="digest")
    moment = datetime(2024, 2, 14, 3, 0, 5, 999_999, tzinfo=UTC)

    message = parsed(
        wire.message(to="a@b.example", unsubscribe="https://w/x", message_id="<a@b>", now=moment)
    )

    assert message["Date"] == "Wed, 14 Feb 2024 03:00:05 +0000"


def test_a_link_that_could_break_a_line_or_header_is_refused() -> None:
    wire = Wire(Edition("S", ("a ", "\n"), ("<p>a</p>",)), sender="W <w@w.example>", kind="digest")
    for link in (
        "https://w/x\r\nBcc: k@k.example",
        "https://w/x\nBcc: k@k.example",
        "https://w/ x",
        "https://w/\tx",
        "https://w/x\x00",
        "https://w/x\x7f",
        "https://w/ä",
        "",
    ):
        with pytest.raises(ValueError):
            wire.message(to="a@b.example", unsubscribe=link, message_id="<a@b>", now=NOW)


def test_an_address_or_message_id_that_could_add_a_header_is_refused() -> None:
    wire = Wire(Edition("S", ("a ", "\n"), ("<p>a</p>",)), sender="W <w@w.example>", kind="digest")
    to, ident = "a@b.example", "<a.digest@b.example>"
    wire.message(to=to, unsubscribe="https://w/x", message_id=ident, now=NOW)
    # Their host and what follows the first word of the Message-ID are known now.
    for bad_to, bad_id in [
        ("a@b.example\r\nBcc: k@k.example", ident),
        ("a@b.example\nBcc: k@k.example", ident),
        ("a\r\nBcc: k@k.example@b.example", ident),
        (to, "<a.digest@b.example>\r\nBcc: k@k.example"),
        (to, "<a\r\nBcc: k@k.example.digest@b.example>"),
    ]:
        with pytest.raises(ValueError):
            wire.message(to=bad_to, unsubscribe="https://w/x", message_id=bad_id, now=NOW)


# Pieces of text around the places of a link, chosen to reach every case of splicing:
# links at the start, middle and end of a line, two on one line, at the very start and
# end of the text, beside CR, LF and CRLF, trailing white space, "=", non-ASCII, and
# lines far past 76 characters.
PIECES = [
    "",
    " ",
    "\n",
    "\r",
    "\r\n",
    "a",
    "=",
    "Fakta: ",
    " itu\n",
    "\nbaris\n",
    "spasi di akhir \t\n",
    "é ü 🗳️ —",
    "x" * 75,
    "y" * 77 + "\n",
    "kata " * 40,
    "=3D =\n=?utf-8?q?x?=",
    "\r\n\r\n",
]
VALUES = ["https://warta.example/unsubscribe?subscriber=s-1&token=abc", "x", "a=b c"]


def _cases() -> list[tuple[tuple[str, ...], str]]:
    rng = random.Random(20240214)
    cases = []
    for _ in range(400):
        parts = tuple(
            "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 5))
        )
        cases.append((parts, rng.choice(VALUES)))
    return cases


def _as_set_content_leaves_it(text: str) -> str:
    lines = text.encode().splitlines()
    return (b"\n".join(lines) + b"\n").decode()


def test_a_spliced_body_is_its_whole_text_encoded_at_once() -> None:
    for parts, value in _cases():
        out: list[bytes] = []
        _Body.of(parts).write(out, value)
        spliced = b"".join(out)

        whole = _as_set_content_leaves_it(value.join(parts))
        assert spliced == b2a_qp(whole.encode()).replace(b"\n", b"\r\n"), parts
        assert a2b_qp(spliced).replace(b"\r\n", b"\n").decode() == whole, parts
        # 76 characters, but binascii lets a line ending in encoded white space ("=20")
        # reach 78: as long as the standard library's own EmailMessage writes them.
        assert all(len(line) <= 78 for line in spliced.split(b"\r\n")), parts


def test_a_value_is_told_plain_as_its_whole_shape_tells_it() -> None:
    # Twice over, so that the second time every host and ending has been seen.
    addresses = [
        "warga@contoh.id",
        "warga2@contoh.id",
        "W.Arga+1@contoh.id",
        "a@b@contoh.id",
        "@contoh.id",
        "warga@",
        "warga@contoh",
        "warga@contoh.id.",
        "warga@.contoh.id",
        "warga@contoh..id",
        "warga@contoh.id>",
        "warga@contoh_id.id",
        "x@localhost",
        "x@sub.localhost",
    ]
    for address in addresses * 2:
        assert _plain_to(address.encode()) == bool(_ADDRESS.fullmatch(address)), address
    identities = [
        "<abc@localhost>",
        "<abc@localhost",
        "<@localhost>",
        "<0a1b2c.digest@warta.example>",
        "<ffff.digest@warta.example>",
        "<.digest@warta.example>",
        "<a b.digest@warta.example>",
        "<<a.digest@warta.example>",
        "a.digest@warta.example>",
        "ab.digest@warta.example>",
        "<ab.digest@warta.example",
        "<a.digest@warta.example>>",
        "<a-b_c.digest@warta.example>",
        "<a.b.digest@warta.example>",
        "<abc@warta.example>",
        "<abc.example>",
        "<a.example>",
        "<a.b@c>",
        "<x.b@c>",
        "<x.@c>",
    ]
    for identity in identities * 2:
        assert _plain_id(identity.encode()) == bool(_MESSAGE_ID.fullmatch(identity)), identity


def test_the_date_of_a_moment_is_the_line_of_its_second() -> None:
    start = datetime(2024, 2, 14, 3, 0, 5, tzinfo=UTC)
    later = [timedelta(microseconds=n) for n in (0, 1, 999_999, 1_000_000, -1, 500_000)]
    moments = [start + step for step in later]
    moments += [moment.astimezone(timezone(timedelta(hours=7))) for moment in moments]
    moments += [start.replace(tzinfo=None), start + timedelta(days=1), start]
    for moment in moments * 2:
        assert _date(moment) == _date_line(int(moment.timestamp())), moment


# Links as core.links writes them and of every other shape: "=" and "&" anywhere (so
# that an "=3D" falls at every place of a soft break), at the end, before a line feed,
# "=?", what html.escape writes otherwise, a "." at the end, and lengths from one
# character to past what a header line takes directly.
LINKS = [
    "https://warta.example/unsubscribe?subscriber=sub-0a1b2c3d4e5f60718293&token=AbCd-Ef_Gh",
    "https://warta.example/unsubscribe?official=kpu-kediri&token=AbCd-Ef_Gh",
    "x",
    "=",
    "&",
    "a=",
    "=a",
    "&=&",
    ".",
    "a.",
    "https://w/?a=b&c='d'",
    'https://w/"<x>"',
    "https://w/=?utf-8?q?x?=",
    *("https://w/" + "a=" * (length // 2) for length in (886, 888, 890, 960, 1000)),
]


def _links() -> list[str]:
    rng = random.Random(20240215)
    links = list(LINKS)
    for _ in range(200):
        length = rng.choice([rng.randint(1, 80), rng.randint(80, 240), rng.randint(895, 905)])
        links.append("".join(rng.choice("aZ09-_/%~.=&") for _ in range(length)))
    return links


def _laid_out(body: _Body, link: str) -> bytes:
    """The body as a plan writes it, its link's lines cut from copies of its encoded form."""
    encoded = link.encode().replace(b"=", b"=3D")
    copies, at, out = encoded * body.links, 0, []
    for item in body.layout(encoded):
        if isinstance(item, bytes):
            out.append(item)
        else:
            out.append(copies[at : at + item])
            at += item
    assert at == len(copies)
    return b"".join(out)


def test_a_body_laid_out_for_a_link_is_its_whole_text_encoded_at_once() -> None:
    rng = random.Random(20240216)
    links = [link for link in _links() if not link.endswith(".")]
    for parts, _ in _cases():
        for link in rng.sample(links, 4):
            laid_out = _laid_out(_Body.of(parts), link)

            whole = _as_set_content_leaves_it(link.join(parts))
            assert laid_out == b2a_qp(whole.encode()).replace(b"\n", b"\r\n"), (parts, link)


def test_a_link_breaks_as_the_whole_text_does_from_every_column() -> None:
    # Text up to each column a link can start at, then the link and what can follow it:
    # a line feed (its last character may take column 76), text, an encoded character,
    # white space or "." before the line feed, another link.
    links = ["a", "=", "a=", "=a", "a=b", "ab" * 40, "=" * 30, "a" * 74 + "=", "a" * 76]
    for width in range(80):
        for before in ("x" * width, "x" * (width - 3) + "é", "=" * (width // 3)):
            for after in ("\n", "y\n", "=\n", " \n", ".\n", "", "é"):
                parts = (before, after, " z\n") if after in ("", "é") else (before, after)
                for link in links:
                    laid_out = _laid_out(_Body.of(parts), link)

                    whole = b2a_qp(link.join(parts).encode()).replace(b"\n", b"\r\n")
                    assert laid_out == whole, (parts, link)


def test_a_message_of_any_link_is_the_message_written_line_by_line() -> None:
    # The layout of a link's shape serves every link of that shape, and a link of no
    # plain shape (or an address or Message-ID of none) is written line by line.
    cases = _cases()
    # A "." alone on a line is encoded ("=2E"), as a link ending in one can be.
    alone: tuple[tuple[str, ...], tuple[str, ...]] = (("a\n", "\n"), ("<p>\n", "\n</p>"))
    messages = [(*alone, link) for link in (".", "a.", "x", "=")]
    messages += [(cases[n][0], cases[-n][0], link) for n, link in enumerate(_links())]
    recipients = [
        ("warga@contoh.id", "<0a1b2c.digest@warta.example>"),
        ("w.2+x@contoh.co.id", "<0a1b2c.digest-batch@warta.example>"),
        ('"warga lain"@contoh.id', "<a b@warta.example>"),
    ]
    for n, (text, html_, link) in enumerate(messages):
        wire = Wire(Edition("Subjek", text, html_), sender="W <w@w.example>", kind="digest")
        to, ident = recipients[n % len(recipients)]
        references = ("<0.alert@warta.example>",) * (n % 2)
        date = _date_line(int(NOW.timestamp()))
        written = wire._written(to, link, ident, date, references)

        for _ in range(2):  # the second from the plan the first made
            data = wire.message(
                to=to, unsubscribe=link, message_id=ident, now=NOW, references=references
            )
            assert data == written, (text, html_, link)
        if n % 3:  # a third are parsed against the reference, which costs the most
            continue
        reference = build_message(
            Edition("Subjek", text, html_).personal(link),
            sender="W <w@w.example>",
            to=to,
            unsubscribe=link,
            domain="warta.example",
            kind="digest",
            now=NOW,
            message_id=ident,
            references=references,
        )
        assert_same_message(data, reference, any_base64=True)


def test_a_message_to_a_value_too_long_for_a_plain_line_is_written_line_by_line() -> None:
    wire = Wire(
        Edition("S", ("a ", "\n"), ("<p>", "</p>")), sender="W <w@w.example>", kind="digest"
    )
    date = _date_line(int(NOW.timestamp()))
    for to, ident in [
        ("a" * 880 + "@contoh.id", "<0a1b2c.digest@warta.example>"),
        ("a" * 1000 + "@contoh.id", "<0a1b2c.digest@warta.example>"),
        ("warga@contoh.id", "<" + "f" * 1000 + ".digest@warta.example>"),
    ]:
        written = wire._written(to, "https://w/?a=b", ident, date, ())

        data = wire.message(to=to, unsubscribe="https://w/?a=b", message_id=ident, now=NOW)

        assert data == written
