"""What is particular to the DynamoDB store: where rows live, how DynamoDB's errors
and half-done batches come back, and what a page cursor holds. What every Store
does is in tests/contract (run against DynamoDB Local there)."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.validate import validate_parameters
from tests.builders import story

from warta.adapters import codecs
from warta.adapters.dynamodb_store import (
    BATCH_ATTEMPTS,
    GSI1,
    GSI1_PK,
    GSI1_SK,
    GSI2,
    GSI2_PK,
    GSI2_SK,
    ITEM_TEXT_BYTES,
    PK,
    SK,
    TTL_ATTRIBUTE,
    DynamoDbStore,
    create_table,
)
from warta.core.errors import StoreError, ThrottledError
from warta.core.model import (
    Authority,
    Claim,
    Item,
    Official,
    SourceState,
    Story,
    Subscriber,
    SubscriberStatus,
)

T0 = datetime(2024, 2, 14, 1, 30, tzinfo=UTC)
TABLE = "warta-test"
EMAIL = "siti@example.org"
PHONE = "+6281200000000"

_MODEL = botocore.session.get_session().get_service_model("dynamodb")
_OPERATIONS = {xform_name(name): name for name in _MODEL.operation_names}

Answer = dict[str, Any] | Exception


class FakeDynamoDb:
    """A DynamoDB client that checks every request against DynamoDB's own API model,
    records it, and answers from a script (an empty answer when none is left)."""

    def __init__(self, **script: list[Answer]) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.script = script

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        operation = _OPERATIONS[method]

        def call(**params: Any) -> dict[str, Any]:
            validate_parameters(params, _MODEL.operation_model(operation).input_shape)
            self.calls.append((method, params))
            answers = self.script.get(method) or []
            answer = answers.pop(0) if answers else {}
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call

    def get_waiter(self, name: str) -> Any:
        fake = self

        class Waiter:
            def wait(self, **params: Any) -> None:
                fake.calls.append((f"waiter:{name}", params))

        return Waiter()

    def params(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "REQ123", "HTTPStatusCode": 400},
        },
        "PutItem",
    )


def s(value: str) -> dict[str, str]:
    return {"S": value}


def subscriber_row(subscriber_id: str, status: str = "active") -> dict[str, Any]:
    return {
        PK: s(f"SUB#{subscriber_id}"),
        SK: s("SUB"),
        "id": s(subscriber_id),
        "email": s(f"{subscriber_id}@example.org"),
        "status": s(status),
        "regions": {"L": [s("national")]},
    }


def make_story() -> Story:
    return story(
        "story-1",
        day=date(2024, 2, 14),
        title="Judul",
        summary="Ringkasan.",
        published_at=T0,
        created_at=T0 + timedelta(minutes=5),
        sources=(),
    )


def make_item(**changes: Any) -> Item:
    fields: dict[str, Any] = {
        "id": "kpu-ri:1",
        "source_id": "kpu-ri",
        "url": "https://www.kpu.go.id/berita/1",
        "title": "Judul",
        "text": "Isi.",
        "published_at": T0,
        "authority": Authority.KPU,
    }
    return Item(**{**fields, **changes})


# -- where rows live -------------------------------------------------------------


WRITES: list[tuple[str, Callable[[DynamoDbStore], object], dict[str, str]]] = [
    (
        "item",
        lambda st: st.add_item_if_new(make_item(), seen_at=T0),
        {PK: "ITEM#kpu-ri:1", SK: "ITEM"},
    ),
    (
        "source state",
        lambda st: st.put_source_state(SourceState(source_id="kpu-ri")),
        {PK: "SOURCE#kpu-ri", SK: "SOURCE"},
    ),
    (
        "story",
        lambda st: st.put_story(make_story()),
        {
            PK: "STORY#story-1",
            SK: "STORY",
            GSI1_PK: "DAY#2024-02-14",
            GSI1_SK: "2024-02-14T01:35:00.000000+00:00#story-1",
        },
    ),
    (
        "pending subscriber",
        lambda st: st.put_subscriber(
            Subscriber(id="sub-001", email=EMAIL, status=SubscriberStatus.PENDING)
        ),
        {PK: "SUB#sub-001", SK: "SUB", GSI2_PK: "SUBSTATUS#pending", GSI2_SK: "sub-001"},
    ),
    (
        "active subscriber of Papua: in the digest slot of 06:00 WIT",
        lambda st: st.put_subscriber(Subscriber(id="sub-002", email=EMAIL, regions=("91.01",))),
        {
            PK: "SUB#sub-002",
            SK: "SUB",
            GSI2_PK: "SUBSTATUS#active",
            GSI2_SK: "sub-002",
            GSI1_PK: "DIGEST#Asia/Jayapura#06",
            GSI1_SK: "sub-002",
        },
    ),
    (
        "active subscriber without the digest: in no digest slot",
        lambda st: st.put_subscriber(Subscriber(id="sub-003", email=EMAIL, digest=False)),
        {PK: "SUB#sub-003", SK: "SUB", GSI2_PK: "SUBSTATUS#active", GSI2_SK: "sub-003"},
    ),
    (
        "active official",
        lambda st: st.put_official(Official(id="off-001", name="Budi", role="r", region="35")),
        {PK: "OFFICIAL#off-001", SK: "OFFICIAL", GSI2_PK: "OFFICIALS#active", GSI2_SK: "off-001"},
    ),
    (
        "inactive official: in the inactive partition, out of the active one",
        lambda st: st.put_official(
            Official(id="off-002", name="Ani", role="r", region="35", active=False)
        ),
        {
            PK: "OFFICIAL#off-002",
            SK: "OFFICIAL",
            GSI2_PK: "OFFICIALS#inactive",
            GSI2_SK: "off-002",
        },
    ),
    (
        "claim",
        lambda st: st.claim_send("digest", "2024-02-14", "sub-001", now=T0),
        {PK: "SEND#digest#2024-02-14", SK: "sub-001"},
    ),
]


@pytest.mark.parametrize(
    ("write", "expected"), [(w, e) for _, w, e in WRITES], ids=[n for n, _, _ in WRITES]
)
def test_each_row_lands_under_its_keys_and_only_those_index_keys(
    write: Callable[[DynamoDbStore], object], expected: dict[str, str]
) -> None:
    client = FakeDynamoDb()
    write(DynamoDbStore(TABLE, client))
    [put] = client.params("put_item")
    keys = {
        name: value["S"] for name, value in put["Item"].items() if name in expected or "gsi" in name
    }
    assert keys == expected


def test_rows_use_the_indexes_the_table_declares() -> None:
    client = FakeDynamoDb()
    create_table(client, TABLE)
    [definition] = client.params("create_table")
    indexes = {
        index["IndexName"]: [k["AttributeName"] for k in index["KeySchema"]]
        for index in definition["GlobalSecondaryIndexes"]
    }
    assert [k["AttributeName"] for k in definition["KeySchema"]] == [PK, SK]
    assert indexes == {GSI1: [GSI1_PK, GSI1_SK], GSI2: [GSI2_PK, GSI2_SK]}
    assert definition["BillingMode"] == "PAY_PER_REQUEST"
    [ttl] = client.params("update_time_to_live")
    assert ttl["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": TTL_ATTRIBUTE}


def test_story_band_expires_by_ttl_in_whole_epoch_seconds() -> None:
    client = FakeDynamoDb()
    until = datetime(2024, 2, 17, 1, 30, 0, 250_000, tzinfo=UTC)
    DynamoDbStore(TABLE, client).add_story_bands(["b0:aa"], "story-1", expires_at=until)
    [batch] = client.params("batch_write_item")
    [request] = batch["RequestItems"][TABLE]
    row = request["PutRequest"]["Item"]
    assert (row[PK], row[SK]) == (s("BAND#b0:aa"), s("STORY#story-1"))
    # Rounded up: TTL must never delete a band before the store stops finding it.
    assert row[TTL_ATTRIBUTE] == {"N": str(math.ceil(until.timestamp()))}
    assert row["expires_at"] == s("2024-02-17T01:30:00.250000+00:00")


def test_bands_are_written_25_to_a_call() -> None:
    client = FakeDynamoDb()
    keys = [f"b{i}:x" for i in range(60)]
    DynamoDbStore(TABLE, client).add_story_bands(keys, "story-1", expires_at=T0)
    sizes = [len(p["RequestItems"][TABLE]) for p in client.params("batch_write_item")]
    assert sizes == [25, 25, 10]


def test_batch_claims_are_transactions_of_100_and_completions_batch_writes_of_25() -> None:
    client = FakeDynamoDb()
    store = DynamoDbStore(TABLE, client)
    recipients = [f"sub-{n:03d}" for n in range(230)]
    claims = store.claim_sends("digest", "2024-02-14", recipients, now=T0)
    assert set(claims.values()) == {Claim.NEW}
    sizes = [len(p["TransactItems"]) for p in client.params("transact_write_items")]
    assert sizes == [100, 100, 30]
    first = client.params("transact_write_items")[0]["TransactItems"][0]["Put"]
    assert first["ConditionExpression"] == "attribute_not_exists(#pk)"
    assert first["Item"][TTL_ATTRIBUTE] == {
        "N": str(math.ceil((T0 + timedelta(days=30)).timestamp()))
    }

    store.complete_sends("digest", "2024-02-14", {r: "m" for r in recipients}, now=T0)
    sizes = [len(p["RequestItems"][TABLE]) for p in client.params("batch_write_item")]
    assert sizes == [25] * 9 + [5]


def test_a_cancelled_claim_transaction_is_read_and_decided_again() -> None:
    # Another sender completed one line between the read and the write: DynamoDB
    # cancelled the whole transaction; the second round finds that line done.
    sent = {
        PK: s("SEND#digest#d"),
        SK: s("b"),
        "kind": s("digest"),
        "key": s("d"),
        "recipient_id": s("b"),
        "status": s("sent"),
    }
    client = FakeDynamoDb(
        batch_get_item=[{"Responses": {TABLE: []}}, {"Responses": {TABLE: [sent]}}],
        transact_write_items=[client_error("TransactionCanceledException"), {}],
    )
    store = DynamoDbStore(TABLE, client, sleep=lambda _: None)
    assert store.claim_sends("digest", "d", ["a", "b"], now=T0) == {
        "a": Claim.NEW,
        "b": Claim.DONE,
    }
    writes = client.params("transact_write_items")
    assert [len(w["TransactItems"]) for w in writes] == [2, 1]


def test_a_throttled_claim_transaction_is_a_throttle_error() -> None:
    client = FakeDynamoDb(transact_write_items=[client_error("ThrottlingException")])
    with pytest.raises(ThrottledError):
        DynamoDbStore(TABLE, client).claim_sends("digest", "d", ["a"], now=T0)


def test_expired_bands_are_filtered_out_though_ttl_has_not_deleted_them() -> None:
    client = FakeDynamoDb()
    DynamoDbStore(TABLE, client).find_story_candidates(["b0:aa"], now=T0)
    [query] = client.params("query")
    assert query["FilterExpression"] == "#exp > :now"
    assert query["ExpressionAttributeValues"][":now"] == s("2024-02-14T01:30:00.000000+00:00")


def test_a_huge_item_text_is_cut_at_a_character_boundary() -> None:
    client = FakeDynamoDb()
    text = "é" * ITEM_TEXT_BYTES  # two bytes each: twice the limit
    DynamoDbStore(TABLE, client).add_item_if_new(make_item(text=text), seen_at=T0)
    stored = client.params("put_item")[0]["Item"]["text"]["S"]
    assert stored == "é" * (ITEM_TEXT_BYTES // 2)


# -- conditional writes ------------------------------------------------------------


def test_an_item_refused_by_the_condition_is_not_new() -> None:
    client = FakeDynamoDb(put_item=[client_error("ConditionalCheckFailedException")])
    assert DynamoDbStore(TABLE, client).add_item_if_new(make_item(), seen_at=T0) is False


def test_a_claim_refused_by_the_condition_is_lost() -> None:
    # The refusal is read back to say why: no row left (an empty answer) means sent.
    client = FakeDynamoDb(put_item=[client_error("ConditionalCheckFailedException")])
    assert DynamoDbStore(TABLE, client).claim_send("digest", "d", "sub-001", now=T0) is Claim.DONE
    assert [method for method, _ in client.calls] == ["put_item", "get_item"]


def test_a_claim_with_a_lease_takes_over_only_an_expired_pending_claim() -> None:
    client = FakeDynamoDb(put_item=[{"Attributes": {"status": {"S": "pending"}}}])
    store = DynamoDbStore(TABLE, client)
    claim = store.claim_send("digest", "d", "sub-001", now=T0, lease=timedelta(minutes=5))
    assert claim is Claim.TAKEN_OVER
    [put] = client.params("put_item")
    assert put["ConditionExpression"] == (
        "attribute_not_exists(#pk) OR (#status = :pending AND"
        " (attribute_not_exists(#claimed) OR #claimed <= :expired))"
    )
    assert put["ExpressionAttributeValues"][":expired"] == {
        "S": codecs.timestamp(T0 - timedelta(minutes=5))
    }


def test_release_deletes_only_a_pending_claim_and_a_refusal_is_quiet() -> None:
    client = FakeDynamoDb(delete_item=[client_error("ConditionalCheckFailedException")])
    DynamoDbStore(TABLE, client).release_send("digest", "d", "sub-001")
    [delete] = client.params("delete_item")
    assert delete["ConditionExpression"] == "#status = :pending"
    assert delete["ExpressionAttributeValues"] == {":pending": s("pending")}


# -- errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ProvisionedThroughputExceededException", ThrottledError),
        ("ThrottlingException", ThrottledError),
        ("RequestLimitExceeded", ThrottledError),
        ("ValidationException", StoreError),
        ("ResourceNotFoundException", StoreError),
        ("InternalServerError", StoreError),
    ],
)
def test_dynamodb_errors_become_store_errors_without_the_values_sent(
    code: str, error: type[StoreError]
) -> None:
    message = f"One or more parameter values were invalid: {EMAIL} {PHONE}"
    client = FakeDynamoDb(put_item=[client_error(code, message)])
    store = DynamoDbStore(TABLE, client)
    with pytest.raises(StoreError) as raised:
        store.put_subscriber(Subscriber(id="sub-001", email=EMAIL))
    assert type(raised.value) is error
    text = str(raised.value)
    assert code in text
    assert "put_subscriber" in text
    assert "REQ123" in text
    assert EMAIL not in text
    assert PHONE not in text
    # Nothing chained either: a logged traceback would print DynamoDB's message.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_an_unreachable_endpoint_is_a_store_error() -> None:
    client = FakeDynamoDb(get_item=[EndpointConnectionError(endpoint_url="http://127.0.0.1:9")])
    with pytest.raises(StoreError, match=r"get_story failed \(EndpointConnectionError\)"):
        DynamoDbStore(TABLE, client).get_story("story-1")


# -- batches ---------------------------------------------------------------------------


def test_subscribers_are_read_100_keys_to_a_call() -> None:
    client = FakeDynamoDb()
    ids = [f"sub-{n:03d}" for n in range(250)]
    DynamoDbStore(TABLE, client).get_subscribers([*ids, ids[0]])
    calls = client.params("batch_get_item")
    assert [len(c["RequestItems"][TABLE]["Keys"]) for c in calls] == [100, 100, 50]
    assert all(c["RequestItems"][TABLE]["ConsistentRead"] for c in calls)


def test_unprocessed_keys_are_asked_again_after_a_growing_pause() -> None:
    later = {TABLE: {"Keys": [{PK: s("SUB#sub-002"), SK: s("SUB")}]}}
    client = FakeDynamoDb(
        batch_get_item=[
            {"Responses": {TABLE: [subscriber_row("sub-001")]}, "UnprocessedKeys": later},
            {"Responses": {TABLE: []}, "UnprocessedKeys": later},
            {"Responses": {TABLE: [subscriber_row("sub-002")]}, "UnprocessedKeys": {}},
        ]
    )
    pauses: list[float] = []
    store = DynamoDbStore(TABLE, client, sleep=pauses.append)
    found = store.get_subscribers(["sub-001", "sub-002"])
    assert sorted(found) == ["sub-001", "sub-002"]
    assert client.params("batch_get_item")[1]["RequestItems"] == later
    assert len(pauses) == 2
    assert pauses[0] < pauses[1]


def test_keys_left_unprocessed_every_time_are_throttling() -> None:
    later = {TABLE: {"Keys": [{PK: s("SUB#sub-001"), SK: s("SUB")}]}}
    client = FakeDynamoDb(
        batch_get_item=[{"Responses": {TABLE: []}, "UnprocessedKeys": later}] * BATCH_ATTEMPTS
    )
    store = DynamoDbStore(TABLE, client, sleep=lambda _: None)
    with pytest.raises(ThrottledError):
        store.get_subscribers(["sub-001"])
    assert len(client.params("batch_get_item")) == BATCH_ATTEMPTS


# -- page cursors ----------------------------------------------------------------------


def test_a_page_asks_one_row_more_and_its_cursor_restarts_after_the_last_row() -> None:
    rows = [subscriber_row(f"sub-00{n}") for n in (1, 2, 3)]
    client = FakeDynamoDb(query=[{"Items": rows}])
    store = DynamoDbStore(TABLE, client)
    page = store.subscribers_page(SubscriberStatus.ACTIVE, limit=2)
    assert [x.id for x in page.items] == ["sub-001", "sub-002"]
    assert page.cursor is not None
    store.subscribers_page(SubscriberStatus.ACTIVE, cursor=page.cursor, limit=2)
    first, second = client.params("query")
    assert first["IndexName"] == second["IndexName"] == GSI2
    assert first["Limit"] == 3
    assert "ExclusiveStartKey" not in first
    assert second["ExclusiveStartKey"] == {
        PK: s("SUB#sub-002"),
        SK: s("SUB"),
        GSI2_PK: s("SUBSTATUS#active"),
        GSI2_SK: s("sub-002"),
    }


def test_a_page_cut_short_by_dynamodb_is_filled_by_a_second_query() -> None:
    stop = {
        PK: s("SUB#sub-001"),
        SK: s("SUB"),
        GSI2_PK: s("SUBSTATUS#active"),
        GSI2_SK: s("sub-001"),
    }
    client = FakeDynamoDb(
        query=[
            {"Items": [subscriber_row("sub-001")], "LastEvaluatedKey": stop},
            {"Items": [subscriber_row("sub-002")]},
        ]
    )
    page = DynamoDbStore(TABLE, client).subscribers_page(SubscriberStatus.ACTIVE, limit=5)
    assert [x.id for x in page.items] == ["sub-001", "sub-002"]
    assert page.cursor is None
    assert [q["Limit"] for q in client.params("query")] == [6, 5]
    assert client.params("query")[1]["ExclusiveStartKey"] == stop


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%not-base64%%%",
        _b64(b"\xff\xfe"),
        _b64(b"not json"),
        _b64(b'["a list"]'),
        _b64(b'{"after": 7}'),
        _b64(b'{"after": ""}'),
        _b64(b'{"pk": {"S": "SUB#x"}}'),
    ],
)
def test_a_cursor_this_store_did_not_make_is_refused(cursor: str) -> None:
    client = FakeDynamoDb()
    with pytest.raises(StoreError, match="invalid page cursor"):
        DynamoDbStore(TABLE, client).officials_page(cursor=cursor)
    assert client.calls == []


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        DynamoDbStore(TABLE, FakeDynamoDb()).officials_page(limit=0)


def test_rows_written_before_digest_slots_get_theirs_once(
    dynamodb_local: Any, tmp_path: Any
) -> None:
    store = dynamodb_local.store(tmp_path)
    assert isinstance(store, DynamoDbStore)
    old = [
        Subscriber(id=f"sub-{n:03d}", email=EMAIL, regions=("91",), digest_hour=n % 2)
        for n in range(5)
    ]
    for subscriber in (*old, Subscriber(id="sub-off", email=EMAIL, digest=False)):
        store.put_subscriber(subscriber)
        # As an older Warta wrote it: without the gsi1 keys.
        store.client.update_item(
            TableName=store.table_name,
            Key={PK: {"S": f"SUB#{subscriber.id}"}, SK: {"S": "SUB"}},
            UpdateExpression="REMOVE #pk, #sk",
            ExpressionAttributeNames={"#pk": GSI1_PK, "#sk": GSI1_SK},
        )
    assert store.subscriber_ids_due("Asia/Jayapura", 0).items == ()

    assert store.index_digest_slots(page_size=2) == 5
    assert store.index_digest_slots(page_size=2) == 0  # done: nothing more to write

    due = [i for h in (0, 1) for i in store.subscriber_ids_due("Asia/Jayapura", h).items]
    assert sorted(due) == [s.id for s in old]
