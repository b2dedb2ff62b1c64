"""Delivery.emails: many recipients claimed in the sent ledger together, each sent once.

The rules of send_once hold for every letter of a call (a line done is not sent
again, a line another sender holds is busy, a dead sender's line is taken over,
a failed send gives its line back), with one claim for the call's lines and
their completions written together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core.links import RecipientKind
from warta.core.model import Claim
from warta.services.compose import Edition
from warta.services.delivery import (
    COMPLETE_AFTER,
    COMPLETE_EVERY,
    Delivery,
    Letter,
    MessageIds,
    Outcome,
    Recipient,
    message_id,
)

from .conftest import LETTERHEAD, NOW, FixedClock, RecordingMailer

KIND, KEY = "digest", "2026-11-28"
EDITION = Edition(
    "Warta Pemilu", ("Halo.\nBerhenti berlangganan: ", "\n"), ('<a href="', '">Berhenti</a>')
)
LEASE = timedelta(seconds=10)


class CountingStore(SqliteStore):
    """The SQLite store, counting the calls made to its sent ledger."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.calls: Counter[str] = Counter()

    def claim_send(self, *args: Any, **kwargs: Any) -> Claim:
        self.calls["claim_send"] += 1
        return super().claim_send(*args, **kwargs)

    def claim_sends(self, *args: Any, **kwargs: Any) -> dict[str, Claim]:
        self.calls["claim_sends"] += 1
        return super().claim_sends(*args, **kwargs)

    def complete_send(self, *args: Any, **kwargs: Any) -> None:
        self.calls["complete_send"] += 1
        super().complete_send(*args, **kwargs)

    def complete_sends(self, *args: Any, **kwargs: Any) -> None:
        self.calls["complete_sends"] += 1
        super().complete_sends(*args, **kwargs)

    def release_send(self, *args: Any, **kwargs: Any) -> None:
        self.calls["release_send"] += 1
        super().release_send(*args, **kwargs)

    def release_sends(self, *args: Any, **kwargs: Any) -> None:
        self.calls["release_sends"] += 1
        super().release_sends(*args, **kwargs)


@dataclass
class HookedMailer(RecordingMailer):
    """Calls `before(n, recipient)` ahead of its n-th send (from 1); the hook may raise."""

    before: Callable[[int, str], None] = lambda n, recipient: None
    attempts: int = 0
    seen: list[str] = field(default_factory=list)

    def send_raw(self, recipient: str, data: bytes) -> str:
        self.attempts += 1
        self.seen.append(recipient)
        self.before(self.attempts, recipient)
        return super().send_raw(recipient, data)


@pytest.fixture
def ledger(tmp_path: Path) -> CountingStore:
    return CountingStore(tmp_path / "warta.db")


def delivery(store: SqliteStore, clock: FixedClock, mailer: RecordingMailer) -> Delivery:
    return Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD, lease=LEASE)


def letters(*ids: str) -> list[Letter]:
    return [
        Letter(EDITION, Recipient(RecipientKind.SUBSCRIBER, i, f"{i}@warga.example")) for i in ids
    ]


def status(store: SqliteStore, recipient_id: str) -> str | None:
    record = store.get_send(KIND, KEY, recipient_id)
    return None if record is None else str(record.status)


def send(service: Delivery, batch: Sequence[Letter]) -> list[Outcome]:
    return service.emails(batch, kind=KIND, key=KEY)


def test_a_batch_is_claimed_and_completed_in_one_call_each(
    ledger: CountingStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer()

    outcomes = send(delivery(ledger, clock, mailer), letters("a", "b", "c", "d"))

    assert outcomes == [Outcome.SENT] * 4
    assert [str(m["To"]) for m in mailer.sent] == [f"{i}@warga.example" for i in "abcd"]
    assert ledger.calls == Counter(claim_sends=1, complete_sends=1)
    assert {status(ledger, i) for i in "abcd"} == {"sent"}


def test_one_letter_takes_one_claim_and_one_completion(
    ledger: CountingStore, clock: FixedClock
) -> None:
    outcome = delivery(ledger, clock, RecordingMailer()).email(
        EDITION, kind=KIND, key=KEY, to=letters("a")[0].to
    )

    assert outcome is Outcome.SENT
    assert ledger.calls == Counter(claim_send=1, complete_send=1)


def test_lines_sent_held_or_dead_get_what_send_once_gives_them(
    ledger: CountingStore, clock: FixedClock
) -> None:
    ledger.complete_send(KIND, KEY, "done", message_id="m", now=NOW)
    assert ledger.claim_send(KIND, KEY, "held", now=NOW, lease=LEASE)
    assert ledger.claim_send(KIND, KEY, "dead", now=NOW - 2 * LEASE, lease=LEASE)
    mailer = RecordingMailer()

    outcomes = send(delivery(ledger, clock, mailer), letters("new", "done", "held", "dead"))

    assert outcomes == [Outcome.SENT, Outcome.ALREADY, Outcome.BUSY, Outcome.RESUMED]
    assert sorted(str(m["To"]) for m in mailer.sent) == ["dead@warga.example", "new@warga.example"]
    # Another sender's claim is left as it was: still theirs, still pending.
    assert status(ledger, "held") == "pending"
    assert ledger.claim_send(KIND, KEY, "held", now=NOW, lease=LEASE) is Claim.HELD
    assert status(ledger, "dead") == "sent"


def test_a_failed_send_gives_its_line_back_and_the_others_are_kept(
    ledger: CountingStore, clock: FixedClock
) -> None:
    mailer = RecordingMailer(fail_for={"b@warga.example"})

    outcomes = send(delivery(ledger, clock, mailer), letters("a", "b", "c"))

    assert outcomes == [Outcome.SENT, Outcome.FAILED, Outcome.SENT]
    assert (status(ledger, "a"), status(ledger, "b"), status(ledger, "c")) == ("sent", None, "sent")
    assert ledger.claim_send(KIND, KEY, "b", now=NOW, lease=LEASE) is Claim.NEW


def test_a_recipient_named_twice_gets_one_message(ledger: CountingStore, clock: FixedClock) -> None:
    mailer = RecordingMailer()

    outcomes = send(delivery(ledger, clock, mailer), letters("a", "b", "a"))

    assert outcomes == [Outcome.SENT, Outcome.SENT, Outcome.ALREADY]
    assert len(mailer.sent) == 2


def test_a_call_stopped_by_an_exception_completes_what_went_and_frees_the_rest(
    ledger: CountingStore, clock: FixedClock
) -> None:
    assert ledger.claim_send(KIND, KEY, "held", now=NOW, lease=LEASE)

    def stop(n: int, recipient: str) -> None:
        if n == 3:
            raise KeyboardInterrupt

    mailer = HookedMailer(before=stop)

    with pytest.raises(KeyboardInterrupt):
        send(delivery(ledger, clock, mailer), letters("a", "b", "held", "c", "d", "e"))

    assert [status(ledger, i) for i in ("a", "b")] == ["sent", "sent"]
    # The line it was sending and those it never reached can be claimed at once.
    assert [status(ledger, i) for i in ("c", "d", "e")] == [None, None, None]
    assert status(ledger, "held") == "pending"


def test_completions_are_written_as_sending_goes_on(
    ledger: CountingStore, clock: FixedClock
) -> None:
    seen_done: list[list[str | None]] = []

    def tick(n: int, recipient: str) -> None:
        seen_done.append([status(ledger, i) for i in "abcde"])
        clock.advance(seconds=COMPLETE_EVERY.total_seconds() * 0.6)

    send(delivery(ledger, clock, HookedMailer(before=tick)), letters(*"abcde"))

    # By its third send more than COMPLETE_EVERY has passed: the first two are done.
    assert seen_done[2][:2] == ["sent", "sent"]
    assert seen_done[0] == ["pending"] * 5
    assert [status(ledger, i) for i in "abcde"] == ["sent"] * 5


def test_no_more_than_complete_after_sent_messages_wait_for_their_completion(
    ledger: CountingStore, clock: FixedClock
) -> None:
    waiting: list[int] = []

    def count(n: int, recipient: str) -> None:
        # This one and those sent before it not yet completed: what a crash during this
        # send would make a later run send again.
        waiting.append(sum(status(ledger, f"r{i}") == "pending" for i in range(n)))

    batch = letters(*(f"r{i}" for i in range(2 * COMPLETE_AFTER + 10)))

    send(delivery(ledger, clock, HookedMailer(before=count)), batch)

    assert max(waiting) == COMPLETE_AFTER
    assert ledger.calls["complete_sends"] == 3
    assert ledger.calls["claim_sends"] == 1


def test_claims_are_renewed_before_another_sender_could_take_them_over(
    ledger: CountingStore, clock: FixedClock
) -> None:
    started = clock.now()
    rival: list[Claim] = []

    def slow(n: int, recipient: str) -> None:
        if n == 4:
            # Past the first claim's lease: a rival would take "e" over had it not been renewed.
            assert clock.now() - started > LEASE
            rival.append(ledger.claim_send(KIND, KEY, "e", now=clock.now(), lease=LEASE))
            rival.append(ledger.claim_send(KIND, KEY, "a", now=clock.now(), lease=LEASE))
        clock.advance(seconds=LEASE.total_seconds() * 0.4)

    outcomes = send(delivery(ledger, clock, HookedMailer(before=slow)), letters(*"abcde"))

    assert outcomes == [Outcome.SENT] * 5
    assert rival == [Claim.HELD, Claim.DONE]


def test_a_message_that_cannot_be_built_fails_alone(
    ledger: CountingStore, clock: FixedClock
) -> None:
    batch = letters("a", "b")
    batch[0] = Letter(
        EDITION, Recipient(RecipientKind.SUBSCRIBER, "a", "a@warga.example\r\nBcc: x@y")
    )
    mailer = RecordingMailer()

    outcomes = send(delivery(ledger, clock, mailer), batch)

    assert outcomes == [Outcome.FAILED, Outcome.SENT]
    assert status(ledger, "a") is None


def test_the_edition_is_built_once_for_every_letter_and_call(
    ledger: CountingStore, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.services import delivery as module

    built: list[Edition] = []
    real = module.Wire

    def counting(edition: Edition, **kwargs: Any) -> Any:
        built.append(edition)
        return real(edition, **kwargs)

    monkeypatch.setattr(module, "Wire", counting)
    service = delivery(ledger, clock, RecordingMailer())

    send(service, letters("a", "b", "c"))
    service.emails(letters("d", "e"), kind=KIND, key="2026-11-29")

    assert built == [EDITION]


@pytest.mark.parametrize(
    ("kind", "key"), [("digest", "2026-11-27"), ("alert-email", "st-1"), ("", ""), ("k\x00", "é")]
)
def test_message_ids_of_one_kind_and_key_are_the_message_ids_of_their_lines(
    kind: str, key: str
) -> None:
    ids = MessageIds(kind, key, "warta.example")

    for recipient_id in ("sub-0001234", "", "kpu-kota-kediri", "wärga", "a\x00b"):
        assert ids(recipient_id) == message_id(kind, key, recipient_id, "warta.example")
