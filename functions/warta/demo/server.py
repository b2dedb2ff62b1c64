"""A throwaway HTTP server for the sample feeds: the demo and tests fetch over real HTTP.

It serves the files under a folder on 127.0.0.1, on a free port, from a daemon
thread, with the date placeholders of samples.fill_dates filled in at request
time. It behaves like a well-run feed server (ETag, Last-Modified, 304, gzip)
so that conditional fetching can be shown and tested end to end.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from warta.demo.feeds import fill_dates

CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_TEXT = frozenset(CONTENT_TYPES)


class SampleServer:
    """Serve `root` over HTTP on loopback; use as a context manager.

    with SampleServer(events_dir) as server:
        fetch(server.url("feeds/kpu.xml"))

    `requests` counts requests per path, `not_modified` those answered 304.
    """

    def __init__(
        self,
        root: Path,
        now: Callable[[], datetime] | None = None,
        *,
        gzip_enabled: bool = True,
    ) -> None:
        self.root = root.resolve()
        self.now = now or (lambda: datetime.now(UTC))
        self.gzip_enabled = gzip_enabled
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> SampleServer:
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _Handler)
        server.sample = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sample-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sample server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The URL of a file under root, given relative to it."""
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- counters ----------------------------------------------------------------
    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    @property
    def total_not_modified(self) -> int:
        with self._lock:
            return sum(self.not_modified.values())

    def _count(self, path: str, *, not_modified: bool) -> None:
        with self._lock:
            self.requests[path] += 1
            if not_modified:
                self.not_modified[path] += 1

    # -- files -------------------------------------------------------------------
    def file_for(self, request_path: str) -> Path | None:
        """The file a request path names, or None when it is missing or outside root."""
        relative = unquote(urlsplit(request_path).path).lstrip("/")
        if not relative or "\x00" in relative:
            return None
        candidate = (self.root / relative).resolve()
        # resolve() follows "..", and symlinks too, so this catches both ways out.
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sample: SampleServer


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _not_modified_since(header: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(mtime) <= since.timestamp()


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "WartaSampleServer/0.1"

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the demo prints its own summary and tests read the counters.
        pass

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, *, send_body: bool) -> None:
        sample = self.server.sample
        path = urlsplit(self.path).path
        file = sample.file_for(self.path)
        if file is None:
            sample._count(path, not_modified=False)
            self._send(
                404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n", send_body
            )
            return

        raw = file.read_bytes()
        mtime = file.stat().st_mtime
        # A hash of the file as stored, not as served: the placeholders make the
        # served bytes change with the clock, yet the feed has not changed.
        etag = f'"{hashlib.sha256(raw).hexdigest()[:32]}"'
        validators = {
            "ETag": etag,
            "Last-Modified": formatdate(mtime, usegmt=True),
            "Vary": "Accept-Encoding",
        }

        if_none_match = self.headers.get("If-None-Match")
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_none_match is not None:
            unchanged = _etag_matches(if_none_match, etag)
        elif if_modified_since is not None:
            unchanged = _not_modified_since(if_modified_since, mtime)
        else:
            unchanged = False
        sample._count(path, not_modified=unchanged)
        if unchanged:
            self._send(304, validators, b"", send_body=False)
            return

        body = raw
        if file.suffix.lower() in _TEXT:
            text = raw.decode("utf-8", "surrogateescape")
            body = fill_dates(text, sample.now()).encode("utf-8", "surrogateescape")
        headers = {
            "Content-Type": CONTENT_TYPES.get(file.suffix.lower(), "application/octet-stream"),
            **validators,
        }
        if sample.gzip_enabled and _accepts_gzip(self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self._send(200, headers, body, send_body)

    def _send(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)
