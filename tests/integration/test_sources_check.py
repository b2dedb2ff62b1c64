"""`warta sources check`: each source fetched once over real HTTP, one row each, nothing stored."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from tests.doubles import NOW, FakeSite, FixedClock, Route, ScriptedFetcher, serving

from warta.adapters.sqlite_store import SqliteStore
from warta.cli.source_checks import (
    CheckRow,
    check_sources,
    enable_source,
    format_table,
    select_sources,
)
from warta.config.files import default_sources_file
from warta.config.sources import load_sources
from warta.core.errors import ConfigError, FetchError
from warta.core.model import Authority, FetchResult, Item, Source, SourceKind, SourceState
from warta.ingest.http import HttpFetcher
from warta.ingest.parsers import parse
from warta.services.ingest import Ingest, due_sources

pytestmark = pytest.mark.integration

FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>KPU Contoh</title><link>http://127.0.0.1/</link><description>Berita</description>
<item><title>KPU Tetapkan Jadwal Rekapitulasi</title><link>http://127.0.0.1/berita/1</link>
<guid>berita-1</guid><pubDate>Fri, 27 Nov 2026 02:30:00 +0000</pubDate>
<description>Rekapitulasi suara tingkat kecamatan dimulai pekan depan.</description></item>
<item><title>Bawaslu Awasi Masa Tenang</title><link>http://127.0.0.1/berita/2</link>
<guid>berita-2</guid><pubDate>Sat, 28 Nov 2026 01:15:00 +0000</pubDate>
<description>Pengawasan masa tenang di seluruh kecamatan.</description></item>
</channel></rss>
"""
PAGE = b"<!DOCTYPE html><html><body><h1>Situs sedang dalam pemeliharaan</h1></body></html>"


def answer(status: int, content_type: str, body: bytes) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up first (the slow source)

    return route


@pytest.fixture
def server() -> Iterator[FakeSite]:
    site = FakeSite()
    site.routes["/feed.xml"] = answer(200, "application/rss+xml; charset=utf-8", FEED)
    site.routes["/maintenance"] = answer(200, "text/html; charset=utf-8", PAGE)

    @site.route("/slow.xml")
    def slow(handler: BaseHTTPRequestHandler) -> None:
        # Holds the answer until the test ends: only the fetcher's timeout ends the wait.
        site.release.wait(timeout=30)
        answer(200, "application/rss+xml", FEED)(handler)

    with serving(site) as running:
        yield running


def local(server: FakeSite, source_id: str, path: str, **fields: object) -> Source:
    source = Source(
        id=source_id,
        name=source_id,
        url=server.url(path),
        authority=Authority.KPU,
        allow_addresses=("127.0.0.1",),
    )
    return replace(source, **fields)  # type: ignore[arg-type]


def fetcher() -> HttpFetcher:
    return HttpFetcher(connect_timeout=2, read_timeout=0.5, total_budget=2)


def test_each_source_gets_its_own_row_and_failures_do_not_stop_the_others(
    server: FakeSite, tmp_path: Path
) -> None:
    sources = [
        local(server, "slow", "/slow.xml"),
        local(server, "good", "/feed.xml"),
        local(server, "missing", "/hilang.xml"),
        local(server, "not-a-feed", "/maintenance"),
        local(server, "good-disabled", "/feed.xml", enabled=False),
    ]

    rows = check_sources(sources, fetcher(), parse, FixedClock())

    by_id = {row.source_id: row for row in rows}
    assert [row.source_id for row in rows] == [s.id for s in sources]
    good = by_id["good"]
    assert (good.status, good.items, good.error) == (200, 2, None)
    assert good.newest == datetime(2026, 11, 28, 1, 15, tzinfo=UTC)
    assert (by_id["missing"].status, by_id["missing"].items) == (404, None)
    assert by_id["missing"].error is not None and "404" in by_id["missing"].error
    assert by_id["not-a-feed"].status == 200
    assert by_id["not-a-feed"].items is None and by_id["not-a-feed"].error
    slow = by_id["slow"]
    assert (slow.status, slow.items) == (None, None)
    assert slow.error is not None and "timeout" in slow.error
    assert slow.elapsed_ms < 10_000  # stopped by the read timeout, not by the server
    assert by_id["good-disabled"].items == 2  # a check reads what it is given, enabled or not
    # One unconditional GET per source.
    assert sorted(server.paths()) == sorted(
        ["/slow.xml", "/feed.xml", "/hilang.xml", "/maintenance", "/feed.xml"]
    )
    assert all("if-none-match" not in seen.headers for seen in server.seen)


def test_a_check_stores_nothing(server: FakeSite, tmp_path: Path) -> None:
    good = local(server, "good", "/feed.xml")
    with SqliteStore(tmp_path / "warta.db") as store:
        check_sources([good], fetcher(), parse, FixedClock())
        assert store.get_source_state("good") is None
        assert not store.has_item("good:berita-1")


def test_a_parser_bug_on_one_source_is_that_sources_row(server: FakeSite) -> None:
    def fragile(source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        if source.id == "broken":
            raise KeyError("title")
        return parse(source, result, seen_at=seen_at)

    rows = check_sources(
        [local(server, "broken", "/feed.xml"), local(server, "good", "/feed.xml")],
        fetcher(),
        fragile,
        FixedClock(),
    )

    assert [(r.source_id, r.status, r.items, r.error) for r in rows] == [
        ("broken", 200, None, "'title'"),
        ("good", 200, 2, None),
    ]


def test_table_shows_status_items_newest_in_jakarta_time_and_error() -> None:
    rows = [
        CheckRow("kpu-ri", "rss", 200, 12, datetime(2026, 11, 28, 1, 15, tzinfo=UTC), 84.4),
        CheckRow("dkpp-ri", "html", 404, None, None, 1203.6, "http_404: 404 Not\nFound"),
    ]

    table = format_table(rows).splitlines()

    assert table[0].split() == ["id", "kind", "status", "items", "newest", "(WIB)", "ms", "error"]
    assert table[1].split() == ["kpu-ri", "rss", "200", "12", "2026-11-28", "08:15", "84"]
    assert table[2].split() == [
        "dkpp-ri",
        "html",
        "404",
        "-",
        "-",
        "1204",
        "http_404:",
        "404",
        "Not",
        "Found",
    ]
    # columns line up
    assert table[1].index("200") == table[2].index("404") == table[0].index("status")


def test_empty_table_is_just_its_header() -> None:
    assert format_table([]).splitlines() == ["id  kind  status  items  newest (WIB)  ms  error"]


@pytest.mark.parametrize(
    ("ids", "include_disabled", "expected"),
    [
        ((), False, ["on"]),
        ((), True, ["on", "off"]),
        (("off",), False, ["off"]),
        (("off", "on", "off"), False, ["off", "on"]),
    ],
)
def test_select_sources(ids: tuple[str, ...], include_disabled: bool, expected: list[str]) -> None:
    on = Source(id="on", name="on", url="https://on.example.id/feed", authority=Authority.KPU)
    off = replace(on, id="off", enabled=False)

    chosen = select_sources([on, off], ids, include_disabled=include_disabled)

    assert [s.id for s in chosen] == expected


def test_select_sources_names_an_unknown_id() -> None:
    with pytest.raises(ConfigError, match="no source with id nope"):
        select_sources([], ["nope"])


def test_enable_starts_a_gone_source_over_as_a_first_run(tmp_path: Path) -> None:
    source = Source(
        id="kpu-ri", name="KPU", url="https://kpu.example.id/feed", authority=Authority.KPU
    )
    old = Item(
        id="kpu-ri:old",
        source_id="kpu-ri",
        url="https://kpu.example.id/berita/old",
        title="Rekapitulasi suara pemilu tingkat kecamatan dimulai",
        text="KPU menetapkan jadwal rekapitulasi suara pemilu.",
        published_at=NOW - timedelta(days=5),
        authority=Authority.KPU,
    )

    with SqliteStore(tmp_path / "warta.db") as store:
        store.put_source_state(
            SourceState(
                "kpu-ri",
                etag='"v9"',
                disabled=True,
                error_count=1,
                last_error="gone: 410 Gone",
                last_success_at=NOW - timedelta(days=30),
                failing_since=NOW - timedelta(days=1),
                moved_to="https://kpu.example.id/lama",
            )
        )
        assert due_sources([source], store, NOW) == []

        assert enable_source(store, "kpu-ri") is True
        assert enable_source(store, "kpu-ri") is False  # not disabled any more
        assert enable_source(store, "unknown") is False

        assert store.get_source_state("kpu-ri") == SourceState("kpu-ri")
        assert due_sources([source], store, NOW) == [source]
        report = Ingest(
            store=store,
            fetcher=ScriptedFetcher([FetchResult(url=source.url, status=200, body=b"x")]),
            parse=lambda source, result, *, seen_at: [old],
            clock=FixedClock(),
            today=lambda _: date(2026, 11, 28),
        ).source(source)
        assert (report.first_run, report.recorded_only, report.new_stories) == (True, 1, [])


# -- the bundled sources file -----------------------------------------------------------


def test_bundled_sources_load_and_all_ship_disabled_and_unverified() -> None:
    sources = load_sources(default_sources_file())
    raw = tomllib.loads(default_sources_file().read_text(encoding="utf-8"))["source"]

    assert len(sources) >= 12
    assert [s.id for s in sources if s.enabled] == []
    assert all("Unverified (written offline)" in entry["comment"] for entry in raw)
    kinds = {s.kind for s in sources}
    assert kinds == {SourceKind.RSS, SourceKind.JSON, SourceKind.HTML}
    assert all(s.extract for s in sources if s.kind is not SourceKind.RSS)
    assert {s.authority for s in sources} == set(Authority)


def test_bundled_sources_fail_closed_when_checked_offline() -> None:
    # The guard refuses nothing public, so offline every source is a row with an
    # error, never an exception that would hide the other rows.
    sources = load_sources(default_sources_file())
    offline = ScriptedFetcher(then=lambda source: FetchError("dns", f"{source.url}: no network"))
    rows = check_sources(sources, offline, parse, FixedClock())
    assert [r.source_id for r in rows] == [s.id for s in sources]
    assert all(r.error and r.error.startswith("dns") for r in rows)
