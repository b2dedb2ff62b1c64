"""Unsubscribing through the signed link every message carries.

The link names a recipient and carries a token signed for "kind:id"
(core.links), so it proves who it was sent to without a login or a stored token.
The token is checked before the store is read: a forged link costs no lookup,
and a refusal looks and takes the same whether or not the id exists.

Subscribers become UNSUBSCRIBED and officials inactive; a second click finds
them so and is still a success. Admins are not stored anywhere: health mail
goes to WARTA_ADMIN_EMAIL, and unsetting it is how an admin stops it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from enum import StrEnum

from warta.core import links
from warta.core.links import Link, RecipientKind
from warta.core.model import SubscriberStatus
from warta.core.ports import Clock, Store

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


class Subscriptions:
    def __init__(self, store: Store, secret: bytes, clock: Clock) -> None:
        self.store = store
        self.secret = secret
        # Kept for the day Subscriber records when it left; the model has no such field yet.
        self.clock = clock

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
            if subscriber.status is SubscriberStatus.UNSUBSCRIBED:
                return Outcome.ALREADY
            self.store.put_subscriber(replace(subscriber, status=SubscriberStatus.UNSUBSCRIBED))
            return Outcome.UNSUBSCRIBED
        official = self.store.get_official(recipient_id)
        if official is None:
            return Outcome.REFUSED
        if not official.active:
            return Outcome.ALREADY
        self.store.put_official(replace(official, active=False))
        return Outcome.UNSUBSCRIBED
