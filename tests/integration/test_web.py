"""The unsubscribe pages over real HTTP: wsgiref on loopback, a real SQLite store, urllib.

The links are taken from messages the digest and alert services really built,
so the signing side and the checking side are tested together.
"""

from __future__ import annotations

import io
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message as HeaderMessage
from http import HTTPStatus
from http.client import parse_headers
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment
from wsgiref.util import setup_testing_defaults

import lxml.html
import pytest
from tests import builders
from tests.builders import DAY, official, story_source
from tests.doubles import NOW, FixedClock, RecordingMailer, RecordingNotifier

from warta.adapters.sqlite_store import SqliteStore
from warta.config.settings import load_settings
from warta.core import links
from warta.core.errors import ConfigError, StoreError
from warta.core.model import (
    DigestBatch,
    Story,
    Subscriber,
    SubscriberStatus,
)
from warta.handlers._wsgi import environ as lambda_environ
from warta.render import JinjaRenderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.subscriptions import Subscriptions
from warta.web.app import MAX_BODY_BYTES, SECURITY_HEADERS, WebApp
from warta.web.serve import make_server, serve

pytestmark = pytest.mark.integration

SECRET = b"w" * 64
ONE_CLICK = b"List-Unsubscribe=One-Click"


@dataclass
class Answer:
    status: int
    headers: HeaderMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Site:
    base: str
    store: SqliteStore
    digest: Digest
    alerts: Alerts
    mailer: RecordingMailer
    app: WebApp


def story(story_id: str, region: str, *, urgent: bool = False) -> Story:
    return builders.story(
        story_id,
        region=region,
        published_at=NOW - timedelta(hours=1),
        urgent=urgent,
        sources=(story_source(url=f"https://kpu.example.id/{story_id}", item_id=story_id),),
    )


@contextmanager
def serving(application: WSGIApplication, **options: Any) -> Iterator[str]:
    """`warta serve`'s server on a free loopback port, in a thread; yields its base URL."""
    server = make_server(application, "127.0.0.1", 0, **options)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with SqliteStore(tmp_path / "warta.db") as store:
        clock = FixedClock()
        app = WebApp(Subscriptions(store, SECRET, clock))
        with serving(app) as base:
            mailer = RecordingMailer()
            letterhead = Letterhead(
                sender="Warta Pemilu <warta@warta.example>",
                domain="warta.example",
                public_url=base,
                secret=SECRET,
            )
            renderer = JinjaRenderer()
            store.put_subscriber(Subscriber(id="sub-ani", email="ani@contoh.id"))
            store.put_subscriber(Subscriber(id="sub-budi", email="budi@contoh.id"))
            store.put_official(
                official(
                    "kpu-kediri",
                    "35.71",
                    "sri@kpu.example.id",
                    name="Sri",
                    role="Ketua KPU",
                )
            )
            store.put_story(story("s1", "national"))
            delivery = Delivery(
                store=store,
                clock=clock,
                mailer=mailer,
                notifier=RecordingNotifier(),
                letterhead=letterhead,
            )
            yield Site(
                base=base,
                store=store,
                digest=Digest(store=store, delivery=delivery, renderer=renderer),
                alerts=Alerts(store=store, delivery=delivery, renderer=renderer),
                mailer=mailer,
                app=app,
            )


def call(method: str, url: str, body: bytes | None = None, **headers: str) -> Answer:
    request = Request(url, data=body, method=method, headers=headers)
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urlopen(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def digest_link(site: Site, address: str) -> str:
    site.digest.send_batch(DigestBatch(DAY, ("sub-ani", "sub-budi"), 0))
    return site.mailer.link_to(address)


def planned(site: Site) -> set[str]:
    return {sid for batch in site.digest.plan(DAY) for sid in batch.subscriber_ids}


def status_of(site: Site, subscriber_id: str) -> SubscriberStatus:
    subscriber = site.store.get_subscriber(subscriber_id)
    assert subscriber is not None
    return subscriber.status


def tampered(link: str) -> str:
    token = parse_qs(urlsplit(link).query)["token"][0]
    return link.replace(token, ("B" if token[0] == "A" else "A") + token[1:])


def test_one_click_post_unsubscribes_and_the_next_digest_leaves_them_out(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")
    assert link.startswith(f"{site.base}/unsubscribe?subscriber=sub-ani&token=")

    answer = call("POST", link, ONE_CLICK)

    assert answer.status == 200
    assert "Anda sudah berhenti berlangganan" in answer.text
    assert status_of(site, "sub-ani") is SubscriberStatus.UNSUBSCRIBED
    assert planned(site) == {"sub-budi"}
    site.mailer.sent.clear()
    site.store.put_story(story("s2", "national"))
    report = site.digest.send_batch(DigestBatch(DAY, ("sub-ani",), 1))
    assert report.recipients == 0 and site.mailer.sent == []


def test_get_shows_a_form_and_changes_nothing_until_it_is_submitted(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")

    for _ in range(3):  # a mail scanner, a link preview, the person
        page = call("GET", link)
        assert page.status == 200
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE
    assert planned(site) == {"sub-ani", "sub-budi"}

    doc = lxml.html.fromstring(page.body)
    (form,) = doc.xpath("//form")
    assert form.get("method") == "post"
    assert form.xpath("string(.//button)") == "Berhenti berlangganan"
    fields = dict(form.form_values())
    assert fields == {"List-Unsubscribe": "One-Click"}

    # What a browser does on the button: POST the fields to the form's action.
    done = call("POST", urljoin(link, form.get("action")), urlencode(fields).encode())

    assert done.status == 200
    assert status_of(site, "sub-ani") is SubscriberStatus.UNSUBSCRIBED
    assert status_of(site, "sub-budi") is SubscriberStatus.ACTIVE


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_tampered_token_gets_403_and_nothing_changes(site: Site, method: str) -> None:
    link = tampered(digest_link(site, "ani@contoh.id"))

    answer = call(method, link, ONE_CLICK if method == "POST" else None)

    assert answer.status == 403
    assert "Tautan tidak berlaku" in answer.text
    assert "<form" not in answer.text
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


def test_refusal_for_an_unknown_id_is_the_same_page_as_for_a_bad_token(site: Site) -> None:
    signed_for_nobody = links.unsubscribe_url(
        site.base, links.unsubscribe_link(SECRET, links.RecipientKind.SUBSCRIBER, "sub-gone")
    )
    forged_for_ani = tampered(digest_link(site, "ani@contoh.id"))

    gone = call("POST", signed_for_nobody, ONE_CLICK)
    forged = call("POST", forged_for_ani, ONE_CLICK)

    assert gone.status == forged.status == 403
    assert gone.body == forged.body


def test_official_link_from_an_alert_deactivates_the_official(site: Site) -> None:
    site.store.put_story(story("hoaks-1", "35.71", urgent=True))
    assert site.alerts.story("hoaks-1").emails == 1
    link = site.mailer.link_to("sri@kpu.example.id")

    answer = call("POST", link, ONE_CLICK)

    assert answer.status == 200
    assert "Peringatan dihentikan" in answer.text
    official = site.store.get_official("kpu-kediri")
    assert official is not None and official.active is False
    site.store.put_story(story("hoaks-2", "35.71", urgent=True))
    assert site.alerts.story("hoaks-2").officials == 0


def test_repeated_post_is_still_a_success(site: Site) -> None:
    link = digest_link(site, "budi@contoh.id")

    first = call("POST", link, ONE_CLICK)
    second = call("POST", link, ONE_CLICK)

    assert (first.status, second.status) == (200, 200)
    assert "sebelumnya" not in first.text
    assert "Anda sudah berhenti berlangganan sebelumnya" in second.text
    assert status_of(site, "sub-budi") is SubscriberStatus.UNSUBSCRIBED


def test_admin_link_explains_the_setting_and_stores_nothing(site: Site) -> None:
    link = links.unsubscribe_url(
        site.base, links.unsubscribe_link(SECRET, links.RecipientKind.ADMIN, "admin")
    )

    shown = call("GET", link)
    posted = call("POST", link, ONE_CLICK)

    for answer in (shown, posted):
        assert answer.status == 200
        assert "WARTA_ADMIN_EMAIL" in answer.text
        assert "<form" not in answer.text
    assert planned(site) == {"sub-ani", "sub-budi"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/", None, 200),
        ("GET", "/healthz", None, 200),
        ("GET", "/unsubscribe?subscriber=sub-ani&token=AAAA", None, 403),
        ("GET", "/unsubscribe", None, 400),
        ("GET", "/unsubscribe?subscriber=a&official=b&token=AAAA", None, 400),
        ("GET", "/unsubscribe?subscriber=a&subscriber=b&token=AAAA", None, 400),
        ("POST", "/unsubscribe?token=AAAA", ONE_CLICK, 400),
        ("GET", "/unsubscribe/", None, 404),
        ("GET", "/admin", None, 404),
        ("POST", "/", b"", 405),
        ("PUT", "/unsubscribe?subscriber=sub-ani&token=AAAA", ONE_CLICK, 405),
        ("DELETE", "/healthz", None, 405),
    ],
)
def test_every_response_carries_the_security_headers(
    site: Site, method: str, path: str, body: bytes | None, status: int
) -> None:
    answer = call(method, site.base + path, body)

    assert answer.status == status
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    csp = answer.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "style-src 'unsafe-inline'", "form-action 'self'"):
        assert directive in csp
    assert "charset=utf-8" in answer.headers["Content-Type"]
    assert int(answer.headers["Content-Length"]) == len(answer.body)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/", "GET, HEAD"),
        ("PUT", "/unsubscribe", "GET, HEAD, POST"),
        ("DELETE", "/healthz", "GET, HEAD"),
    ],
)
def test_wrong_method_names_the_allowed_ones(
    site: Site, method: str, path: str, allow: str
) -> None:
    answer = call(method, site.base + path, b"" if method != "DELETE" else None)

    assert answer.status == 405
    assert answer.headers["Allow"] == allow


def test_healthz_and_home(site: Site) -> None:
    health = call("GET", site.base + "/healthz")
    home = call("GET", site.base + "/")

    assert (health.status, health.body) == (200, b"ok\n")
    assert health.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Berita pemilu dari sumber resmi" in home.text


@pytest.mark.parametrize("path", ["/", "/healthz", "/unsubscribe?subscriber=sub-ani&token=AAAA"])
def test_head_answers_like_get_without_a_body(site: Site, path: str) -> None:
    got = call("GET", site.base + path)
    head = call("HEAD", site.base + path)

    assert head.status == got.status
    assert head.body == b""
    assert head.headers["Content-Length"] == str(len(got.body))
    assert head.headers["Content-Type"] == got.headers["Content-Type"]


def test_body_over_the_cap_is_refused_and_changes_nothing(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")

    answer = call("POST", link, b"x" * (MAX_BODY_BYTES + 1))

    assert answer.status == 413
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE
    assert call("POST", link, b"List-Unsubscribe=One-Click&" + b"x" * 2000).status == 200


def test_pages_are_indonesian_html_without_script(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")
    # A recipient id is echoed into the form's action: a hostile one must stay data.
    hostile = 'x"><script>alert(1)</script>'
    hostile_link = (
        site.base
        + "/unsubscribe?"
        + urlencode(
            {
                "subscriber": hostile,
                "token": links.sign(SECRET, "unsubscribe", f"subscriber:{hostile}"),
            }
        )
    )
    pages = [
        call("GET", site.base + "/"),
        call("GET", link),
        call("GET", hostile_link),
        call("GET", tampered(link)),
        call("GET", site.base + "/nowhere"),
        call("GET", site.base + "/unsubscribe"),
        call("POST", hostile_link, ONE_CLICK),
        call("POST", link, ONE_CLICK),
    ]

    for page in pages:
        doc = lxml.html.fromstring(page.body)
        assert doc.get("lang") == "id"
        assert doc.xpath("//script") == []
        assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
        assert doc.findtext(".//title")
        assert "<script>" not in page.text
    action = lxml.html.fromstring(pages[2].body).xpath("//form/@action")[0]
    assert parse_qs(urlsplit(action).query)["subscriber"] == [hostile]


def test_access_log_keeps_token_and_address_out(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    link = digest_link(site, "ani@contoh.id")
    token = parse_qs(urlsplit(link).query)["token"][0]

    call("GET", link)
    call("POST", link, ONE_CLICK)

    # The server thread writes its log line after the answer is sent: wait for it.
    logged = ""
    deadline = time.monotonic() + 10
    while logged.count("/unsubscribe?…") < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
        logged += capsys.readouterr().err
    assert '"GET /unsubscribe?…' in logged
    assert '"POST /unsubscribe?…' in logged
    assert token not in logged
    assert "sub-ani" not in logged
    assert "ani@contoh.id" not in logged


def test_serve_prints_its_address_answers_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    program = "from warta.config.settings import load_settings\nfrom warta.web.serve import serve\nserve(load_settings(), port=0)\n"
    server = subprocess.Popen(
        [sys.executable, "-c", program],
        env={**os.environ, "WARTA_HOME": str(tmp_path / "state")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A process started in the background may inherit an ignored SIGINT; Ctrl-C is what is tested.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 60)
        assert ready, "serve printed nothing"
        first = server.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:\d+/", first)
        assert address, first
        assert call("GET", address.group(0) + "healthz").body == b"ok\n"

        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    finally:
        server.kill()
        server.wait()

    assert server.returncode == 0, err
    assert "Traceback" not in err
    assert out.splitlines()[-1] == "stopped"
    assert (tmp_path / "state" / "warta.db").exists()


@pytest.mark.parametrize("taken", [True, False], ids=["port-in-use", "port-out-of-range"])
def test_serve_on_an_unusable_port_is_a_config_error(tmp_path: Path, taken: bool) -> None:
    settings = load_settings({"WARTA_HOME": str(tmp_path / "state")}, cwd=tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1] if taken else 70000

        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(settings, port=port)


def test_store_failure_is_a_500_page_whose_log_leaves_the_link_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BrokenStore:
        def get_subscriber(self, subscriber_id: str) -> Subscriber | None:
            raise StoreError("database is locked")

    token = links.sign(SECRET, "unsubscribe", "subscriber:sub-ani")
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ.update(
        REQUEST_METHOD="POST",
        PATH_INFO="/unsubscribe",
        QUERY_STRING=f"subscriber=sub-ani&token={token}",
        CONTENT_LENGTH=str(len(ONE_CLICK)),
        **{"wsgi.input": io.BytesIO(ONE_CLICK)},
    )
    started: list[str] = []
    app = WebApp(Subscriptions(BrokenStore(), SECRET, FixedClock()))  # type: ignore[arg-type]

    body = b"".join(app(environ, lambda status, headers, exc_info=None: started.append(status)))  # type: ignore[arg-type]

    assert started == ["500 Internal Server Error"]
    assert "Terjadi kesalahan" in body.decode("utf-8")
    assert "POST /unsubscribe failed" in caplog.text
    assert token not in caplog.text and "sub-ani" not in caplog.text


# -- slow and odd clients, on raw sockets ---------------------------------------------------


def address_of(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass  # the server closed with bytes of ours unread: what it sent first still counts
    return b"".join(chunks)


def parse_answer(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, _, header_lines = head.partition(b"\r\n")
    version, status, _ = status_line.decode("ascii").split(" ", 2)
    assert version.startswith("HTTP/1."), status_line
    headers = parse_headers(io.BytesIO(header_lines + b"\r\n\r\n"))
    return Answer(int(status), headers, body)


def raw_request(base: str, data: bytes) -> Answer:
    """Send `data` as it is, read the answer until the server closes."""
    with socket.create_connection(address_of(base), timeout=10) as sock:
        sock.sendall(data)
        return parse_answer(read_all(sock))


def assert_hardened(answer: Answer) -> None:
    for name, value in SECURITY_HEADERS:
        assert answer.headers[name] == value, name
    assert answer.headers["Server"] == "Warta"
    head = str(answer.headers)
    assert "Python" not in head and "CPython" not in head and "WSGIServer" not in head
    assert "charset=utf-8" in answer.headers["Content-Type"]
    assert int(answer.headers["Content-Length"]) == len(answer.body)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("Get", "/healthz"),
        ("head", "/"),
        ("post", "/unsubscribe"),
        ("Post", "/unsubscribe"),
        ("PROPFIND", "/"),
        ("BREW", "/nowhere"),
    ],
)
def test_methods_are_case_sensitive_and_unknown_ones_are_501(
    site: Site, method: str, path: str
) -> None:
    link = digest_link(site, "ani@contoh.id")
    target = path + ("?" + urlsplit(link).query if path == "/unsubscribe" else "")
    request = f"{method} {target} HTTP/1.0\r\nHost: warta\r\nContent-Length: 26\r\n\r\n"

    answer = raw_request(site.base, request.encode("ascii") + ONE_CLICK)

    assert answer.status == 501
    assert_hardened(answer)
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


@pytest.mark.parametrize("method", ["post", "Post", "pOST"])
def test_a_lambda_request_with_a_lower_case_method_is_not_a_post(site: Site, method: str) -> None:
    link = digest_link(site, "ani@contoh.id")
    event = {
        "rawPath": "/unsubscribe",
        "rawQueryString": urlsplit(link).query,
        "headers": {"host": "warta.example", "content-length": str(len(ONE_CLICK))},
        "body": ONE_CLICK.decode("ascii"),
        "requestContext": {"http": {"method": method, "sourceIp": "203.0.113.9"}},
    }
    started: list[str] = []

    site.app(lambda_environ(event), lambda status, headers, exc_info=None: started.append(status))  # type: ignore[arg-type]

    assert started == ["501 Not Implemented"]
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.0 extra\r\n\r\n", 400),
        (b"GET / HTTX/1.0\r\n\r\n", 400),
        (b"GET / HTTP/1.x\r\n\r\n", 400),
        (b"GET /\r\n\r\n", 400),  # HTTP/0.9: an answer without headers, so refused
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.0\r\n\r\n", 414),
        (b"GET / HTTP/1.0\r\nX-Big: " + b"a" * (65537 - len(b"X-Big: ")), 431),
        (b"GET / HTTP/1.0\r\n" + b"X-Many: 1\r\n" * 101, 431),
    ],
    ids=[
        "one-word",
        "four-words",
        "bad-protocol",
        "bad-version",
        "http-0.9",
        "http-2",
        "request-line-too-long",
        "header-too-long",
        "too-many-headers",
    ],
)
def test_the_servers_own_error_pages_carry_the_security_headers(
    site: Site, request_bytes: bytes, status: int
) -> None:
    answer = raw_request(site.base, request_bytes)

    assert answer.status == status
    assert_hardened(answer)
    assert answer.headers["Connection"] == "close"
    # Nothing the client sent is echoed into the page.
    assert answer.body == f"{status} {HTTPStatus(status).phrase}\n".encode("ascii")


def test_the_server_header_names_warta_and_no_interpreter(site: Site) -> None:
    answer = raw_request(site.base, b"GET /healthz HTTP/1.0\r\nHost: warta\r\n\r\n")

    assert (answer.status, answer.body) == (200, b"ok\n")
    assert_hardened(answer)
    assert answer.headers.get_all("Server") == ["Warta"]


def trickle(
    base: str, head: bytes, drip: bytes, every: float = 0.1, limit: float = 20.0
) -> tuple[float, bytes]:
    """Send `head`, then `drip` one byte at a time until the server answers or closes.

    Returns how long after connecting the server closed, and what it sent.
    """
    with socket.create_connection(address_of(base), timeout=limit) as sock:
        started = time.monotonic()
        sock.sendall(head)
        for byte in drip:
            if time.monotonic() - started > limit:
                break
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            ready, _, _ = select.select([sock], [], [], every)
            if ready:
                break
        answer = read_all(sock)
        return time.monotonic() - started, answer


def test_a_client_trickling_its_headers_is_cut_off_at_the_deadline(site: Site) -> None:
    with serving(site.app, deadline=1.0, workers=1) as base:
        took, answer = trickle(
            base, b"GET / HTTP/1.1\r\nHost: warta\r\n", b"X-Lambat: " + b"a" * 500
        )

        assert 0.9 <= took < 3.0, took  # far below the 15 s each single read may wait
        if answer:
            assert parse_answer(answer).status == 408
            assert_hardened(parse_answer(answer))
        # The one worker is free again.
        assert call("GET", base + "/healthz").status == 200


def test_a_client_trickling_its_request_line_is_cut_off_at_the_deadline(site: Site) -> None:
    with serving(site.app, deadline=1.0, workers=1) as base:
        took, _ = trickle(base, b"", b"GET /" + b"a" * 500)

        assert 0.9 <= took < 3.0, took
        assert call("GET", base + "/healthz").status == 200


def test_a_client_trickling_its_body_gets_408_and_changes_nothing(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")
    with serving(site.app, deadline=1.0, workers=1) as base:
        head = (
            f"POST /unsubscribe?{urlsplit(link).query} HTTP/1.1\r\nHost: warta\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(ONE_CLICK)}\r\n\r\n"
        ).encode("ascii")

        took, answer = trickle(base, head, ONE_CLICK, every=0.15)

        assert 0.9 <= took < 3.0, took
        assert parse_answer(answer).status == 408
        assert_hardened(parse_answer(answer))
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


def test_a_client_that_stops_early_gets_400_and_changes_nothing(site: Site) -> None:
    link = digest_link(site, "ani@contoh.id")
    head = (
        f"POST /unsubscribe?{urlsplit(link).query} HTTP/1.0\r\nHost: warta\r\n"
        f"Content-Length: {len(ONE_CLICK)}\r\n\r\n"
    ).encode("ascii")
    with socket.create_connection(address_of(site.base), timeout=10) as sock:
        sock.sendall(head + ONE_CLICK[:5])
        sock.shutdown(socket.SHUT_WR)
        answer = parse_answer(read_all(sock))

    assert answer.status == 400
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


@pytest.mark.parametrize("length", ["+26", "2_6", "٢٦", "26 26", "-1", "9" * 30])
def test_a_content_length_that_is_not_plain_digits_is_refused(site: Site, length: str) -> None:
    link = digest_link(site, "ani@contoh.id")
    head = f"POST /unsubscribe?{urlsplit(link).query} HTTP/1.0\r\nContent-Length: {length}\r\n\r\n"

    answer = raw_request(site.base, head.encode("utf-8") + ONE_CLICK)

    assert answer.status in (400, 413)
    assert status_of(site, "sub-ani") is SubscriberStatus.ACTIVE


class Gate:
    """A WSGI app that holds every request until opened, counting how many it holds at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = threading.Event()
        self.active = 0
        self.peak = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        self.open.wait(20)
        with self.lock:
            self.active -= 1
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"ok\n"]


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def test_the_worker_pool_bounds_concurrent_requests_and_turns_away_the_excess() -> None:
    gate = Gate()
    with serving(gate, workers=2, waiting=3, deadline=30.0) as base:
        clients = [socket.create_connection(address_of(base), timeout=20) for _ in range(5)]
        try:
            for sock in clients:
                sock.sendall(b"GET / HTTP/1.0\r\nHost: warta\r\n\r\n")
            wait_for(lambda: gate.peak == 2)
            time.sleep(0.3)  # time enough for a third worker, were there one
            assert gate.active == 2

            # Two handled, three waiting: the next connection is turned away at once.
            with socket.create_connection(address_of(base), timeout=10) as extra:
                turned_away = parse_answer(read_all(extra))
            assert turned_away.status == 503
            assert turned_away.headers["Retry-After"] == "1"
            assert_hardened(turned_away)

            gate.open.set()
            answers = [parse_answer(read_all(sock)) for sock in clients]
        finally:
            for sock in clients:
                sock.close()

    assert [a.status for a in answers] == [200] * 5
    assert gate.peak == 2
    assert all(a.headers["Server"] == "Warta" for a in answers)


def test_server_options_are_checked() -> None:
    for options in ({"deadline": 0.0}, {"deadline": float("nan")}, {"workers": 0}, {"waiting": -1}):
        with pytest.raises(ValueError):
            make_server(Gate(), "127.0.0.1", 0, **options)  # type: ignore[arg-type]
