"""HttpFetcher and FileFetcher against real servers on loopback."""

from __future__ import annotations

import gzip
import ipaddress
import re
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import trustme
from tests.doubles import FakeSite, Route, serving

from warta.core.errors import FetchError
from warta.core.model import Authority, Source
from warta.ingest.address_guard import is_public_address
from warta.ingest.file_fetcher import FileFetcher, is_local
from warta.ingest.http import HttpFetcher

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>KPU</title></channel></rss>"
MiB = 1024 * 1024


def source(url: str = "http://127.0.0.1/", allow: tuple[str, ...] = ("127.0.0.1",)) -> Source:
    return Source(id="kpu", name="KPU", url=url, authority=Authority.KPU, allow_addresses=allow)


def fast_fetcher(**settings: Any) -> HttpFetcher:
    defaults: dict[str, Any] = {"connect_timeout": 0.5, "read_timeout": 0.5, "total_budget": 3.0}
    return HttpFetcher(**{**defaults, **settings})


def reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    length: bool = True,
) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if length:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body:
        handler.wfile.write(body)


@pytest.fixture
def site() -> Iterator[FakeSite]:
    with serving(FakeSite()) as running:
        yield running


def reason_of(call: Callable[[], object]) -> FetchError:
    with pytest.raises(FetchError) as caught:
        call()
    return caught.value


# -- a plain fetch -------------------------------------------------------------


def test_fetches_body_with_lowercased_headers_and_validators(site: FakeSite) -> None:
    @site.route("/feed")
    def feed(h: BaseHTTPRequestHandler) -> None:
        reply(
            h,
            200,
            FEED,
            {
                "Content-Type": "application/rss+xml",
                "ETag": '"v1"',
                "Last-Modified": "Tue, 21 Mar 2023 02:30:00 GMT",
            },
        )

    result = fast_fetcher().fetch(source(site.url("/feed")))

    assert result.status == 200
    assert result.body == FEED
    assert result.url == site.url("/feed")
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 21 Mar 2023 02:30:00 GMT"
    assert result.permanent_redirect is None
    assert result.elapsed_ms > 0


def test_fetches_the_url_argument_instead_of_the_sources_url(site: FakeSite) -> None:
    site.route("/moved")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/old")), url=site.url("/moved"))

    assert result.body == FEED
    assert site.paths() == ["/moved"]


def test_sends_an_honest_user_agent_and_asks_for_feeds_compressed(site: FakeSite) -> None:
    site.route("/feed")(lambda h: reply(h, 200, FEED))

    fast_fetcher().fetch(source(site.url("/feed?x=1")))

    headers = site.seen[0].headers
    assert site.seen[0].path == "/feed?x=1"
    assert headers["user-agent"].startswith("Warta/")
    assert "gzip" in headers["accept-encoding"]
    assert "deflate" in headers["accept-encoding"]
    assert "application/rss+xml" in headers["accept"]
    assert headers["host"] == f"127.0.0.1:{site.port}"
    assert "if-none-match" not in headers
    assert "if-modified-since" not in headers


def test_spaces_and_non_ascii_in_the_url_are_percent_encoded(site: FakeSite) -> None:
    site.route("/berita%20terkini/pem%C3%BClu.xml")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/berita terkini/pemülu.xml")))

    assert result.body == FEED


# -- conditional GET -------------------------------------------------------------


def test_second_fetch_with_the_etag_gets_304_and_keeps_the_validators(site: FakeSite) -> None:
    @site.route("/feed")
    def feed(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            reply(h, 304, headers={"ETag": '"v1"'}, length=False)
        else:
            reply(h, 200, FEED, {"ETag": '"v1"', "Last-Modified": "Tue, 21 Mar 2023 02:30:00 GMT"})

    fetcher = fast_fetcher()
    first = fetcher.fetch(source(site.url("/feed")))
    second = fetcher.fetch(
        source(site.url("/feed")), etag=first.etag, last_modified=first.last_modified
    )

    assert second.status == 304
    assert second.not_modified
    assert second.body == b""
    assert second.etag == '"v1"'
    assert second.last_modified == "Tue, 21 Mar 2023 02:30:00 GMT"
    assert site.seen[1].headers["if-none-match"] == '"v1"'
    assert site.seen[1].headers["if-modified-since"] == "Tue, 21 Mar 2023 02:30:00 GMT"


def test_304_without_validators_in_the_response_returns_the_ones_sent(site: FakeSite) -> None:
    site.route("/feed")(lambda h: reply(h, 304, length=False))

    result = fast_fetcher().fetch(
        source(site.url("/feed")), etag='"abc"', last_modified="Mon, 20 Mar 2023 00:00:00 GMT"
    )

    assert result.status == 304
    assert result.etag == '"abc"'
    assert result.last_modified == "Mon, 20 Mar 2023 00:00:00 GMT"


# -- content encodings --------------------------------------------------------------


def test_gzip_body_is_decoded(site: FakeSite) -> None:
    site.route("/feed")(lambda h: reply(h, 200, gzip.compress(FEED), {"Content-Encoding": "gzip"}))

    assert fast_fetcher().fetch(source(site.url("/feed"))).body == FEED


@pytest.mark.parametrize(
    "encoded",
    [zlib.compress(FEED), zlib.compress(FEED)[2:-4]],
    ids=["zlib-wrapped", "raw-deflate"],
)
def test_deflate_body_is_decoded_wrapped_or_raw(site: FakeSite, encoded: bytes) -> None:
    site.route("/feed")(lambda h: reply(h, 200, encoded, {"Content-Encoding": "deflate"}))

    assert fast_fetcher().fetch(source(site.url("/feed"))).body == FEED


def test_unasked_for_encoding_is_refused(site: FakeSite) -> None:
    site.route("/feed")(lambda h: reply(h, 200, b"\x0b\x01\x80", {"Content-Encoding": "br"}))

    assert reason_of(lambda: fast_fetcher().fetch(source(site.url("/feed")))).reason == "encoding"


def test_corrupt_gzip_is_an_encoding_error(site: FakeSite) -> None:
    site.route("/feed")(lambda h: reply(h, 200, b"not gzip at all", {"Content-Encoding": "gzip"}))

    assert reason_of(lambda: fast_fetcher().fetch(source(site.url("/feed")))).reason == "encoding"


# -- the body cap -----------------------------------------------------------------


def test_declared_oversized_body_is_refused_before_reading(site: FakeSite) -> None:
    site.route("/big")(lambda h: reply(h, 200, b"x" * (2 * MiB)))

    error = reason_of(lambda: fast_fetcher(max_body_bytes=MiB).fetch(source(site.url("/big"))))

    assert error.reason == "body_too_large"


def test_undeclared_oversized_body_stops_at_the_cap(site: FakeSite) -> None:
    @site.route("/stream")
    def stream(h: BaseHTTPRequestHandler) -> None:
        # HTTP/1.0 without Content-Length: the body runs until the server hangs up.
        reply(h, 200, headers={"Content-Type": "application/rss+xml"}, length=False)
        for _ in range(64):
            h.wfile.write(b"x" * 64 * 1024)

    error = reason_of(lambda: fast_fetcher(max_body_bytes=MiB).fetch(source(site.url("/stream"))))

    assert error.reason == "body_too_large"


def test_body_exactly_at_the_cap_is_accepted(site: FakeSite) -> None:
    site.route("/edge")(
        lambda h: reply(h, 200, gzip.compress(b"y" * 1000), {"Content-Encoding": "gzip"})
    )

    assert len(fast_fetcher(max_body_bytes=1000).fetch(source(site.url("/edge"))).body) == 1000


def test_gzip_bomb_stops_at_the_cap_without_inflating_it(site: FakeSite) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    bomb = b"".join(packer.compress(zeros) for _ in range(50)) + packer.flush()
    assert len(bomb) < MiB  # 50 MiB of zeros, well under the cap on the wire
    site.route("/bomb")(lambda h: reply(h, 200, bomb, {"Content-Encoding": "gzip"}))

    tracemalloc.start()
    try:
        error = reason_of(lambda: fast_fetcher(max_body_bytes=MiB).fetch(source(site.url("/bomb"))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert error.reason == "body_too_large"
    assert peak < 8 * MiB


def test_truncated_body_is_a_protocol_error(site: FakeSite) -> None:
    @site.route("/short")
    def short(h: BaseHTTPRequestHandler) -> None:
        reply(h, 200, headers={"Content-Length": "1000"}, length=False)
        h.wfile.write(b"only this")

    assert reason_of(lambda: fast_fetcher().fetch(source(site.url("/short")))).reason == "protocol"


# -- redirects -------------------------------------------------------------------------


def redirect(status: int, location: str) -> Route:
    return lambda h: reply(h, status, headers={"Location": location})


def test_permanent_redirect_is_followed_and_reported(site: FakeSite) -> None:
    site.route("/old")(redirect(301, site.url("/feed")))
    site.route("/feed")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/old")))

    assert result.body == FEED
    assert result.url == site.url("/feed")
    assert result.permanent_redirect == site.url("/feed")


@pytest.mark.parametrize("status", [302, 303, 307])
def test_temporary_redirect_is_followed_but_not_reported_as_a_move(
    site: FakeSite, status: int
) -> None:
    site.route("/today")(redirect(status, "/feed"))
    site.route("/feed")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/today")))

    assert result.url == site.url("/feed")
    assert result.permanent_redirect is None


def test_relative_location_is_resolved_against_the_current_url(site: FakeSite) -> None:
    site.route("/rss/old.xml")(redirect(308, "new.xml"))
    site.route("/rss/new.xml")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/rss/old.xml")))

    assert result.url == site.url("/rss/new.xml")
    assert result.permanent_redirect == site.url("/rss/new.xml")


def test_move_ends_where_a_temporary_redirect_begins(site: FakeSite) -> None:
    site.route("/a")(redirect(301, "/b"))
    site.route("/b")(redirect(302, "/c"))
    site.route("/c")(lambda h: reply(h, 200, FEED))

    result = fast_fetcher().fetch(source(site.url("/a")))

    assert result.url == site.url("/c")
    assert result.permanent_redirect == site.url("/b")


def test_redirect_loop_stops_at_the_cap(site: FakeSite) -> None:
    site.route("/loop")(redirect(302, "/loop"))

    error = reason_of(lambda: fast_fetcher(max_redirects=3).fetch(source(site.url("/loop"))))

    assert error.reason == "too_many_redirects"
    assert len(site.seen) == 4


def test_redirect_to_a_url_with_credentials_is_refused_without_showing_them(
    site: FakeSite,
) -> None:
    moved = site.url("/feed").replace("://", "://pengguna:rahasia@")
    site.route("/old")(redirect(301, moved))
    site.route("/feed")(lambda h: reply(h, 200, FEED))

    with pytest.raises(FetchError) as caught:
        fast_fetcher().fetch(source(site.url("/old")))

    assert caught.value.reason == "bad_url"
    assert "rahasia" not in str(caught.value) and "pengguna" not in str(caught.value)
    assert site.paths() == ["/old"]


def test_redirect_to_another_scheme_is_refused(site: FakeSite) -> None:
    site.route("/old")(redirect(301, "file:///etc/passwd"))

    assert reason_of(lambda: fast_fetcher().fetch(source(site.url("/old")))).reason == "bad_scheme"


def test_304_after_a_permanent_redirect_still_reports_the_move(site: FakeSite) -> None:
    site.route("/old")(redirect(301, "/feed"))
    site.route("/feed")(lambda h: reply(h, 304, length=False))

    result = fast_fetcher().fetch(source(site.url("/old")), etag='"v1"')

    assert result.status == 304
    assert result.permanent_redirect == site.url("/feed")


# -- error statuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason"), [(404, "http_404"), (410, "gone"), (500, "http_500"), (403, "http_403")]
)
def test_error_status_raises_with_reason_and_status(
    site: FakeSite, status: int, reason: str
) -> None:
    site.route("/x")(lambda h: reply(h, status, b"error page"))

    error = reason_of(lambda: fast_fetcher().fetch(source(site.url("/x"))))

    assert error.reason == reason
    assert error.status == status


@pytest.mark.parametrize("value", ["120", "Sat, 28 Nov 2026 06:00:00 GMT"])
def test_refusal_carries_the_servers_retry_after(site: FakeSite, value: str) -> None:
    site.route("/busy")(lambda h: reply(h, 503, b"busy", headers={"Retry-After": value}))

    error = reason_of(lambda: fast_fetcher().fetch(source(site.url("/busy"))))

    assert (error.reason, error.retry_after) == ("http_503", value)


def test_redirect_without_location_is_an_error(site: FakeSite) -> None:
    site.route("/x")(lambda h: reply(h, 302))

    assert reason_of(lambda: fast_fetcher().fetch(source(site.url("/x")))).reason == "http_302"


# -- network failures --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/feed"

    assert reason_of(lambda: fast_fetcher().fetch(source(url))).reason == "connection"


def test_silent_server_hits_the_read_timeout(site: FakeSite) -> None:
    @site.route("/slow")
    def never_answers(h: BaseHTTPRequestHandler) -> None:
        site.release.wait(5)

    fetcher = fast_fetcher(read_timeout=0.3, total_budget=5)

    started = time.monotonic()
    error = reason_of(lambda: fetcher.fetch(source(site.url("/slow"))))

    assert error.reason == "timeout"
    assert time.monotonic() - started < 2


def test_server_dripping_bytes_runs_out_the_total_budget(site: FakeSite) -> None:
    @site.route("/drip")
    def drip(h: BaseHTTPRequestHandler) -> None:
        reply(h, 200, headers={"Content-Length": "10000"}, length=False)
        while not site.release.wait(0.05):
            h.wfile.write(b"x")
            h.wfile.flush()

    fetcher = fast_fetcher(read_timeout=0.5, total_budget=0.4)

    started = time.monotonic()
    error = reason_of(lambda: fetcher.fetch(source(site.url("/drip"))))

    assert error.reason == "budget_exceeded"
    assert time.monotonic() - started < 1.5


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)

    error = reason_of(lambda: fast_fetcher().fetch(source("http://rss.kpu.invalid/feed")))

    assert error.reason == "dns"


def loopback_answer(host: str, port: int) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]


@dataclass
class HungResolver:
    """socket.getaddrinfo stand-in that blocks until released; counts the lookups it got."""

    release: threading.Event = field(default_factory=threading.Event)
    calls: int = 0

    def __call__(self, host: str, port: int, *args: object, **kwargs: object) -> list[Any]:
        self.calls += 1
        self.release.wait(60)
        return loopback_answer(host, port)


@pytest.fixture
def hung_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HungResolver]:
    resolver = HungResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    try:
        yield resolver
    finally:
        # Lets the abandoned lookups return, so no worker stays blocked after the test.
        resolver.release.set()


@pytest.mark.parametrize(
    ("connect_timeout", "total_budget", "reason"),
    [(0.3, 5.0, "dns"), (5.0, 0.3, "budget_exceeded")],
)
def test_hung_resolver_stops_at_the_connect_timeout_or_the_budget(
    hung_resolver: HungResolver, connect_timeout: float, total_budget: float, reason: str
) -> None:
    fetcher = fast_fetcher(connect_timeout=connect_timeout, total_budget=total_budget)

    started = time.monotonic()
    error = reason_of(lambda: fetcher.fetch(source("http://rss.kpu.example/feed")))

    assert error.reason == reason
    # The wait it names is what was left of the smaller limit when the lookup began:
    # 0.3 s, or a little less once the budget has been spending for a moment.
    waited = re.search(
        r"lookup of rss\.kpu\.example took longer than (\d+(?:\.\d+)?) s$", str(error)
    )
    assert waited is not None, str(error)
    assert 0.2 < float(waited.group(1)) <= 0.3
    assert time.monotonic() - started < 2
    assert hung_resolver.calls == 1


def test_lookups_queued_behind_hung_ones_time_out_and_the_resolver_recovers(
    hung_resolver: HungResolver, site: FakeSite
) -> None:
    site.route("/feed")(lambda h: reply(h, 200, FEED))
    fetcher = fast_fetcher(connect_timeout=0.2)
    url = f"http://rss.kpu.example:{site.port}/feed"

    # More hung lookups than there are lookup workers: the last ones never start.
    reasons = [reason_of(lambda: fetcher.fetch(source(url))).reason for _ in range(6)]
    hung_resolver.release.set()

    assert reasons == ["dns"] * 6
    assert fetcher.fetch(source(url)).body == FEED
    assert site.paths() == ["/feed"]


def test_named_host_is_looked_up_and_fetched(
    monkeypatch: pytest.MonkeyPatch, site: FakeSite
) -> None:
    site.route("/feed")(lambda h: reply(h, 200, FEED))
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int, *args: object, **kwargs: object) -> list[Any]:
        asked.append((host, port))
        return loopback_answer(host, port)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    result = fast_fetcher().fetch(source(f"http://rss.kpu.example:{site.port}/feed"))

    assert result.body == FEED
    # The second call is socket.create_connection reading the pinned numeric address.
    assert asked == [("rss.kpu.example", site.port), ("127.0.0.1", site.port)]
    assert site.seen[0].headers["host"] == f"rss.kpu.example:{site.port}"


@pytest.mark.parametrize("url", ["ftp://kpu.go.id/feed.xml", "file:///etc/passwd", "/etc/passwd"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    assert reason_of(lambda: fast_fetcher().fetch(source(url))).reason == "bad_scheme"


# -- the address guard ---------------------------------------------------------------------


def test_loopback_not_in_the_allow_list_is_refused_before_connecting() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/feed"

        error = reason_of(lambda: fast_fetcher().fetch(source(url, allow=())))

        assert error.reason == "address_refused"
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected


class ResolvesTo(HttpFetcher):
    """A fetcher whose DNS answers with fixed addresses."""

    def __init__(self, addresses: list[str], **settings: Any) -> None:
        super().__init__(**{"connect_timeout": 0.5, "read_timeout": 0.5, **settings})
        self.addresses = addresses
        self.asked: list[tuple[str, int]] = []

    def _resolve(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.addresses


def test_connects_to_the_checked_address_with_the_hostname_in_host_header(
    site: FakeSite,
) -> None:
    site.route("/feed")(lambda h: reply(h, 200, FEED))
    fetcher = ResolvesTo(["10.20.30.40", "127.0.0.1"])
    url = f"http://rss.kpu.example:{site.port}/feed"

    result = fetcher.fetch(source(url))

    assert result.body == FEED
    assert fetcher.asked == [("rss.kpu.example", site.port)]
    assert site.seen[0].headers["host"] == f"rss.kpu.example:{site.port}"


@pytest.mark.parametrize(
    "address", ["10.0.0.8", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1"]
)
def test_name_resolving_to_an_internal_address_is_refused(address: str) -> None:
    fetcher = ResolvesTo([address])

    error = reason_of(lambda: fetcher.fetch(source("http://rss.kpu.example/feed", allow=())))

    assert error.reason == "address_refused"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "100.64.0.1", "100.127.255.254",
        "169.254.169.254", "0.0.0.0", "224.0.0.251", "255.255.255.255",  # noqa: S104
        "::1", "::", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1",
    ],
)  # fmt: skip
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["103.10.64.10", "8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"]
)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_allow_list_lets_exactly_its_addresses_through() -> None:
    fetcher = HttpFetcher()
    listed = source(allow=("127.0.0.1", "fd00::1"))

    assert fetcher.address_allowed(listed, "127.0.0.1")
    assert fetcher.address_allowed(listed, "fd00:0::1")
    assert not fetcher.address_allowed(listed, "127.0.0.2")
    assert not fetcher.address_allowed(listed, "not an address")


# -- FileFetcher ------------------------------------------------------------------------------


def test_file_fetcher_reads_a_path_and_a_file_url(tmp_path: Path) -> None:
    feed = tmp_path / "kpu.xml"
    feed.write_bytes(FEED)
    fetcher = FileFetcher()

    by_path = fetcher.fetch(source(str(feed)))
    by_url = fetcher.fetch(source("x"), url=feed.as_uri())

    assert by_path.status == by_url.status == 200
    assert by_path.body == by_url.body == FEED
    assert by_path.url == by_url.url == str(feed)


def test_file_fetcher_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as handle:
        handle.truncate(20 * 1024 * MiB)  # sparse: 20 GiB that take no disk

    started = time.monotonic()
    error = reason_of(lambda: FileFetcher(max_body_bytes=MiB).fetch(source(str(huge))))

    assert error.reason == "body_too_large"
    assert time.monotonic() - started < 1


def test_file_fetcher_missing_file(tmp_path: Path) -> None:
    error = reason_of(lambda: FileFetcher().fetch(source(str(tmp_path / "nope.xml"))))

    assert error.reason == "not_found"


@pytest.mark.parametrize(
    ("url", "local"),
    [("/srv/feeds/kpu.xml", True), ("events/feeds/kpu.xml", True), ("file:///srv/kpu.xml", True),
     ("http://kpu.go.id/rss", False), ("https://kpu.go.id/rss", False)],
)  # fmt: skip
def test_is_local_tells_file_sources_from_web_sources(url: str, local: bool) -> None:
    assert is_local(url) is local


# -- TLS to a pinned address ------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway CA and a certificate it issued for rss.kpu.example: (CA file, key + chain)."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("rss.kpu.example")
    ca_file, chain = folder / "ca.pem", folder / "chain.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued.private_key_and_cert_chain_pem.write_to_path(str(chain))
    return ca_file, chain


@pytest.fixture
def tls_site(certificate: tuple[Path, Path]) -> Iterator[FakeSite]:
    _, chain = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    with serving(FakeSite(), tls=context) as running:
        yield running


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def test_https_to_the_checked_address_verifies_the_hostname(
    tls_site: FakeSite, certificate: tuple[Path, Path]
) -> None:
    tls_site.route("/feed")(
        lambda h: reply(h, 200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
    )
    fetcher = ResolvesTo(["127.0.0.1"], ssl_context=trusting(certificate[0]))

    result = fetcher.fetch(source(f"https://rss.kpu.example:{tls_site.port}/feed"))

    assert result.body == FEED
    assert tls_site.seen[0].headers["host"] == f"rss.kpu.example:{tls_site.port}"


def test_https_certificate_for_another_name_is_a_tls_error(
    tls_site: FakeSite, certificate: tuple[Path, Path]
) -> None:
    tls_site.route("/feed")(lambda h: reply(h, 200, FEED))
    fetcher = ResolvesTo(["127.0.0.1"], ssl_context=trusting(certificate[0]))

    error = reason_of(
        lambda: fetcher.fetch(source(f"https://bawaslu.example:{tls_site.port}/feed"))
    )

    assert error.reason == "tls"
    assert tls_site.seen == []
