"""Recipient links: who a link is for, how it is signed, how it is written and read back.

A link names its recipient by kind and id and carries an HMAC over the
purpose and the recipient: it proves who it was sent to without storing a
token per recipient, and a token made for one purpose cannot be replayed for
another. Every service that writes a link and the web app that reads one go
through this module, so writer and reader cannot drift apart.

Two kinds of token:

- the unsubscribe token every message carries (`sign`): an HMAC over purpose
  and recipient, which never expires, because a message stays in a mailbox;
- timed tokens (`issue`) for the confirmation and preferences links:
  "<key id>.<issued, hex seconds>.<HMAC>", the HMAC over purpose, key id,
  issue time and recipient. They expire (LIFETIMES), and the issue time lets a
  service tell a link of the current sign-up from a replayed older one.

The signing secret may hold several keys, one a line, the current one first
(`keyring`): the current key signs, every key verifies. A timed token names its
key by id (a hash of the key, so ids need no setting), an unsubscribe token is
tried against each. Rotation is a new first line, the old key kept below it for
as long as links it signed should work, then removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from urllib.parse import parse_qs, urlencode

_LENGTH = 32  # characters of base64url: 192 bits, plenty for a link that can't be brute-forced

UNSUBSCRIBE = "unsubscribe"
"""The purpose of the link every message carries."""
CONFIRM = "confirm"
"""The purpose of the link in a confirmation email: makes a pending subscriber active."""
MANAGE = "manage"
"""The purpose of a link to one subscriber's preferences page."""

LIFETIMES = {CONFIRM: timedelta(hours=48), MANAGE: timedelta(hours=48)}
"""How long a timed token of each purpose is good for after it was issued."""
CLOCK_SKEW = timedelta(minutes=5)
"""A token issued this far in the future still counts (clocks of two hosts differ)."""

ADMIN_ID = "admin"
"""The only admin recipient id: health messages go to WARTA_ADMIN_EMAIL, stored nowhere."""

MAX_FIELD = 200
"""Longer ids or tokens than any Warta makes are refused before any work is done."""


class RecipientKind(StrEnum):
    SUBSCRIBER = "subscriber"
    OFFICIAL = "official"
    ADMIN = "admin"


_KINDS = frozenset(k.value for k in RecipientKind)


KEY_ID_LENGTH = 4
"""Characters of a key id: 24 bits of a hash of the key, to pick among a few keys."""


@dataclass(frozen=True, slots=True)
class Keyring:
    """The signing keys by id, the current one (which signs) first."""

    keys: tuple[tuple[str, bytes], ...]

    def __repr__(self) -> str:  # keys must never reach a log line or a traceback
        return f"Keyring(ids={[kid for kid, _ in self.keys]})"

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, kid: str) -> bytes | None:
        return next((key for key_id, key in self.keys if key_id == kid), None)


def key_id(key: bytes) -> str:
    digest = hashlib.blake2b(key, digest_size=3, person=b"warta-key-id").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


@lru_cache(maxsize=8)
def keyring(secret: bytes) -> Keyring:
    """The keys of a signing secret: one a line, the current one first.

    A secret of one line is one key, taken whole (surrounding blanks included),
    as it always was, so links signed before keys could be rotated stay valid.
    """
    lines = [line.strip() for line in secret.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the signing secret is empty")
    keys = [secret] if len(lines) == 1 else lines
    return Keyring(tuple((key_id(key), key) for key in keys))


def _mac(key: bytes, message: str) -> str:
    digest = hmac.digest(key, message.encode(), "sha256")
    return base64.urlsafe_b64encode(digest).decode("ascii")[:_LENGTH]


def sign(secret: bytes, purpose: str, recipient_id: str) -> str:
    """A token that never expires, for that purpose and recipient, by the current key."""
    return _mac(keyring(secret).current[1], f"{purpose}\x00{recipient_id}")


def verify(secret: bytes, purpose: str, recipient_id: str, token: str) -> bool:
    """True when any key of the secret signed this never-expiring token."""
    if not token.isascii():
        return False  # compare_digest refuses non-ASCII str with TypeError
    found = False
    for _, key in keyring(secret).keys:
        # Every key is tried, so the time taken does not tell which one matched.
        found |= hmac.compare_digest(_mac(key, f"{purpose}\x00{recipient_id}"), token)
    return found


class Verdict(StrEnum):
    VALID = "valid"
    FORGED = "forged"
    """Not signed by any key of this install for that purpose and recipient (or malformed)."""
    EXPIRED = "expired"
    """Genuine, but older than its purpose's lifetime."""


@dataclass(frozen=True, slots=True)
class Checked:
    """What checking a timed token found; `issued_at` is set when the token is genuine."""

    verdict: Verdict
    issued_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID


def _timed_message(purpose: str, kid: str, issued: int, recipient: str) -> str:
    # "v2" keeps these apart from the never-expiring tokens' "purpose\x00recipient".
    return f"v2\x00{purpose}\x00{kid}\x00{issued}\x00{recipient}"


def issue(
    secret: bytes, purpose: str, kind: RecipientKind, recipient_id: str, now: datetime
) -> str:
    """A timed token for that purpose and recipient, issued at `now` (whole seconds)."""
    if purpose not in LIFETIMES:
        raise ValueError(f"{purpose!r} links do not expire: use sign()")
    kid, key = keyring(secret).current
    issued = int(now.timestamp())
    mac = _mac(key, _timed_message(purpose, kid, issued, f"{kind.value}:{recipient_id}"))
    return f"{kid}.{issued:x}.{mac}"


def check(secret: bytes, purpose: str, link: Link, now: datetime) -> Checked:
    """Whether this install issued the link's token for that purpose and recipient, and when.

    The signature is checked before the age, so a forged token is always
    FORGED, whatever time it claims.
    """
    forged = Checked(Verdict.FORGED)
    if purpose not in LIFETIMES or not _plausible(link):
        return forged
    parts = link.token.split(".")
    if len(parts) != 3:
        return forged
    kid, stamp, mac = parts
    if len(stamp) > 12 or len(mac) != _LENGTH:
        return forged
    key = keyring(secret).key(kid)
    if key is None or not stamp or any(c not in "0123456789abcdef" for c in stamp):
        return forged
    issued = int(stamp, 16)
    expected = _mac(key, _timed_message(purpose, kid, issued, f"{link.kind}:{link.recipient_id}"))
    if not hmac.compare_digest(expected, mac):
        return forged
    issued_at = datetime.fromtimestamp(issued, UTC)
    age = now - issued_at
    if age > LIFETIMES[purpose] or age < -CLOCK_SKEW:
        return Checked(Verdict.EXPIRED, issued_at)
    return Checked(Verdict.VALID, issued_at)


_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+")
"""What urlencode (quote_plus) writes as it is."""


@dataclass(frozen=True, slots=True)
class Link:
    """The recipient and token of an unsubscribe link, as its query string names them."""

    kind: str
    recipient_id: str
    token: str

    @property
    def query(self) -> str:
        # urlencode quotes the id: whatever it holds, it comes back whole. Ids and tokens
        # of the characters it never quotes (all Warta makes) are written as it writes
        # them, without its cost: a digest writes a link for every recipient.
        if _UNQUOTED.fullmatch(self.recipient_id) and _UNQUOTED.fullmatch(self.token):
            return f"{self.kind}={self.recipient_id}&token={self.token}"
        return urlencode({self.kind: self.recipient_id, "token": self.token})


def unsubscribe_link(secret: bytes, kind: RecipientKind, recipient_id: str) -> Link:
    return Link(kind.value, recipient_id, sign(secret, UNSUBSCRIBE, f"{kind.value}:{recipient_id}"))


def unsubscribe_url(public_url: str, link: Link) -> str:
    return f"{public_url}/unsubscribe?{link.query}"


class KeyedHmac:
    """HMAC-SHA256 (RFC 2104) of many messages under one key.

    hmac.digest derives the key's inner and outer SHA-256 states again for every
    message; here they are derived once and copied per message (as the hmac
    module's own Python implementation does), half the cost, for a digest's
    link per recipient. A test holds it to hmac.digest for keys of every length.
    """

    __slots__ = ("_inner", "_outer")

    BLOCK = 64
    """SHA-256's block size: a longer key is hashed first, a shorter one padded."""

    def __init__(self, key: bytes) -> None:
        if len(key) > self.BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(self.BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(hmac.trans_36))
        self._outer = hashlib.sha256(key.translate(hmac.trans_5C))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class UnsubscribeUrls:
    """unsubscribe_url(public_url, unsubscribe_link(secret, kind, id)) for one kind of
    recipient and any number of ids: the key, the purpose and the start of the URL are
    looked up once, for a digest's million links (a test holds it to the same URLs)."""

    __slots__ = ("_hmac", "_kind", "_prefix", "_public_url", "_purpose", "_secret")

    def __init__(self, secret: bytes, public_url: str, kind: RecipientKind) -> None:
        self._secret = secret
        self._public_url = public_url
        self._kind = kind
        self._hmac = KeyedHmac(keyring(secret).current[1])
        self._purpose = f"{UNSUBSCRIBE}\x00{kind.value}:"
        self._prefix = f"{public_url}/unsubscribe?{kind.value}="

    def __call__(self, recipient_id: str) -> str:
        if not _UNQUOTED.fullmatch(recipient_id):  # quoted as Link.query quotes it
            return unsubscribe_url(
                self._public_url, unsubscribe_link(self._secret, self._kind, recipient_id)
            )
        mac = self._hmac.digest((self._purpose + recipient_id).encode())
        # base64url letters are never quoted: the token is written as it is.
        token = base64.urlsafe_b64encode(mac)[:_LENGTH].decode("ascii")
        return f"{self._prefix}{recipient_id}&token={token}"


CONFIRM_PATH = "/confirm"
PREFERENCES_PATH = "/preferences"


def confirm_url(public_url: str, subscriber_id: str, token: str) -> str:
    return (
        f"{public_url}{CONFIRM_PATH}?{Link(RecipientKind.SUBSCRIBER, subscriber_id, token).query}"
    )


def preferences_url(public_url: str, subscriber_id: str, token: str) -> str:
    link = Link(RecipientKind.SUBSCRIBER, subscriber_id, token)
    return f"{public_url}{PREFERENCES_PATH}?{link.query}"


def read_link(query_string: str) -> Link | None:
    """The link named by a query string, or None unless it names exactly one recipient."""
    try:
        # Links Warta makes have two fields; a few more are tolerated (trackers append some).
        fields = parse_qs(query_string, max_num_fields=10)
    except ValueError:
        return None
    kinds = [k.value for k in RecipientKind if k.value in fields]
    tokens = fields.get("token", [])
    if len(kinds) != 1 or len(tokens) != 1 or len(fields[kinds[0]]) != 1:
        return None
    return Link(kinds[0], fields[kinds[0]][0], tokens[0])


def _plausible(link: Link) -> bool:
    """Of a known kind, with an id and token of a length Warta makes: worth a signature check."""
    if link.kind not in _KINDS:
        return False
    if not (0 < len(link.recipient_id) <= MAX_FIELD and 0 < len(link.token) <= MAX_FIELD):
        return False
    if link.kind == RecipientKind.ADMIN and link.recipient_id != ADMIN_ID:
        return False
    return link.token.isascii()


def genuine(secret: bytes, link: Link) -> bool:
    """True when this install signed the unsubscribe link for that recipient; reads nothing else."""
    if not _plausible(link):
        return False
    return verify(secret, UNSUBSCRIBE, f"{link.kind}:{link.recipient_id}", link.token)
