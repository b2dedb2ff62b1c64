"""Sign-up, confirmation and preferences over real HTTP, on the local wiring.

`warta serve`'s server on loopback in front of the App `build_local` makes
(SQLite, the outbox folder), with a fixed clock. Links are taken from the .eml
files in the outbox, as a person would take them from a mailbox. Every refusal
is checked on the store read back and on the outbox: nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

import lxml.html
import pytest
from tests.builders import DAY, official, story, story_source
from tests.doubles import LocalSite, local_site

from warta.core import links
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, Subscriber, SubscriberStatus
from warta.handlers._wsgi import environ as lambda_environ
from warta.services.signup import CONFIRM_GRACE, Limits

pytestmark = pytest.mark.integration

ANI = "ani@contoh.id"
BUDI = "budi@contoh.id"


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def doc(self) -> Any:
        return lxml.html.fromstring(self.body)


class Site(LocalSite):
    def everyone(self) -> list[Subscriber]:
        """Every subscriber of every status, read back from the store."""
        people: list[Subscriber] = []
        for status in SubscriberStatus:
            cursor = None
            while True:
                page = self.app.store.subscribers_page(status, cursor=cursor)
                people.extend(page.items)
                cursor = page.cursor
                if cursor is None:
                    break
        return sorted(people, key=lambda s: s.id)


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def call(method: str, url: str, body: bytes | None = None, **headers: str) -> Answer:
    request = Request(url, data=body, method=method, headers=headers)
    if body is not None and "Content-Type" not in headers:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with build_opener(_NoRedirect).open(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def form(*pairs: tuple[str, str]) -> bytes:
    return urlencode(pairs).encode()


SIGN_UP = (("email", ANI), ("cakupan", "pilih"), ("kota", "Kota Kediri"), ("ringkasan", "1"))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with local_site(tmp_path) as served:
        yield Site(served.base, served.app, served.web, served.outbox, served.clock)


def link_in(message: EmailMessage, path: str) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"(http://\S+" + re.escape(path) + r"\?\S+)", part.get_content())
    assert found, part.get_content()
    return found.group(1)


def sign_up_and_confirm(site: Site, address: str = ANI) -> None:
    assert call("POST", site.base + "/subscribe", form(("email", address))).status == 200
    confirm = link_in(site.mail("confirm")[-1], "/confirm")
    assert call("POST", confirm, b"").status == 200


# -- the lifecycle ------------------------------------------------------------------


def test_sign_up_confirm_and_choose_over_http(site: Site) -> None:
    home = call("GET", site.base + "/")
    assert home.status == 200 and "Daftar" in home.text

    sent = call("POST", site.base + "/subscribe", form(*SIGN_UP))

    assert sent.status == 200 and "Periksa kotak masuk Anda" in sent.text
    pending = site.subscriber(ANI)
    assert pending is not None and pending.status is SubscriberStatus.PENDING
    assert pending.regions == ("35.71",)
    assert pending.signed_up is not None and pending.signed_up.source == "web 127.0.0.0/24"
    [message] = site.mail()
    assert message["To"] == ANI and message["X-Warta-Kind"] == "confirm"
    confirm = link_in(message, "/confirm")

    page = call("GET", confirm)  # what a mail scanner does: nothing changes
    assert page.status == 200 and "Konfirmasi langganan Anda" in page.text
    assert site.subscriber(ANI) == pending
    action = page.doc.xpath("//form/@action")[0]
    done = call("POST", site.base + "/confirm" + action, b"")

    assert done.status == 200 and "langganan Anda aktif" in done.text
    active = site.subscriber(ANI)
    assert active is not None and active.status is SubscriberStatus.ACTIVE
    assert active.confirmed is not None and active.confirmed.at == site.clock.now()

    preferences = call("GET", site.base + done.doc.xpath("//a/@href")[0])
    assert preferences.status == 200 and ANI in preferences.text
    action = preferences.doc.xpath("//form[.//button[text()='Simpan pilihan']]/@action")[0]
    saved = call(
        "POST",
        site.base + "/preferences" + action,
        form(
            ("cakupan", "pilih"),
            ("provinsi", "11"),
            ("wilayah", "35.71"),
            ("jam", "19"),
            ("pilihan", "1"),
        ),
    )
    assert saved.status == 200 and "sudah disimpan" in saved.text
    chosen = site.subscriber(ANI)
    assert chosen == replace(
        active,
        regions=("11", "35.71"),
        digest=False,
        digest_hour=19,
        updated_at=site.clock.now(),
    )


def test_nobody_pending_unsubscribed_or_suppressed_gets_a_digest_or_an_alert(site: Site) -> None:
    people = {
        "aktif@contoh.id": SubscriberStatus.ACTIVE,
        "tunggu@contoh.id": SubscriberStatus.PENDING,
        "pergi@contoh.id": SubscriberStatus.UNSUBSCRIBED,
        "tolak@contoh.id": SubscriberStatus.SUPPRESSED,
    }
    for address in people:
        call("POST", site.base + "/subscribe", form(("email", address), ("ringkasan", "1")))
    for address in ("aktif@contoh.id", "pergi@contoh.id"):
        [message] = [m for m in site.mail("confirm") if m["To"] == address]
        assert call("POST", link_in(message, "/confirm"), b"").status == 200
    [left] = [m for m in site.mail("confirm") if m["To"] == "pergi@contoh.id"]
    one_click = str(left["List-Unsubscribe"]).strip("<>")
    assert call("POST", one_click, b"List-Unsubscribe=One-Click").status == 200
    bounced = site.subscriber("tolak@contoh.id")
    assert bounced is not None
    site.app.store.put_subscriber(replace(bounced, status=SubscriberStatus.SUPPRESSED))
    assert {s.email: s.status for s in site.everyone()} == people

    site.app.store.put_official(official("kpu-kediri", "35.71", "sri@kpu.example.id"))
    urgent = story(
        "s-urgent",
        region="35.71",
        urgent=True,
        published_at=site.clock.now() - timedelta(hours=1),
        sources=(story_source(url="https://kpu.example.id/u", item_id="u"),),
    )
    site.app.store.put_story(urgent)
    site.app.store.put_story(replace(urgent, id="s-plain", urgent=False, clarification=False))
    site.app.alerts.story("s-urgent")
    for batch in site.app.digest.plan(DAY):
        site.app.digest.send_batch(batch)

    digests = site.mail("digest")
    assert [m["To"] for m in digests] == ["aktif@contoh.id"]
    alerted = {m["To"] for m in site.mail() if str(m["X-Warta-Kind"]).startswith("alert")}
    assert alerted == {"sri@kpu.example.id"}
    for address, status in people.items():
        sent = site.app.store.get_send("digest", DAY.isoformat(), subscriber_id(address))
        assert (sent is not None) is (status is SubscriberStatus.ACTIVE), address


def test_resubmitting_an_active_address_leaves_it_as_it_was_and_sends_a_manage_link(
    site: Site,
) -> None:
    sign_up_and_confirm(site)
    active = site.subscriber(ANI)
    site.clock.advance(days=1)

    again = call("POST", site.base + "/subscribe", form(("email", ANI), ("cakupan", "nasional")))

    assert again.status == 200 and "Periksa kotak masuk Anda" in again.text
    assert site.subscriber(ANI) == active
    manage = site.mail("manage")[-1]
    assert manage["To"] == ANI
    assert call("GET", link_in(manage, "/preferences")).status == 200


def test_the_answer_is_the_same_whether_or_not_an_address_is_subscribed(site: Site) -> None:
    sign_up_and_confirm(site)

    known = call("POST", site.base + "/manage", form(("email", ANI)))
    unknown = call("POST", site.base + "/manage", form(("email", BUDI)))

    assert (known.status, known.body) == (unknown.status, unknown.body)
    assert [m["To"] for m in site.mail("manage")] == [ANI]
    assert site.subscriber(BUDI) is None


def test_the_digest_link_to_preferences_redirects_and_changes_nothing(site: Site) -> None:
    sign_up_and_confirm(site)
    site.app.store.put_story(
        story("s1", region="national", published_at=site.clock.now() - timedelta(hours=1))
    )
    for batch in site.app.digest.plan(DAY):
        site.app.digest.send_batch(batch)
    [digest] = site.mail("digest")
    before = site.everyone()

    answer = call("GET", link_in(digest, "/unsubscribe").replace("&atur=1", "") + "&atur=1")

    assert answer.status == 303
    location = answer.headers["Location"]
    assert location.startswith("/preferences?subscriber=")
    assert call("GET", site.base + location).status == 200
    assert site.everyone() == before
    page = call("GET", site.base + location)
    stop = page.doc.xpath("//form[.//button[text()='Berhenti berlangganan']]/@action")[0]
    assert call("POST", site.base + stop, b"List-Unsubscribe=One-Click").status == 200
    gone = site.subscriber(ANI)
    assert gone is not None and gone.status is SubscriberStatus.UNSUBSCRIBED


# -- bad input: a 4xx page in Indonesian, and the store as it was --------------------


def assert_refused(answer: Answer, status: int) -> None:
    assert answer.status == status, answer.text
    assert answer.doc.get("lang") == "id"
    assert answer.doc.xpath("//script") == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param(form(("email", "bukan-alamat")), "tidak sah", id="invalid"),
        pytest.param(form(("email", "a" * 250 + "@contoh.id")), "254", id="overlong"),
        pytest.param(form(("email", f"{BUDI}, {ANI}")), "satu alamat", id="two-addresses"),
        pytest.param(form(("email", BUDI), ("email", ANI)), "lebih dari sekali", id="repeated"),
        pytest.param(form(("email", f"{BUDI}\r\nBcc: {ANI}")), "baris baru", id="crlf-address"),
        pytest.param(form(("email", BUDI), ("kota", "Kediri\nx")), "baris baru", id="lf-kota"),
        pytest.param(form(("email", BUDI), ("provinsi", "99")), "tidak dikenal", id="province"),
        pytest.param(form(("email", BUDI), ("kota", "Atlantis")), "tidak dikenal", id="kota"),
        pytest.param(form(("email", BUDI), ("kota", "Kediri")), "bisa berarti", id="ambiguous"),
        pytest.param(form(("email", BUDI), ("jam", "25")), "00 dan 23", id="hour"),
        pytest.param(
            form(("email", BUDI), ("situs_web", "http://spam.example")),
            "tersembunyi",
            id="honeypot",
        ),
    ],
)
def test_a_bad_sign_up_is_a_400_page_and_changes_nothing(
    site: Site, body: bytes, problem: str
) -> None:
    sign_up_and_confirm(site)
    before, mail = site.everyone(), len(site.mail())

    answer = call("POST", site.base + "/subscribe", body)

    assert_refused(answer, 400)
    assert problem in answer.text
    assert "tidak ada yang disimpan" in answer.text
    assert site.everyone() == before
    assert len(site.mail()) == mail


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (form(("email", BUDI)), {"Content-Type": "multipart/form-data; boundary=x"}, 415),
        (form(("email", BUDI)), {"Content-Type": "application/json"}, 415),
        (b"email=" + b"a" * 11000, {}, 413),
    ],
    ids=["multipart", "json", "too-large"],
)
def test_a_body_no_form_of_ours_sends_is_refused(
    site: Site, body: bytes, headers: dict[str, str], status: int
) -> None:
    answer = call("POST", site.base + "/subscribe", body, **headers)

    assert_refused(answer, status)
    assert site.everyone() == [] and site.mail() == []


def test_too_many_sign_ups_for_one_address_are_a_429_and_change_nothing(site: Site) -> None:
    for _ in range(Limits().per_address_day):
        assert call("POST", site.base + "/subscribe", form(("email", BUDI))).status == 200
    before, mail = site.everyone(), len(site.mail())

    answer = call("POST", site.base + "/subscribe", form(("email", BUDI)))

    assert_refused(answer, 429)
    assert answer.headers["Retry-After"] == "3600"
    assert "Terlalu banyak permintaan" in answer.text
    assert site.everyone() == before and len(site.mail()) == mail


def tampered(url: str) -> str:
    query = urlsplit(url).query
    token = dict(pair.split("=", 1) for pair in query.split("&"))["token"]
    changed = "B" if token[-1] == "A" else "A"
    return url.replace(token, token[:-1] + changed)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("forged", 403, "Tautan tidak berlaku"),
        ("other-subscriber", 403, "Tautan tidak berlaku"),
        ("expired", 410, "kedaluwarsa"),
        ("replayed", 409, "sudah tidak berlaku"),
        ("no-token", 400, "Tautan tidak lengkap"),
    ],
)
def test_a_bad_confirmation_link_is_a_4xx_page_and_leaves_the_subscriber_as_it_was(
    site: Site, method: str, case: str, status: int, words: str
) -> None:
    call("POST", site.base + "/subscribe", form(("email", ANI)))
    confirm = link_in(site.mail("confirm")[-1], "/confirm")
    if case == "forged":
        confirm = tampered(confirm)
    elif case == "other-subscriber":
        confirm = confirm.replace(subscriber_id(ANI), subscriber_id(BUDI))
    elif case == "expired":
        site.clock.advance(hours=48, seconds=1)
    elif case == "replayed":
        call("POST", confirm, b"")
        site.clock.advance(seconds=CONFIRM_GRACE.total_seconds() + 1)
    elif case == "no-token":
        confirm = confirm.partition("&token=")[0]
    before = site.everyone()

    answer = call(method, confirm, b"" if method == "POST" else None)

    assert_refused(answer, status)
    assert words in answer.text
    assert site.everyone() == before


def test_a_second_click_within_minutes_is_the_success_page_again(site: Site) -> None:
    call("POST", site.base + "/subscribe", form(("email", ANI)))
    confirm = link_in(site.mail("confirm")[-1], "/confirm")
    call("POST", confirm, b"")
    active = site.subscriber(ANI)
    site.clock.advance(minutes=3)

    again = call("POST", confirm, b"")

    assert again.status == 200 and "sudah aktif" in again.text
    assert site.subscriber(ANI) == active


@pytest.mark.parametrize(
    ("case", "status"),
    [("forged", 403), ("expired", 410), ("unsubscribed", 409), ("bad-choice", 400)],
)
def test_a_bad_preferences_request_is_a_4xx_page_and_changes_nothing(
    site: Site, case: str, status: int
) -> None:
    sign_up_and_confirm(site)
    call("POST", site.base + "/manage", form(("email", ANI)))
    url = link_in(site.mail("manage")[-1], "/preferences")
    body = form(("cakupan", "pilih"), ("provinsi", "11"), ("ringkasan", "1"))
    if case == "forged":
        url = tampered(url)
    elif case == "expired":
        site.clock.advance(hours=49)
    elif case == "unsubscribed":
        subscriber = site.subscriber(ANI)
        assert subscriber is not None
        site.app.store.put_subscriber(replace(subscriber, status=SubscriberStatus.UNSUBSCRIBED))
    elif case == "bad-choice":
        body = form(("cakupan", "pilih"), ("kota", "Atlantis"))
    before = site.everyone()

    answer = call("POST", url, body)

    assert_refused(answer, status)
    assert site.everyone() == before
    if case == "bad-choice":
        # The form comes back with what was typed, beside its problem.
        assert answer.doc.xpath("//input[@name='kota']/@value") == ["Atlantis"]


def test_links_mailed_from_a_lambda_request_point_at_the_function_url(site: Site) -> None:
    body = form(("email", ANI))
    event = {
        "rawPath": "/subscribe",
        "rawQueryString": "",
        "headers": {
            "host": "abc123.lambda-url.ap-southeast-3.on.aws",
            "content-type": "application/x-www-form-urlencoded",
        },
        "body": body.decode(),
        "requestContext": {"http": {"method": "POST", "sourceIp": "203.0.113.9"}},
    }
    started: list[str] = []

    site.web(lambda_environ(event), lambda status, headers, exc_info=None: started.append(status))  # type: ignore[arg-type]

    assert started == ["200 OK"]
    [message] = site.mail("confirm")
    assert link_in_any(message).startswith(
        "https://abc123.lambda-url.ap-southeast-3.on.aws/confirm?"
    )
    assert str(message["List-Unsubscribe"]).startswith(
        "<https://abc123.lambda-url.ap-southeast-3.on.aws/unsubscribe?"
    )
    subscriber = site.subscriber(ANI)
    assert subscriber is not None and subscriber.signed_up is not None
    assert subscriber.signed_up.source == "web 203.0.113.0/24"


def link_in_any(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    found = re.search(r"(https://\S+/confirm\?\S+)", part.get_content())
    assert found
    return found.group(1)


# -- the pages themselves ------------------------------------------------------------


def test_every_form_field_has_a_label_and_no_page_needs_a_script(site: Site) -> None:
    sign_up_and_confirm(site)
    call("POST", site.base + "/manage", form(("email", ANI)))
    preferences = link_in(site.mail("manage")[-1], "/preferences")
    pages = [
        call("GET", site.base + "/"),
        call("GET", site.base + "/manage"),
        call("GET", preferences),
        call("POST", site.base + "/subscribe", form(("email", "x"))),
        call("GET", site.base + "/confirm?subscriber=x&token=y"),
    ]

    for page in pages:
        doc = page.doc
        assert doc.get("lang") == "id"
        assert doc.xpath("//script") == []
        assert doc.xpath("//meta[@name='viewport']/@content") == [
            "width=device-width, initial-scale=1"
        ]
        for field in doc.xpath("//input[not(@type='hidden')] | //select"):
            wrapped = field.xpath("ancestor::label")
            named = field.get("id") and doc.xpath(f"//label[@for='{field.get('id')}']")
            assert wrapped or named, lxml.html.tostring(field)
        for form_ in doc.xpath("//form"):
            assert form_.get("method") == "post"
            assert form_.xpath(".//button[@type='submit']")


def test_scopes_are_shown_as_chosen(site: Site) -> None:
    sign_up_and_confirm(site)
    subscriber = site.subscriber(ANI)
    assert subscriber is not None
    for regions, checked in [((ALL_REGIONS,), "semua"), (("national",), "nasional")]:
        site.app.store.put_subscriber(replace(subscriber, regions=regions))
        token = links.issue(
            site.app.settings.secret,
            links.MANAGE,
            links.RecipientKind.SUBSCRIBER,
            subscriber.id,
            site.clock.now(),
        )
        page = call("GET", links.preferences_url(site.base, subscriber.id, token))
        assert page.doc.xpath("//input[@name='cakupan'][@checked]/@value") == [checked]
