"""Fetchers: GET a source over HTTP(S), or read it from a local file.

HttpFetcher talks to http.client directly instead of urllib or requests so that
every step is ours to check: the host is resolved once, each address is checked
against the address guard, and the connection goes to that exact address (the
Host header and TLS SNI still carry the hostname). A DNS answer that changes
between the check and the connect can therefore not steer us elsewhere.

Every socket operation, the DNS lookup included, gets its own timeout, bounded
by what is left of the fetch's total budget, so neither a hung resolver nor a
server that drips one byte at a time can hold a run hostage. The body cap
applies after decompression and decompression is fed in bounded steps, so a
gzip bomb stops at the cap instead of filling memory.
"""

from __future__ import annotations

import http.client
import ipaddress
import queue
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from io import BufferedReader, RawIOBase
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import SplitResult, urljoin, urlsplit
from urllib.request import url2pathname

from warta.core.errors import FetchError
from warta.core.model import FetchResult, Source

USER_AGENT = "Warta/0.1 (+https://github.com/warta)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
MAX_BODY_BYTES = 5 * 1024 * 1024
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_CHUNK = 64 * 1024
_UNSAFE = re.compile(r"[^\x21-\x7e]+")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# 64:ff9b::/96 carries an IPv4 address through NAT64; the embedded address is
# what is really reached, so it is the one to check.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_T = TypeVar("_T")


def is_public_address(ip: Address) -> bool:
    """True for an address on the public internet; False for anything internal.

    Refuses loopback, private, link-local (cloud metadata lives there), CGNAT,
    unique-local, site-local, multicast, reserved and unspecified addresses,
    including IPv4 ones wrapped in IPv6 (mapped, NAT64, 6to4).
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    return ip.is_global and not ip.is_multicast


class _Deadline:
    """What is left of a fetch's total budget, handed out one socket operation at a time."""

    def __init__(self, budget: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._end = clock() + budget
        self.budget_bound = False
        """Whether the last timeout handed out was cut short by the budget."""

    def timeout(self, per_operation: float) -> float:
        left = self._end - self._clock()
        if left <= 0:
            self.budget_bound = True
            raise TimeoutError("fetch budget exhausted")
        self.budget_bound = left < per_operation
        return min(per_operation, left)

    def timeout_reason(self) -> str:
        return "budget_exceeded" if self.budget_bound else "timeout"


class _LookupPool:
    """A few daemon threads that run DNS lookups, so a caller can stop waiting for one.

    getaddrinfo takes no timeout and a thread blocked in it cannot be killed: a
    lookup that outlives its wait is abandoned and keeps its worker until the
    resolver gives up, if it ever does. The worker count is fixed so that a
    storm of hung lookups cannot grow threads without bound; once every worker
    is stuck, new lookups queue and their waits time out like any other.

    concurrent.futures.ThreadPoolExecutor is not used because it joins its
    workers at interpreter exit, so a single abandoned lookup would hang the
    process on its way out; these workers are daemons and do not hold it.
    """

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = False

    def submit(self, job: Callable[[], _T]) -> Future[_T]:
        self._start()
        future: Future[_T] = Future()
        self._jobs.put((future, job))
        return future

    def _start(self) -> None:
        # Started on first use so that importing the module starts no threads.
        with self._lock:
            if self._started:
                return
            for n in range(self._workers):
                name = f"warta-dns-{n}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
            self._started = True

    def _work(self) -> None:
        while True:
            future, job = self._jobs.get()
            # False when the caller gave up while the job was still queued.
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = job()
            except BaseException as exc:  # handed to the caller, who re-raises it
                future.set_exception(exc)
            else:
                future.set_result(result)
            # An idle worker should not keep the last lookup (and its fetcher) alive.
            del future, job


_LOOKUPS = _LookupPool(workers=4)


class _DeadlineReader(RawIOBase):
    """Raw reader for http.client's response: re-arms the socket timeout before every read.

    http.client reads the status line, headers and body through one buffered
    file; without this, a per-operation timeout alone would let a slow server
    stretch a fetch to (number of reads) x (read timeout).
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline, read_timeout: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.timeout(self._read_timeout))
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """The socket as http.client sees it: every send and read is bounded by the deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, read_timeout: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._read_timeout = read_timeout

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.timeout(self._read_timeout))
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> BufferedReader:
        return BufferedReader(_DeadlineReader(self._sock, self._deadline, self._read_timeout))

    def close(self) -> None:
        # http.client closes its socket as soon as a response says "Connection:
        # close", while the body is still to be read through makefile(); a real
        # socket survives that by counting its files, this wrapper by leaving
        # the closing to _PinnedConnection.release().
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _PinnedConnection(http.client.HTTPConnection):
    """Plain HTTP to one checked address; `host` only names the site in the Host header."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: str,
        deadline: _Deadline,
        connect_timeout: float,
        read_timeout: float,
    ) -> None:
        super().__init__(host, port)
        self._address = address
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._opened: list[socket.socket] = []

    def _open(self) -> socket.socket:
        timeout = self._deadline.timeout(self._connect_timeout)
        sock = socket.create_connection((self._address, self.port), timeout=timeout)
        self._opened.append(sock)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def release(self) -> None:
        """Close the connection for good, sockets included (see _DeadlineSocket.close)."""
        self.close()
        while self._opened:
            self._opened.pop().close()

    def _bound(self, sock: socket.socket) -> Any:
        return _DeadlineSocket(sock, self._deadline, self._read_timeout)

    def connect(self) -> None:
        self.sock = self._bound(self._open())


class _PinnedTLSConnection(_PinnedConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, *, context: ssl.SSLContext, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._context = context

    def connect(self) -> None:
        sock = self._open()
        try:
            # The handshake is part of connecting, so it gets the connect timeout.
            sock.settimeout(self._deadline.timeout(self._connect_timeout))
            tls = self._context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            self.release()
            raise
        self._opened.append(tls)
        self.sock = self._bound(tls)


class _BodyReader:
    """Collects a response body, decoding gzip/deflate, refusing to grow past the cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        self._cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        self.wire = 0
        self._started = False
        self._decoder: Any = None
        self._raw_deflate_retry = False
        encodings = [e.strip() for e in encoding.lower().split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if not encodings:
            return
        if len(encodings) > 1:
            raise FetchError("encoding", f"stacked content encodings {encoding!r}")
        if encodings[0] in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encodings[0] == "deflate":
            # "deflate" should be zlib-wrapped, but some servers send raw deflate.
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS)
            self._raw_deflate_retry = True
        else:
            raise FetchError("encoding", f"unsupported content encoding {encoding!r}")

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchError("body_too_large", f"body over {self._cap} bytes")
        if data:
            self._parts.append(data)

    def feed(self, data: bytes) -> None:
        # The wire is capped too: compressed trailing garbage would otherwise be unbounded.
        self.wire += len(data)
        if self.wire > self._cap:
            raise FetchError("body_too_large", f"body over {self._cap} bytes")
        if self._decoder is None:
            self._add(data)
            return
        first = not self._started
        self._started = True
        pending = data
        while pending:
            try:
                # At most one byte past the cap: enough to know it is too big.
                # And at most one chunk per step: zlib builds its output in
                # blocks and then joins them, so a single step of up to the
                # whole cap would briefly hold twice the cap in memory.
                limit = min(_CHUNK, self._cap - self._size + 1)
                out = self._decoder.decompress(pending, limit)
            except zlib.error as exc:
                if first and self._raw_deflate_retry:
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._raw_deflate_retry = False
                    continue
                raise FetchError("encoding", f"corrupt compressed body: {exc}") from exc
            first = False
            self._add(out)
            pending = self._decoder.unconsumed_tail

    def finish(self) -> bytes:
        if self._decoder is not None:
            try:
                self._add(self._decoder.flush())
            except zlib.error as exc:
                raise FetchError("encoding", f"corrupt compressed body: {exc}") from exc
        return b"".join(self._parts)


def _headers(response: http.client.HTTPResponse) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _split(url: str) -> tuple[SplitResult, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("bad_url", f"{url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_scheme", f"{url!r}: only http and https are fetched")
    if not parts.hostname:
        raise FetchError("bad_url", f"{url!r} has no host")
    try:
        # Host header and SNI are ASCII: an internationalized name goes as its IDNA form.
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError("bad_url", f"{url!r}: {exc}") from exc
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
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError("dns", f"{host}: {exc}") from exc
        addresses: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in addresses:
                addresses.append(address)
        return addresses

    def _resolve_within(self, host: str, port: int, deadline: _Deadline) -> list[str]:
        """`_resolve`, given at most the connect timeout and never more than the budget left."""
        try:
            timeout = deadline.timeout(self.connect_timeout)
        except TimeoutError as exc:
            raise FetchError("budget_exceeded", f"no budget left to look up {host}") from exc
        lookup = _LOOKUPS.submit(lambda: self._resolve(host, port))
        if not wait_for([lookup], timeout=timeout).done:
            # A lookup still queued behind hung ones is dropped; a running one
            # cannot be stopped and is left to finish on its own (see _LookupPool).
            lookup.cancel()
            reason = "budget_exceeded" if deadline.budget_bound else "dns"
            raise FetchError(reason, f"lookup of {host} took longer than {timeout:.3g} s")
        return lookup.result()

    def address_allowed(self, source: Source, address: str) -> bool:
        """May this fetch connect to `address`? Public addresses, or those the source lists."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if any(_same_address(ip, allowed) for allowed in source.allow_addresses):
            return True
        return is_public_address(ip)

    # -- fetching --------------------------------------------------------------
    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        started = self._clock()
        deadline = _Deadline(self.total_budget, self._clock)
        current = url or source.url
        # The last URL reached through permanent redirects only: where the source has moved.
        moved_to: str | None = None
        all_permanent = True
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        for _ in range(self.max_redirects + 1):
            status, response_headers, body = self._request(source, current, headers, deadline)
            if status in REDIRECTS:
                location = response_headers.get("location")
                if not location:
                    raise FetchError(f"http_{status}", "redirect without Location", status=status)
                current = urljoin(current, location.strip())
                if status in PERMANENT_REDIRECTS and all_permanent:
                    moved_to = current
                else:
                    all_permanent = False
                continue

            elapsed_ms = (self._clock() - started) * 1000
            if status == 304:
                return FetchResult(
                    url=current,
                    status=304,
                    headers=response_headers,
                    etag=response_headers.get("etag", etag),
                    last_modified=response_headers.get("last-modified", last_modified),
                    permanent_redirect=moved_to,
                    elapsed_ms=elapsed_ms,
                )
            return FetchResult(
                url=current,
                status=status,
                body=body,
                headers=response_headers,
                etag=response_headers.get("etag"),
                last_modified=response_headers.get("last-modified"),
                permanent_redirect=moved_to,
                elapsed_ms=elapsed_ms,
            )
        raise FetchError("too_many_redirects", f"more than {self.max_redirects} redirects")

    def _request(
        self, source: Source, url: str, headers: dict[str, str], deadline: _Deadline
    ) -> tuple[int, dict[str, str], bytes]:
        """One GET of one URL: (status, lower-cased headers, body). Raises FetchError."""
        parts, host, port = _split(url)
        path = _request_target(parts)

        addresses = self._resolve_within(host, port, deadline)
        allowed = [a for a in addresses if self.address_allowed(source, a)]
        if not allowed:
            raise FetchError("address_refused", f"{host} resolves to {', '.join(addresses)}")

        last_error = FetchError("connection", f"{host}: no address to connect to")
        for address in allowed:
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
        self, scheme: str, host: str, port: int, address: str, deadline: _Deadline
    ) -> _PinnedConnection:
        settings: dict[str, Any] = {
            "address": address,
            "deadline": deadline,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
        }
        if scheme == "https":
            return _PinnedTLSConnection(host, port, context=self.ssl_context, **settings)
        return _PinnedConnection(host, port, **settings)

    def _exchange(
        self,
        connection: _PinnedConnection,
        path: str,
        headers: dict[str, str],
        deadline: _Deadline,
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
            return status, response_headers, self._read_body(response, response_headers)
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

    def _read_body(self, response: http.client.HTTPResponse, headers: dict[str, str]) -> bytes:
        encoding = headers.get("content-encoding", "")
        declared = headers.get("content-length", "")
        # Refuse at once what announces itself as too big: no point reading it.
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise FetchError("body_too_large", f"Content-Length {declared}")
        reader = _BodyReader(encoding, self.max_body_bytes)
        while chunk := response.read(_CHUNK):
            reader.feed(chunk)
        # http.client returns a short body without complaint when the server hangs up.
        if declared.isdigit() and reader.wire < int(declared):
            raise FetchError("protocol", f"body ended after {reader.wire} of {declared} bytes")
        return reader.finish()


def _same_address(ip: Address, text: str) -> bool:
    try:
        return ip == ipaddress.ip_address(text)
    except ValueError:
        return False


class FileFetcher:
    """Fetcher for local files (`file:` URLs or plain paths), for the demo and tests."""

    def __init__(self, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes

    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        started = time.monotonic()
        path = local_path(url or source.url)
        try:
            with path.open("rb") as handle:
                # One byte past the cap tells us it is too big without reading it all.
                body = handle.read(self.max_body_bytes + 1)
        except FileNotFoundError as exc:
            raise FetchError("not_found", str(path)) from exc
        except OSError as exc:
            raise FetchError("io", f"{path}: {exc}") from exc
        if len(body) > self.max_body_bytes:
            raise FetchError("body_too_large", f"{path} is over {self.max_body_bytes} bytes")
        return FetchResult(
            url=str(path),
            status=200,
            body=body,
            elapsed_ms=(time.monotonic() - started) * 1000,
        )


def local_path(url: str) -> Path:
    """The filesystem path of a `file:` URL, or the text itself when it is a plain path."""
    if url.startswith("file:"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError("bad_url", f"{url!r} names a remote host")
        return Path(url2pathname(parts.path))
    return Path(url)


def is_local(url: str) -> bool:
    """True when the URL is for FileFetcher rather than HttpFetcher."""
    scheme = urlsplit(url).scheme.lower()
    # A one-letter scheme is a Windows drive letter, not a scheme.
    return scheme in ("", "file") or len(scheme) == 1


__all__ = [
    "FileFetcher",
    "HttpFetcher",
    "is_local",
    "is_public_address",
    "local_path",
]
