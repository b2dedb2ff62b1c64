"""The Store on one DynamoDB table: for the AWS deployment.

One table keyed by strings `pk` and `sk`, plus two global secondary indexes:

    what               pk                      sk              index keys
    item               ITEM#<item id>          ITEM
    source state       SOURCE#<source id>      SOURCE
    story band         BAND#<band key>         STORY#<id>      (TTL on expires_ttl)
    story              STORY#<story id>        STORY           gsi1: DAY#<day>, <created_at>#<id>
    subscriber         SUB#<subscriber id>     SUB             gsi2: SUBSTATUS#<status>, <id>
                                                               gsi1: DIGEST#<zone>#<hh>, <id>
    official           OFFICIAL#<official id>  OFFICIAL        gsi2: OFFICIALS#<active|inactive>, <id>
    send               SEND#<kind>#<key>       <recipient id>

Bands, items and sends carry `expires_ttl` (epoch seconds): DynamoDB's TTL
deletes them, within a day or two of that time. Until then an expired row
still reads as present, which errs on the safe side (an item still seen, a
message still sent).

A subscriber's gsi1 keys name their digest slot (core.slots: 'DIGEST#Asia/Jayapura#06'
for 06:00 WIT) and exist only while they are active and want the digest: the hourly
planning of one zone and hour queries that one partition of a sparse index and reads
no other subscriber. Rows written before those keys existed get them when they are
next written; until then they are not planned (`index_digest_slots` writes them all).

Active and inactive officials sit in two gsi2 partitions, so a page of active
officials holds exactly `limit` of them and the inactive ones can still be listed. Reads by key are strongly consistent;
the index queries (stories of a day, pages of subscribers and officials) are
eventually consistent, as every DynamoDB index is: a write shows up in them
within about a second. Conditional writes (`attribute_not_exists(pk)`) let
DynamoDB, not Python, decide who wins a race.

The low-level client is used (not the resource API) so every attribute's type
is explicit; boto3 clients are thread-safe, so one store may be shared by threads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any

from warta.adapters import aws, codecs
from warta.core.errors import StoreError, ThrottledError
from warta.core.model import (
    ITEM_RETENTION,
    SEND_RETENTION,
    Claim,
    Item,
    Official,
    Page,
    Reader,
    SendRecord,
    SendStatus,
    SourceState,
    Story,
    Subscriber,
    SubscriberStatus,
)
from warta.core.slots import digest_slot, slot_name

# -- the table's shape: the deploy template's definition must match these -------

PK = "pk"
SK = "sk"
GSI1 = "gsi1"
GSI1_PK = "gsi1pk"
GSI1_SK = "gsi1sk"
GSI2 = "gsi2"
GSI2_PK = "gsi2pk"
GSI2_SK = "gsi2sk"
TTL_ATTRIBUTE = "expires_ttl"
"""Epoch seconds; DynamoDB TTL deletes expired story bands, lazily (up to days late)."""

THROTTLE_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)

BATCH_GET_KEYS = 100
"""BatchGetItem's cap on keys per call."""
BATCH_WRITE_ITEMS = 25
"""BatchWriteItem's cap on requests per call."""
BATCH_ATTEMPTS = 8
TRANSACT_ITEMS = 100
"""Writes per TransactWriteItems: DynamoDB's limit."""
BATCH_WRITE_ITEMS = 25
"""Writes per BatchWriteItem: DynamoDB's limit."""
"""Calls per batch before unprocessed keys count as throttling."""
QUERY_WORKERS = 10
"""Band queries run side by side, as many as botocore's default connection pool holds."""
ITEM_TEXT_BYTES = 100_000
"""Nothing reads an item's text back; keeping its start leaves room under DynamoDB's
400 KB item limit for a page that carried a whole book."""

_DAY = "DAY#"
_SUBSTATUS = "SUBSTATUS#"
_DIGEST = "DIGEST#"
_ACTIVE_OFFICIALS = "OFFICIALS#active"
_INACTIVE_OFFICIALS = "OFFICIALS#inactive"


def table_definition(table_name: str) -> dict[str, Any]:
    """CreateTable arguments of the store's table (on-demand capacity)."""
    every = {"ProjectionType": "ALL"}
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": "S"}
            for name in (PK, SK, GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK)
        ],
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": GSI1,
                "KeySchema": [
                    {"AttributeName": GSI1_PK, "KeyType": "HASH"},
                    {"AttributeName": GSI1_SK, "KeyType": "RANGE"},
                ],
                "Projection": every,
            },
            {
                "IndexName": GSI2,
                "KeySchema": [
                    {"AttributeName": GSI2_PK, "KeyType": "HASH"},
                    {"AttributeName": GSI2_SK, "KeyType": "RANGE"},
                ],
                "Projection": every,
            },
        ],
    }


def create_table(client: Any, table_name: str) -> None:
    """Create the store's table, wait until it is usable and turn on TTL for story bands."""
    try:
        client.create_table(**table_definition(table_name))
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except aws.PROVIDER_ERRORS as exc:
        raise _translate("create_table", exc) from None


# -- conversions ---------------------------------------------------------------


def _s(value: str) -> dict[str, Any]:
    return {"S": value}


def _n(value: int) -> dict[str, Any]:
    return {"N": str(value)}


def _b(value: bool) -> dict[str, Any]:
    return {"BOOL": value}


def _put_optional(row: dict[str, Any], **values: str | int | datetime | None) -> None:
    """Add the values that are set; an absent attribute reads back as None."""
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            row[name] = _s(codecs.timestamp(value))
        elif isinstance(value, bool):
            row[name] = _b(value)
        elif isinstance(value, int):
            row[name] = _n(value)
        else:
            row[name] = _s(value)


def _str(row: Mapping[str, Any], name: str) -> str:
    return str(row[name]["S"])


def _str_or_none(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value["S"])


def _int_or_none(row: Mapping[str, Any], name: str) -> int | None:
    value = row.get(name)
    return None if value is None else int(value["N"])


def _bool(row: Mapping[str, Any], name: str) -> bool:
    return bool(row[name]["BOOL"])


def _dt_or_none(row: Mapping[str, Any], name: str) -> datetime | None:
    value = _str_or_none(row, name)
    return None if value is None else codecs.from_timestamp(value)


def _epoch(moment: datetime) -> int:
    """A TTL value: whole seconds since the epoch, rounded up."""
    return math.ceil(moment.timestamp())


def _clip_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def _item_key(item_id: str) -> dict[str, Any]:
    return {PK: _s(f"ITEM#{item_id}"), SK: _s("ITEM")}


def _source_key(source_id: str) -> dict[str, Any]:
    return {PK: _s(f"SOURCE#{source_id}"), SK: _s("SOURCE")}


def _story_key(story_id: str) -> dict[str, Any]:
    return {PK: _s(f"STORY#{story_id}"), SK: _s("STORY")}


def _subscriber_key(subscriber_id: str) -> dict[str, Any]:
    return {PK: _s(f"SUB#{subscriber_id}"), SK: _s("SUB")}


def _official_key(official_id: str) -> dict[str, Any]:
    return {PK: _s(f"OFFICIAL#{official_id}"), SK: _s("OFFICIAL")}


def _send_key(kind: str, key: str, recipient_id: str) -> dict[str, Any]:
    # Kinds are a fixed vocabulary without "#", so kind and key cannot run together.
    return {PK: _s(f"SEND#{kind}#{key}"), SK: _s(recipient_id)}


def _story_to_row(story: Story) -> dict[str, Any]:
    created = codecs.timestamp(story.created_at)
    # Sources and signature as JSON strings: one attribute each, and far fewer bytes
    # on the wire than DynamoDB's typed list of maps or of numbers.
    return {
        **_story_key(story.id),
        GSI1_PK: _s(_DAY + story.day.isoformat()),
        GSI1_SK: _s(f"{created}#{story.id}"),
        "id": _s(story.id),
        "day": _s(story.day.isoformat()),
        "region": _s(story.region),
        "title": _s(story.title),
        "summary": _s(story.summary),
        "published_at": _s(codecs.timestamp(story.published_at)),
        "created_at": _s(created),
        "election": _b(story.election),
        "clarification": _b(story.clarification),
        "urgent": _b(story.urgent),
        "sources": _s(codecs.sources_to_json(story.sources)),
        "signature": _s(codecs.signature_to_json(story.signature)),
        "text": _s(story.text),
    }


def _story_from_row(row: Mapping[str, Any]) -> Story:
    return Story(
        id=_str(row, "id"),
        day=date.fromisoformat(_str(row, "day")),
        region=_str(row, "region"),
        title=_str(row, "title"),
        summary=_str(row, "summary"),
        published_at=codecs.from_timestamp(_str(row, "published_at")),
        created_at=codecs.from_timestamp(_str(row, "created_at")),
        election=_bool(row, "election"),
        clarification=_bool(row, "clarification"),
        urgent=_bool(row, "urgent"),
        sources=codecs.sources_from_json(_str(row, "sources")),
        signature=codecs.signature_from_json(_str(row, "signature")),
        text=_str(row, "text"),
    )


def _subscriber_to_row(subscriber: Subscriber) -> dict[str, Any]:
    status = SubscriberStatus(subscriber.status).value
    row: dict[str, Any] = {
        **_subscriber_key(subscriber.id),
        GSI2_PK: _s(_SUBSTATUS + status),
        GSI2_SK: _s(subscriber.id),
        "id": _s(subscriber.id),
        "email": _s(subscriber.email),
        "status": _s(status),
        # A list, not a string set: sets have no order and cannot be empty.
        "regions": {"L": [_s(r) for r in subscriber.regions]},
    }
    slot = digest_slot(subscriber)
    if slot is not None:
        row[GSI1_PK] = _s(_DIGEST + slot)
        row[GSI1_SK] = _s(subscriber.id)
    _put_optional(row, name=subscriber.name, created_at=subscriber.created_at)
    row["profile"] = _s(codecs.profile_to_json(subscriber))
    return row


def _subscriber_from_row(row: Mapping[str, Any]) -> Subscriber:
    return Subscriber(
        id=_str(row, "id"),
        email=_str(row, "email"),
        status=SubscriberStatus(_str(row, "status")),
        regions=tuple(str(r["S"]) for r in row["regions"]["L"]),
        name=_str_or_none(row, "name"),
        created_at=_dt_or_none(row, "created_at"),
        **codecs.profile_from_json(_str_or_none(row, "profile")),
    )


def _official_to_row(official: Official) -> dict[str, Any]:
    row: dict[str, Any] = {
        **_official_key(official.id),
        "id": _s(official.id),
        "name": _s(official.name),
        "role": _s(official.role),
        "region": _s(official.region),
        "active": _b(official.active),
    }
    row[GSI2_PK] = _s(_ACTIVE_OFFICIALS if official.active else _INACTIVE_OFFICIALS)
    row[GSI2_SK] = _s(official.id)
    _put_optional(row, email=official.email, phone=official.phone, institution=official.institution)
    return row


def _official_from_row(row: Mapping[str, Any]) -> Official:
    return Official(
        id=_str(row, "id"),
        name=_str(row, "name"),
        role=_str(row, "role"),
        region=_str(row, "region"),
        email=_str_or_none(row, "email"),
        phone=_str_or_none(row, "phone"),
        active=_bool(row, "active"),
        institution=_str_or_none(row, "institution"),
    )


def _send_from_row(row: Mapping[str, Any]) -> SendRecord:
    return SendRecord(
        kind=_str(row, "kind"),
        key=_str(row, "key"),
        recipient_id=_str(row, "recipient_id"),
        status=SendStatus(_str(row, "status")),
        message_id=_str_or_none(row, "message_id"),
        claimed_at=_dt_or_none(row, "claimed_at"),
        sent_at=_dt_or_none(row, "sent_at"),
        note=_str_or_none(row, "note"),
    )


def _translate(op: str, exc: Exception) -> StoreError:
    # Only the operation and the error code are kept: DynamoDB's own messages may
    # quote the values of the request (addresses, numbers).
    return aws.store_error(op, exc, throttle_codes=THROTTLE_CODES)


class _ConditionFailed(Exception):
    """A conditional write lost: an answer, not an error."""


# -- the store -----------------------------------------------------------------


class DynamoDbStore:
    """A Store (warta.core.ports.Store) kept in one DynamoDB table."""

    def __init__(
        self,
        table_name: str,
        client: Any = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        item_retention: timedelta = ITEM_RETENTION,
        send_retention: timedelta = SEND_RETENTION,
    ) -> None:
        self.table_name = table_name
        self.item_retention = item_retention
        self.send_retention = send_retention
        self._client = aws.LazyClient("dynamodb", client)
        self._sleep = sleep

    @property
    def client(self) -> Any:
        return self._client.get()

    # -- plumbing ---------------------------------------------------------------

    def _call(self, op: str, method: str, **params: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = getattr(self.client, method)(
                TableName=self.table_name, **params
            )
        except aws.PROVIDER_ERRORS as exc:
            if aws.error_code(exc) == "ConditionalCheckFailedException":
                raise _ConditionFailed from None
            # from None: the chained botocore message could quote request values.
            raise _translate(op, exc) from None
        return response

    def _batch(self, op: str, method: str, requests: dict[str, Any], pending: str) -> list[Any]:
        """Run one BatchGetItem/BatchWriteItem to the end, retrying what DynamoDB left
        unprocessed with exponential backoff; returns the responses' rows."""
        rows: list[Any] = []
        for attempt in range(BATCH_ATTEMPTS):
            if attempt:
                self._sleep(min(0.05 * 2 ** (attempt - 1), 2.0))
            try:
                response = getattr(self.client, method)(RequestItems=requests)
            except aws.PROVIDER_ERRORS as exc:
                raise _translate(op, exc) from None
            rows.extend(response.get("Responses", {}).get(self.table_name, []))
            requests = response.get(pending) or {}
            if not requests.get(self.table_name):
                return rows
        raise ThrottledError(f"DynamoDB store: {op} left requests unprocessed")

    def _get(self, op: str, key: dict[str, Any]) -> dict[str, Any] | None:
        response = self._call(op, "get_item", Key=key, ConsistentRead=True)
        row: dict[str, Any] | None = response.get("Item")
        return row

    def _query_all(self, op: str, **params: Any) -> Iterator[dict[str, Any]]:
        start: dict[str, Any] | None = None
        while True:
            extra = {} if start is None else {"ExclusiveStartKey": start}
            response = self._call(op, "query", **params, **extra)
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if start is None:
                return

    # -- items --------------------------------------------------------------------

    def add_item_if_new(self, item: Item, *, seen_at: datetime) -> bool:
        row: dict[str, Any] = {
            **_item_key(item.id),
            "id": _s(item.id),
            "source_id": _s(item.source_id),
            "url": _s(item.url),
            "title": _s(item.title),
            "text": _s(_clip_utf8(item.text, ITEM_TEXT_BYTES)),
            "published_at": _s(codecs.timestamp(item.published_at)),
            "authority": _s(item.authority.value),
            "region": _s(item.region),
            "election": _b(item.election),
            "clarification": _b(item.clarification),
            "seen_at": _s(codecs.timestamp(seen_at)),
            TTL_ATTRIBUTE: _n(_epoch(seen_at + self.item_retention)),
        }
        _put_optional(row, guid=item.guid)
        return self._put_if_absent("add_item_if_new", row)

    def _put_if_absent(self, op: str, row: dict[str, Any]) -> bool:
        """Write the row unless its key exists: True for the one writer that won."""
        try:
            self._call(
                op,
                "put_item",
                Item=row,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PK},
            )
        except _ConditionFailed:
            return False
        return True

    def has_item(self, item_id: str) -> bool:
        response = self._call(
            "has_item",
            "get_item",
            Key=_item_key(item_id),
            ConsistentRead=True,
            ProjectionExpression="#pk",
            ExpressionAttributeNames={"#pk": PK},
        )
        return "Item" in response

    # -- per-source state -----------------------------------------------------------

    def get_source_state(self, source_id: str) -> SourceState | None:
        row = self._get("get_source_state", _source_key(source_id))
        if row is None:
            return None
        return SourceState(
            source_id=_str(row, "source_id"),
            etag=_str_or_none(row, "etag"),
            last_modified=_str_or_none(row, "last_modified"),
            next_poll_at=_dt_or_none(row, "next_poll_at"),
            error_count=int(row["error_count"]["N"]),
            last_error=_str_or_none(row, "last_error"),
            last_success_at=_dt_or_none(row, "last_success_at"),
            last_status=_int_or_none(row, "last_status"),
            moved_to=_str_or_none(row, "moved_to"),
            disabled=_bool(row, "disabled"),
            failing_since=_dt_or_none(row, "failing_since"),
            last_new_item_at=_dt_or_none(row, "last_new_item_at"),
            notified_at=_dt_or_none(row, "notified_at"),
            notified_reason=_str_or_none(row, "notified_reason"),
            skipped_items=_int_or_none(row, "skipped_items") or 0,
            last_item_error=_str_or_none(row, "last_item_error"),
        )

    def put_source_state(self, state: SourceState) -> None:
        row: dict[str, Any] = {
            **_source_key(state.source_id),
            "source_id": _s(state.source_id),
            "error_count": _n(state.error_count),
            "disabled": _b(state.disabled),
        }
        _put_optional(
            row,
            etag=state.etag,
            last_modified=state.last_modified,
            next_poll_at=state.next_poll_at,
            last_error=state.last_error,
            last_success_at=state.last_success_at,
            last_status=state.last_status,
            moved_to=state.moved_to,
            failing_since=state.failing_since,
            last_new_item_at=state.last_new_item_at,
            notified_at=state.notified_at,
            notified_reason=state.notified_reason,
            skipped_items=state.skipped_items or None,
            last_item_error=state.last_item_error,
        )
        self._call("put_source_state", "put_item", Item=row)

    # -- near-duplicate lookup --------------------------------------------------------

    def find_story_candidates(self, band_keys: Sequence[str], *, now: datetime) -> set[str]:
        keys = list(dict.fromkeys(band_keys))
        at = codecs.timestamp(now)

        def stories_under(band_key: str) -> list[str]:
            # TTL deletes lazily, so expired bands are still filtered out here.
            rows = self._query_all(
                "find_story_candidates",
                KeyConditionExpression="#pk = :pk",
                FilterExpression="#exp > :now",
                ProjectionExpression="#sid",
                ExpressionAttributeNames={"#pk": PK, "#exp": "expires_at", "#sid": "story_id"},
                ExpressionAttributeValues={":pk": _s(f"BAND#{band_key}"), ":now": _s(at)},
                ConsistentRead=True,
            )
            return [_str(row, "story_id") for row in rows]

        found: set[str] = set()
        if len(keys) <= 1:
            for key in keys:
                found.update(stories_under(key))
            return found
        # One query per band key (an item has dozens): side by side, not one after another.
        with ThreadPoolExecutor(max_workers=min(QUERY_WORKERS, len(keys))) as pool:
            for ids in pool.map(stories_under, keys):
                found.update(ids)
        return found

    def add_story_bands(
        self, band_keys: Sequence[str], story_id: str, *, expires_at: datetime
    ) -> None:
        keys = list(dict.fromkeys(band_keys))
        until = codecs.timestamp(expires_at)
        ttl = _epoch(expires_at)
        puts = [
            {
                "PutRequest": {
                    "Item": {
                        PK: _s(f"BAND#{key}"),
                        SK: _s(f"STORY#{story_id}"),
                        "story_id": _s(story_id),
                        "expires_at": _s(until),
                        TTL_ATTRIBUTE: _n(ttl),
                    }
                }
            }
            for key in keys
        ]
        for start in range(0, len(puts), BATCH_WRITE_ITEMS):
            chunk = puts[start : start + BATCH_WRITE_ITEMS]
            self._batch(
                "add_story_bands",
                "batch_write_item",
                {self.table_name: chunk},
                "UnprocessedItems",
            )

    # -- stories ------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        self._call("put_story", "put_item", Item=_story_to_row(story))

    def get_story(self, story_id: str) -> Story | None:
        row = self._get("get_story", _story_key(story_id))
        return None if row is None else _story_from_row(row)

    def stories_of_day(self, day: date, regions: Iterable[str] | None = None) -> list[Story]:
        wanted = None if regions is None else set(regions)
        if wanted is not None and not wanted:
            return []
        rows = self._query_all(
            "stories_of_day",
            IndexName=GSI1,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": GSI1_PK},
            ExpressionAttributeValues={":pk": _s(_DAY + day.isoformat())},
        )
        # Regions are filtered here, not by a FilterExpression: a filter reads (and
        # bills) the same rows, and IN takes at most 100 values.
        stories = (_story_from_row(row) for row in rows)
        return [s for s in stories if wanted is None or s.region in wanted]

    # -- subscribers and officials ---------------------------------------------------------

    def put_subscriber(self, subscriber: Subscriber) -> None:
        self._call("put_subscriber", "put_item", Item=_subscriber_to_row(subscriber))

    def get_subscriber(self, subscriber_id: str) -> Subscriber | None:
        row = self._get("get_subscriber", _subscriber_key(subscriber_id))
        return None if row is None else _subscriber_from_row(row)

    def get_subscribers(self, subscriber_ids: Sequence[str]) -> dict[str, Subscriber]:
        wanted = list(dict.fromkeys(subscriber_ids))
        found: dict[str, Subscriber] = {}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            chunk = wanted[start : start + BATCH_GET_KEYS]
            request = {
                self.table_name: {
                    "Keys": [_subscriber_key(i) for i in chunk],
                    "ConsistentRead": True,
                }
            }
            for row in self._batch("get_subscribers", "batch_get_item", request, "UnprocessedKeys"):
                subscriber = _subscriber_from_row(row)
                found[subscriber.id] = subscriber
        return found

    def digest_readers(self, subscriber_ids: Sequence[str]) -> dict[str, Reader]:
        # The round trip is the cost here, not the decoding: read whole, as get_subscribers.
        return {
            s.id: Reader(s.id, s.email, s.regions, s.urgent)
            for s in self.get_subscribers(subscriber_ids).values()
            if s.status is SubscriberStatus.ACTIVE and s.digest
        }

    def subscribers_page(
        self, status: SubscriberStatus, *, cursor: str | None = None, limit: int = 100
    ) -> Page[Subscriber]:
        partition = _SUBSTATUS + SubscriberStatus(status).value
        rows = self._index_page("subscribers_page", partition, _subscriber_key, cursor, limit)
        return codecs.to_page([_subscriber_from_row(r) for r in rows], limit)

    def subscriber_ids_due(
        self, zone: str, hour: int, *, cursor: str | None = None, limit: int = 100
    ) -> Page[str]:
        partition = _DIGEST + slot_name(zone, hour)
        rows = self._index_page(
            "subscriber_ids_due",
            partition,
            _subscriber_key,
            cursor,
            limit,
            index=GSI1,
            projection=("id",),
        )
        return codecs.to_id_page([_str(r, "id") for r in rows], limit)

    def index_digest_slots(self, page_size: int = 100) -> int:
        """Give each active subscriber row that lacks them the gsi1 keys of its digest slot;
        returns how many rows were written.

        Once, for a table whose subscribers were written before those keys existed
        (the digest planning function does it when invoked with {"reindex": true}).
        Each write is conditioned on the row's choices being as read, so a row
        written in between, which has its keys already, is left alone.
        """
        written = 0
        cursor: str | None = None
        while True:
            partition = _SUBSTATUS + SubscriberStatus.ACTIVE.value
            rows = self._index_page(
                "index_digest_slots", partition, _subscriber_key, cursor, page_size
            )
            for row in rows[:page_size]:
                slot = digest_slot(_subscriber_from_row(row))
                if slot is None or row.get(GSI1_PK) == _s(_DIGEST + slot):
                    continue
                values = {
                    ":gpk": _s(_DIGEST + slot),
                    ":gsk": row["id"],
                    ":status": row["status"],
                    ":regions": row["regions"],
                }
                same_profile = "attribute_not_exists(#profile)"
                if "profile" in row:
                    same_profile, values[":profile"] = "#profile = :profile", row["profile"]
                with suppress(_ConditionFailed):
                    self._call(
                        "index_digest_slots",
                        "update_item",
                        Key=_subscriber_key(_str(row, "id")),
                        UpdateExpression="SET #gpk = :gpk, #gsk = :gsk",
                        ConditionExpression=(
                            f"#status = :status AND #regions = :regions AND {same_profile}"
                        ),
                        ExpressionAttributeNames={
                            "#gpk": GSI1_PK,
                            "#gsk": GSI1_SK,
                            "#status": "status",
                            "#regions": "regions",
                            "#profile": "profile",
                        },
                        ExpressionAttributeValues=values,
                    )
                    written += 1
            if len(rows) <= page_size:
                return written
            cursor = codecs.encode_cursor(_str(rows[page_size - 1], "id"))

    def put_official(self, official: Official) -> None:
        self._call("put_official", "put_item", Item=_official_to_row(official))

    def get_official(self, official_id: str) -> Official | None:
        row = self._get("get_official", _official_key(official_id))
        return None if row is None else _official_from_row(row)

    def officials_page(
        self, *, cursor: str | None = None, limit: int = 100, active: bool = True
    ) -> Page[Official]:
        partition = _ACTIVE_OFFICIALS if active else _INACTIVE_OFFICIALS
        rows = self._index_page("officials_page", partition, _official_key, cursor, limit)
        return codecs.to_page([_official_from_row(r) for r in rows], limit)

    def delete_subscriber(self, subscriber_id: str) -> bool:
        return self._delete("delete_subscriber", _subscriber_key(subscriber_id))

    def delete_official(self, official_id: str) -> bool:
        return self._delete("delete_official", _official_key(official_id))

    def _delete(self, op: str, key: dict[str, Any]) -> bool:
        response = self._call(op, "delete_item", Key=key, ReturnValues="ALL_OLD")
        return bool(response.get("Attributes"))

    def _index_page(
        self,
        op: str,
        partition: str,
        key_of: Callable[[str], dict[str, Any]],
        cursor: str | None,
        limit: int,
        *,
        index: str = GSI2,
        projection: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """Up to limit + 1 rows of one partition of an index (gsi2 unless told), after the
        cursor's id (every such index sorts by id); only the `projection` attributes of
        each row when named."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        index_pk, index_sk = (GSI1_PK, GSI1_SK) if index == GSI1 else (GSI2_PK, GSI2_SK)
        start: dict[str, Any] | None = None
        if cursor is not None:
            after = codecs.decode_cursor(cursor)
            # The start key is a position, not a row: it holds even when that row
            # has since moved to another status or gone inactive.
            start = {**key_of(after), index_pk: _s(partition), index_sk: _s(after)}
        rows: list[dict[str, Any]] = []
        # One row more than asked tells whether a next page exists, so the last page
        # comes back with cursor None instead of an empty extra page.
        while len(rows) <= limit:
            extra: dict[str, Any] = {} if start is None else {"ExclusiveStartKey": start}
            names = {"#pk": index_pk}
            if projection:
                names.update((f"#p{n}", name) for n, name in enumerate(projection))
                extra["ProjectionExpression"] = ",".join(f"#p{n}" for n in range(len(projection)))
            response = self._call(
                op,
                "query",
                IndexName=index,
                KeyConditionExpression="#pk = :pk",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":pk": _s(partition)},
                Limit=limit + 1 - len(rows),
                **extra,
            )
            rows.extend(response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if start is None:
                break
        return rows

    # -- sent ledger -----------------------------------------------------------------------

    def claim_send(
        self,
        kind: str,
        key: str,
        recipient_id: str,
        *,
        now: datetime,
        lease: timedelta | None = None,
    ) -> Claim:
        row = {
            **_send_key(kind, key, recipient_id),
            "kind": _s(kind),
            "key": _s(key),
            "recipient_id": _s(recipient_id),
            "status": _s(SendStatus.PENDING.value),
            "claimed_at": _s(codecs.timestamp(now)),
            TTL_ATTRIBUTE: _n(_epoch(now + self.send_retention)),
        }
        if lease is None:
            return Claim.NEW if self._put_if_absent("claim_send", row) else self._claimed(row)
        # A missing row, or a pending claim older than the lease: the condition
        # is checked by DynamoDB on the item as it is, so of two senders taking
        # over the same dead claim only one wins.
        try:
            response = self._call(
                "claim_send",
                "put_item",
                Item=row,
                ConditionExpression=(
                    "attribute_not_exists(#pk) OR (#status = :pending AND"
                    " (attribute_not_exists(#claimed) OR #claimed <= :expired))"
                ),
                ExpressionAttributeNames={"#pk": PK, "#status": "status", "#claimed": "claimed_at"},
                ExpressionAttributeValues={
                    ":pending": _s(SendStatus.PENDING.value),
                    ":expired": _s(codecs.timestamp(now - lease)),
                },
                ReturnValues="ALL_OLD",
            )
        except _ConditionFailed:
            return self._claimed(row)
        return Claim.TAKEN_OVER if response.get("Attributes") else Claim.NEW

    def claim_sends(
        self,
        kind: str,
        key: str,
        recipient_ids: Sequence[str],
        *,
        now: datetime,
        lease: timedelta | None = None,
    ) -> dict[str, Claim]:
        """Claims of a batch in transactions of up to 100 conditional writes.

        Each round reads the lines still undecided (one consistent BatchGetItem),
        decides those already sent or held, and writes the rest in one
        transaction whose every write is conditioned on the line being as it was
        read (absent, or pending with the claim time read). DynamoDB applies all
        or none: when another sender changed a line in between, the transaction
        is cancelled and the next round reads and decides again, so of two
        senders claiming overlapping batches exactly one gets each line.
        """
        wanted = list(dict.fromkeys(recipient_ids))
        claims: dict[str, Claim] = {}
        for start in range(0, len(wanted), TRANSACT_ITEMS):
            chunk = wanted[start : start + TRANSACT_ITEMS]
            claims.update(self._claim_chunk(kind, key, chunk, now, lease))
        return claims

    def _claim_chunk(
        self,
        kind: str,
        key: str,
        recipient_ids: list[str],
        now: datetime,
        lease: timedelta | None,
    ) -> dict[str, Claim]:
        claims: dict[str, Claim] = {}
        undecided = recipient_ids
        expired = None if lease is None else codecs.timestamp(now - lease)
        for attempt in range(BATCH_ATTEMPTS):
            if not undecided:
                return claims
            if attempt:
                self._sleep(min(0.05 * 2 ** (attempt - 1), 2.0))
            lines = self._send_rows(kind, key, undecided)
            writes: list[tuple[str, Claim, dict[str, Any]]] = []
            for recipient_id in undecided:
                row = lines.get(recipient_id)
                put = self._claim_put(kind, key, recipient_id, now, row)
                if row is None:
                    writes.append((recipient_id, Claim.NEW, put))
                elif _str(row, "status") != SendStatus.PENDING.value:
                    claims[recipient_id] = Claim.DONE
                elif expired is not None and (_str_or_none(row, "claimed_at") or "") <= expired:
                    writes.append((recipient_id, Claim.TAKEN_OVER, put))
                else:
                    claims[recipient_id] = Claim.HELD
            if not writes:
                return claims
            try:
                self.client.transact_write_items(TransactItems=[w[2] for w in writes])
            except aws.PROVIDER_ERRORS as exc:
                if aws.error_code(exc) not in (
                    "TransactionCanceledException",
                    "TransactionConflict",
                ):
                    raise _translate("claim_sends", exc) from None
                # Some line changed since it was read (or a concurrent transaction
                # touched one): nothing was written; read and decide them again.
                undecided = [w[0] for w in writes]
                continue
            claims.update((recipient_id, claim) for recipient_id, claim, _ in writes)
            undecided = []
        if undecided:
            raise ThrottledError("DynamoDB store: claim_sends could not settle its batch")
        return claims

    def _claim_put(
        self, kind: str, key: str, recipient_id: str, now: datetime, seen: dict[str, Any] | None
    ) -> dict[str, Any]:
        """One conditional write of a claim transaction: only onto the line as it was read."""
        row = {
            **_send_key(kind, key, recipient_id),
            "kind": _s(kind),
            "key": _s(key),
            "recipient_id": _s(recipient_id),
            "status": _s(SendStatus.PENDING.value),
            "claimed_at": _s(codecs.timestamp(now)),
            TTL_ATTRIBUTE: _n(_epoch(now + self.send_retention)),
        }
        put: dict[str, Any] = {"TableName": self.table_name, "Item": row}
        if seen is None:
            put["ConditionExpression"] = "attribute_not_exists(#pk)"
            put["ExpressionAttributeNames"] = {"#pk": PK}
        elif "claimed_at" in seen:
            put["ConditionExpression"] = "#status = :pending AND #claimed = :seen"
            put["ExpressionAttributeNames"] = {"#status": "status", "#claimed": "claimed_at"}
            put["ExpressionAttributeValues"] = {
                ":pending": _s(SendStatus.PENDING.value),
                ":seen": seen["claimed_at"],
            }
        else:
            put["ConditionExpression"] = "#status = :pending AND attribute_not_exists(#claimed)"
            put["ExpressionAttributeNames"] = {"#status": "status", "#claimed": "claimed_at"}
            put["ExpressionAttributeValues"] = {":pending": _s(SendStatus.PENDING.value)}
        return {"Put": put}

    def _send_rows(
        self, kind: str, key: str, recipient_ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """The ledger lines of these recipients that exist, by recipient (consistent reads)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(recipient_ids), BATCH_GET_KEYS):
            chunk = recipient_ids[start : start + BATCH_GET_KEYS]
            request = {
                self.table_name: {
                    "Keys": [_send_key(kind, key, r) for r in chunk],
                    "ConsistentRead": True,
                }
            }
            for row in self._batch("claim_sends", "batch_get_item", request, "UnprocessedKeys"):
                found[_str(row, "recipient_id")] = row
        return found

    def complete_sends(
        self,
        kind: str,
        key: str,
        message_ids: Mapping[str, str],
        *,
        now: datetime,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """Completions of a batch in BatchWriteItem calls of 25 rows.

        Unconditional, like complete_send: a message that went out is recorded
        whatever its line holds. The row is written whole, so a completed line
        records its completion time as its claim time too.
        """
        at = _s(codecs.timestamp(now))
        ttl = _n(_epoch(now + self.send_retention))
        notes = notes or {}
        puts = []
        for recipient_id, message_id in message_ids.items():
            item = {
                **_send_key(kind, key, recipient_id),
                "kind": _s(kind),
                "key": _s(key),
                "recipient_id": _s(recipient_id),
                "status": _s(SendStatus.SENT.value),
                "message_id": _s(message_id),
                "claimed_at": at,
                "sent_at": at,
                TTL_ATTRIBUTE: ttl,
            }
            if recipient_id in notes:
                item["note"] = _s(notes[recipient_id])
            puts.append({"PutRequest": {"Item": item}})
        for start in range(0, len(puts), BATCH_WRITE_ITEMS):
            request = {self.table_name: puts[start : start + BATCH_WRITE_ITEMS]}
            self._batch("complete_sends", "batch_write_item", request, "UnprocessedItems")

    def release_sends(self, kind: str, key: str, recipient_ids: Sequence[str]) -> None:
        # Conditional deletes cannot be batched outside a transaction, and a
        # transaction fails whole on one completed line: one call per line, few
        # in practice (only failed sends give their claim back).
        for recipient_id in dict.fromkeys(recipient_ids):
            self.release_send(kind, key, recipient_id)

    def _claimed(self, row: dict[str, Any]) -> Claim:
        """Why a claim was refused: sent before, or held by another sender."""
        record = self.get_send(row["kind"]["S"], row["key"]["S"], row["recipient_id"]["S"])
        if record is not None and record.status is SendStatus.PENDING:
            return Claim.HELD
        return Claim.DONE

    def complete_send(
        self, kind: str, key: str, recipient_id: str, *, message_id: str, now: datetime
    ) -> None:
        # An upsert (UpdateItem creates a missing row): if the claim vanished
        # (released by mistake, table restored) the message still went out, and
        # recording it is what keeps it from being sent twice.
        at = _s(codecs.timestamp(now))
        self._call(
            "complete_send",
            "update_item",
            Key=_send_key(kind, key, recipient_id),
            UpdateExpression=(
                "SET #kind = :kind, #key = :key, #rcpt = :rcpt, #status = :sent,"
                " #mid = :mid, #sent = :at, #claimed = if_not_exists(#claimed, :at),"
                " #ttl = :ttl REMOVE #note"
            ),
            ExpressionAttributeNames={
                "#kind": "kind",
                "#key": "key",
                "#rcpt": "recipient_id",
                "#status": "status",
                "#mid": "message_id",
                "#sent": "sent_at",
                "#claimed": "claimed_at",
                "#ttl": TTL_ATTRIBUTE,
                "#note": "note",
            },
            ExpressionAttributeValues={
                ":kind": _s(kind),
                ":key": _s(key),
                ":rcpt": _s(recipient_id),
                ":sent": _s(SendStatus.SENT.value),
                ":mid": _s(message_id),
                ":at": at,
                ":ttl": _n(_epoch(now + self.send_retention)),
            },
        )

    def release_send(self, kind: str, key: str, recipient_id: str) -> None:
        # Only a pending claim goes: a completed send stays recorded, and a missing
        # row fails the condition too, which is just as fine.
        with suppress(_ConditionFailed):
            self._call(
                "release_send",
                "delete_item",
                Key=_send_key(kind, key, recipient_id),
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":pending": _s(SendStatus.PENDING.value)},
            )

    def get_send(self, kind: str, key: str, recipient_id: str) -> SendRecord | None:
        row = self._get("get_send", _send_key(kind, key, recipient_id))
        return None if row is None else _send_from_row(row)
