"""Recipient links: who a link is for, how it is signed, how it is written and read back.

A link names its recipient by kind and id and carries an HMAC over the
purpose and the recipient: it proves who it was sent to without storing a
token per recipient, and a token made for one purpose cannot be replayed for
another. Every service that writes a link and the web app that reads one go
through this module, so writer and reader cannot drift apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlencode

_LENGTH = 32  # characters of base64url: 192 bits, plenty for a link that can't be brute-forced

UNSUBSCRIBE = "unsubscribe"
"""The purpose of the link every message carries."""

ADMIN_ID = "admin"
"""The only admin recipient id: health messages go to WARTA_ADMIN_EMAIL, stored nowhere."""

MAX_FIELD = 200
"""Longer ids or tokens than any Warta makes are refused before any work is done."""


class RecipientKind(StrEnum):
    SUBSCRIBER = "subscriber"
    OFFICIAL = "official"
    ADMIN = "admin"


_KINDS = frozenset(k.value for k in RecipientKind)


def sign(secret: bytes, purpose: str, recipient_id: str) -> str:
    mac = hmac.new(secret, f"{purpose}\x00{recipient_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:_LENGTH]


def verify(secret: bytes, purpose: str, recipient_id: str, token: str) -> bool:
    return hmac.compare_digest(sign(secret, purpose, recipient_id), token)


@dataclass(frozen=True, slots=True)
class Link:
    """The recipient and token of an unsubscribe link, as its query string names them."""

    kind: str
    recipient_id: str
    token: str

    @property
    def query(self) -> str:
        # urlencode quotes the id: whatever it holds, it comes back whole.
        return urlencode({self.kind: self.recipient_id, "token": self.token})


def unsubscribe_link(secret: bytes, kind: RecipientKind, recipient_id: str) -> Link:
    return Link(kind.value, recipient_id, sign(secret, UNSUBSCRIBE, f"{kind.value}:{recipient_id}"))


def unsubscribe_url(public_url: str, link: Link) -> str:
    return f"{public_url}/unsubscribe?{link.query}"


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


def genuine(secret: bytes, link: Link) -> bool:
    """True when this install signed the link for that recipient; reads nothing else."""
    if link.kind not in _KINDS:
        return False
    if not (0 < len(link.recipient_id) <= MAX_FIELD and 0 < len(link.token) <= MAX_FIELD):
        return False
    if link.kind == RecipientKind.ADMIN and link.recipient_id != ADMIN_ID:
        return False
    # compare_digest refuses non-ASCII str with TypeError rather than answering False.
    if not link.token.isascii():
        return False
    return verify(secret, UNSUBSCRIBE, f"{link.kind}:{link.recipient_id}", link.token)
