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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import Message as HeaderMessage
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit
from urllib.request import Request, urlopen
from wsgiref.util import setup_testing_defaults

import lxml.html
import pytest
from tests.doubles import NOW, FixedClock, RecordingMailer, RecordingNotifier

from warta.adapters.sqlite_store import SqliteStore
from warta.config.settings import load_settings
from warta.core import links
from warta.core.errors import ConfigError, StoreError
from warta.core.model import (
    Authority,
    DigestBatch,
    Official,
    Story,
    StorySource,
    Subscriber,
    SubscriberStatus,
)
from warta.render import JinjaRenderer
from warta.services.alerts import Alerts
from warta.services.compose import Letterhead
from warta.services.delivery import Delivery
from warta.services.digest import Digest
from warta.services.subscriptions import Subscriptions
from warta.web.app import MAX_BODY_BYTES, WebApp
from warta.web.serve import make_server, serve

pytestmark = pytest.mark.integration

SECRET = b"w" * 64
DAY = date(2026, 11, 28)
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


def story(story_id: str, region: str, *, urgent: bool = False) -> Story:
    return Story(
        id=story_id,
        day=DAY,
        region=region,
        title=f"Berita {story_id}",
        summary=f"Ringkasan {story_id}.",
        published_at=NOW - timedelta(hours=1),
        created_at=NOW,
        election=True,
        clarification=urgent,
        urgent=urgent,
        sources=(
            StorySource(
                "kpu-ri",
                "KPU RI",
                f"https://kpu.example.id/{story_id}",
                Authority.KPU,
                story_id,
                NOW,
            ),
        ),
    )


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with SqliteStore(tmp_path / "warta.db") as store:
        clock = FixedClock()
        server = make_server(WebApp(Subscriptions(store, SECRET, clock)), "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        try:
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
                Official(
                    id="kpu-kediri",
                    name="Sri",
                    role="Ketua KPU",
                    region="35.71",
                    email="sri@kpu.example.id",
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
            )
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


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
