"""Bounces, complaints and deliveries: who gets no more mail, and why.

The store's record is the truth. A hard bounce or a complaint suppresses the
address at once: a subscriber becomes SUPPRESSED (every step skips anyone not
ACTIVE), an official loses the email channel. Soft bounces are counted: each
subscriber keeps the outcomes of their last DELIVERY_WINDOW messages, and
SOFT_BOUNCE_LIMIT soft bounces among them suppress too. An address suppressed
is also put on the SES account's suppression list, when the account lets the
function do so; when it does not, the store's suppression stands alone.

Officials keep no delivery history, so soft bounces of their mail are not
counted. A hard bounce or complaint of an official's address drops their email
(their SMS alerts go on); an official with no phone is made inactive instead,
so their record keeps a way to reach them. An admin gives a fixed address
back with `warta officials add`.

Each event is applied once per address, through the sent ledger (kind
"feedback", keyed by SES's id for the event): SQS may deliver a record twice,
and a soft bounce counted twice would suppress too early.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Protocol

from warta.core.errors import WartaError
from warta.core.identity import normalize_email, subscriber_id
from warta.core.links import Link, RecipientKind
from warta.core.model import Claim, Official, Subscriber, SubscriberStatus
from warta.core.ports import Clock, Store
from warta.services.ses_events import MailEvent, Outcome

logger = logging.getLogger(__name__)

LEDGER_KIND = "feedback"
"""Sent-ledger kind of an event applied to one address."""
DELIVERY_WINDOW = 5
"""How many of a subscriber's latest delivery outcomes are kept."""
SOFT_BOUNCE_LIMIT = 3
"""Soft bounces among those that suppress the address."""

SOFT_BOUNCES = "soft-bounces"
"""The suppressed_reason of an address suppressed for its soft bounces."""


class AccountSuppression(Protocol):
    """The mail provider's own list of addresses it will not send to (SES's account list)."""

    def suppress(self, address: str, *, complaint: bool) -> None:
        """Add the address, for a complaint or else a bounce. Raises a WartaError when refused."""
        ...


def remember(deliveries: tuple[str, ...], outcome: Outcome) -> tuple[str, ...]:
    """The latest delivery outcomes with `outcome` added as the newest, at most DELIVERY_WINDOW."""
    return (*deliveries, outcome.value)[-DELIVERY_WINDOW:]


def too_many_soft_bounces(deliveries: tuple[str, ...]) -> bool:
    return deliveries.count(Outcome.SOFT_BOUNCE.value) >= SOFT_BOUNCE_LIMIT


@dataclass(slots=True)
class FeedbackReport:
    addresses: int = 0
    suppressed: int = 0
    """Subscribers suppressed by this event."""
    officials: int = 0
    """Officials whose email this event stopped."""
    recorded: int = 0
    """Delivery outcomes added to a subscriber's history without suppressing them."""
    unknown: int = 0
    """Addresses that are no subscriber's or official's (any more)."""
    already: int = 0
    """Addresses this event had been applied to before (a record delivered again)."""
    busy: int = 0
    """Addresses another invocation is applying this event to right now: try again later."""
    account_refused: int = 0
    """Addresses the SES account's suppression list did not take."""


class Feedback:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        account: AccountSuppression | None = None,
        lease: timedelta = timedelta(minutes=5),
        officials_page: int = 100,
    ) -> None:
        self.store = store
        self.clock = clock
        self.account = account
        self.lease = lease
        self.officials_page = officials_page

    def apply(self, event: MailEvent) -> FeedbackReport:
        """Record what the event says happened to each of its addresses."""
        report = FeedbackReport()
        for address in event.recipients:
            report.addresses += 1
            # Addresses are named by their subscriber id, in the ledger and in logs.
            address_id = subscriber_id(address)
            claim = self.store.claim_send(
                LEDGER_KIND, event.key, address_id, now=self.clock.now(), lease=self.lease
            )
            if claim is Claim.DONE:
                report.already += 1
                continue
            if claim is Claim.HELD:
                report.busy += 1
                continue
            try:
                self._apply(event, address, address_id, report)
            except BaseException:
                self.store.release_send(LEDGER_KIND, event.key, address_id)
                raise
            self.store.complete_send(
                LEDGER_KIND,
                event.key,
                address_id,
                message_id=event.message_id,
                now=self.clock.now(),
            )
        logger.info(
            "mail feedback recorded",
            extra={"outcome": event.outcome.value, "event_id": event.event_id} | asdict(report),
        )
        return report

    def _apply(
        self, event: MailEvent, address: str, address_id: str, report: FeedbackReport
    ) -> None:
        outcome = event.outcome
        known = False
        suppress_address = outcome.stops
        subscriber = self.store.get_subscriber(address_id)
        if subscriber is not None and normalize_email(subscriber.email) == address:
            known = True
            suppressed = self._subscriber(subscriber, outcome)
            if suppressed:
                report.suppressed += 1
                suppress_address = True
            elif not outcome.stops and subscriber.status is not SubscriberStatus.SUPPRESSED:
                report.recorded += 1
        # Listed before any is changed: a change moves an official between index pages.
        for official in list(self._officials(address, event.named)):
            known = True
            if outcome.stops:
                self._stop_email(official, outcome)
                report.officials += 1
        if not known:
            report.unknown += 1
        if suppress_address and self.account is not None:
            try:
                self.account.suppress(address, complaint=outcome is Outcome.COMPLAINT)
            except WartaError as exc:
                # The store has it: Warta sends the address nothing either way.
                logger.warning(
                    "the SES account's suppression list did not take an address",
                    extra={"address_id": address_id, "error": str(exc)},
                )
                report.account_refused += 1

    def _subscriber(self, subscriber: Subscriber, outcome: Outcome) -> bool:
        """Record the outcome on the subscriber; True when this suppressed them."""
        if subscriber.status is SubscriberStatus.SUPPRESSED:
            return False
        now = self.clock.now()
        if outcome.stops:
            reason = "complaint" if outcome is Outcome.COMPLAINT else "bounce"
        else:
            deliveries = remember(subscriber.deliveries, outcome)
            if not too_many_soft_bounces(deliveries):
                self.store.put_subscriber(
                    replace(subscriber, deliveries=deliveries, updated_at=now)
                )
                return False
            subscriber = replace(subscriber, deliveries=deliveries)
            reason = SOFT_BOUNCES
        self.store.put_subscriber(
            replace(
                subscriber,
                status=SubscriberStatus.SUPPRESSED,
                suppressed_reason=reason,
                updated_at=now,
            )
        )
        logger.info(
            "subscriber suppressed", extra={"subscriber_id": subscriber.id, "reason": reason}
        )
        return True

    def _officials(self, address: str, named: Link | None) -> Iterator[Official]:
        """The active officials whose email is `address`.

        When the message's unsubscribe link named its recipient, that is the
        one official it can concern (or none, for a subscriber's or the admin's
        message): an official sharing the address with a subscriber hears of it
        on their own next alert, which SES then reports as a bounce of its own.
        Without the link (identity notifications without headers) every active
        official is looked at: officials have no index by address, and they
        are few beside subscribers.
        """
        if named is not None:
            if named.kind != RecipientKind.OFFICIAL:
                return
            official = self.store.get_official(named.recipient_id)
            if official is not None and official.active and _email_of(official) == address:
                yield official
            return
        cursor: str | None = None
        while True:
            page = self.store.officials_page(cursor=cursor, limit=self.officials_page)
            yield from (o for o in page.items if _email_of(o) == address)
            cursor = page.cursor
            if cursor is None:
                return

    def _stop_email(self, official: Official, outcome: Outcome) -> None:
        if official.phone:
            self.store.put_official(replace(official, email=None))
            change = "email dropped"
        else:
            self.store.put_official(replace(official, active=False))
            change = "made inactive"
        logger.info(
            "official's email stopped",
            extra={"official_id": official.id, "reason": outcome.value, "change": change},
        )


def _email_of(official: Official) -> str | None:
    return normalize_email(official.email) if official.email else None
