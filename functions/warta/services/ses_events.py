"""What SES reports about the mail Warta sent, read from one record of the bounce queue.

SES reports a bounce, a complaint or a delivery in one of two shapes, the same
but for the name of one field: event publishing (a configuration set's event
destination, which the template sets up) names the kind `eventType`; feedback
notifications set on an identity name it `notificationType`. Either reaches
the queue through SNS, as SNS's envelope (whose `Message` is the event's JSON)
or, with raw message delivery, as the event's JSON alone. All four are read.

The record is outside text: each field is checked before anything is done
with it, and a bounce, complaint or delivery of the wrong shape is refused
(BadEvent), so its record fails alone and ends in the dead-letter queue. What
is not such an event at all (SNS's subscription messages, the text SES
publishes when an event destination is set up, other event types such as
Send or Open) is not an error: read_mail_event answers None, and it is
dropped. Errors never quote an address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from warta.core import links
from warta.core.errors import ConfigError
from warta.core.links import Link
from warta.core.validate import check_email

MAX_RECIPIENTS = 50
"""SES sends a message to 50 recipients at most; Warta sends each to one."""
MAX_HEADER = 2000
"""Longer than any List-Unsubscribe header Warta writes."""

_EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", re.ASCII)
"""SES's message and feedback ids: letters, digits and dashes."""


class BadEvent(ValueError):
    """A bounce, complaint or delivery whose JSON is not of the shape SES documents."""


class Outcome(StrEnum):
    """What happened to one message at one address."""

    HARD_BOUNCE = "hard-bounce"
    """bounceType Permanent: the address does not take mail, and will not."""
    SOFT_BOUNCE = "soft-bounce"
    """bounceType Transient (a full mailbox, a server down) or Undetermined."""
    COMPLAINT = "complaint"
    """The recipient marked the message as spam."""
    DELIVERED = "delivered"

    @property
    def stops(self) -> bool:
        """A hard bounce or a complaint: the address gets nothing more, at once."""
        return self in (Outcome.HARD_BOUNCE, Outcome.COMPLAINT)


_BOUNCE_TYPES = {
    "Permanent": Outcome.HARD_BOUNCE,
    "Transient": Outcome.SOFT_BOUNCE,
    "Undetermined": Outcome.SOFT_BOUNCE,
}


@dataclass(frozen=True, slots=True)
class MailEvent:
    """One bounce, complaint or delivery, as SES reported it."""

    outcome: Outcome
    event_id: str
    """SES's feedback id of a bounce or complaint, the message id of a delivery: each event
    names one, so an event delivered twice is recognised."""
    message_id: str
    """SES's id of the message the event is about."""
    recipients: tuple[str, ...]
    """The addresses it concerns, lower-cased."""
    named: Link | None = None
    """The recipient the message's own unsubscribe link names (kind and id), when SES passed
    the message's headers on (event publishing always does); its token is not checked here."""

    @property
    def key(self) -> str:
        """Names the event among every other: its kind and SES's id for it."""
        kind = "delivery" if self.outcome is Outcome.DELIVERED else self.outcome.value
        return f"{kind}:{self.event_id}"


def read_mail_event(body: str) -> MailEvent | None:
    """The event an SQS record of the bounce queue carries, or None when it carries none.

    Raises BadEvent when it is a bounce, complaint or delivery of the wrong shape.
    """
    document = _json(body)
    if isinstance(document, dict) and "Type" in document and "Message" in document:
        # SNS's envelope: only a Notification carries a message of the topic.
        if document["Type"] != "Notification" or not isinstance(document["Message"], str):
            return None
        document = _json(document["Message"])
    if not isinstance(document, dict):
        return None  # e.g. the sentence SES publishes when an event destination is set up
    kind = _kind(document)
    if kind == "Bounce":
        return _bounce(document)
    if kind == "Complaint":
        return _complaint(document)
    if kind == "Delivery":
        return _delivery(document)
    return None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _kind(document: Mapping[str, Any]) -> str | None:
    event_type = document.get("eventType")
    notification_type = document.get("notificationType")
    if event_type is not None and notification_type is not None and event_type != notification_type:
        raise BadEvent("the event has both an eventType and a notificationType, and they differ")
    kind = event_type if event_type is not None else notification_type
    return kind if isinstance(kind, str) else None


def _object(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = document.get(name)
    if not isinstance(value, dict):
        raise BadEvent(f"the event has no {name} object")
    return value


def _event_id(document: Mapping[str, Any], name: str, where: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not _EVENT_ID.fullmatch(value):
        raise BadEvent(f"{where}.{name} is missing or not an SES id")
    return value


def _addresses(values: Any, where: str, *, field: str | None = None) -> tuple[str, ...]:
    """The addresses of a list of recipients: strings, or objects with `field` holding one."""
    if not isinstance(values, list) or not values:
        raise BadEvent(f"{where} is missing or empty")
    if len(values) > MAX_RECIPIENTS:
        raise BadEvent(f"{where} lists more than {MAX_RECIPIENTS} recipients")
    found: list[str] = []
    for n, value in enumerate(values):
        if field is not None:
            value = value.get(field) if isinstance(value, dict) else None
        try:
            address = check_email(value, f"{where}[{n}]")
        except ConfigError as exc:
            raise BadEvent(str(exc)) from None
        if address not in found:
            found.append(address)
    return tuple(found)


def _mail(document: Mapping[str, Any]) -> tuple[str, Link | None]:
    """The message's SES id, and the recipient its unsubscribe link names (if SES said)."""
    mail = _object(document, "mail")
    return _event_id(mail, "messageId", "mail"), _named(mail.get("headers"))


def _named(headers: Any) -> Link | None:
    """The recipient named by a List-Unsubscribe header among `headers`, if any.

    Headers are a hint, never required: identity notifications carry them only
    when asked to. Whatever they hold is only read, never acted on alone: the
    service acts on a named official only when the bounced address is theirs.
    """
    if not isinstance(headers, list):
        return None
    for header in headers:
        if not isinstance(header, dict) or not isinstance(header.get("name"), str):
            continue
        if header["name"].lower() != "list-unsubscribe":
            continue
        value = header.get("value")
        if not isinstance(value, str) or len(value) > MAX_HEADER:
            return None
        value = value.strip()
        if not (value.startswith("<") and value.endswith(">")):
            return None
        try:
            query = urlsplit(value[1:-1]).query
        except ValueError:
            return None
        return links.read_link(query)
    return None


def _bounce(document: Mapping[str, Any]) -> MailEvent:
    bounce = _object(document, "bounce")
    bounce_type = bounce.get("bounceType")
    outcome = _BOUNCE_TYPES.get(bounce_type) if isinstance(bounce_type, str) else None
    if outcome is None:
        raise BadEvent("bounce.bounceType is not Permanent, Transient or Undetermined")
    message_id, named = _mail(document)
    return MailEvent(
        outcome=outcome,
        event_id=_event_id(bounce, "feedbackId", "bounce"),
        message_id=message_id,
        recipients=_addresses(
            bounce.get("bouncedRecipients"), "bounce.bouncedRecipients", field="emailAddress"
        ),
        named=named,
    )


def _complaint(document: Mapping[str, Any]) -> MailEvent:
    complaint = _object(document, "complaint")
    message_id, named = _mail(document)
    return MailEvent(
        outcome=Outcome.COMPLAINT,
        event_id=_event_id(complaint, "feedbackId", "complaint"),
        message_id=message_id,
        recipients=_addresses(
            complaint.get("complainedRecipients"),
            "complaint.complainedRecipients",
            field="emailAddress",
        ),
        named=named,
    )


def _delivery(document: Mapping[str, Any]) -> MailEvent:
    delivery = _object(document, "delivery")
    message_id, named = _mail(document)
    return MailEvent(
        outcome=Outcome.DELIVERED,
        event_id=message_id,
        message_id=message_id,
        recipients=_addresses(delivery.get("recipients"), "delivery.recipients"),
        named=named,
    )
