"""The Store on one SQLite file: for the CLI, `warta serve` and tests.

Two processes may share the file (WAL, busy timeout), and one instance may be
shared by threads (one connection behind a lock). Every conditional write is a
single INSERT ... ON CONFLICT, so the database, not Python, decides who wins.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from warta.adapters import codecs
from warta.core.errors import StoreError
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

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0
"""How long a writer waits for another process's write lock before failing."""

PURGE_EVERY = timedelta(hours=1)
PURGE_GRACE = timedelta(days=1)
"""Expired bands are only deleted this long after expiry, so a caller asking with
a slightly earlier `now` than another still sees the same answer."""

_MAX_PARAMS = 500
"""Bound parameters per statement; old SQLite builds cap them at 999."""

# One tuple of statements per schema version; never edit a released one, append.
# Small rows found only by their primary key are WITHOUT ROWID; items carry
# whole article texts, which SQLite stores better in an ordinary table.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE IF NOT EXISTS items (
            id            TEXT PRIMARY KEY,
            source_id     TEXT NOT NULL,
            url           TEXT NOT NULL,
            title         TEXT NOT NULL,
            text          TEXT NOT NULL,
            published_at  TEXT NOT NULL,
            authority     TEXT NOT NULL,
            region        TEXT NOT NULL,
            guid          TEXT,
            election      INTEGER NOT NULL,
            clarification INTEGER NOT NULL,
            seen_at       TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS source_state (
            source_id       TEXT PRIMARY KEY,
            etag            TEXT,
            last_modified   TEXT,
            next_poll_at    TEXT,
            error_count     INTEGER NOT NULL,
            last_error      TEXT,
            last_success_at TEXT,
            last_status     INTEGER,
            moved_to        TEXT,
            disabled        INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        # No foreign key to stories: bands may be registered before the story row
        # is written, and a DynamoDB store could not enforce one either.
        """
        CREATE TABLE IF NOT EXISTS story_bands (
            band_key   TEXT NOT NULL,
            story_id   TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (band_key, story_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX IF NOT EXISTS story_bands_expiry ON story_bands (expires_at)",
        """
        CREATE TABLE IF NOT EXISTS stories (
            id            TEXT PRIMARY KEY,
            day           TEXT NOT NULL,
            region        TEXT NOT NULL,
            title         TEXT NOT NULL,
            summary       TEXT NOT NULL,
            published_at  TEXT NOT NULL,
            created_at    TEXT NOT NULL,
            election      INTEGER NOT NULL,
            clarification INTEGER NOT NULL,
            urgent        INTEGER NOT NULL,
            sources       TEXT NOT NULL,
            signature     TEXT NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS stories_by_day ON stories (day, created_at, id)",
        """
        CREATE TABLE IF NOT EXISTS subscribers (
            id         TEXT PRIMARY KEY,
            email      TEXT NOT NULL,
            status     TEXT NOT NULL,
            regions    TEXT NOT NULL,
            name       TEXT,
            created_at TEXT
        )
        """,
        "CREATE INDEX IF NOT EXISTS subscribers_by_status ON subscribers (status, id)",
        """
        CREATE TABLE IF NOT EXISTS officials (
            id     TEXT PRIMARY KEY,
            name   TEXT NOT NULL,
            role   TEXT NOT NULL,
            region TEXT NOT NULL,
            email  TEXT,
            phone  TEXT,
            active INTEGER NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS officials_by_active ON officials (active, id)",
        # recipient_id is a subscriber or an official, so it cannot be a foreign key.
        """
        CREATE TABLE IF NOT EXISTS sends (
            kind         TEXT NOT NULL,
            key          TEXT NOT NULL,
            recipient_id TEXT NOT NULL,
            status       TEXT NOT NULL,
            message_id   TEXT,
            claimed_at   TEXT,
            sent_at      TEXT,
            PRIMARY KEY (kind, key, recipient_id)
        ) WITHOUT ROWID
        """,
    ),
    # 2: source health (a run of failures, the last new item, the last admin message).
    (
        "ALTER TABLE source_state ADD COLUMN failing_since TEXT",
        "ALTER TABLE source_state ADD COLUMN last_new_item_at TEXT",
        "ALTER TABLE source_state ADD COLUMN notified_at TEXT",
        "ALTER TABLE source_state ADD COLUMN notified_reason TEXT",
    ),
    # 3: the text a story keeps for comparing later items with it.
    ("ALTER TABLE stories ADD COLUMN text TEXT NOT NULL DEFAULT ''",),
    # 4: the items a source's last run skipped, and why the last one was.
    (
        "ALTER TABLE source_state ADD COLUMN skipped_items INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE source_state ADD COLUMN last_item_error TEXT",
    ),
    # 5: a subscriber's choices and consent (one JSON profile), an official's institution.
    (
        "ALTER TABLE subscribers ADD COLUMN profile TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE officials ADD COLUMN institution TEXT",
    ),
    # 6: what expires is found by time (the hourly purge).
    (
        "CREATE INDEX IF NOT EXISTS items_by_seen ON items (seen_at)",
        "CREATE INDEX IF NOT EXISTS sends_by_claim ON sends (claimed_at)",
    ),
    # 7: the digest slot ("<zone>#<hour>", core.slots) of each active subscriber who wants
    # the digest, so planning one hour reads only its own subscribers. Existing rows get
    # theirs from DIGEST_SLOT_FUNCTION, the Python that put_subscriber uses too.
    (
        "ALTER TABLE subscribers ADD COLUMN digest_slot TEXT",
        "UPDATE subscribers SET digest_slot = warta_digest_slot(status, regions, profile)",
        "CREATE INDEX IF NOT EXISTS subscribers_by_slot ON subscribers (digest_slot, id)"
        " WHERE digest_slot IS NOT NULL",
    ),
    # 8: a note kept with a completed ledger line (a digest's selection of stories).
    ("ALTER TABLE sends ADD COLUMN note TEXT",),
)
SCHEMA_VERSION = len(MIGRATIONS)


# -- conversions ---------------------------------------------------------------


def _ts_or_none(value: datetime | None) -> str | None:
    return None if value is None else codecs.timestamp(value)


def _dt_or_none(value: str | None) -> datetime | None:
    return None if value is None else codecs.from_timestamp(value)


@lru_cache(maxsize=32)
def _rows_of_values(row: str, fixed: int, width: int, count: int) -> str:
    """`count` rows of values for one statement writing them all: a statement per row
    (executemany) costs SQLite's Python module twice as much as the row itself.

    `row` holds ?1 to ?<fixed>, the parameters every row shares, and a {} for each of
    its own `width` parameters, numbered after those of the rows before it.
    """
    return ", ".join(
        row.format(*(f"?{fixed + n * width + k + 1}" for k in range(width))) for n in range(count)
    )


def _chunks(
    values: Sequence[str | None], size: int = _MAX_PARAMS
) -> Iterator[Sequence[str | None]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _story_from_row(row: sqlite3.Row) -> Story:
    return Story(
        id=row["id"],
        day=date.fromisoformat(row["day"]),
        region=row["region"],
        title=row["title"],
        summary=row["summary"],
        published_at=codecs.from_timestamp(row["published_at"]),
        created_at=codecs.from_timestamp(row["created_at"]),
        election=bool(row["election"]),
        clarification=bool(row["clarification"]),
        urgent=bool(row["urgent"]),
        sources=codecs.sources_from_json(row["sources"]),
        signature=codecs.signature_from_json(row["signature"]),
        text=row["text"],
    )


def _slot_of_row(status: str, regions: str, profile: str | None) -> str | None:
    """The digest slot of a subscriber row as stored (migration 7 fills the column with it)."""
    subscriber = Subscriber(
        id="",
        email="",
        status=SubscriberStatus(status),
        regions=tuple(json.loads(regions)),
        **codecs.profile_from_json(profile),
    )
    return digest_slot(subscriber)


DIGEST_SLOT_FUNCTION = "warta_digest_slot"


_STATUSES = {s.value: s for s in SubscriberStatus}


@lru_cache(maxsize=4096)
def _regions(text: str) -> tuple[str, ...]:
    # Subscribers share a few thousand choices of regions at most: each list is decoded once.
    return tuple(json.loads(text))


_SUBSCRIBER_COLUMNS = "id, email, status, regions, name, created_at, profile"
"""What a Subscriber is read from, in _subscriber_from_row's order."""


def _subscriber_from_row(row: Sequence[Any]) -> Subscriber:
    # A digest batch reads a hundred of these: the columns by position, and the status,
    # the regions and an empty profile without the general decoding.
    subscriber_id, email, status, regions, name, created_at, profile = row
    return Subscriber(
        id=subscriber_id,
        email=email,
        status=_STATUSES.get(status) or SubscriberStatus(status),
        regions=_regions(regions),
        name=name,
        created_at=None if created_at is None else codecs.from_timestamp(created_at),
        **codecs.profile_from_json(profile),
    )


def _official_from_row(row: sqlite3.Row) -> Official:
    return Official(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        region=row["region"],
        email=row["email"],
        phone=row["phone"],
        active=bool(row["active"]),
        institution=row["institution"],
    )


def _send_from_row(row: sqlite3.Row) -> SendRecord:
    return SendRecord(
        kind=row["kind"],
        key=row["key"],
        recipient_id=row["recipient_id"],
        status=SendStatus(row["status"]),
        message_id=row["message_id"],
        claimed_at=_dt_or_none(row["claimed_at"]),
        sent_at=_dt_or_none(row["sent_at"]),
        note=row["note"],
    )


def _rollback(conn: sqlite3.Connection) -> None:
    # A failed COMMIT (busy) leaves the transaction open; close it so the
    # connection stays usable, without masking the error that got us here.
    if conn.in_transaction:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


# -- the store -----------------------------------------------------------------


class SqliteStore:
    """A Store (warta.core.ports.Store) kept in one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = BUSY_TIMEOUT_S,
        item_retention: timedelta = ITEM_RETENTION,
        send_retention: timedelta = SEND_RETENTION,
    ) -> None:
        self.path = str(path)
        self.item_retention = item_retention
        self.send_retention = send_retention
        self._lock = threading.RLock()
        self._next_purge: datetime | None = None
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN ourselves, so a write transaction
            # is exactly as long as the method that needs it.
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except (sqlite3.Error, OSError) as exc:
            raise StoreError("cannot open the SQLite store") from exc
        self._conn.row_factory = sqlite3.Row
        # For migration 7 only; deterministic, so SQLite may use it anywhere.
        self._conn.create_function(DIGEST_SLOT_FUNCTION, 3, _slot_of_row, deterministic=True)
        try:
            with self._guard("open"):
                self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
                self._conn.execute("PRAGMA foreign_keys = ON")
                self._conn.execute("PRAGMA journal_mode = WAL")
                # NORMAL is durable enough under WAL: a power cut loses at most the
                # last commits, never corrupts the file.
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle --------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def _guard(self, op: str) -> Iterator[sqlite3.Connection]:
        """Serialize use of the connection and turn sqlite3 errors into StoreError."""
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                # sqlite3 messages never quote bound values, but the error name is
                # all a caller needs; the chained exception keeps the detail.
                name = getattr(exc, "sqlite_errorname", type(exc).__name__)
                raise StoreError(f"SQLite store: {op} failed ({name})") from exc

    @contextmanager
    def _write(self, op: str) -> Iterator[sqlite3.Connection]:
        """One write transaction. IMMEDIATE takes the write lock up front, so a
        busy database makes us wait (busy timeout) instead of failing mid-way."""
        with self._guard(op) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def _migrate(self) -> None:
        conn = self._conn
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"SQLite store schema version {version} is newer than this code ({SCHEMA_VERSION})"
            )
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated.
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
                log.info("SQLite store migrated to schema version %d", number + 1)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    # -- items --------------------------------------------------------------------

    def add_item_if_new(self, item: Item, *, seen_at: datetime) -> bool:
        with self._write("add_item_if_new") as conn:
            cur = conn.execute(
                """
                INSERT INTO items (id, source_id, url, title, text, published_at, authority,
                                   region, guid, election, clarification, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """,
                (
                    item.id,
                    item.source_id,
                    item.url,
                    item.title,
                    item.text,
                    codecs.timestamp(item.published_at),
                    item.authority.value,
                    item.region,
                    item.guid,
                    int(item.election),
                    int(item.clarification),
                    codecs.timestamp(seen_at),
                ),
            )
            return cur.rowcount == 1

    def has_item(self, item_id: str) -> bool:
        with self._guard("has_item") as conn:
            row = conn.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone()
            return row is not None

    # -- per-source state -----------------------------------------------------------

    def get_source_state(self, source_id: str) -> SourceState | None:
        with self._guard("get_source_state") as conn:
            row = conn.execute(
                "SELECT * FROM source_state WHERE source_id = ?", (source_id,)
            ).fetchone()
        if row is None:
            return None
        return SourceState(
            source_id=row["source_id"],
            etag=row["etag"],
            last_modified=row["last_modified"],
            next_poll_at=_dt_or_none(row["next_poll_at"]),
            error_count=row["error_count"],
            last_error=row["last_error"],
            last_success_at=_dt_or_none(row["last_success_at"]),
            last_status=row["last_status"],
            moved_to=row["moved_to"],
            disabled=bool(row["disabled"]),
            failing_since=_dt_or_none(row["failing_since"]),
            last_new_item_at=_dt_or_none(row["last_new_item_at"]),
            notified_at=_dt_or_none(row["notified_at"]),
            notified_reason=row["notified_reason"],
            skipped_items=row["skipped_items"],
            last_item_error=row["last_item_error"],
        )

    def put_source_state(self, state: SourceState) -> None:
        with self._write("put_source_state") as conn:
            conn.execute(
                """
                INSERT OR REPLACE INTO source_state
                    (source_id, etag, last_modified, next_poll_at, error_count, last_error,
                     last_success_at, last_status, moved_to, disabled, failing_since,
                     last_new_item_at, notified_at, notified_reason, skipped_items,
                     last_item_error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    state.source_id,
                    state.etag,
                    state.last_modified,
                    _ts_or_none(state.next_poll_at),
                    state.error_count,
                    state.last_error,
                    _ts_or_none(state.last_success_at),
                    state.last_status,
                    state.moved_to,
                    int(state.disabled),
                    _ts_or_none(state.failing_since),
                    _ts_or_none(state.last_new_item_at),
                    _ts_or_none(state.notified_at),
                    state.notified_reason,
                    state.skipped_items,
                    state.last_item_error,
                ),
            )

    # -- near-duplicate lookup --------------------------------------------------------

    def find_story_candidates(self, band_keys: Sequence[str], *, now: datetime) -> set[str]:
        keys = list(dict.fromkeys(band_keys))
        found: set[str] = set()
        if keys:
            at = codecs.timestamp(now)
            with self._guard("find_story_candidates") as conn:
                for chunk in _chunks(keys):
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        f"SELECT DISTINCT story_id FROM story_bands "  # noqa: S608 (? marks only)
                        f"WHERE band_key IN ({marks}) AND expires_at > ?",
                        (*chunk, at),
                    ).fetchall()
                    found.update(row["story_id"] for row in rows)
        self._maybe_purge(now)
        return found

    def _maybe_purge(self, now: datetime) -> None:
        # Opportunistic and best effort: a busy database or a failure here must not
        # fail the lookup that triggered it; the next hour tries again.
        with self._lock:
            if self._next_purge is not None and now < self._next_purge:
                return
            self._next_purge = now + PURGE_EVERY
            try:
                self.purge(now)
            except StoreError:
                log.warning("SQLite store: purging expired rows failed", exc_info=True)

    def purge(self, now: datetime) -> int:
        """Delete what has expired: story bands, items past their retention, sent-ledger
        rows past theirs (DynamoDB's TTL does the same there). Returns the rows deleted.
        Run every hour by the lookups of ingest; callable by itself."""
        deleted = 0
        with self._write("purge") as conn:
            for sql, cutoff in (
                ("DELETE FROM story_bands WHERE expires_at <= ?", now - PURGE_GRACE),
                ("DELETE FROM items WHERE seen_at < ?", now - self.item_retention),
                ("DELETE FROM sends WHERE claimed_at < ?", now - self.send_retention),
            ):
                deleted += conn.execute(sql, (codecs.timestamp(cutoff),)).rowcount
        return deleted

    def add_story_bands(
        self, band_keys: Sequence[str], story_id: str, *, expires_at: datetime
    ) -> None:
        keys = list(dict.fromkeys(band_keys))
        if not keys:
            return
        until = codecs.timestamp(expires_at)
        with self._write("add_story_bands") as conn:
            conn.executemany(
                """
                INSERT INTO story_bands (band_key, story_id, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (band_key, story_id) DO UPDATE SET expires_at = excluded.expires_at
                """,
                [(key, story_id, until) for key in keys],
            )

    # -- stories ------------------------------------------------------------------------

    def put_story(self, story: Story) -> None:
        with self._write("put_story") as conn:
            conn.execute(
                """
                INSERT OR REPLACE INTO stories
                    (id, day, region, title, summary, published_at, created_at, election,
                     clarification, urgent, sources, signature, text)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    story.id,
                    story.day.isoformat(),
                    story.region,
                    story.title,
                    story.summary,
                    codecs.timestamp(story.published_at),
                    codecs.timestamp(story.created_at),
                    int(story.election),
                    int(story.clarification),
                    int(story.urgent),
                    codecs.sources_to_json(story.sources),
                    codecs.signature_to_json(story.signature),
                    story.text,
                ),
            )

    def get_story(self, story_id: str) -> Story | None:
        with self._guard("get_story") as conn:
            row = conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        return None if row is None else _story_from_row(row)

    def stories_of_day(self, day: date, regions: Iterable[str] | None = None) -> list[Story]:
        params: list[str] = [day.isoformat()]
        where = "day = ?"
        if regions is not None:
            wanted = list(dict.fromkeys(regions))
            if not wanted:
                return []
            # A handful of regions at most (a subscriber's choice), far below the cap.
            where += f" AND region IN ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        with self._guard("stories_of_day") as conn:
            rows = conn.execute(
                f"SELECT * FROM stories WHERE {where} ORDER BY created_at, id",  # noqa: S608 (? marks only)
                params,
            ).fetchall()
        return [_story_from_row(row) for row in rows]

    # -- subscribers and officials ---------------------------------------------------------

    def put_subscriber(self, subscriber: Subscriber) -> None:
        with self._write("put_subscriber") as conn:
            conn.execute(
                """
                INSERT OR REPLACE INTO subscribers
                    (id, email, status, regions, name, created_at, profile, digest_slot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    subscriber.id,
                    subscriber.email,
                    SubscriberStatus(subscriber.status).value,
                    json.dumps(list(subscriber.regions), ensure_ascii=False),
                    subscriber.name,
                    _ts_or_none(subscriber.created_at),
                    codecs.profile_to_json(subscriber),
                    digest_slot(subscriber),
                ),
            )

    def get_subscriber(self, subscriber_id: str) -> Subscriber | None:
        with self._guard("get_subscriber") as conn:
            row = conn.execute(
                f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?",  # noqa: S608 - constant columns
                (subscriber_id,),
            ).fetchone()
        return None if row is None else _subscriber_from_row(row)

    def get_subscribers(self, subscriber_ids: Sequence[str]) -> dict[str, Subscriber]:
        wanted = list(dict.fromkeys(subscriber_ids))
        found: dict[str, Subscriber] = {}
        with self._guard("get_subscribers") as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: a digest batch reads a hundred rows
            # In slices: SQLite caps the number of parameters of one statement.
            for chunk in _chunks(wanted):
                rows = cursor.execute(
                    f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers"  # noqa: S608 - only placeholders
                    f" WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                found.update((row[0], _subscriber_from_row(row)) for row in rows)
        return found

    def digest_readers(self, subscriber_ids: Sequence[str]) -> dict[str, Reader]:
        wanted = list(dict.fromkeys(subscriber_ids))
        found: dict[str, Reader] = {}
        with self._guard("digest_readers") as conn:
            cursor = conn.cursor()
            cursor.row_factory = None
            for chunk in _chunks(wanted):
                # digest_slot is set exactly for the active subscribers who take the digest
                # (migration 7); whether they take urgent messages is in their profile, read
                # by SQLite (a profile that is not JSON reads as no urgent messages).
                rows = cursor.execute(
                    "SELECT id, email, regions,"  # noqa: S608 - only placeholders
                    " CASE WHEN profile = '{}' OR NOT json_valid(profile) THEN NULL"
                    " ELSE json_extract(profile, '$.urgent') END"
                    " FROM subscribers WHERE digest_slot IS NOT NULL"
                    f" AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for subscriber_id, email, regions, urgent in rows:
                    found[subscriber_id] = Reader(
                        subscriber_id, email, _regions(regions), bool(urgent)
                    )
        return found

    def subscribers_page(
        self, status: SubscriberStatus, *, cursor: str | None = None, limit: int = 100
    ) -> Page[Subscriber]:
        rows = self._page(
            "subscribers_page",
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers"  # noqa: S608 - constant columns
            " WHERE status = ? AND id > ? ORDER BY id LIMIT ?",
            SubscriberStatus(status).value,
            cursor,
            limit,
        )
        return codecs.to_page([_subscriber_from_row(r) for r in rows], limit)

    def subscriber_ids_due(
        self, zone: str, hour: int, *, cursor: str | None = None, limit: int = 100
    ) -> Page[str]:
        # Only the id: the index (digest_slot, id) answers it without reading the rows.
        rows = self._page(
            "subscriber_ids_due",
            "SELECT id FROM subscribers WHERE digest_slot = ? AND id > ? ORDER BY id LIMIT ?",
            slot_name(zone, hour),
            cursor,
            limit,
        )
        return codecs.to_id_page([r[0] for r in rows], limit)

    def put_official(self, official: Official) -> None:
        with self._write("put_official") as conn:
            conn.execute(
                """
                INSERT OR REPLACE INTO officials
                    (id, name, role, region, email, phone, active, institution)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    official.id,
                    official.name,
                    official.role,
                    official.region,
                    official.email,
                    official.phone,
                    int(official.active),
                    official.institution,
                ),
            )

    def get_official(self, official_id: str) -> Official | None:
        with self._guard("get_official") as conn:
            row = conn.execute("SELECT * FROM officials WHERE id = ?", (official_id,)).fetchone()
        return None if row is None else _official_from_row(row)

    def officials_page(
        self, *, cursor: str | None = None, limit: int = 100, active: bool = True
    ) -> Page[Official]:
        rows = self._page(
            "officials_page",
            "SELECT * FROM officials WHERE active = ? AND id > ? ORDER BY id LIMIT ?",
            int(active),
            cursor,
            limit,
        )
        return codecs.to_page([_official_from_row(r) for r in rows], limit)

    def delete_subscriber(self, subscriber_id: str) -> bool:
        with self._write("delete_subscriber") as conn:
            cursor = conn.execute("DELETE FROM subscribers WHERE id = ?", (subscriber_id,))
        return cursor.rowcount > 0

    def delete_official(self, official_id: str) -> bool:
        with self._write("delete_official") as conn:
            cursor = conn.execute("DELETE FROM officials WHERE id = ?", (official_id,))
        return cursor.rowcount > 0

    def _page(
        self, op: str, sql: str, key: str | int, cursor: str | None, limit: int
    ) -> list[sqlite3.Row]:
        # Keyset pagination: "id > last id seen" stays correct and cheap while rows
        # are added or change status between pages, where OFFSET would skip or repeat.
        if limit < 1:
            raise ValueError("limit must be at least 1")
        after = "" if cursor is None else codecs.decode_cursor(cursor)
        with self._guard(op) as conn:
            # One row more than asked tells whether a next page exists, so the last
            # page comes back with cursor None instead of an empty extra page.
            return conn.execute(sql, (key, after, limit + 1)).fetchall()

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
        # A batch of one: the same IMMEDIATE transaction decides it.
        return self._claim("claim_send", kind, key, [recipient_id], now, lease)[recipient_id]

    def claim_sends(
        self,
        kind: str,
        key: str,
        recipient_ids: Sequence[str],
        *,
        now: datetime,
        lease: timedelta | None = None,
    ) -> dict[str, Claim]:
        return self._claim("claim_sends", kind, key, recipient_ids, now, lease)

    def _claim(
        self,
        op: str,
        kind: str,
        key: str,
        recipient_ids: Sequence[str],
        now: datetime,
        lease: timedelta | None,
    ) -> dict[str, Claim]:
        wanted = list(dict.fromkeys(recipient_ids))
        at = codecs.timestamp(now)
        expired_before = None if lease is None else codecs.timestamp(now - lease)
        claims: dict[str, Claim] = {}
        # One IMMEDIATE transaction for the whole batch: nobody writes between the
        # reads and the writes, so each line is decided exactly as claim_send would.
        with self._write(op) as conn:
            # A batch nobody has claimed a line of (each batch of a new edition) is written
            # at once; only one that meets lines already there reads them first.
            if self._insert_claims(conn, kind, key, wanted, at, savepoint=True):
                return dict.fromkeys(wanted, Claim.NEW)
            found: dict[str, sqlite3.Row] = {}
            for chunk in _chunks(wanted, _MAX_PARAMS - 2):
                rows = conn.execute(
                    "SELECT recipient_id, status, claimed_at FROM sends"  # noqa: S608 (? marks only)
                    f" WHERE kind = ? AND key = ? AND recipient_id IN ({','.join('?' * len(chunk))})",
                    (kind, key, *chunk),
                ).fetchall()
                found.update((row["recipient_id"], row) for row in rows)
            new: list[str] = []
            taken = []
            for recipient_id in wanted:
                row = found.get(recipient_id)
                if row is None:
                    claims[recipient_id] = Claim.NEW
                    new.append(recipient_id)
                elif row["status"] != SendStatus.PENDING.value:
                    claims[recipient_id] = Claim.DONE
                elif expired_before is not None and (
                    row["claimed_at"] is None or row["claimed_at"] <= expired_before
                ):
                    claims[recipient_id] = Claim.TAKEN_OVER
                    taken.append((at, kind, key, recipient_id))
                else:
                    claims[recipient_id] = Claim.HELD
            self._insert_claims(conn, kind, key, new, at)
            conn.executemany(
                "UPDATE sends SET claimed_at = ? WHERE kind = ? AND key = ? AND recipient_id = ?",
                taken,
            )
        return claims

    @staticmethod
    def _insert_claims(
        conn: sqlite3.Connection,
        kind: str,
        key: str,
        recipient_ids: Sequence[str],
        at: str,
        *,
        savepoint: bool = False,
    ) -> bool:
        """Write a pending line for each recipient, in statements of many rows; with
        `savepoint`, all or none: False, and nothing written, when one has a line already."""
        fixed = (kind, key, SendStatus.PENDING.value, at)
        if savepoint:
            conn.execute("SAVEPOINT claims")
        try:
            for chunk in _chunks(recipient_ids, _MAX_PARAMS - len(fixed)):
                conn.execute(
                    "INSERT INTO sends (kind, key, recipient_id, status, claimed_at) VALUES "  # noqa: S608 - only placeholders
                    + _rows_of_values("(?1, ?2, {}, ?3, ?4)", len(fixed), 1, len(chunk)),
                    (*fixed, *chunk),
                )
        except sqlite3.IntegrityError:
            if not savepoint:
                raise
            conn.execute("ROLLBACK TO claims")
            conn.execute("RELEASE claims")
            return False
        if savepoint:
            conn.execute("RELEASE claims")
        return True

    def complete_sends(
        self,
        kind: str,
        key: str,
        message_ids: Mapping[str, str],
        *,
        now: datetime,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        self._complete("complete_sends", kind, key, message_ids, now, notes or {})

    def _complete(
        self,
        op: str,
        kind: str,
        key: str,
        message_ids: Mapping[str, str],
        now: datetime,
        notes: Mapping[str, str],
    ) -> None:
        # An upsert, not a bare UPDATE: if the claim row vanished (released by
        # mistake, store restored) the message still went out, and recording it is
        # what keeps it from being sent twice.
        fixed = (kind, key, SendStatus.SENT.value, codecs.timestamp(now))
        lines = [
            value
            for recipient_id, message_id in message_ids.items()
            for value in (recipient_id, message_id, notes.get(recipient_id))
        ]
        with self._write(op) as conn:
            for chunk in _chunks(lines, (_MAX_PARAMS - len(fixed)) // 3 * 3):
                conn.execute(
                    "INSERT INTO sends"  # noqa: S608 - only placeholders
                    " (kind, key, recipient_id, status, message_id, claimed_at, sent_at, note)"
                    " VALUES "
                    + _rows_of_values(
                        "(?1, ?2, {}, ?3, {}, ?4, ?4, {})", len(fixed), 3, len(chunk) // 3
                    )
                    + " ON CONFLICT (kind, key, recipient_id) DO UPDATE SET"
                    " status = excluded.status, message_id = excluded.message_id,"
                    " sent_at = excluded.sent_at, note = excluded.note",
                    (*fixed, *chunk),
                )

    def release_sends(self, kind: str, key: str, recipient_ids: Sequence[str]) -> None:
        self._release("release_sends", kind, key, recipient_ids)

    def _release(self, op: str, kind: str, key: str, recipient_ids: Sequence[str]) -> None:
        with self._write(op) as conn:
            conn.executemany(
                "DELETE FROM sends WHERE kind = ? AND key = ? AND recipient_id = ? AND status = ?",
                [(kind, key, r, SendStatus.PENDING.value) for r in dict.fromkeys(recipient_ids)],
            )

    def complete_send(
        self, kind: str, key: str, recipient_id: str, *, message_id: str, now: datetime
    ) -> None:
        self._complete("complete_send", kind, key, {recipient_id: message_id}, now, {})

    def release_send(self, kind: str, key: str, recipient_id: str) -> None:
        self._release("release_send", kind, key, [recipient_id])

    def get_send(self, kind: str, key: str, recipient_id: str) -> SendRecord | None:
        with self._guard("get_send") as conn:
            row = conn.execute(
                "SELECT * FROM sends WHERE kind = ? AND key = ? AND recipient_id = ?",
                (kind, key, recipient_id),
            ).fetchone()
        return None if row is None else _send_from_row(row)
