"""The public web side of Warta: sign-up, confirmation, preferences, unsubscribe.

A plain WSGI application on the standard library: a handful of routes do not
need a framework, and any WSGI server (wsgiref for `warta serve`, the Lambda
Function URL adapter) can run it. Pages are rendered from templates/page_*.html,
in Indonesian, without JavaScript: every form posts to this app.

Nothing a GET does changes anything, because mail scanners and link previews
fetch every link in a message: the confirmation and unsubscribe links open a
page whose button POSTs, and the "Atur langganan" link of a digest only
redirects to a preferences page. A link keeps its recipient and token in the
query string (RFC 8058 one-click POSTs to the List-Unsubscribe URL as it is),
and so does the form on its page, so a POST is checked exactly as its link.

Form fields are read by web.forms; a form with a problem is shown again with
a 4xx status and the problem beside its field, and nothing is stored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

from warta.core import regions
from warta.core.links import CONFIRM_PATH, PREFERENCES_PATH, read_link
from warta.core.model import ALL_REGIONS, NATIONAL, Subscriber
from warta.core.ports import Renderer
from warta.core.validate import is_host
from warta.services.signup import Asked, Client, Confirmed
from warta.services.subscriptions import Access, Outcome, Subscriptions
from warta.web import forms
from warta.web.forms import Fields, FormError

if TYPE_CHECKING:
    from warta.services.archive import Archive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024
"""An RFC 8058 body is 26 bytes and the largest form (every province ticked) under 2 KB;
anything near this cap is not a person using a page."""
FORM_TYPE = "application/x-www-form-urlencoded"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

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


def read_fields(environ: WSGIEnvironment) -> Fields:
    """A form POST's fields; 415 for a body of another type, FormError for a bad one."""
    body = read_body(environ)
    kind = (environ.get("CONTENT_TYPE") or FORM_TYPE).partition(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise BadRequest(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    return forms.read_form(body)


HOURS = tuple(range(24))


def province_rows() -> list[tuple[str, str]]:
    """(code, name) of every province, by name: the boxes of the region question."""
    return sorted(((r.code, r.name) for r in regions.children(NATIONAL)), key=lambda r: r[1])


def choices_view(
    *,
    scope: str,
    provinces: Iterable[str],
    others: Iterable[str],
    kota: str,
    digest: bool,
    urgent: bool,
    hour: int | None,
) -> dict[str, Any]:
    """What the region and delivery questions show: the same on every form that asks them."""
    known_others = [code for code in others if regions.is_known(code) and code != NATIONAL]
    return {
        "scope": scope,
        "provinces": province_rows(),
        "chosen": set(provinces),
        "others": [(code, regions.region_name(code)) for code in known_others],
        "kota": kota,
        "digest": digest,
        "urgent": urgent,
        "hour": hour,
        "hours": HOURS,
    }


def view_of_subscriber(subscriber: Subscriber) -> dict[str, Any]:
    chosen = subscriber.regions
    if ALL_REGIONS in chosen or not chosen:
        scope = "semua"
    elif chosen == (NATIONAL,):
        scope = "nasional"
    else:
        scope = "pilih"
    return choices_view(
        scope=scope,
        provinces=[
            code for code in chosen if "." not in code and code not in (NATIONAL, ALL_REGIONS)
        ],
        others=[code for code in chosen if "." in code],
        kota="",
        digest=subscriber.digest,
        urgent=subscriber.urgent,
        hour=subscriber.digest_hour,
    )


def view_of_fields(fields: Fields) -> dict[str, Any]:
    """The form as submitted, to show again beside its problems (autoescaped in the page)."""

    def first(name: str) -> str:
        values = fields.get(name) or [""]
        return values[0][:400]

    hour = first("jam")
    return choices_view(
        scope=first("cakupan") or "semua",
        provinces=fields.get("provinsi", []),
        others=fields.get("wilayah", []),
        kota=first("kota"),
        digest=bool(fields.get("ringkasan")),
        urgent=bool(fields.get("segera")),
        hour=int(hour) if hour.isascii() and hour.isdigit() and int(hour) < 24 else None,
    )


def new_form_view() -> dict[str, Any]:
    return choices_view(
        scope="semua", provinces=(), others=(), kota="", digest=True, urgent=False, hour=None
    )


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

ARCHIVE_PATHS = (
    ("arsip", re.compile(r"/arsip(?:/(?P<value>\d{4}-\d{2}-\d{2}))?(?P<slash>/?)")),
    ("cerita", re.compile(r"/cerita/(?P<value>[A-Za-z0-9][A-Za-z0-9_-]{0,79})(?P<slash>/?)")),
    ("feed", re.compile(r"/feed/(?P<value>[a-z]{1,40})\.atom(?P<slash>)")),
    ("cap", re.compile(r"/cap/(?P<value>[A-Za-z0-9][A-Za-z0-9_-]{0,99})\.xml(?P<slash>)")),
)
"""The archive's paths: the index, a day, a story, a feed, a CAP message (services.archive)."""


class WebApp:
    """The WSGI application: `WebApp(subscriptions)` is callable as (environ, start_response).

    `proxies` is the number of reverse proxies in front of `warta serve` whose
    X-Forwarded-For tells the client's address (web.forms.client_of).
    """

    def __init__(
        self,
        subscriptions: Subscriptions,
        renderer: Renderer | None = None,
        *,
        proxies: int = 0,
    ) -> None:
        self.subscriptions = subscriptions
        if renderer is None:
            from warta.render import default_renderer  # Jinja2, when the app is made

            renderer = default_renderer()
        self.renderer = renderer
        self.proxies = proxies
        get, post = ("GET", "HEAD"), ("GET", "HEAD", "POST")
        self.routes: dict[str, tuple[tuple[str, ...], Handler]] = {
            "/": (get, self.home),
            "/healthz": (get, self.healthz),
            "/subscribe": (post, self.subscribe),
            CONFIRM_PATH: (post, self.confirm),
            PREFERENCES_PATH: (post, self.preferences),
            "/manage": (post, self.manage),
            "/unsubscribe": (post, self.unsubscribe),
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
        route = self.routes.get(path) or self.archive_route(path)
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

    # -- where links point, who is asking ------------------------------------------
    def base_url(self, environ: WSGIEnvironment) -> str:
        """The base of links written in mail sent from a request.

        The setting (WARTA_PUBLIC_URL) names it; only where it is left at its
        loopback default and the request came over HTTPS (a Lambda Function URL,
        which cannot be told its own address) is the request's host taken, and
        only a plain host name: AWS routes a Function URL by that very name.
        """
        signup = self.subscriptions.signup
        configured = signup.delivery.letterhead.public_url if signup else ""
        host = str(environ.get("HTTP_HOST", "")).strip().lower()
        if (
            urlsplit(configured).hostname in LOOPBACK
            and environ.get("wsgi.url_scheme") == "https"
            and is_host(host)
        ):
            return f"https://{host}"
        return configured

    def client(self, environ: WSGIEnvironment) -> Client:
        return forms.client_of(
            environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"), proxies=self.proxies
        )

    # -- routes ----------------------------------------------------------------
    def home(self, environ: WSGIEnvironment) -> Response:
        return self.signup_form(HTTPStatus.OK)

    def healthz(self, environ: WSGIEnvironment) -> Response:
        return Response(HTTPStatus.OK, b"ok\n", TEXT)

    def signup_form(
        self,
        status: HTTPStatus,
        fields: Fields | None = None,
        problems: dict[str, str] | None = None,
    ) -> Response:
        view = view_of_fields(fields) if fields is not None else new_form_view()
        email = ((fields or {}).get("email") or [""])[0][:400]
        return self.page(status, "page_home.html", email=email, problems=problems or {}, form=view)

    def subscribe(self, environ: WSGIEnvironment) -> Response:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.signup_form(HTTPStatus.OK)
        signup = self.subscriptions.signup
        if signup is None:
            return self.error(HTTPStatus.SERVICE_UNAVAILABLE)
        try:
            fields = read_fields(environ)
        except FormError as exc:
            return self.signup_form(HTTPStatus.BAD_REQUEST, {}, exc.problems)
        if forms.is_bot(fields):
            # Nothing stored, nothing sent; a person whose browser filled the hidden
            # field in is told how to go on.
            return self.signup_form(HTTPStatus.BAD_REQUEST, fields, {"formulir": forms.BOT_PROBLEM})
        problems: dict[str, str] = {}
        address = choices = None
        try:
            address = forms.read_address(fields)
        except FormError as exc:
            problems.update(exc.problems)
        try:
            choices = forms.read_choices(fields)
        except FormError as exc:
            problems.update(exc.problems)
        if problems or address is None or choices is None:
            return self.signup_form(HTTPStatus.BAD_REQUEST, fields, problems)
        asked = signup.sign_up(
            address, choices, self.client(environ), base_url=self.base_url(environ)
        )
        return self.asked(asked, "signup")

    def manage(self, environ: WSGIEnvironment) -> Response:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.page(HTTPStatus.OK, "page_manage.html", email="", problems={})
        signup = self.subscriptions.signup
        if signup is None:
            return self.error(HTTPStatus.SERVICE_UNAVAILABLE)
        fields: Fields = {}
        try:
            fields = read_fields(environ)
            if forms.is_bot(fields):
                raise FormError({"formulir": forms.BOT_PROBLEM})
            address = forms.read_address(fields)
        except FormError as exc:
            email = (fields.get("email") or [""])[0][:400]
            return self.page(
                HTTPStatus.BAD_REQUEST, "page_manage.html", email=email, problems=exc.problems
            )
        asked = signup.request_link(address, self.client(environ), base_url=self.base_url(environ))
        return self.asked(asked, "manage")

    def asked(self, asked: Asked, what: str) -> Response:
        if asked is Asked.LIMITED:
            return self.error(HTTPStatus.TOO_MANY_REQUESTS, headers=(("Retry-After", "3600"),))
        if asked is Asked.MAIL_FAILED:
            return self.error(HTTPStatus.SERVICE_UNAVAILABLE, headers=(("Retry-After", "600"),))
        return self.page(HTTPStatus.OK, "page_sent.html", what=what)

    def confirm(self, environ: WSGIEnvironment) -> Response:
        signup = self.subscriptions.signup
        link = read_link(environ.get("QUERY_STRING", ""))
        post = environ.get("REQUEST_METHOD") == "POST"
        if post:
            read_body(environ)  # first, so a refused POST still leaves the connection clean
        if link is None:
            return self.error(HTTPStatus.BAD_REQUEST)
        if signup is None:
            return self.error(HTTPStatus.SERVICE_UNAVAILABLE)
        if not post:
            outcome = signup.check_confirmation(link)
            if outcome is Confirmed.CONFIRMED:
                return self.page(
                    HTTPStatus.OK, "page_confirm_subscription.html", action="?" + link.query
                )
        else:
            outcome = signup.confirm(link, self.client(environ))
        if outcome.ok:
            manage = signup.manage_url(link.recipient_id, "")
            return self.page(
                HTTPStatus.OK,
                "page_confirmed.html",
                already=outcome is Confirmed.ALREADY,
                manage=manage,
            )
        return self.link_problem(outcome.value, purpose="confirm")

    def preferences(self, environ: WSGIEnvironment) -> Response:
        link = read_link(environ.get("QUERY_STRING", ""))
        post = environ.get("REQUEST_METHOD") == "POST"
        fields: Fields | None = None
        problems: dict[str, str] = {}
        if post:
            try:
                fields = read_fields(environ)
            except FormError as exc:
                fields, problems = {}, exc.problems
        if link is None:
            return self.error(HTTPStatus.BAD_REQUEST)
        access, subscriber = self.subscriptions.preferences(link)
        if access is not Access.OPEN or subscriber is None:
            return self.link_problem(access.value, purpose="manage")
        saved = False
        if fields is not None and not problems:
            try:
                choices = forms.read_choices(fields)
            except FormError as exc:
                problems = exc.problems
            else:
                access, stored = self.subscriptions.save_preferences(link, choices)
                if access is not Access.OPEN or stored is None:
                    return self.link_problem(access.value, purpose="manage")
                subscriber, saved, fields = stored, True, None
        view = view_of_subscriber(subscriber) if fields is None else view_of_fields(fields)
        return self.page(
            HTTPStatus.BAD_REQUEST if problems else HTTPStatus.OK,
            "page_preferences.html",
            action="?" + link.query,
            unsubscribe="/unsubscribe?" + self.subscriptions.unsubscribe_query(subscriber.id),
            email=subscriber.email,
            form=view,
            problems=problems,
            saved=saved,
        )

    def link_problem(self, problem: str, *, purpose: str) -> Response:
        status = {
            "forged": HTTPStatus.FORBIDDEN,
            "expired": HTTPStatus.GONE,
            "replayed": HTTPStatus.CONFLICT,
            "inactive": HTTPStatus.CONFLICT,
        }[problem]
        return self.page(status, "page_link.html", problem=problem, purpose=purpose)

    def unsubscribe(self, environ: WSGIEnvironment) -> Response:
        link = read_link(environ.get("QUERY_STRING", ""))
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            if link is None:
                return self.error(HTTPStatus.BAD_REQUEST)
            if not self.subscriptions.genuine(link.kind, link.recipient_id, link.token):
                return self.page(HTTPStatus.FORBIDDEN, "page_refused.html")
            if wants_preferences(environ):
                query = self.subscriptions.manage_query(link)
                if query is not None:
                    return redirect(f"{PREFERENCES_PATH}?{query}")
            return self.page(
                HTTPStatus.OK,
                "page_confirm.html",
                kind=link.kind,
                action="?" + link.query,
                preferences="?" + link.query + "&atur=1",
            )
        # Read the body first, so a refused POST still leaves the connection clean.
        read_body(environ)
        if link is None:
            return self.error(HTTPStatus.BAD_REQUEST)
        outcome = self.subscriptions.unsubscribe(link.kind, link.recipient_id, link.token)
        if outcome is Outcome.REFUSED:
            return self.page(HTTPStatus.FORBIDDEN, "page_refused.html")
        return self.page(HTTPStatus.OK, "page_done.html", kind=link.kind, outcome=outcome.value)

    # -- the public archive: /arsip/, /arsip/YYYY-MM-DD/, /cerita/<id>/, /feed/<name>.atom --
    @cached_property
    def archive(self) -> Archive:
        from warta.services.archive import Archive  # the text pipeline, on the first archive page

        return Archive(
            store=self.subscriptions.store, renderer=self.renderer, clock=self.subscriptions.clock
        )

    def archive_route(self, path: str) -> tuple[tuple[str, ...], Handler] | None:
        """The archive's pages, found by the shape of their path. Each page is a folder, as
        `warta archive build` writes it, so a path without its last slash is redirected."""
        matched = next(
            (
                (kind, found)
                for kind, pattern in ARCHIVE_PATHS
                if (found := pattern.fullmatch(path))
            ),
            None,
        )
        if matched is None:
            return None
        kind, found = matched
        value, slash = found.group("value"), found.group("slash")
        get = ("GET", "HEAD")
        if kind == "feed":
            return get, lambda environ: self.archive_feed(environ, value)
        if kind == "cap":
            return get, lambda environ: self.archive_cap(environ, value)
        if not slash:
            return get, lambda environ: self.redirect(path + "/")
        if kind == "arsip" and not value:
            return get, lambda environ: self.archive_page(self.archive.index_page())
        if kind == "arsip":
            return get, lambda environ: self.archive_day(value)
        return get, lambda environ: self.archive_page(
            self.archive.story_page(value, self.base_url(environ))
        )

    def archive_day(self, value: str) -> Response:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return self.error(HTTPStatus.NOT_FOUND)
        return self.archive_page(self.archive.day_page(day))

    def archive_page(self, html: str | None) -> Response:
        if html is None:
            return self.error(HTTPStatus.NOT_FOUND)
        return Response(HTTPStatus.OK, html.encode("utf-8"), HTML)

    def archive_feed(self, environ: WSGIEnvironment, name: str) -> Response:
        from warta.services.archive import ATOM

        feed = self.archive.feed(name, self.base_url(environ))
        if feed is None:
            return self.error(HTTPStatus.NOT_FOUND)
        return Response(HTTPStatus.OK, feed.encode("utf-8"), ATOM)

    def archive_cap(self, environ: WSGIEnvironment, identifier: str) -> Response:
        from warta.services.archive import CAP

        message = self.archive.cap_message(identifier, self.base_url(environ))
        if message is None:
            return self.error(HTTPStatus.NOT_FOUND)
        return Response(HTTPStatus.OK, message, CAP)

    def redirect(self, location: str) -> Response:
        return Response(HTTPStatus.MOVED_PERMANENTLY, b"", TEXT, (("Location", location),))

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


def wants_preferences(environ: WSGIEnvironment) -> bool:
    """The digest's "Atur langganan" link: its unsubscribe link with `atur=1` added."""
    try:
        fields = parse_qs(environ.get("QUERY_STRING", ""), max_num_fields=10)
    except ValueError:
        return False
    return fields.get("atur") == ["1"]


def redirect(location: str) -> Response:
    """A 303 to a path of this app: a GET that leads somewhere, changing nothing."""
    return Response(HTTPStatus.SEE_OTHER, b"", TEXT, (("Location", location),))
