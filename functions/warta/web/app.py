"""The small public web side of Warta: the pages behind unsubscribe links.

A plain WSGI application on the standard library: four routes do not need a
framework, and any WSGI server (wsgiref for `warta serve`, a Lambda adapter)
can run it.

GET /unsubscribe only shows a confirmation form, because mail scanners and
link previews fetch every link in a message; only POST changes anything. The
POST is either a mail provider's RFC 8058 one-click request or the page's own
form. Both keep the recipient and the token in the query string (RFC 8058 POSTs
to the List-Unsubscribe URL as it is), so both are read from there; the body is
read, within a cap, but decides nothing: the signed token is the whole proof.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from warta.core.links import read_link
from warta.core.ports import Renderer
from warta.services.subscriptions import Outcome, Subscriptions

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024
"""An RFC 8058 body is 26 bytes; anything near this cap is not a real unsubscribe."""

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    # Every page is personal to one link: no cache, proxy or browser history may keep it.
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    # The query string carries the token; a page must never pass it on as a Referer.
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'",
    ),
)

KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
"""Methods answered 405 where a route does not take them; any other is 501 Not Implemented."""

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Response:
    status: HTTPStatus
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = field(default=())


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus) -> None:
        super().__init__(status.phrase)
        self.status = status


def read_body(environ: WSGIEnvironment) -> bytes:
    raw = (environ.get("CONTENT_LENGTH") or "0").strip()
    # Digits only (RFC 9110 8.6): int() would also take "+1", "1_0" and non-ASCII digits.
    if not (raw.isascii() and raw.isdigit()):
        raise BadRequest(HTTPStatus.BAD_REQUEST)
    length = int(raw) if len(raw) <= 20 else MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if not length:
        return b""
    try:
        body: bytes = environ["wsgi.input"].read(length)
    except TimeoutError:
        # The server's deadline passed while the client trickled its body.
        raise BadRequest(HTTPStatus.REQUEST_TIMEOUT) from None
    except OSError:
        raise BadRequest(HTTPStatus.BAD_REQUEST) from None
    if len(body) != length:
        raise BadRequest(HTTPStatus.BAD_REQUEST)  # the client closed before sending it all
    return body


Handler = Callable[[WSGIEnvironment], Response]


class WebApp:
    """The WSGI application: `WebApp(subscriptions)` is callable as (environ, start_response)."""

    def __init__(self, subscriptions: Subscriptions, renderer: Renderer | None = None) -> None:
        self.subscriptions = subscriptions
        if renderer is None:
            from warta.render import default_renderer  # Jinja2, when the app is made

            renderer = default_renderer()
        self.renderer = renderer
        self.routes: dict[str, tuple[tuple[str, ...], Handler]] = {
            "/": (("GET", "HEAD"), self.home),
            "/healthz": (("GET", "HEAD"), self.healthz),
            "/unsubscribe": (("GET", "HEAD", "POST"), self.unsubscribe),
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Methods are case-sensitive (RFC 9110 9.1): "get" is not GET, and is not answered as one.
        method = environ.get("REQUEST_METHOD", "GET")
        response = self.respond(environ, method)
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *SECURITY_HEADERS,
            *response.headers,
        ]
        start_response(f"{response.status.value} {response.status.phrase}", headers)
        return [b"" if method == "HEAD" else response.body]

    def respond(self, environ: WSGIEnvironment, method: str) -> Response:
        if method not in KNOWN_METHODS:
            return self.error(HTTPStatus.NOT_IMPLEMENTED)
        path = environ.get("PATH_INFO") or "/"
        route = self.routes.get(path)
        if route is None:
            return self.error(HTTPStatus.NOT_FOUND)
        allowed, handler = route
        if method not in allowed:
            return self.error(
                HTTPStatus.METHOD_NOT_ALLOWED, headers=(("Allow", ", ".join(allowed)),)
            )
        try:
            return handler(environ)
        except BadRequest as exc:
            return self.error(exc.status)
        except Exception:
            # Only method and path: the query string holds the token and the recipient's id.
            logger.exception("%s %s failed", method, path)
            return self.error(HTTPStatus.INTERNAL_SERVER_ERROR)

    # -- routes ----------------------------------------------------------------
    def home(self, environ: WSGIEnvironment) -> Response:
        return self.page(HTTPStatus.OK, "page_home.html")

    def healthz(self, environ: WSGIEnvironment) -> Response:
        return Response(HTTPStatus.OK, b"ok\n", TEXT)

    def unsubscribe(self, environ: WSGIEnvironment) -> Response:
        link = read_link(environ.get("QUERY_STRING", ""))
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            if link is None:
                return self.error(HTTPStatus.BAD_REQUEST)
            if not self.subscriptions.genuine(link.kind, link.recipient_id, link.token):
                return self.page(HTTPStatus.FORBIDDEN, "page_refused.html")
            return self.page(
                HTTPStatus.OK, "page_confirm.html", kind=link.kind, action="?" + link.query
            )
        # Read the body first, so a refused POST still leaves the connection clean.
        read_body(environ)
        if link is None:
            return self.error(HTTPStatus.BAD_REQUEST)
        outcome = self.subscriptions.unsubscribe(link.kind, link.recipient_id, link.token)
        if outcome is Outcome.REFUSED:
            return self.page(HTTPStatus.FORBIDDEN, "page_refused.html")
        return self.page(HTTPStatus.OK, "page_done.html", kind=link.kind, outcome=outcome.value)

    # -- pages -----------------------------------------------------------------
    def page(
        self,
        status: HTTPStatus,
        template: str,
        headers: tuple[tuple[str, str], ...] = (),
        **context: Any,
    ) -> Response:
        body = self.renderer.render(template, **context).encode("utf-8")
        return Response(status, body, HTML, headers)

    def error(self, status: HTTPStatus, headers: tuple[tuple[str, str], ...] = ()) -> Response:
        return self.page(status, "page_error.html", headers, code=status.value)
