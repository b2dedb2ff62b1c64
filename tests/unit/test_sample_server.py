"""SampleServer: sample feeds over real HTTP on loopback, dates filled at request time."""

from __future__ import annotations

import gzip
import http.client
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

import pytest
from tests.doubles import FixedClock

from warta.core.model import Authority, Source
from warta.demo.server import SampleServer
from warta.ingest.http import HttpFetcher

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>KPU</title>
<item><title>Jadwal</title><pubDate>{{date:rfc822:-3h}}</pubDate></item>
</channel></rss>
"""
MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z
SERVED_AT = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)  # what the dates are filled from


@pytest.fixture
def root(tmp_path: Path) -> Path:
    feeds = tmp_path / "events" / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "kpu.xml").write_text(FEED, encoding="utf-8")
    (feeds / "bawaslu.atom").write_text("<feed>{{date:rfc3339:0}}</feed>", encoding="utf-8")
    (feeds / "pemda.json").write_text('{"at": "{{date:id:-1d}}"}', encoding="utf-8")
    for file in feeds.iterdir():
        os.utime(file, (MTIME, MTIME))
    (tmp_path / "secret.txt").write_text("not for you", encoding="utf-8")
    return tmp_path / "events"


@pytest.fixture
def server(root: Path, clock: FixedClock) -> Iterator[SampleServer]:
    clock.set(SERVED_AT)
    with SampleServer(root, now=clock) as running:
        yield running


def get(
    server: SampleServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
    try:
        # http.client sends the path as given: traversal attempts reach the server unchanged.
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_serves_on_loopback_with_a_random_port(server: SampleServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    assert server.port > 0
    assert server.url("/feeds/kpu.xml") == f"{server.base_url}/feeds/kpu.xml"


def test_date_placeholders_are_filled_from_now(server: SampleServer) -> None:
    status, headers, body = get(server, "/feeds/kpu.xml")

    assert status == 200
    # 03:00 UTC is 10:00 in Jakarta; three hours earlier is 07:00.
    assert b"<pubDate>Wed, 14 Feb 2024 07:00:00 +0700</pubDate>" in body
    assert b"{{date" not in body
    assert headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert headers["content-length"] == str(len(body))


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/feeds/bawaslu.atom", "application/atom+xml; charset=utf-8"),
     ("/feeds/pemda.json", "application/json")],
)  # fmt: skip
def test_content_type_follows_the_extension(
    server: SampleServer, path: str, content_type: str
) -> None:
    status, headers, body = get(server, path)

    assert status == 200
    assert headers["content-type"] == content_type
    assert b"{{date" not in body


def test_etag_stays_the_same_while_the_dates_move(server: SampleServer, clock: FixedClock) -> None:
    _, first_headers, first_body = get(server, "/feeds/kpu.xml")
    clock.advance(days=3)
    _, second_headers, second_body = get(server, "/feeds/kpu.xml")

    assert first_body != second_body
    assert first_headers["etag"] == second_headers["etag"]
    assert first_headers["etag"].startswith('"')
    assert first_headers["last-modified"] == formatdate(MTIME, usegmt=True)


def test_etag_changes_when_the_file_changes(server: SampleServer, root: Path) -> None:
    _, before, _ = get(server, "/feeds/kpu.xml")
    (root / "feeds" / "kpu.xml").write_text(FEED + "<!-- new item -->", encoding="utf-8")
    _, after, _ = get(server, "/feeds/kpu.xml")

    assert before["etag"] != after["etag"]


def test_if_none_match_gets_304_and_is_counted(server: SampleServer) -> None:
    _, headers, _ = get(server, "/feeds/kpu.xml")

    status, again, body = get(server, "/feeds/kpu.xml", {"If-None-Match": headers["etag"]})

    assert status == 304
    assert body == b""
    assert again["etag"] == headers["etag"]
    assert server.requests["/feeds/kpu.xml"] == 2
    assert server.not_modified["/feeds/kpu.xml"] == 1
    assert server.total_requests == 2
    assert server.total_not_modified == 1


def test_other_etag_gets_the_full_feed(server: SampleServer) -> None:
    status, _, body = get(server, "/feeds/kpu.xml", {"If-None-Match": '"something-else"'})

    assert status == 200
    assert b"<rss" in body
    assert server.total_not_modified == 0


@pytest.mark.parametrize(
    ("since", "expected"),
    [(MTIME, 304), (MTIME + 3600, 304), (MTIME - 3600, 200)],
    ids=["same-time", "later", "earlier"],
)
def test_if_modified_since_compares_with_the_file_time(
    server: SampleServer, since: int, expected: int
) -> None:
    status, _, _ = get(
        server, "/feeds/kpu.xml", {"If-Modified-Since": formatdate(since, usegmt=True)}
    )

    assert status == expected


def test_gzip_when_the_client_accepts_it(server: SampleServer) -> None:
    _, plain_headers, plain = get(server, "/feeds/kpu.xml")
    status, headers, body = get(server, "/feeds/kpu.xml", {"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert "content-encoding" not in plain_headers


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/feeds/../../secret.txt", "/%2e%2e/secret.txt",
     "/feeds/%2e%2e%2f%2e%2e%2fsecret.txt", "/feeds/missing.xml", "/", "/feeds"],
)  # fmt: skip
def test_paths_outside_root_or_missing_are_404(server: SampleServer, path: str) -> None:
    status, _, body = get(server, path)

    assert status == 404
    assert b"not for you" not in body


def test_symlink_out_of_root_is_404(server: SampleServer, root: Path) -> None:
    (root / "feeds" / "link.txt").symlink_to(root.parent / "secret.txt")

    assert get(server, "/feeds/link.txt")[0] == 404


def test_http_fetcher_round_trip_with_conditional_get(server: SampleServer) -> None:
    source = Source(
        id="kpu",
        name="KPU",
        url=server.url("feeds/kpu.xml"),
        authority=Authority.KPU,
        allow_addresses=("127.0.0.1",),
    )
    fetcher = HttpFetcher(connect_timeout=1, read_timeout=1, total_budget=3)

    first = fetcher.fetch(source)
    second = fetcher.fetch(source, etag=first.etag, last_modified=first.last_modified)

    assert first.status == 200
    assert first.headers["content-encoding"] == "gzip"
    assert b"+0700</pubDate>" in first.body
    assert second.not_modified
    assert second.etag == first.etag
    assert server.not_modified["/feeds/kpu.xml"] == 1


def test_stops_when_leaving_the_context(root: Path) -> None:
    with SampleServer(root) as server:
        port = server.port

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    with pytest.raises(ConnectionRefusedError):
        connection.request("GET", "/feeds/kpu.xml")
    with pytest.raises(RuntimeError):
        _ = server.base_url
