"""A database made by an older Warta opens in this one with everything it held."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from warta.adapters.sqlite_store import MIGRATIONS, SCHEMA_VERSION, SqliteStore


def test_version_1_database_upgrades_and_keeps_source_state(tmp_path: Path) -> None:
    path = tmp_path / "warta.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute(
        "INSERT INTO source_state (source_id, etag, last_modified, next_poll_at, error_count,"
        " last_error, last_success_at, last_status, moved_to, disabled)"
        " VALUES ('kpu-ri', '\"v1\"', NULL, NULL, 2, 'timeout', ?, 200, NULL, 0)",
        (datetime(2026, 11, 27, 3, 0, tzinfo=UTC).isoformat(timespec="microseconds"),),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    with SqliteStore(path) as store:
        state = store.get_source_state("kpu-ri")

    assert state is not None
    assert (state.etag, state.error_count, state.last_error) == ('"v1"', 2, "timeout")
    assert state.last_success_at == datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    assert (state.failing_since, state.last_new_item_at, state.notified_at) == (None, None, None)
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()


def test_version_6_database_gives_its_subscribers_their_digest_slots(tmp_path: Path) -> None:
    path = tmp_path / "warta.db"
    conn = sqlite3.connect(path)
    for version in MIGRATIONS[:6]:
        for statement in version:
            conn.execute(statement)
    rows = [
        ("sub-papua", "active", '["91.01"]', '{"digest_hour": 7}'),
        ("sub-jakarta", "active", '["*"]', "{}"),
        ("sub-off", "active", '["*"]', '{"digest": false}'),
        ("sub-left", "unsubscribed", '["*"]', "{}"),
    ]
    conn.executemany(
        "INSERT INTO subscribers (id, email, status, regions, profile)"
        " VALUES (?, ?||'@example.org', ?, ?, ?)",
        [(i, i, status, regions, profile) for i, status, regions, profile in rows],
    )
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()

    with SqliteStore(path) as store:
        assert store.subscriber_ids_due("Asia/Jayapura", 7).items == ("sub-papua",)
        assert store.subscriber_ids_due("Asia/Jakarta", 6).items == ("sub-jakarta",)

    check = sqlite3.connect(path)
    slots = dict(check.execute("SELECT id, digest_slot FROM subscribers").fetchall())
    plan = " ".join(
        str(row)
        for row in check.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM subscribers WHERE digest_slot = ? AND id > ?"
            " ORDER BY id LIMIT 10",
            ("Asia/Jakarta#06", ""),
        )
    )
    check.close()
    assert slots == {
        "sub-papua": "Asia/Jayapura#07",
        "sub-jakarta": "Asia/Jakarta#06",
        "sub-off": None,
        "sub-left": None,
    }
    assert "subscribers_by_slot" in plan  # one hour's subscribers, read through their index
