"""Identity of the people Warta writes to."""

from __future__ import annotations

from hashlib import blake2b


def normalize_email(address: str) -> str:
    return address.strip().lower()


def subscriber_id(address: str) -> str:
    """A stable id from the address, so ids, not addresses, go into logs, queues and the ledger."""
    return "sub-" + blake2b(normalize_email(address).encode(), digest_size=10).hexdigest()
