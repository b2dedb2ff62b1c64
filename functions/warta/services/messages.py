"""The messages the steps pass through their queues, and the events that start them.

Each is a small JSON object naming things by id (never an address), written
and read only here, so a writer and its reader cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from warta.core.errors import WartaError
from warta.core.model import AlertBatch, CorrectionBatch, DigestBatch


class BadMessage(WartaError):
    """A message or event that is not what its step expects."""


def _str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadMessage(f"the message has no {name}")
    return value


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadMessage(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


def source_message(source_id: str) -> dict[str, Any]:
    return {"source_id": source_id}


def read_source_id(body: Mapping[str, Any]) -> str:
    return _str(body, "source_id")


def story_message(story_id: str) -> dict[str, Any]:
    return {"story_id": story_id}


def read_story_id(body: Mapping[str, Any]) -> str:
    return _str(body, "story_id")


def alert_batch_message(batch: AlertBatch) -> dict[str, Any]:
    """One batch of a story's officials (or subscribers), on the same queue as the story's
    own message."""
    body: dict[str, Any] = {
        "story_id": batch.story_id,
        "number": batch.number,
        "official_ids": list(batch.official_ids),
    }
    if batch.subscriber_ids:
        body["subscriber_ids"] = list(batch.subscriber_ids)
    if batch.plan:
        body["plan"] = batch.plan
    return body


def correction_message(story_id: str) -> dict[str, Any]:
    """The correction of a story to plan into batches of subscribers (on the alert queue)."""
    return {"story_id": story_id, "correction": True}


def correction_batch_message(batch: CorrectionBatch) -> dict[str, Any]:
    """One batch of the subscribers a correction may be owed to."""
    return {
        **correction_message(batch.story_id),
        "number": batch.number,
        "plan": batch.plan,
        "subscriber_ids": list(batch.subscriber_ids),
    }


def _correction(story_id: str, body: Mapping[str, Any]) -> CorrectionBatch:
    if "subscriber_ids" not in body:
        return CorrectionBatch(story_id)
    ids = body["subscriber_ids"]
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise BadMessage("the message's subscriber ids are not a list of ids")
    plan = _plan(body)
    if not plan:
        raise BadMessage("a batch of a correction names its planning")
    return CorrectionBatch(story_id, tuple(ids), _number(body), plan)


def read_alert(body: Mapping[str, Any]) -> str | AlertBatch | CorrectionBatch:
    """What a message of the alert queue asks for: a story to plan into batches of its
    officials (its id), or one such batch to send; or a story's correction to plan into
    batches of subscribers (a CorrectionBatch without a plan), or one such batch."""
    story_id = _str(body, "story_id")
    if "correction" in body:
        if body["correction"] is not True:
            raise BadMessage("correction must be true when given")
        return _correction(story_id, body)
    if "official_ids" not in body:
        return story_id
    ids = body["official_ids"]
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise BadMessage("the message has no list of official ids")
    subscribers = body.get("subscriber_ids", [])
    if not isinstance(subscribers, list) or not all(isinstance(i, str) and i for i in subscribers):
        raise BadMessage("the message's subscriber ids are not a list of ids")
    return AlertBatch(story_id, tuple(ids), _number(body), _plan(body), tuple(subscribers))


def batch_message(batch: DigestBatch) -> dict[str, Any]:
    body: dict[str, Any] = {
        "day": batch.day.isoformat(),
        "number": batch.number,
        "subscriber_ids": list(batch.subscriber_ids),
    }
    if batch.plan:
        body["plan"] = batch.plan
    return body


def _number(body: Mapping[str, Any]) -> int:
    number = body.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise BadMessage("the message has no batch number")
    return number


def _plan(body: Mapping[str, Any]) -> str:
    plan = body.get("plan", "")
    if not isinstance(plan, str):
        raise BadMessage("the message's plan is not a string")
    return plan


def read_batch(body: Mapping[str, Any]) -> DigestBatch:
    number = _number(body)
    ids = body.get("subscriber_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise BadMessage("the message has no list of subscriber ids")
    return DigestBatch(_day(_str(body, "day"), "day"), tuple(ids), number, _plan(body))


def reindex_requested(event: Mapping[str, Any]) -> bool:
    """Whether an event to the digest planning asks for the subscribers' slot keys to be
    written ({"reindex": true}) instead of a planning."""
    if not isinstance(event, Mapping) or "reindex" not in event:
        return False
    if event["reindex"] is not True:
        raise BadMessage("reindex must be true when given")
    return True


def requested_day(event: Mapping[str, Any]) -> date | None:
    """The digest day an event asks for ({"day": "YYYY-MM-DD"}), or None for the usual one."""
    value = event.get("day") if isinstance(event, Mapping) else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadMessage("day must be a date as YYYY-MM-DD")
    return _day(value, "day")
