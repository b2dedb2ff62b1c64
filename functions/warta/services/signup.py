"""Signing up from the web: a pending subscriber, one confirmation email, a confirmation by POST.

The lifecycle is pending -> active -> unsubscribed, and suppressed (a hard
bounce or a complaint, set elsewhere) from any of them. What this module may
do to a record:

- a new or unsubscribed address becomes PENDING, with the evidence of the
  request (Subscriber.signed_up) and one confirmation email;
- a pending address gets its confirmation email again, at most once a day
  (the sent ledger's "confirm" line of that Jakarta day), nothing else changes;
- an active address is never touched: it gets a "manage your subscription"
  email instead (once a day too), so a stranger re-submitting someone's
  address can neither reset a confirmed subscriber nor learn that it exists;
- a suppressed address gets nothing, and the page says the same as for any other.

The answer a visitor sees is the same in every case ("check your inbox").

The confirmation link (core.links CONFIRM, 48 hours) opens a page whose button
POSTs: mail scanners that open links confirm nobody. The token carries the time
it was issued, so only a link of the current sign-up confirms: a link of an
earlier sign-up of the same address (replayed after its owner left and signed
up again) is refused, as is any link once its subscriber is unsubscribed or
suppressed. A second click within CONFIRM_GRACE of the confirmation (a double
click, a second tab) is shown the success page again and changes nothing.

Sign-up and link requests are limited per client network and per address
(take_slot), with counters in the sent ledger, so the limit holds across Lambda
instances. Addresses never go into logs: subscriber ids (hashes) do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from warta.core import links
from warta.core.days import jakarta_day
from warta.core.identity import subscriber_id
from warta.core.links import Link, RecipientKind
from warta.core.model import DEFAULT_DIGEST_HOUR, Consent, Subscriber, SubscriberStatus
from warta.core.ports import Clock, Renderer, Store
from warta.services.compose import render_edition
from warta.services.delivery import Delivery, Outcome, Recipient

logger = logging.getLogger(__name__)

CONFIRM_KIND = "confirm"
"""Message and sent-ledger kind of the confirmation email, keyed by Jakarta day."""
MANAGE_KIND = "manage"
"""Message and sent-ledger kind of the email with a preferences link, keyed by Jakarta day."""

CONFIRM_GRACE = timedelta(minutes=10)
"""How long after a confirmation the same link still shows the success page."""


@dataclass(frozen=True, slots=True)
class Choices:
    """What a subscriber chooses: the regions whose stories come, and how."""

    regions: tuple[str, ...]
    digest: bool = True
    urgent: bool = False
    digest_hour: int = DEFAULT_DIGEST_HOUR


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, as far as Warta keeps it: a network, never an address."""

    network: str
    """'203.0.113.0/24', '2001:db8:1::/48', or 'unknown'."""

    @property
    def evidence(self) -> str:
        return f"web {self.network}"


@dataclass(frozen=True, slots=True)
class Limits:
    """Requests that may send mail, per client network an hour and per address a day."""

    per_client_hour: int = 20
    per_address_day: int = 3


class Asked(StrEnum):
    """What a sign-up or a request for a link came to. Every success reads the same."""

    DONE = "done"
    """Whatever the address's state, the page says: check your inbox."""
    LIMITED = "limited"
    """Too many requests from this network or for this address: nothing done."""
    MAIL_FAILED = "mail-failed"
    """The mail provider refused the message: try again later (nothing is lost)."""


class Confirmed(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"
    """A second click within CONFIRM_GRACE: the success page again, nothing changed."""
    FORGED = "forged"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    """A genuine link that no longer confirms anything: an earlier sign-up's, or one
    whose subscriber has since confirmed, left or been suppressed."""

    @property
    def ok(self) -> bool:
        return self in (Confirmed.CONFIRMED, Confirmed.ALREADY)


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


class SignUp:
    def __init__(
        self,
        *,
        store: Store,
        secret: bytes,
        clock: Clock,
        delivery: Delivery,
        renderer: Renderer,
        limits: Limits | None = None,
    ) -> None:
        self.store = store
        self.secret = secret
        self.clock = clock
        self.delivery = delivery
        self.renderer = renderer
        self.limits = limits or Limits()

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return "SignUp()"

    # -- sign-up -----------------------------------------------------------------
    def sign_up(self, address: str, choices: Choices, client: Client, *, base_url: str) -> Asked:
        """`address` is one checked, lower-cased address (web.forms reads it)."""
        now = self.clock.now()
        sid = subscriber_id(address)
        if not self._within_limits(sid, client, now):
            return Asked.LIMITED
        found = self.store.get_subscriber(sid)
        if found is None or found.status is SubscriberStatus.UNSUBSCRIBED:
            pending = Subscriber(
                id=sid,
                email=address,
                status=SubscriberStatus.PENDING,
                regions=choices.regions,
                digest=choices.digest,
                urgent=choices.urgent,
                digest_hour=choices.digest_hour,
                name=found.name if found else None,
                created_at=found.created_at if found and found.created_at else now,
                signed_up=Consent(now, client.evidence),
                confirmation_sent_on=found.confirmation_sent_on if found else None,
                updated_at=now,
            )
            self.store.put_subscriber(pending)
            logger.info("sign-up: pending", extra={"subscriber_id": sid})
            return self._send_confirmation(pending, base_url)
        if found.status is SubscriberStatus.PENDING:
            # The first choices stand: a stranger re-submitting the address changes nothing.
            return self._send_confirmation(found, base_url)
        if found.status is SubscriberStatus.ACTIVE:
            logger.info(
                "sign-up of an active subscriber: manage link", extra={"subscriber_id": sid}
            )
            return self._send_manage_link(found, base_url)
        logger.info("sign-up of a suppressed address: nothing sent", extra={"subscriber_id": sid})
        return Asked.DONE

    def request_link(self, address: str, client: Client, *, base_url: str) -> Asked:
        """The public "manage my subscription" form: a link by email, if there is anyone to
        send it to; the answer never tells whether there was."""
        now = self.clock.now()
        sid = subscriber_id(address)
        if not self._within_limits(sid, client, now):
            return Asked.LIMITED
        found = self.store.get_subscriber(sid)
        if found is None:
            return Asked.DONE
        if found.status is SubscriberStatus.ACTIVE:
            return self._send_manage_link(found, base_url)
        if found.status is SubscriberStatus.PENDING:
            return self._send_confirmation(found, base_url)
        return Asked.DONE

    # -- confirmation --------------------------------------------------------------
    def check_confirmation(self, link: Link) -> Confirmed:
        """What POSTing this link would do, for the page a GET shows; changes nothing."""
        return self._confirm(link, None)

    def confirm(self, link: Link, client: Client) -> Confirmed:
        outcome = self._confirm(link, client)
        if outcome is Confirmed.CONFIRMED:
            logger.info("confirmed", extra={"subscriber_id": link.recipient_id})
        else:
            # A refused id may be anything a stranger typed: it stays out of the log.
            logger.info("confirmation %s", outcome.value)
        return outcome

    def _confirm(self, link: Link, client: Client | None) -> Confirmed:
        now = self.clock.now()
        checked = links.check(self.secret, links.CONFIRM, link, now)
        if checked.verdict is links.Verdict.FORGED or link.kind != RecipientKind.SUBSCRIBER:
            return Confirmed.FORGED
        if checked.verdict is links.Verdict.EXPIRED or checked.issued_at is None:
            return Confirmed.EXPIRED
        issued_at = checked.issued_at
        found = self.store.get_subscriber(link.recipient_id)
        if found is None:
            return Confirmed.FORGED
        started = found.signed_up.at if found.signed_up else None
        if started is not None and issued_at < _whole_seconds(started):
            return Confirmed.REPLAYED  # a link of an earlier sign-up of this address
        if found.status is SubscriberStatus.PENDING:
            if client is not None:  # None: only asked what a POST would do
                self.store.put_subscriber(
                    replace(
                        found,
                        status=SubscriberStatus.ACTIVE,
                        confirmed=Consent(now, client.evidence),
                        updated_at=now,
                    )
                )
            return Confirmed.CONFIRMED
        confirmed = found.confirmed
        if (
            found.status is SubscriberStatus.ACTIVE
            and confirmed is not None
            and now - confirmed.at <= CONFIRM_GRACE
        ):
            return Confirmed.ALREADY
        return Confirmed.REPLAYED

    def manage_url(self, subscriber: str, base_url: str) -> str:
        """A fresh preferences link for a subscriber id (after a confirmation, say)."""
        token = links.issue(
            self.secret, links.MANAGE, RecipientKind.SUBSCRIBER, subscriber, self.clock.now()
        )
        return links.preferences_url(base_url, subscriber, token)

    # -- mail ------------------------------------------------------------------------
    def _send_confirmation(self, subscriber: Subscriber, base_url: str) -> Asked:
        now = self.clock.now()
        today = jakarta_day(now)
        if subscriber.confirmation_sent_on == today:
            return Asked.DONE  # one a day; the ledger would refuse a second anyway
        token = links.issue(
            self.secret, links.CONFIRM, RecipientKind.SUBSCRIBER, subscriber.id, now
        )
        edition = render_edition(
            self.renderer,
            subject="confirm_subject.txt",
            text="confirm.txt",
            html="confirm.html",
            confirm_url=links.confirm_url(base_url, subscriber.id, token),
            expires_at=now + links.LIFETIMES[links.CONFIRM],
        )
        outcome = self._delivery(base_url).email(
            edition,
            kind=CONFIRM_KIND,
            key=today.isoformat(),
            to=Recipient(RecipientKind.SUBSCRIBER, subscriber.id, subscriber.email),
        )
        if outcome in (Outcome.SENT, Outcome.RESUMED):
            self.store.put_subscriber(replace(subscriber, confirmation_sent_on=today))
        return Asked.MAIL_FAILED if outcome is Outcome.FAILED else Asked.DONE

    def _send_manage_link(self, subscriber: Subscriber, base_url: str) -> Asked:
        now = self.clock.now()
        edition = render_edition(
            self.renderer,
            subject="manage_subject.txt",
            text="manage.txt",
            html="manage.html",
            manage_url=self.manage_url(subscriber.id, base_url),
            expires_at=now + links.LIFETIMES[links.MANAGE],
        )
        outcome = self._delivery(base_url).email(
            edition,
            kind=MANAGE_KIND,
            key=jakarta_day(now).isoformat(),
            to=Recipient(RecipientKind.SUBSCRIBER, subscriber.id, subscriber.email),
        )
        return Asked.MAIL_FAILED if outcome is Outcome.FAILED else Asked.DONE

    def _delivery(self, base_url: str) -> Delivery:
        """The delivery, writing links to `base_url` (the web function on AWS learns its own
        address from the request: its settings cannot name it)."""
        delivery = self.delivery
        if delivery.letterhead.public_url == base_url:
            return delivery
        return Delivery(
            store=delivery.store,
            clock=delivery.clock,
            mailer=delivery.mailer,
            notifier=delivery.notifier,
            lease=delivery.lease,
            letterhead=replace(delivery.letterhead, public_url=base_url),
        )

    # -- limits --------------------------------------------------------------------
    def _within_limits(self, sid: str, client: Client, now: datetime) -> bool:
        hour = now.strftime("%Y-%m-%dT%H")
        if not take_slot(
            self.store, "limit-client", f"{client.network}@{hour}", self.limits.per_client_hour, now
        ):
            logger.info("sign-up limited: client network")
            return False
        day = jakarta_day(now).isoformat()
        if not take_slot(
            self.store, "limit-address", f"{sid}@{day}", self.limits.per_address_day, now
        ):
            logger.info("sign-up limited: address", extra={"subscriber_id": sid})
            return False
        return True


def take_slot(store: Store, kind: str, key: str, limit: int, now: datetime) -> bool:
    """Take one of `limit` slots of a counter kept in the sent ledger; False when all are taken.

    Each slot is a ledger line claimed with a conditional write, so two Lambda
    instances never take the same slot and the limit holds across them; the
    lines expire with the ledger's retention. Slots are taken in order, so the
    n-th request of a window costs n claims: limits are kept small.
    """
    return any(store.claim_send(kind, key, f"slot-{slot}", now=now) for slot in range(limit))
