"""`warta serve`: the web pages on this machine, with the standard library's wsgiref.

Enough for a local install or behind a reverse proxy that terminates HTTPS:
one thread per request, so a slow client cannot hold up another, and a socket
timeout, so an idle one cannot hold a thread for ever.
"""

from __future__ import annotations

import re
import socket
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.types import WSGIApplication

from warta.config.settings import Settings
from warta.core.errors import ConfigError
from warta.web.app import WebApp

REQUEST_TIMEOUT_S = 15.0

_QUERY = re.compile(r"\?[^\s\"]*")


class _Handler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:
        # The query string holds the signed token and the recipient's id; the
        # access log keeps the method, path and status, never the query.
        super().log_message("%s", _QUERY.sub("?…", format % args))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(application: WSGIApplication, host: str, port: int) -> WSGIServer:
    """A bound, not yet running server; port 0 picks a free one (see server_address)."""
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), _Handler)
    server.set_app(application)
    return server


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Serve until Ctrl-C, then close the socket and the store."""
    from warta.wiring import build_local

    app = build_local(settings)
    try:
        try:
            server = make_server(WebApp(app.subscriptions), host, port)
        except (OSError, OverflowError) as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from None
        bound_host, bound_port = server.socket.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        print(f"Warta is serving on http://{shown}:{bound_port}/ (Ctrl-C stops it)")
        # Flushed: under a service manager stdout is a pipe, and the address is needed now.
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
