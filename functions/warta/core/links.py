"""Signed tokens for links in messages (unsubscribe, preferences).

An HMAC over the purpose and the recipient's id: the link proves who it was
sent to without storing a token per recipient, and a token made for one
purpose cannot be replayed for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_LENGTH = 32  # characters of base64url: 192 bits, plenty for a link that can't be brute-forced


def sign(secret: bytes, purpose: str, recipient_id: str) -> str:
    mac = hmac.new(secret, f"{purpose}\x00{recipient_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:_LENGTH]


def verify(secret: bytes, purpose: str, recipient_id: str, token: str) -> bool:
    return hmac.compare_digest(sign(secret, purpose, recipient_id), token)
