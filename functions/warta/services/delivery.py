"""Sending through the sent ledger: each message of a kind goes to a recipient once.

Every service that messages people (alerts, digest, health) sends through
`Delivery`: it signs the recipient's unsubscribe link, builds the message and
hands it over under a ledger claim, so the rules of sending live here alone.

The claim comes before the send. Of two runs racing for the same message
(a retried Lambda, two overlapping cron runs) only the one whose conditional
write wins may send; the other sees the claim and skips. A failed send gives
its claim back so a later run can try again.

A claim holds for a lease (Settings.send_lease). A sender that dies between
its claim and complete_send (kill -9, a Lambda timeout, a power cut) leaves
the claim pending: once the lease has run out, a later run or a redelivered
record takes it over and sends. While the lease runs the claim is HELD: the
caller reports the message as busy (on AWS its record fails, so SQS tries
again after the lease) instead of calling it sent.

The one window where a duplicate remains possible is "the provider accepted
the message, then the process died before complete_send": the taker-over
sends again. Each message's Message-ID is derived from its ledger line, so
the second copy carries the same Message-ID (mail clients and providers that
de-duplicate show it once), the outbox overwrites the same file, and every
takeover is logged and counted (`resumed` in the reports, the ClaimsTakenOver
metric on AWS).

Many recipients at once (`emails`: a digest batch) are claimed together, one
claim_sends for every line, and sent one by one; their completions are written
together every COMPLETE_AFTER messages, at least every COMPLETE_EVERY, and at
the end, and the claims of failed sends are given back together. That widens
the window above from one message to the completions not yet written: a
second of sends at most (a few dozen at a provider's pace), and never more
than COMPLETE_AFTER (a digest batch, when its mailer is faster than that),
each sent again under the same Message-ID. A letter's note (a digest's
selection of stories) is written with its completion, in the same write. Claims made together age together: once half the
lease has gone by, what was sent is completed and the claims not yet used are
given back and claimed anew, so no claim runs out, and no other sender takes a
line over, while its message waits its turn or its completion.

Each message is written as bytes by a Wire (services.compose), built once per
edition and kind and kept for the next batches (WIRES_KEPT), and handed to the
mailer's send_raw.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.errors import MessageError
from enum import StrEnum
from functools import lru_cache
from hashlib import blake2b
from typing import Any, NamedTuple

from warta.core import links
from warta.core.errors import SendError
from warta.core.links import RecipientKind
from warta.core.model import Claim
from warta.core.ports import Clock, Mailer, Notifier, Store
from warta.services.compose import Edition, Letterhead, Wire

logger = logging.getLogger(__name__)

COMPLETE_EVERY = timedelta(seconds=1)
"""How long, at most, sent messages of a batch wait for their completions to be written."""
COMPLETE_AFTER = 100
"""How many sent messages of a batch, at most, wait for their completions together: what
a sender that dies may send again, however fast its mailer (the outbox writes a hundred
in a fraction of a second). As many as a digest batch (WARTA_BATCH_SIZE's default): at
that speed a batch's completions are one write, where each write costs as much as
sending dozens of messages; at a provider's pace COMPLETE_EVERY comes first."""
WIRES_KEPT = 128
"""Editions kept built as bytes (a digest day has one per selection of its stories)."""


class Outcome(StrEnum):
    SENT = "sent"
    RESUMED = "resumed"
    """Sent after taking over the claim of a sender that died: a duplicate is possible (the
    dead sender of a batch may also never have reached the line)."""
    ALREADY = "already"
    BUSY = "busy"
    """Another sender holds the claim under its lease: neither sent nor lost; try later."""
    FAILED = "failed"


def send_once(
    store: Store,
    clock: Clock,
    *,
    kind: str,
    key: str,
    recipient_id: str,
    send: Callable[[], str],
    lease: timedelta | None = None,
) -> Outcome:
    claim = store.claim_send(kind, key, recipient_id, now=clock.now(), lease=lease)
    if claim is Claim.DONE:
        return Outcome.ALREADY
    if claim is Claim.HELD:
        return Outcome.BUSY
    if claim is Claim.TAKEN_OVER:
        logger.warning(
            "claim taken over",
            extra={"kind": kind, "key": key, "recipient_id": recipient_id},
        )
    try:
        message_id = send()
    except SendError as exc:
        store.release_send(kind, key, recipient_id)
        # The recipient is named by id only: addresses never go into logs.
        logger.warning(
            "send failed",
            extra={
                "kind": kind,
                "key": key,
                "recipient_id": recipient_id,
                "error": str(exc),
                "temporary": exc.temporary,
            },
        )
        return Outcome.FAILED
    except BaseException:
        store.release_send(kind, key, recipient_id)
        raise
    store.complete_send(kind, key, recipient_id, message_id=message_id, now=clock.now())
    return Outcome.RESUMED if claim is Claim.TAKEN_OVER else Outcome.SENT


def tally(report: Any, outcome: Outcome | None, sent: str = "sent", times: int = 1) -> None:
    """Count an outcome (`times` times) on a report with `already`, `busy`, `resumed` and
    `failed` fields and a field for sends (a resumed send counts as sent, and as resumed)."""
    if outcome in (Outcome.SENT, Outcome.RESUMED):
        setattr(report, sent, getattr(report, sent) + times)
        if outcome is Outcome.RESUMED:
            report.resumed += times
    elif outcome is Outcome.ALREADY:
        report.already += times
    elif outcome is Outcome.BUSY:
        report.busy += times
    elif outcome is Outcome.FAILED:
        report.failed += times


def message_id(kind: str, key: str, recipient_id: str, domain: str) -> str:
    """The Message-ID of one ledger line's message: the same each time it is (re)sent."""
    digest = blake2b(f"{kind}\x00{key}\x00{recipient_id}".encode(), digest_size=12).hexdigest()
    return f"<{digest}.{kind}@{domain}>"


class MessageIds:
    """message_id(kind, key, recipient_id, domain) of one kind and key for many recipients:
    the hash of the kind and key is taken once and carried on per recipient (a test holds
    it to message_id)."""

    __slots__ = ("_end", "_start", "line")

    def __init__(self, kind: str, key: str, domain: str) -> None:
        self.line = (kind, key, domain)
        self._start = blake2b(f"{kind}\x00{key}\x00".encode(), digest_size=12)
        self._end = f".{kind}@{domain}>"

    def __call__(self, recipient_id: str) -> str:
        digest = self._start.copy()
        digest.update(recipient_id.encode())
        return f"<{digest.hexdigest()}{self._end}"


class Recipient(NamedTuple):
    """Who a message goes to: the kind and id its link and ledger line name, and the address.

    (A named tuple, as Letter: a digest makes one of each per subscriber, and a tuple
    costs half what a frozen dataclass does to make.)"""

    kind: RecipientKind
    id: str
    address: str


class Letter(NamedTuple):
    """One message of a batch: the edition it is written from and who it goes to."""

    edition: Edition
    to: Recipient
    references: tuple[str, ...] = ()
    """The Message-IDs of the messages this one follows, oldest first (compose.build_message)."""
    note: str | None = None
    """Kept with the ledger line once sent (SendRecord.note)."""


@dataclass(slots=True)
class _Claims:
    """The ledger lines of one call of Delivery.emails: claimed together, completed in
    groups as messages go out, given back together when a send fails or never happens."""

    store: Store
    kind: str
    key: str
    lease: timedelta | None
    claims: dict[str, Claim] = field(default_factory=dict)
    renew_at: datetime | None = None
    """Half the lease after the last claim: when what is not yet sent is claimed anew."""
    resumed: set[str] = field(default_factory=set)
    """Lines whose claim was taken over from a sender that died: a duplicate is possible."""
    sent: dict[str, str] = field(default_factory=dict)
    """Sent and not yet completed: the provider's message id of each."""
    notes: dict[str, str] = field(default_factory=dict)
    """The notes of the lines in `sent` that have one."""
    complete_by: datetime | None = None
    """COMPLETE_EVERY after the last completion (or the first claim): when what was sent
    since is completed, however few."""
    failed: list[str] = field(default_factory=list)

    def claim(self, recipient_ids: list[str], now: datetime) -> None:
        if len(recipient_ids) == 1:  # one line: one conditional write, as send_once makes
            (only,) = recipient_ids
            claims = {
                only: self.store.claim_send(self.kind, self.key, only, now=now, lease=self.lease)
            }
        else:
            claims = self.store.claim_sends(
                self.kind, self.key, recipient_ids, now=now, lease=self.lease
            )
        for recipient_id, claim in claims.items():
            if claim is Claim.TAKEN_OVER:
                self.resumed.add(recipient_id)
                logger.warning(
                    "claim taken over",
                    extra={"kind": self.kind, "key": self.key, "recipient_id": recipient_id},
                )
        self.claims.update(claims)
        if self.lease is not None:
            self.renew_at = now + self.lease / 2
        if self.complete_by is None:
            self.complete_by = now + COMPLETE_EVERY

    def stale(self, now: datetime) -> bool:
        """True once half the lease has gone by since the lines were claimed."""
        return self.renew_at is not None and now >= self.renew_at

    def renew(self, unsent: list[str], now: datetime) -> None:
        """Complete the lines sent so far and claim anew those not yet sent, before any
        of their claims can run out and another sender take them over."""
        self.complete(now)
        self._release([r for r in unsent if self.claims[r]])
        self.claim(unsent, now)

    def due(self, now: datetime) -> bool:
        """True when COMPLETE_AFTER sent lines, or any for COMPLETE_EVERY, wait for their
        completion."""
        return bool(self.sent) and (
            len(self.sent) >= COMPLETE_AFTER or self.complete_by is None or now >= self.complete_by
        )

    def complete(self, now: datetime) -> None:
        sent, notes = self.sent, self.notes
        if len(sent) == 1 and not notes:
            ((recipient_id, message_id),) = sent.items()
            self.store.complete_send(
                self.kind, self.key, recipient_id, message_id=message_id, now=now
            )
        elif sent:
            self.store.complete_sends(self.kind, self.key, sent, now=now, notes=notes or None)
        self.sent, self.notes = {}, {}
        self.complete_by = now + COMPLETE_EVERY

    def close(self, unsent: list[str], now: datetime) -> None:
        """Complete what was sent; give back the claims of failed sends and of the lines
        never reached (an exception stopped the call), but never another sender's claim."""
        try:
            self.complete(now)
        finally:
            self._release(self.failed + [r for r in unsent if self.claims.get(r)])

    def _release(self, recipient_ids: list[str]) -> None:
        if len(recipient_ids) == 1:
            self.store.release_send(self.kind, self.key, recipient_ids[0])
        elif recipient_ids:
            self.store.release_sends(self.kind, self.key, recipient_ids)


class Delivery:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        mailer: Mailer,
        letterhead: Letterhead,
        notifier: Notifier | None = None,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self.lease = lease
        self.store = store
        self.clock = clock
        self.mailer = mailer
        self.letterhead = letterhead
        self.notifier = notifier
        # Built once per edition and kind: a batch of a digest, or the next one, reuses it.
        self._wire = lru_cache(maxsize=WIRES_KEPT)(self._build_wire)
        self._urls: dict[RecipientKind, links.UnsubscribeUrls] = {}
        self._ids = MessageIds("", "", letterhead.domain)
        """The Message-IDs of the last ledger kind and key messages were written for."""

    def unsubscribe_url(self, kind: RecipientKind, recipient_id: str) -> str:
        urls = self._urls.get(kind)
        if urls is None:
            urls = self._urls[kind] = links.UnsubscribeUrls(
                self.letterhead.secret, self.letterhead.public_url, kind
            )
        return urls(recipient_id)

    def email(
        self,
        edition: Edition,
        *,
        kind: str,
        key: str,
        to: Recipient,
        ledger_kind: str | None = None,
        references: tuple[str, ...] = (),
    ) -> Outcome:
        """Send one rendered message to one recipient, once per ledger kind and key.

        `kind` is the message's kind (its X-Warta-Kind header); the ledger line
        is of that kind too unless `ledger_kind` names another (one story's
        alert goes out as an email and as an SMS, each with its own line).
        `references` names the messages it follows (In-Reply-To, References).
        """
        letter = Letter(edition, to, references)
        (outcome,) = self.emails([letter], kind=kind, key=key, ledger_kind=ledger_kind)
        return outcome

    def emails(
        self,
        letters: Sequence[Letter],
        *,
        kind: str,
        key: str,
        ledger_kind: str | None = None,
    ) -> list[Outcome]:
        """Send each letter once per ledger kind and key, claiming all their lines at once;
        the outcome of each letter, in order. A recipient named twice gets one message:
        the first letter's, the other counted ALREADY."""
        ledger = ledger_kind or kind
        outcomes = [Outcome.ALREADY] * len(letters)
        first: dict[str, int] = {}
        for n, letter in enumerate(letters):
            first.setdefault(letter.to.id, n)
        if not first:
            return outcomes
        todo = deque(first.values())
        claims = _Claims(self.store, ledger, key, self.lease)
        claims.claim(list(first), self.clock.now())
        try:
            while todo:
                now = self.clock.now()
                if claims.stale(now):
                    claims.renew([letters[n].to.id for n in todo], now)
                elif claims.due(now):
                    claims.complete(now)
                n = todo.popleft()
                outcomes[n] = self._send(letters[n], kind, claims, now)
        finally:
            claims.close([letters[n].to.id for n in todo], self.clock.now())
        return outcomes

    def _send(self, letter: Letter, kind: str, claims: _Claims, now: datetime) -> Outcome:
        to = letter.to
        claim = claims.claims[to.id]
        if claim is Claim.DONE:
            return Outcome.ALREADY
        if claim is Claim.HELD:
            return Outcome.BUSY
        try:
            message_id = self.mailer.send_raw(
                to.address, self.message(letter, kind, claims.kind, claims.key, now)
            )
        except SendError as exc:
            claims.failed.append(to.id)
            # The recipient is named by id only: addresses never go into logs.
            logger.warning(
                "send failed",
                extra={
                    "kind": claims.kind,
                    "key": claims.key,
                    "recipient_id": to.id,
                    "error": str(exc),
                    "temporary": exc.temporary,
                },
            )
            return Outcome.FAILED
        except BaseException:
            claims.failed.append(to.id)
            raise
        claims.sent[to.id] = message_id
        if letter.note is not None:
            claims.notes[to.id] = letter.note
        return Outcome.RESUMED if to.id in claims.resumed else Outcome.SENT

    def _build_wire(self, edition: Edition, kind: str) -> Wire:
        return Wire(edition, sender=self.letterhead.sender, kind=kind)

    def message(self, letter: Letter, kind: str, ledger: str, key: str, now: datetime) -> bytes:
        """The bytes of one letter's message, as send_raw is given them: the message of
        the ledger line (ledger, key, recipient), written at `now`."""
        to = letter.to
        try:
            return self._wire(letter.edition, kind).message(
                to=to.address,
                unsubscribe=self.unsubscribe_url(to.kind, to.id),
                message_id=self._message_ids(ledger, key)(to.id),
                now=now,
                references=letter.references,
            )
        except (ValueError, TypeError, LookupError, MessageError) as exc:
            # One message that cannot be built is that message's failure, never the run's.
            raise SendError(f"the message could not be built: {type(exc).__name__}") from None

    def _message_ids(self, ledger: str, key: str) -> MessageIds:
        ids = self._ids
        if ids.line != (ledger, key, self.letterhead.domain):
            ids = self._ids = MessageIds(ledger, key, self.letterhead.domain)
        return ids

    def sms(self, text: str, *, kind: str, key: str, recipient_id: str, phone: str) -> Outcome:
        """Send one short text to one number, once per (kind, key) whatever retries."""
        notifier = self.notifier
        if notifier is None:
            raise SendError("this delivery has no notifier for SMS")
        return send_once(
            self.store,
            self.clock,
            kind=kind,
            key=key,
            recipient_id=recipient_id,
            send=lambda: notifier.notify(phone, text, key=f"{kind}:{key}:{recipient_id}"),
            lease=self.lease,
        )
