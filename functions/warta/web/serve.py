"""`warta serve`: the web pages on this machine, with the standard library's wsgiref.

Enough for a local install or behind a reverse proxy that terminates HTTPS,
and built to hold against slow and odd clients:

- a bounded pool of worker threads: at most `workers` requests are handled at
  once and `waiting` more wait for a worker; a connection beyond those gets a
  503 at once, so a flood of connections cannot exhaust threads or memory;
- an overall deadline per request: reading the request line, the headers and
  the body must all end within `deadline` seconds, however the client trickles
  its bytes (a per-read socket timeout alone lets one byte every few seconds
  hold a worker for ever); a client past it gets a 408 and is cut off;
- the server's own error pages (a malformed request line, headers too large)
  carry the same security headers as the application's pages;
- the Server header names Warta and no interpreter version.
"""

from __future__ import annotations

import io
import re
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer
from wsgiref.types import WSGIApplication

from warta.config.settings import Settings
from warta.core.errors import ConfigError
from warta.web.app import SECURITY_HEADERS, TEXT, WebApp

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

SERVER_NAME = "Warta"
"""The Server header: no library or interpreter version for a scanner to match."""

REQUEST_TIMEOUT_S = 15.0
"""Longest wait for any one read from a client."""
REQUEST_DEADLINE_S = 30.0
"""Longest time from a connection's first byte read to the request read in full."""
MAX_WORKERS = 16
"""Requests handled at once."""
MAX_WAITING = 64
"""Connections accepted and waiting for a worker; beyond them a connection gets a 503."""

_QUERY = re.compile(r"\?[^\s\"]*")


class _DeadlineReader(io.RawIOBase):
    """Reads from a socket until a deadline: each read waits at most the time left.

    A request line, headers or body sent one byte at a time end at the
    deadline with TimeoutError, as a silent client does.
    """

    def __init__(self, connection: socket.socket, deadline: float, idle: float) -> None:
        super().__init__()
        self._connection = connection
        self._deadline = deadline
        self._idle = idle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request deadline passed")
        self._connection.settimeout(min(left, self._idle))
        return self._connection.recv_into(memoryview(buffer))


class _ServerHandler(ServerHandler):
    server_software = SERVER_NAME
    # What wsgiref answers should the application fail outright: as every page, with the headers.
    error_headers = [("Content-Type", TEXT), *SECURITY_HEADERS]  # noqa: RUF012 - as wsgiref declares it


class _Handler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT_S
    server_version = SERVER_NAME
    # What an error before the version is read is answered in: HTTP/0.9 would send no headers.
    default_request_version = "HTTP/1.0"
    server: WartaServer

    def setup(self) -> None:
        super().setup()
        deadline = time.monotonic() + self.server.request_deadline
        # The buffered reader over the deadline reader replaces the plain one.
        self.rfile.close()
        self.rfile = io.BufferedReader(
            _DeadlineReader(self.connection, deadline, idle=REQUEST_TIMEOUT_S)
        )

    def version_string(self) -> str:
        return SERVER_NAME

    def handle(self) -> None:
        """One request, as wsgiref's handler, with a deadline and Warta's Server header."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.parse_request():
                return
            handler = _ServerHandler(
                self.rfile,
                self.wfile,  # type: ignore[arg-type]  # a socket writer, as wsgiref passes it
                self.get_stderr(),
                self.get_environ(),
                multithread=False,
            )
            handler.request_handler = self  # type: ignore[attr-defined]  # as wsgiref does
            handler.run(self.server.get_app())  # type: ignore[arg-type]
        except TimeoutError:
            self._timed_out()
        except ConnectionError:
            self.close_connection = True  # the client went away mid-request: nothing to answer

    def _timed_out(self) -> None:
        self.close_connection = True
        if not getattr(self, "requestline", ""):
            self.requestline = self.command = ""
        self.request_version = "HTTP/1.0"
        try:
            self.connection.settimeout(1.0)
            self.send_error(HTTPStatus.REQUEST_TIMEOUT)
        except OSError:
            pass  # the client went away, or reads nothing: it is cut off either way

    def parse_request(self) -> bool:
        if len(self.raw_requestline.split()) == 2:
            # HTTP/0.9 answers have no headers, so no security headers: refused.
            self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
            self.command = ""
            self.request_version = "HTTP/1.0"
            self.send_error(HTTPStatus.BAD_REQUEST)
            return False
        return super().parse_request()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The server's own error page: plain text, the security headers, nothing of the request."""
        status = HTTPStatus(code)
        self.log_error("code %d, message %s", code, message or status.phrase)
        self.send_response(code, status.phrase)
        self.send_header("Connection", "close")
        body = f"{status.value} {status.phrase}\n".encode("ascii")
        self.send_header("Content-Type", TEXT)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The query string holds the signed token and the recipient's id; the
        # access log keeps the method, path and status, never the query.
        super().log_message("%s", _QUERY.sub("?…", format % args))


def _busy_answer() -> bytes:
    body = b"503 Service Unavailable\n"
    head = [
        "HTTP/1.0 503 Service Unavailable",
        f"Server: {SERVER_NAME}",
        "Connection: close",
        "Retry-After: 1",
        f"Content-Type: {TEXT}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in SECURITY_HEADERS),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class WartaServer(WSGIServer):
    """wsgiref's server with a bounded pool of workers and a deadline per request."""

    daemon_threads = True

    def __init__(
        self,
        server_address: tuple[str, int],
        *,
        deadline: float = REQUEST_DEADLINE_S,
        workers: int = MAX_WORKERS,
        waiting: int = MAX_WAITING,
    ) -> None:
        if not deadline > 0 or workers < 1 or waiting < 0:
            raise ValueError("deadline must be more than 0, workers at least 1, waiting at least 0")
        self.request_deadline = deadline
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="warta-web")
        self._places = threading.BoundedSemaphore(workers + waiting)
        super().__init__(server_address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a worker; answer 503 when every worker and place is taken."""
        if not self._places.acquire(blocking=False):
            self._refuse(request, client_address)
            return
        try:
            self._pool.submit(self._work, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is closing
            self._places.release()
            self.shutdown_request(request)

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._places.release()

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        sys.stderr.write(f"{client_address[0]} - - every worker busy: 503\n")
        try:
            request.settimeout(1.0)
            request.sendall(_busy_answer())
        except OSError:
            pass
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        # Requests still waiting are dropped; those running end by their deadline.
        self._pool.shutdown(wait=False, cancel_futures=True)


class WartaServer6(WartaServer):
    address_family = socket.AF_INET6


def make_server(
    application: WSGIApplication,
    host: str,
    port: int,
    *,
    deadline: float = REQUEST_DEADLINE_S,
    workers: int = MAX_WORKERS,
    waiting: int = MAX_WAITING,
) -> WartaServer:
    """A bound, not yet running server; port 0 picks a free one (see server_address)."""
    server_class = WartaServer6 if ":" in host else WartaServer
    server = server_class((host, port), deadline=deadline, workers=workers, waiting=waiting)
    server.set_app(application)
    return server


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Serve until Ctrl-C, then close the socket and the store."""
    from warta.wiring import build_local

    app = build_local(settings)
    try:
        try:
            web = WebApp(app.subscriptions, proxies=settings.trusted_proxies)
            server = make_server(web, host, port)
        except (OSError, OverflowError) as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from None
        bound_host, bound_port = server.socket.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        print(f"Warta is serving on http://{shown}:{bound_port}/ (Ctrl-C stops it)")
        # Flushed: under a service manager stdout is a pipe, and the address is needed now.
        print(f"The sign-up page is {settings.public_url}/ to the public")
        print(
            f"Unsubscribe links in messages point at {settings.public_url}/unsubscribe", flush=True
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")
        finally:
            server.server_close()
    finally:
        app.close()
