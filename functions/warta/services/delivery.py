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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.errors import MessageError
from email.message import EmailMessage
from enum import StrEnum
from hashlib import blake2b
from typing import Any

from warta.core import links
from warta.core.errors import SendError
from warta.core.links import RecipientKind
from warta.core.model import Claim
from warta.core.ports import Clock, Mailer, Notifier, Store
from warta.services.compose import Edition, Letterhead, Rendered, build_message

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    RESUMED = "resumed"
    """Sent after taking over the claim of a sender that died: a duplicate is possible."""
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


def tally(report: Any, outcome: Outcome | None, sent: str = "sent") -> None:
    """Count an outcome on a report with `already`, `busy`, `resumed` and `failed` fields
    and a field for sends (a resumed send counts as sent, and as resumed)."""
    if outcome in (Outcome.SENT, Outcome.RESUMED):
        setattr(report, sent, getattr(report, sent) + 1)
        if outcome is Outcome.RESUMED:
            report.resumed += 1
    elif outcome is Outcome.ALREADY:
        report.already += 1
    elif outcome is Outcome.BUSY:
        report.busy += 1
    elif outcome is Outcome.FAILED:
        report.failed += 1


def message_id(kind: str, key: str, recipient_id: str, domain: str) -> str:
    """The Message-ID of one ledger line's message: the same each time it is (re)sent."""
    digest = blake2b(f"{kind}\x00{key}\x00{recipient_id}".encode(), digest_size=12).hexdigest()
    return f"<{digest}.{kind}@{domain}>"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to: the kind and id its link and ledger line name, and the address."""

    kind: RecipientKind
    id: str
    address: str


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

    def unsubscribe_url(self, kind: RecipientKind, recipient_id: str) -> str:
        link = links.unsubscribe_link(self.letterhead.secret, kind, recipient_id)
        return links.unsubscribe_url(self.letterhead.public_url, link)

    def email(
        self,
        edition: Edition,
        *,
        kind: str,
        key: str,
        to: Recipient,
        ledger_kind: str | None = None,
    ) -> Outcome:
        """Send one rendered message to one recipient, once per ledger kind and key.

        `kind` is the message's kind (its X-Warta-Kind header); the ledger line
        is of that kind too unless `ledger_kind` names another (one story's
        alert goes out as an email and as an SMS, each with its own line).
        """
        link = self.unsubscribe_url(to.kind, to.id)
        ledger = ledger_kind or kind
        mid = message_id(ledger, key, to.id, self.letterhead.domain)

        def send() -> str:
            return self.mailer.send(self._build(edition.personal(link), kind, to, link, mid))

        return send_once(
            self.store,
            self.clock,
            kind=ledger,
            key=key,
            recipient_id=to.id,
            send=send,
            lease=self.lease,
        )

    def _build(
        self, rendered: Rendered, kind: str, to: Recipient, link: str, mid: str
    ) -> EmailMessage:
        try:
            return build_message(
                rendered,
                sender=self.letterhead.sender,
                to=to.address,
                unsubscribe=link,
                domain=self.letterhead.domain,
                kind=kind,
                now=self.clock.now(),
                message_id=mid,
            )
        except (ValueError, TypeError, LookupError, MessageError) as exc:
            # One message that cannot be built is that message's failure, never the run's.
            raise SendError(f"the message could not be built: {type(exc).__name__}") from None

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
