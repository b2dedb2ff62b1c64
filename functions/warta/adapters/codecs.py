"""Conversions every Store shares, so the same data reads back the same from each."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from warta.core.errors import StoreError
from warta.core.model import DEFAULT_DIGEST_HOUR, Authority, Consent, Page, StorySource, Subscriber


def timestamp(value: datetime) -> str:
    """ISO 8601 in UTC, fixed width (always microseconds, always +00:00).

    Text order is then time order: sort keys, index ranges and expiry filters
    compare these strings.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the store only accepts timezone-aware datetimes")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _source_to_json(source: StorySource) -> dict[str, Any]:
    return {
        "source_id": source.source_id,
        "name": source.name,
        "url": source.url,
        "authority": source.authority.value,
        "item_id": source.item_id,
        "published_at": timestamp(source.published_at),
    }


def _source_from_json(data: dict[str, Any]) -> StorySource:
    return StorySource(
        source_id=data["source_id"],
        name=data["name"],
        url=data["url"],
        authority=Authority(data["authority"]),
        item_id=data["item_id"],
        published_at=from_timestamp(data["published_at"]),
    )


def sources_to_json(sources: Iterable[StorySource]) -> str:
    """A story's sources as one JSON text (one column or attribute, few bytes)."""
    return json.dumps([_source_to_json(s) for s in sources], ensure_ascii=False)


def sources_from_json(text: str) -> tuple[StorySource, ...]:
    return tuple(_source_from_json(s) for s in json.loads(text))


def signature_to_json(signature: Iterable[int]) -> str:
    """A story's MinHash signature as one JSON text."""
    return json.dumps([int(v) for v in signature])


def signature_from_json(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in json.loads(text))


def _consent_to_json(consent: Consent | None) -> dict[str, str] | None:
    return None if consent is None else {"at": timestamp(consent.at), "source": consent.source}


def _consent_from_json(data: Any) -> Consent | None:
    if not isinstance(data, dict):
        return None
    return Consent(at=from_timestamp(data["at"]), source=str(data["source"]))


def profile_to_json(subscriber: Subscriber) -> str:
    """A subscriber's choices and history beyond address, status and regions, as one JSON text.

    One column (SQLite) or attribute (DynamoDB) for all of them, so a new choice
    needs no schema change; only what differs from the default is written.
    """
    data: dict[str, Any] = {}
    if not subscriber.digest:
        data["digest"] = False
    if subscriber.urgent:
        data["urgent"] = True
    if subscriber.digest_hour != DEFAULT_DIGEST_HOUR:
        data["digest_hour"] = subscriber.digest_hour
    if subscriber.zone is not None:
        data["zone"] = subscriber.zone
    if subscriber.signed_up is not None:
        data["signed_up"] = _consent_to_json(subscriber.signed_up)
    if subscriber.confirmed is not None:
        data["confirmed"] = _consent_to_json(subscriber.confirmed)
    if subscriber.confirmation_sent_on is not None:
        data["confirmation_sent_on"] = subscriber.confirmation_sent_on.isoformat()
    if subscriber.updated_at is not None:
        data["updated_at"] = timestamp(subscriber.updated_at)
    if subscriber.suppressed_reason is not None:
        data["suppressed_reason"] = subscriber.suppressed_reason
    if subscriber.deliveries:
        data["deliveries"] = list(subscriber.deliveries)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def profile_from_json(text: str | None) -> dict[str, Any]:
    """The keyword arguments of Subscriber that profile_to_json wrote (defaults left out)."""
    if not text or text == "{}":
        return {}  # every choice at its default: most subscribers
    data = json.loads(text)
    if not isinstance(data, dict):
        raise StoreError("a subscriber's profile is not a JSON object")
    fields: dict[str, Any] = {}
    if "digest" in data:
        fields["digest"] = bool(data["digest"])
    if "urgent" in data:
        fields["urgent"] = bool(data["urgent"])
    if "digest_hour" in data:
        fields["digest_hour"] = int(data["digest_hour"])
    if "zone" in data:
        fields["zone"] = str(data["zone"])
    if "signed_up" in data:
        fields["signed_up"] = _consent_from_json(data["signed_up"])
    if "confirmed" in data:
        fields["confirmed"] = _consent_from_json(data["confirmed"])
    if "confirmation_sent_on" in data:
        fields["confirmation_sent_on"] = date.fromisoformat(data["confirmation_sent_on"])
    if "updated_at" in data:
        fields["updated_at"] = from_timestamp(data["updated_at"])
    if "suppressed_reason" in data:
        fields["suppressed_reason"] = str(data["suppressed_reason"])
    if "deliveries" in data:
        fields["deliveries"] = tuple(str(d) for d in data["deliveries"])
    return fields


class _Listed(Protocol):
    @property
    def id(self) -> str: ...


_L = TypeVar("_L", bound=_Listed)


def to_page(rows: Sequence[_L], limit: int) -> Page[_L]:
    """A page from up to `limit` + 1 rows read after the cursor's id.

    The extra row only tells that a next page exists: then the page keeps `limit`
    rows and its cursor carries the last id kept; otherwise the cursor is None.
    """
    return _page(rows, limit, lambda row: row.id)


def to_id_page(ids: Sequence[str], limit: int) -> Page[str]:
    """to_page of ids alone."""
    return _page(ids, limit, str)


_T = TypeVar("_T")


def _page(rows: Sequence[_T], limit: int, id_of: Callable[[_T], str]) -> Page[_T]:
    if len(rows) > limit:
        kept = rows[:limit]
        return Page(items=tuple(kept), cursor=encode_cursor(id_of(kept[-1])))
    return Page(items=tuple(rows), cursor=None)


def encode_cursor(last_id: str) -> str:
    """An opaque page cursor that carries only the last id of the page."""
    data = json.dumps({"after": last_id}, ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    # Only an id comes out of a cursor and each store rebuilds its start from it,
    # so a forged cursor cannot steer a query anywhere else.
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise StoreError("invalid page cursor") from exc
    after = data.get("after") if isinstance(data, dict) else None
    if not isinstance(after, str) or not after:
        raise StoreError("invalid page cursor")
    return after
