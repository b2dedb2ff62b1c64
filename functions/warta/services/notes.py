"""Small records kept as lines of the sent ledger: notes, and append-only logs of them.

The ledger is the one record every store keeps with a conditional write, and
the one the sweeps already read; a note is a ledger line whose message id
holds a short text (a JSON document, a list of ids), as the alert and digest
plannings already keep "batches:plan" there. Lines expire with the ledger
(WARTA_LEDGER_RETENTION_DAYS, at least 7 days): everything kept here is
needed for days, never longer.

A log is a numbered list of notes under one (kind, key): lines "0", "1", ...
An entry is added by claiming the first free number with a conditional write,
so two writers racing never take the same number, and then completed with its
text. A writer that dies between the two leaves a pending line: readers skip
it, and later writers take the numbers after it, so one lost entry never
blocks a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from warta.core.model import Claim, SendStatus
from warta.core.ports import Store

NOTE = "note"
"""The recipient id of a note that is not one entry of a log."""


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    text: str
    at: datetime


def get_note(store: Store, kind: str, key: str) -> str | None:
    record = store.get_send(kind, key, NOTE)
    if record is None or record.status is not SendStatus.SENT:
        return None
    return record.message_id


def put_note(store: Store, kind: str, key: str, text: str, *, now: datetime) -> None:
    store.complete_send(kind, key, NOTE, message_id=text, now=now)


def claim_note(store: Store, kind: str, key: str, text: str, *, now: datetime) -> bool:
    """Write the note unless one was ever written (True when this call wrote it)."""
    if store.claim_send(kind, key, NOTE, now=now) is not Claim.NEW:
        return False
    store.complete_send(kind, key, NOTE, message_id=text, now=now)
    return True


def _lines(store: Store, kind: str, key: str) -> Iterator[tuple[int, Entry | None]]:
    number = 0
    while (record := store.get_send(kind, key, str(number))) is not None:
        text, at = record.message_id, record.sent_at
        if record.status is SendStatus.SENT and text is not None and at is not None:
            yield number, Entry(number, text, at)
        else:
            yield number, None  # claimed and never completed: its writer died
        number += 1


def entries(store: Store, kind: str, key: str) -> list[Entry]:
    """The completed entries of a log, in order (one read per line, and one more)."""
    return [entry for _, entry in _lines(store, kind, key) if entry is not None]


def put_entry(store: Store, kind: str, key: str, number: int, text: str, *, now: datetime) -> bool:
    """Write entry `number` unless someone has (True when this call wrote it)."""
    if store.claim_send(kind, key, str(number), now=now) is not Claim.NEW:
        return False
    store.complete_send(kind, key, str(number), message_id=text, now=now)
    return True


def append(store: Store, kind: str, key: str, text: str, *, now: datetime) -> int:
    """Add an entry at the end of the log; returns its number."""
    number = sum(1 for _ in _lines(store, kind, key))
    while not put_entry(store, kind, key, number, text, now=now):
        number += 1  # another writer took it meanwhile
    return number
