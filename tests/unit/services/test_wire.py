"""The byte builder (services.compose.Wire) against the standard library's EmailMessage.

Every message the services send is written as bytes by a Wire, built once per
edition, with each recipient's parts spliced in where the render put them. The
reference is `build_message`, which makes the same message as an EmailMessage
from the same parts. For every golden message and for the hostile stories of
test_hostile_messages, both are parsed as a receiver parses them and must be
the same: the same headers in the same order, the same parts with the same
headers (but how each body is transfer-encoded) and the same decoded bodies.
"""

from __future__ import annotations

import random
from binascii import a2b_qp, b2a_qp
from collections.abc import Callable
from datetime import UTC, datetime
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
    _plain_line,
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


def assert_same_message(data: bytes, reference: EmailMessage) -> None:
    """`data` parses as the reference does once serialized as a mailer sends it."""
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
    for link in ("https://w/x\r\nBcc: k@k.example", "https://w/ x", "https://w/ä", ""):
        with pytest.raises(ValueError):
            wire.message(to="a@b.example", unsubscribe=link, message_id="<a@b>", now=NOW)


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
