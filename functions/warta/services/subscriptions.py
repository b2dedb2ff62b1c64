"""A subscriber's own links: unsubscribing, and the preferences page.

Every link names a recipient and carries a token signed for it (core.links),
so it proves who it was sent to without a login or a stored token. The token
is checked before the store is read: a forged link costs no lookup, and a
refusal looks and takes the same whether or not the id exists.

Unsubscribing: subscribers become UNSUBSCRIBED and officials inactive; a
second click finds them so and is still a success. A suppressed subscriber
stays suppressed (it is the stronger state). Admins are not stored anywhere:
health mail goes to WARTA_ADMIN_EMAIL, and unsetting it is how an admin stops it.

Preferences: a MANAGE token (48 hours) opens one active subscriber's page,
where the regions, the digest, urgent clarifications and the digest hour are
chosen. Such a token comes by email (services.signup) or from the unsubscribe
link every digest carries (`manage_query`): whoever may unsubscribe a
subscriber may as well change what they receive.

Signing up and confirming are services.signup's; `signup` is set where the
web side can send mail.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

from warta.core import links
from warta.core.links import Link, RecipientKind
from warta.core.model import Subscriber, SubscriberStatus
from warta.core.ports import Clock, Store

if TYPE_CHECKING:
    from warta.services.signup import Choices, SignUp

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    """Done now: no more messages of this kind."""
    ALREADY = "already"
    """The recipient had already left; nothing changed, and that is a success too."""
    ADMIN = "admin"
    """A genuine admin link: nothing to store, the page explains WARTA_ADMIN_EMAIL."""
    REFUSED = "refused"
    """A bad token, or an id Warta does not know: indistinguishable on purpose."""

    @property
    def ok(self) -> bool:
        return self is not Outcome.REFUSED


class Access(StrEnum):
    """What a preferences link opens."""

    OPEN = "open"
    FORGED = "forged"
    """Not a link this install made (or for no subscriber it knows): indistinguishable."""
    EXPIRED = "expired"
    INACTIVE = "inactive"
    """A genuine link of a subscriber who is not active (pending, unsubscribed, suppressed)."""


class Subscriptions:
    def __init__(
        self, store: Store, secret: bytes, clock: Clock, *, signup: SignUp | None = None
    ) -> None:
        self.store = store
        self.secret = secret
        self.clock = clock
        self.signup = signup
        """Sign-up and confirmation; None where the web side sends no mail."""

    def __repr__(self) -> str:  # the secret must never reach a log line or a traceback
        return "Subscriptions()"

    def genuine(self, kind: str, recipient_id: str, token: str) -> bool:
        """True when the link was signed by this install for that recipient; reads nothing."""
        return links.genuine(self.secret, Link(kind, recipient_id, token))

    def unsubscribe(self, kind: str, recipient_id: str, token: str) -> Outcome:
        outcome = self._unsubscribe(kind, recipient_id, token)
        if outcome is Outcome.REFUSED:
            # A refused id may be anything a stranger typed: it stays out of the log.
            logger.info("unsubscribe refused")
        else:
            logger.info("unsubscribe %s %s: %s", kind, recipient_id, outcome.value)
        return outcome

    def _unsubscribe(self, kind: str, recipient_id: str, token: str) -> Outcome:
        if not self.genuine(kind, recipient_id, token):
            return Outcome.REFUSED
        if kind == RecipientKind.ADMIN:
            return Outcome.ADMIN
        if kind == RecipientKind.SUBSCRIBER:
            subscriber = self.store.get_subscriber(recipient_id)
            if subscriber is None:
                return Outcome.REFUSED
            if subscriber.status in (SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.SUPPRESSED):
                return Outcome.ALREADY
            self.store.put_subscriber(
                replace(
                    subscriber,
                    status=SubscriberStatus.UNSUBSCRIBED,
                    updated_at=self.clock.now(),
                )
            )
            return Outcome.UNSUBSCRIBED
        official = self.store.get_official(recipient_id)
        if official is None:
            return Outcome.REFUSED
        if not official.active:
            return Outcome.ALREADY
        self.store.put_official(replace(official, active=False))
        return Outcome.UNSUBSCRIBED

    # -- preferences -------------------------------------------------------------
    def manage_query(self, link: Link) -> str | None:
        """The query of a fresh preferences link, for a genuine unsubscribe link of a
        subscriber (the "Atur langganan" link of a digest); None for any other link."""
        if link.kind != RecipientKind.SUBSCRIBER or not links.genuine(self.secret, link):
            return None
        token = links.issue(
            self.secret, links.MANAGE, RecipientKind.SUBSCRIBER, link.recipient_id, self.clock.now()
        )
        return Link(link.kind, link.recipient_id, token).query

    def unsubscribe_query(self, subscriber: str) -> str:
        """The query of a subscriber's unsubscribe link, for the preferences page's button."""
        return links.unsubscribe_link(self.secret, RecipientKind.SUBSCRIBER, subscriber).query

    def preferences(self, link: Link) -> tuple[Access, Subscriber | None]:
        """Whether a preferences link opens, and whose page; reads one record at most."""
        checked = links.check(self.secret, links.MANAGE, link, self.clock.now())
        if checked.verdict is links.Verdict.FORGED or link.kind != RecipientKind.SUBSCRIBER:
            return Access.FORGED, None
        if checked.verdict is links.Verdict.EXPIRED:
            return Access.EXPIRED, None
        subscriber = self.store.get_subscriber(link.recipient_id)
        if subscriber is None:
            return Access.FORGED, None
        if subscriber.status is not SubscriberStatus.ACTIVE:
            return Access.INACTIVE, subscriber
        return Access.OPEN, subscriber

    def save_preferences(self, link: Link, choices: Choices) -> tuple[Access, Subscriber | None]:
        """Store an active subscriber's choices; nothing changes unless the link opens."""
        access, subscriber = self.preferences(link)
        if access is not Access.OPEN or subscriber is None:
            logger.info("preferences refused: %s", access.value)
            return access, subscriber
        saved = replace(
            subscriber,
            regions=choices.regions,
            digest=choices.digest,
            urgent=choices.urgent,
            digest_hour=choices.digest_hour,
            updated_at=self.clock.now(),
        )
        self.store.put_subscriber(saved)
        logger.info("preferences saved", extra={"subscriber_id": subscriber.id})
        return access, saved
