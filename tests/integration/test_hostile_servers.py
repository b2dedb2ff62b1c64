"""HttpFetcher against hostile servers on loopback: each one stops in time and in memory.

The acceptance set for the fetch guards. Every test runs a real server in a
thread on 127.0.0.1, fetches through HttpFetcher with small limits, and checks
three things: the FetchError reason, that the fetch stopped within a generous
margin past its time budget, and that the memory it used at its peak
(tracemalloc, all threads) stayed under twice the body cap.
"""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from tests.doubles import FakeSite, Route, serving

from warta.core.errors import FetchError
from warta.core.model import Authority, Source
from warta.ingest.http import HttpFetcher

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
BODY_CAP = 1 * MiB
BUDGET = 1.5
MARGIN = 1.0
DRIP_EVERY = 0.1


@pytest.fixture
def site() -> Iterator[FakeSite]:
    # HTTP/1.1: connections stay open after an answer; only the fetcher's limits end a fetch.
    with serving(FakeSite(protocol="HTTP/1.1")) as running:
        yield running


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the fetcher opens a connection to; anything but loopback fails the test.

    No packet may leave for a private or metadata address, so the refusal must
    come before this point; the stand-in fails loudly instead of connecting.
    """
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def record(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append((address[0], address[1]))
        if address[0] != "127.0.0.1":
            raise AssertionError(f"the fetcher tried to connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", record)
    return opened


def source(url: str) -> Source:
    return Source(
        id="kpu-hostile",
        name="KPU (hostile)",
        url=url,
        authority=Authority.KPU,
        allow_addresses=("127.0.0.1",),
    )


def fetcher() -> HttpFetcher:
    return HttpFetcher(
        connect_timeout=0.5,
        read_timeout=0.5,
        total_budget=BUDGET,
        max_body_bytes=BODY_CAP,
        max_redirects=5,
    )


@dataclass
class Outcome:
    error: FetchError
    seconds: float
    peak_bytes: int


def hostile_fetch(url: str) -> Outcome:
    """Fetch `url`, expecting a FetchError; how long it took and its peak memory growth."""
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            fetcher().fetch(source(url))
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Outcome(caught.value, seconds, peak - baseline)


def assert_stopped_within_limits(outcome: Outcome) -> None:
    assert outcome.seconds < BUDGET + MARGIN, f"took {outcome.seconds:.2f} s"
    assert outcome.peak_bytes < 2 * BODY_CAP, f"peak {outcome.peak_bytes / MiB:.2f} MiB"


# -- a tarpit ------------------------------------------------------------------------


def drip(handler: BaseHTTPRequestHandler, head: bytes, stop: threading.Event) -> None:
    """Send `head` at once, then one byte every DRIP_EVERY seconds until told to stop."""
    handler.wfile.write(head)
    handler.wfile.flush()
    while not stop.wait(DRIP_EVERY):
        handler.wfile.write(b"x")
        handler.wfile.flush()


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n", id="body"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX-Tarpit: ", id="headers"),
        pytest.param(b"", id="status-line"),
    ],
)
def test_tarpit_stops_at_the_total_budget(
    site: FakeSite, connections: list[Any], head: bytes
) -> None:
    # Each byte comes well within the read timeout: only the total budget can end it.
    site.routes["/feed"] = lambda h: drip(h, head, site.release)

    outcome = hostile_fetch(site.url("/feed"))

    assert outcome.error.reason == "budget_exceeded"
    assert outcome.seconds >= BUDGET - 0.1  # it was the budget, not an early error
    assert_stopped_within_limits(outcome)


# -- a gzip bomb ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """100 MiB of zeros, gzip-compressed to about a tenth of a MiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    bomb = b"".join(packer.compress(zeros) for _ in range(100)) + packer.flush()
    assert len(bomb) < BODY_CAP // 4  # small on the wire: only decompression can catch it
    return bomb


@pytest.mark.parametrize("declare_length", [True, False], ids=["with-length", "streamed"])
def test_gzip_bomb_stops_at_the_body_cap(
    site: FakeSite, connections: list[Any], gzip_bomb: bytes, declare_length: bool
) -> None:
    def serve(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Encoding", "gzip")
        if declare_length:
            h.send_header("Content-Length", str(len(gzip_bomb)))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(gzip_bomb)

    site.routes["/feed"] = serve

    outcome = hostile_fetch(site.url("/feed"))

    assert outcome.error.reason == "body_too_large"
    assert_stopped_within_limits(outcome)


# -- redirects ---------------------------------------------------------------------------


def redirect(status: int, location: str) -> Route:
    def answer(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return answer


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_loop_stops_after_five_redirects(
    site: FakeSite, connections: list[Any], status: int
) -> None:
    site.routes["/a"] = redirect(status, "/b")
    site.routes["/b"] = redirect(status, site.url("/a"))

    outcome = hostile_fetch(site.url("/a"))

    assert outcome.error.reason == "too_many_redirects"
    assert site.paths() == ["/a", "/b", "/a", "/b", "/a", "/b"]  # the first ask and 5 redirects
    assert_stopped_within_limits(outcome)


@pytest.mark.parametrize(
    "location",
    [
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1:8080/admin",
        "http://[::ffff:10.0.0.1]/feed",
        "http://[fd00:ec2::254]/latest/meta-data/",
    ],
)
@pytest.mark.parametrize("status", [301, 302])
def test_redirect_to_a_private_address_is_refused_without_connecting(
    site: FakeSite, connections: list[tuple[str, int]], location: str, status: int
) -> None:
    site.routes["/feed"] = redirect(status, location)

    outcome = hostile_fetch(site.url("/feed"))

    assert outcome.error.reason == "address_refused"
    assert connections == [("127.0.0.1", site.port)]  # the first hop, and nothing after it
    assert site.paths() == ["/feed"]
    assert_stopped_within_limits(outcome)
