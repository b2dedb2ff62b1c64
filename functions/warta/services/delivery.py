"""Sending through the sent ledger: each message of a kind goes to a recipient once.

Every service that messages people (alerts, digest, health) sends through
`Delivery`: it signs the recipient's unsubscribe link, builds the message and
hands it over under a ledger claim, so the rules of sending live here alone.

The claim comes before the send. Of two runs racing for the same message
(a retried Lambda, two overlapping cron runs) only the one whose conditional
write wins may send; the other sees the claim and skips. A failed send gives
its claim back so a later run can try again. What is given up is the crash
between a successful send and complete_send: that message stays claimed and
is not sent twice, which is the side we choose to err on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.errors import MessageError
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from warta.core import links
from warta.core.errors import SendError
from warta.core.links import RecipientKind
from warta.core.ports import Clock, Mailer, Notifier, Store
from warta.services.compose import Edition, Letterhead, Rendered, build_message

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY = "already"
    FAILED = "failed"


def send_once(
    store: Store,
    clock: Clock,
    *,
    kind: str,
    key: str,
    recipient_id: str,
    send: Callable[[], str],
) -> Outcome:
    if not store.claim_send(kind, key, recipient_id, now=clock.now()):
        return Outcome.ALREADY
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
    return Outcome.SENT


def tally(report: Any, outcome: Outcome | None, sent: str = "sent") -> None:
    """Count an outcome on a report with `already` and `failed` fields and a field for sends."""
    if outcome is Outcome.SENT:
        setattr(report, sent, getattr(report, sent) + 1)
    elif outcome is Outcome.ALREADY:
        report.already += 1
    elif outcome is Outcome.FAILED:
        report.failed += 1


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
    ) -> None:
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

        def send() -> str:
            return self.mailer.send(self._build(edition.personal(link), kind, to, link))

        return send_once(
            self.store,
            self.clock,
            kind=ledger_kind or kind,
            key=key,
            recipient_id=to.id,
            send=send,
        )

    def _build(self, rendered: Rendered, kind: str, to: Recipient, link: str) -> EmailMessage:
        try:
            return build_message(
                rendered,
                sender=self.letterhead.sender,
                to=to.address,
                unsubscribe=link,
                domain=self.letterhead.domain,
                kind=kind,
                now=self.clock.now(),
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
            send=lambda: notifier.notify(phone, text),
        )
