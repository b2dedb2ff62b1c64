"""HttpFetcher: GET a source over HTTP(S), following redirects, within one time budget.

HttpFetcher talks to http.client directly instead of urllib or requests so that
every step is ours to check: the host is resolved once (dns.py), each address
is checked against the address guard (address_guard.py), and the connection
goes to that exact address (pinned_connection.py; the Host header and TLS SNI
still carry the hostname). A DNS answer that changes between the check and the
connect can therefore not steer us elsewhere.

Every socket operation, the DNS lookup included, gets its own timeout, bounded
by what is left of the fetch's total budget (fetch_clock.py), so neither a hung
resolver nor a server that drips one byte at a time can hold a run hostage.
The body is read under a cap that applies after decompression (capped_body.py).
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from warta.core.errors import FetchError
from warta.core.model import FetchResult, Source
from warta.core.validate import printable, without_userinfo
from warta.ingest import address_guard
from warta.ingest.capped_body import MAX_BODY_BYTES, read_body
from warta.ingest.dns import resolve, resolve_within
from warta.ingest.fetch_clock import Deadline, timed
from warta.ingest.pinned_connection import PinnedConnection, PinnedTLSConnection

USER_AGENT = "Warta/0.1 (+https://github.com/warta)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_UNSAFE = re.compile(r"[^\x21-\x7e]+")


@dataclass(frozen=True, slots=True)
class _Reached:
    """The answer at the end of the redirects, and where the source has moved."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    moved_to: str | None
    """The last URL reached through permanent redirects only."""

    def result(self, etag: str | None, last_modified: str | None) -> FetchResult:
        """The FetchResult of a GET sent with these validators."""
        if self.status == 304:
            # Unchanged: the validators sent stand unless the server sent new ones.
            etag = self.headers.get("etag", etag)
            last_modified = self.headers.get("last-modified", last_modified)
        else:
            etag = self.headers.get("etag")
            last_modified = self.headers.get("last-modified")
        return FetchResult(
            url=self.url,
            status=self.status,
            body=self.body,
            headers=self.headers,
            etag=etag,
            last_modified=last_modified,
            permanent_redirect=self.moved_to,
        )


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _split(url: str) -> tuple[SplitResult, str, int]:
    shown = repr(printable(without_userinfo(url)))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("bad_url", f"{shown}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"{shown}: only http and https are fetched")
    if not parts.hostname:
        raise FetchError("bad_url", f"{shown} has no host")
    if "@" in parts.netloc:
        # A redirect may point at user:password@host: never sent, never stored, never shown.
        raise FetchError("bad_url", f"{shown} carries a user name or password")
    try:
        # Host header and SNI are ASCII: an internationalized name goes as its IDNA form.
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError("bad_url", f"{shown}: {exc}") from None
    return parts, host, port or (443 if scheme == "https" else 80)


def _request_target(parts: SplitResult) -> str:
    """Path and query, with what may not appear raw in a request line percent-encoded.

    A Location header or a hand-written sources file may carry spaces or
    non-ASCII letters, which http.client would refuse to send.
    """
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode("utf-8")), target)


def _redirect_target(url: str, status: int, headers: dict[str, str]) -> str:
    """Where a redirect answer from `url` points, resolved against `url`."""
    location = headers.get("location")
    if not location:
        raise FetchError(f"http_{status}", "redirect without Location", status=status)
    return urljoin(url, location.strip())


class HttpFetcher:
    """Fetcher for http and https sources. See the module docstring for the why."""

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        total_budget: float = 30.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_budget = total_budget
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._ssl_context = ssl_context
        self._clock = clock

    @property
    def ssl_context(self) -> ssl.SSLContext:
        # Made on first use: loading the CA store is wasted on http-only runs.
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    # -- the resolve -> check -> connect seam ---------------------------------
    def _resolve(self, host: str, port: int) -> list[str]:
        """The host's addresses, in the resolver's order, without duplicates."""
        return resolve(host, port)

    def address_allowed(self, source: Source, address: str) -> bool:
        """May this fetch connect to `address`? Public addresses, or those the source lists."""
        return address_guard.address_allowed(address, source.allow_addresses)

    def _allowed_addresses(
        self, source: Source, host: str, port: int, deadline: Deadline
    ) -> list[str]:
        """The host's addresses this fetch may connect to; raises FetchError when none."""
        addresses = resolve_within(
            lambda: self._resolve(host, port), host, deadline, self.connect_timeout
        )
        allowed = [a for a in addresses if self.address_allowed(source, a)]
        if not allowed:
            raise FetchError("address_refused", f"{host} resolves to {', '.join(addresses)}")
        return allowed

    # -- fetching --------------------------------------------------------------
    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        def get() -> FetchResult:
            deadline = Deadline(self.total_budget, self._clock)
            headers = self._request_headers(etag, last_modified)
            reached = self._follow_redirects(source, url or source.url, headers, deadline)
            return reached.result(etag, last_modified)

        return timed(self._clock, get)

    def _request_headers(self, etag: str | None, last_modified: str | None) -> dict[str, str]:
        """The headers of every GET of one fetch, conditional when validators are known."""
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _follow_redirects(
        self, source: Source, url: str, headers: dict[str, str], deadline: Deadline
    ) -> _Reached:
        """GET `url`, then each place it redirects to, up to max_redirects times."""
        current = url
        moved_to: str | None = None
        all_permanent = True
        for _ in range(self.max_redirects + 1):
            status, response_headers, body = self._request(source, current, headers, deadline)
            if status not in REDIRECTS:
                return _Reached(current, status, response_headers, body, moved_to)
            current = _redirect_target(current, status, response_headers)
            if status in PERMANENT_REDIRECTS and all_permanent:
                moved_to = current
            else:
                all_permanent = False
        raise FetchError("too_many_redirects", f"more than {self.max_redirects} redirects")

    def _request(
        self, source: Source, url: str, headers: dict[str, str], deadline: Deadline
    ) -> tuple[int, dict[str, str], bytes]:
        """One GET of one URL: (status, lower-cased headers, body). Raises FetchError."""
        parts, host, port = _split(url)
        path = _request_target(parts)
        addresses = self._allowed_addresses(source, host, port, deadline)

        last_error = FetchError("connection", f"{host}: no address to connect to")
        for address in addresses:
            connection = self._connection(parts.scheme.lower(), host, port, address, deadline)
            try:
                try:
                    connection.connect()
                except TimeoutError as exc:
                    last_error = FetchError(deadline.timeout_reason(), f"connect {address}")
                    last_error.__cause__ = exc
                    if deadline.budget_bound:
                        raise last_error from exc
                    continue
                except ssl.SSLError as exc:
                    raise FetchError("tls", f"{host}: {exc}") from exc
                except OSError as exc:
                    last_error = FetchError("connection", f"{address}:{port}: {exc}")
                    last_error.__cause__ = exc
                    continue
                return self._exchange(connection, path, headers, deadline)
            finally:
                connection.release()
        raise last_error

    def _connection(
        self, scheme: str, host: str, port: int, address: str, deadline: Deadline
    ) -> PinnedConnection:
        settings: dict[str, Any] = {
            "address": address,
            "deadline": deadline,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
        }
        if scheme == "https":
            return PinnedTLSConnection(host, port, context=self.ssl_context, **settings)
        return PinnedConnection(host, port, **settings)

    def _exchange(
        self,
        connection: PinnedConnection,
        path: str,
        headers: dict[str, str],
        deadline: Deadline,
    ) -> tuple[int, dict[str, str], bytes]:
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            status = response.status
            response_headers = _headers(response)
            if status >= 400:
                reason = "gone" if status == 410 else f"http_{status}"
                raise FetchError(
                    reason,
                    f"{status} {response.reason}",
                    status=status,
                    retry_after=response_headers.get("retry-after"),
                )
            if status in REDIRECTS or status == 304 or status == 204:
                return status, response_headers, b""
            if not 200 <= status < 300:
                raise FetchError(f"http_{status}", f"{status} {response.reason}", status=status)
            body = read_body(response, response_headers, self.max_body_bytes)
            return status, response_headers, body
        except TimeoutError as exc:
            raise FetchError(deadline.timeout_reason(), str(exc)) from exc
        except http.client.InvalidURL as exc:
            raise FetchError("bad_url", str(exc)) from exc
        except http.client.HTTPException as exc:
            raise FetchError("protocol", f"{type(exc).__name__}: {exc}") from exc
        except ssl.SSLError as exc:
            raise FetchError("tls", str(exc)) from exc
        except OSError as exc:
            raise FetchError("connection", str(exc)) from exc
