"""The test doubles every suite shares: one of each, standing in for a port of core/ports.py.

- FixedClock: a Clock whose time moves only when the test moves it; also callable, for
  code that takes a `now` function.
- ScriptedFetcher: a Fetcher answering from a script, recording what it was asked.
- RecordingMailer: a Mailer keeping each message (and its bytes); refuses the addresses it
  is told to.
- RecordingNotifier: a Notifier keeping each SMS; refuses the numbers it is told to.
- RecordingQueue: a Queue keeping each message as the JSON it would carry; drained by tests.

And for the adapters that talk to the outside world:

- FakeSite and serving(): a web server on 127.0.0.1 answering each path from a route
  the test sets, and recording every request; for the HTTP fetcher's suites.
- MotoAccount: an emulated AWS account of a test's own on the session's moto server
  (the `moto_url` and `moto_account` fixtures).

RecordingNotifier and RecordingQueue also run in the contract suites of their ports
(tests/contract/), next to the real adapters, so that they keep the promises the
adapters keep. Import them as `from tests.doubles import ...` (pytest puts the
repository root on sys.path, see pythonpath in pyproject.toml).
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from warta.core.errors import FetchError, QueueError, SendError, WartaError
from warta.core.mail import WIRE_POLICY, recipients
from warta.core.model import FetchResult, Source

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10.00 WIB
"""Where a FixedClock starts unless told otherwise."""


@dataclass
class FixedClock:
    """The Clock port with a time of the test's choosing."""

    moment: datetime = NOW

    def __post_init__(self) -> None:
        self.set(self.moment)

    def now(self) -> datetime:
        return self.moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        if moment.utcoffset() is None:
            raise ValueError("a clock tells aware time: give the moment a timezone")
        self.moment = moment

    def advance(self, **delta: float) -> None:
        """Move on by a timedelta's keywords: advance(hours=1), advance(days=3)."""
        self.moment += timedelta(**delta)


Answer = FetchResult | FetchError


@dataclass
class ScriptedFetcher:
    """The Fetcher port: each fetch takes the next scripted answer, raising it if an error.

    Once the script is spent, `then` (if given) answers every further fetch from the
    source; without it, one fetch too many fails the test.
    """

    script: list[Answer] = field(default_factory=list)
    then: Callable[[Source], Answer] | None = None
    requests: list[dict[str, str | None]] = field(default_factory=list)

    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        self.requests.append(
            {"url": url or source.url, "etag": etag, "last_modified": last_modified}
        )
        if self.script:
            answer = self.script.pop(0)
        elif self.then is not None:
            answer = self.then(source)
        else:
            raise AssertionError(
                f"fetch #{len(self.requests)} of {source.id}: the script has no answer left"
            )
        if isinstance(answer, FetchError):
            raise answer
        return answer


@dataclass
class RecordingMailer:
    """The Mailer port: keeps each message sent; refuses those addressed to `fail_for`,
    and, as every provider does, a message without a Message-ID.

    A message handed over as bytes (send_raw) is parsed as a receiver would and goes
    through send(), so a test's subclass that overrides send() sees every message;
    `raw` keeps each message's bytes as they went on the wire.
    """

    sent: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    """The bytes of each message of `sent`: as handed to send_raw, or as send() serializes."""
    fail_for: set[str] = field(default_factory=set)
    temporary: bool = False
    """What a refusal says: True for a provider that may take the message later."""

    def send(self, message: EmailMessage) -> str:
        if not message["Message-ID"]:
            raise SendError("message has no Message-ID")
        if str(message["To"]) in self.fail_for:
            raise SendError("provider refused the message", temporary=self.temporary)
        self.sent.append(message)
        self.raw.append(message.as_bytes(policy=WIRE_POLICY))
        return f"provider-{len(self.sent)}"

    def send_raw(self, recipient: str, data: bytes) -> str:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if "Bcc" in message:
            raise SendError("a message on the wire must not carry a Bcc header")
        # What the builder promises and SES relies on: the headers name the recipient alone.
        assert recipients(message) == [recipient], "the headers do not name the recipient"
        message_id = self.send(message)
        self.raw[-1] = data
        return message_id

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to one address, oldest first."""
        return [m for m in self.sent if str(m["To"]) == address]

    def link_to(self, address: str) -> str:
        """The List-Unsubscribe URL of the last message to `address`."""
        message = self.to(address)[-1]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        return str(message["List-Unsubscribe"]).strip("<>")


@dataclass
class RecordingNotifier:
    """The Notifier port: keeps each (phone, text) sent; refuses the numbers in `fail_for`."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)
    temporary: bool = False

    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        if phone in self.fail_for:
            raise SendError("provider refused the SMS", temporary=self.temporary)
        self.sent.append((phone, text))
        self.ids.append(f"sms-{len(self.sent)}")
        return self.ids[-1]

    def by_id(self) -> dict[str, tuple[str, str]]:
        """What was sent, under the id each send returned."""
        return dict(zip(self.ids, self.sent, strict=True))


@dataclass
class RecordingQueue:
    """The Queue port: keeps each message as the JSON object a consumer would read back.

    A message goes through JSON on the way in, as on a real queue: what a test reads
    is a copy, and a message that is not JSON fails here as it would there. Set
    `failure` to make every send raise it without queueing anything.
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    sends: int = 0
    """Calls that carried at least one message (an empty send is none)."""
    failure: WartaError | None = None

    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        if self.failure is not None:
            raise self.failure
        if not messages:
            return
        bodies = [json.dumps(m, ensure_ascii=False, sort_keys=True) for m in messages]
        if any(len(body.encode()) > 256 * 1024 for body in bodies):
            # As every queue: a message over the limit, and nothing of the send is queued.
            raise QueueError("a message is over the queue's size limit")
        self.messages.extend(json.loads(body) for body in bodies)
        self.sends += 1

    def drain(self) -> list[dict[str, Any]]:
        """Take every message off the queue, oldest first."""
        taken, self.messages = self.messages, []
        return taken


Route = Callable[[BaseHTTPRequestHandler], None]
"""Answers one request, writing through the handler (send_response, wfile, ...)."""


@dataclass
class Seen:
    path: str
    """As asked, query included."""
    headers: dict[str, str]
    """Names lowercased."""


@dataclass
class FakeSite:
    """A web server's paths and what it was asked; run it with serving().

    A request is answered by the route of its path (the query left out), or by a 404.
    `release` is set when the site stops, for routes that stall until then.
    """

    protocol: str = "HTTP/1.0"
    """The HTTP version the server answers with: HTTP/1.1 keeps connections open."""
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str) -> Callable[[Route], Route]:
        """Decorator: @site.route("/feed") makes the function answer /feed."""

        def register(fn: Route) -> Route:
            self.routes[path] = fn
            return fn

        return register

    def paths(self) -> list[str]:
        """Every path asked for, in order."""
        return [s.path for s in self.seen]


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    site: FakeSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is what many tests of a fetcher are about.
        pass


class _SiteHandler(BaseHTTPRequestHandler):
    server: _SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def parse_request(self) -> bool:
        # Before parsing: the version decides whether the connection stays open.
        self.protocol_version = self.server.site.protocol
        return super().parse_request()

    def do_GET(self) -> None:
        site = self.server.site
        site.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = site.routes.get(self.path.split("?")[0])
        if route is not None:
            route(self)
            return
        self.send_response(404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"no")


@contextmanager
def serving(site: FakeSite, *, tls: ssl.SSLContext | None = None) -> Iterator[FakeSite]:
    """Serve the site on a free port of 127.0.0.1 (over TLS with that context) until the
    block ends; the site's port is set once it listens."""
    server = _SiteServer(("127.0.0.1", 0), _SiteHandler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.site = site
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.daemon = True
    thread.start()
    try:
        yield site
    finally:
        site.release.set()
        server.shutdown()
        server.server_close()


class MotoAccount:
    """An account of its own on a moto server: a test sees no other test's queues, SMS or
    mail. Every client it makes names the account on each request."""

    _numbers = itertools.count(900_000_000_001)

    def __init__(self, url: str, *, region: str = "ap-southeast-3") -> None:
        self.url = url
        self.region = region
        self.account = str(next(self._numbers))

    def client(self, service: str, **config: Any) -> Any:
        client = boto3.client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
            config=Config(**config) if config else None,
        )
        client.meta.events.register("before-sign.*", self._name_account)
        return client

    def _name_account(self, request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = self.account


@dataclass
class LocalSite:
    """Warta's web app as `warta serve` runs it, on the local wiring, over a real server on
    loopback; its mail goes to the outbox, its clock is a FixedClock the test moves."""

    base: str
    app: Any
    """The warta.wiring.App behind the pages."""
    web: Any
    """The warta.web.app.WebApp served."""
    outbox: Path
    clock: FixedClock

    def subscriber(self, address: str) -> Any:
        """The subscriber of that address as the store holds it, or None."""
        from warta.core.identity import subscriber_id

        return self.app.store.get_subscriber(subscriber_id(address))

    def mail(self, kind: str | None = None) -> list[EmailMessage]:
        """The outbox's messages (of one X-Warta-Kind), in the order they were written."""
        found = []
        for path in sorted(self.outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            if kind is None or message["X-Warta-Kind"] == kind:
                found.append(message)
        return found


@contextmanager
def local_site(folder: Path) -> Iterator[LocalSite]:
    """Serve the web app of a local install kept in `folder` until the block ends."""
    from warta.config.settings import load_settings
    from warta.web.app import WebApp
    from warta.web.serve import make_server
    from warta.wiring import build_local

    server = make_server(lambda environ, start: [], "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        "WARTA_HOME": str(folder / "home"),
        "WARTA_OUTBOX": str(folder / "outbox"),
        "WARTA_PUBLIC_URL": base,
        "WARTA_SENDER": "Warta Pemilu <warta@warta.example>",
    }
    clock = FixedClock()
    app = build_local(load_settings(env, cwd=folder), clock=clock)
    web = WebApp(app.subscriptions)
    server.set_app(web)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield LocalSite(base, app, web, folder / "outbox", clock)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        app.close()
