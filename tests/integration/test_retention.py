"""What expires: seen items and sent-ledger rows after their retention, on both stores.

DynamoDB deletes by TTL, so there each row must carry the right `expires_ttl`
(DynamoDB Local keeps expired rows, as DynamoDB does for a while); SQLite
deletes in its hourly purge, checked here by reading back.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warta.adapters.dynamodb_store import PK, SK, TTL_ATTRIBUTE, DynamoDbStore, create_table
from warta.adapters.sqlite_store import SqliteStore
from warta.config.settings import load_settings
from warta.core.errors import ConfigError
from warta.core.model import Authority, Claim, Item, SendStatus

T0 = datetime(2024, 2, 14, 1, 30, tzinfo=UTC)
ITEMS = timedelta(days=20)
SENDS = timedelta(days=10)


def item(title: str) -> Item:
    return Item(
        id="kpu-ri:" + hashlib.sha256(title.encode()).hexdigest()[:12],
        source_id="kpu-ri",
        url="https://kpu.example/berita/" + title.lower().replace(" ", "-"),
        title=title,
        text=title,
        published_at=T0,
        authority=Authority.KPU,
    )


def epoch(moment: datetime) -> int:
    return math.ceil(moment.timestamp())


@pytest.fixture
def dynamodb(dynamodb_local: Any, tmp_path: Path) -> tuple[DynamoDbStore, Any]:
    client = dynamodb_local.client()
    name = "warta-ttl-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:16]
    create_table(client, name)
    store = DynamoDbStore(name, client, item_retention=ITEMS, send_retention=SENDS)
    return store, client


def raw(client: Any, table: str, pk: str, sk: str) -> dict[str, Any]:
    answer = client.get_item(TableName=table, Key={PK: {"S": pk}, SK: {"S": sk}})
    return dict(answer["Item"])


def test_dynamodb_items_expire_their_retention_after_they_were_seen(
    dynamodb: tuple[DynamoDbStore, Any],
) -> None:
    store, client = dynamodb
    seen = item(title="Rekapitulasi suara tingkat kecamatan dimulai")
    assert store.add_item_if_new(seen, seen_at=T0)
    row = raw(client, store.table_name, f"ITEM#{seen.id}", "ITEM")
    assert int(row[TTL_ATTRIBUTE]["N"]) == epoch(T0 + ITEMS)


def test_dynamodb_ledger_rows_expire_from_their_claim_and_again_from_their_send(
    dynamodb: tuple[DynamoDbStore, Any],
) -> None:
    store, client = dynamodb
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.NEW
    row = raw(client, store.table_name, "SEND#digest#2024-02-14", "sub-001")
    assert int(row[TTL_ATTRIBUTE]["N"]) == epoch(T0 + SENDS)

    later = T0 + timedelta(minutes=3)
    store.complete_send("digest", "2024-02-14", "sub-001", message_id="m-1", now=later)
    row = raw(client, store.table_name, "SEND#digest#2024-02-14", "sub-001")
    assert int(row[TTL_ATTRIBUTE]["N"]) == epoch(later + SENDS)
    # A mark written without a claim (an upsert) expires too.
    store.complete_send("alert-done", "story-1", "officials", message_id="done", now=later)
    row = raw(client, store.table_name, "SEND#alert-done#story-1", "officials")
    assert int(row[TTL_ATTRIBUTE]["N"]) == epoch(later + SENDS)


def test_dynamodb_claims_taken_over_under_a_lease_expire_from_the_new_claim(
    dynamodb: tuple[DynamoDbStore, Any],
) -> None:
    store, client = dynamodb
    lease = timedelta(minutes=5)
    assert store.claim_send("alert-email", "s-1", "off-1", now=T0, lease=lease) is Claim.NEW
    later = T0 + timedelta(hours=1)
    assert store.claim_send("alert-email", "s-1", "off-1", now=later, lease=lease) is (
        Claim.TAKEN_OVER
    )
    row = raw(client, store.table_name, "SEND#alert-email#s-1", "off-1")
    assert int(row[TTL_ATTRIBUTE]["N"]) == epoch(later + SENDS)


def test_sqlite_purge_deletes_exactly_what_is_past_its_retention(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.sqlite3", item_retention=ITEMS, send_retention=SENDS)
    old, recent = item(title="Lama sekali"), item(title="Baru saja")
    assert store.add_item_if_new(old, seen_at=T0)
    assert store.add_item_if_new(recent, seen_at=T0 + timedelta(days=15))
    store.claim_send("digest", "2024-02-14", "sub-1", now=T0)
    store.complete_send("digest", "2024-02-14", "sub-1", message_id="m", now=T0)
    store.claim_send("digest", "2024-02-20", "sub-1", now=T0 + timedelta(days=15))

    now = T0 + ITEMS + timedelta(seconds=1)
    assert store.purge(now) == 2  # the old item and the first ledger row

    assert not store.has_item(old.id)
    assert store.has_item(recent.id)
    assert store.get_send("digest", "2024-02-14", "sub-1") is None
    kept = store.get_send("digest", "2024-02-20", "sub-1")
    assert kept is not None and kept.status is SendStatus.PENDING
    # Nothing else has expired yet: a second purge deletes nothing.
    assert store.purge(now) == 0


def test_sqlite_purge_runs_by_itself_within_the_hour_of_a_lookup(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "w.sqlite3", item_retention=ITEMS, send_retention=SENDS)
    old = item(title="Lama sekali")
    store.add_item_if_new(old, seen_at=T0)
    store.find_story_candidates(["band-1"], now=T0 + ITEMS + timedelta(days=1))
    assert not store.has_item(old.id)


@pytest.mark.parametrize("name", ["WARTA_ITEM_RETENTION_DAYS", "WARTA_LEDGER_RETENTION_DAYS"])
def test_a_retention_shorter_than_a_week_is_refused(name: str, tmp_path: Path) -> None:
    env = {"WARTA_HOME": str(tmp_path), "WARTA_SECRET": "s" * 48, name: "3"}
    with pytest.raises(ConfigError, match=name):
        load_settings(env)


def test_retentions_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {
        "WARTA_HOME": str(tmp_path),
        "WARTA_SECRET": "s" * 48,
        "WARTA_ITEM_RETENTION_DAYS": "90",
        "WARTA_LEDGER_RETENTION_DAYS": "14",
    }
    settings = load_settings(env)
    assert (settings.item_retention, settings.send_retention) == (
        timedelta(days=90),
        timedelta(days=14),
    )
