"""The alert chains as CAP 1.2 messages and their Atom index, in the archive and on the web."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.builders import story, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.cap import CAP_NAMESPACE, Status
from warta.core.chain import Reason
from warta.core.model import Authority, Story
from warta.render import JinjaRenderer
from warta.services.archive import Archive
from warta.services.lifecycle import Lifecycle
from warta.services.subscriptions import Subscriptions
from warta.web.app import WebApp

from .conftest import FixedClock

SCHEMA = Path(__file__).resolve().parents[2] / "fixtures" / "cap" / "CAP-v1.2-schema.xsd"
BASE = "https://warta.example"
NS = {"cap": CAP_NAMESPACE, "a": "http://www.w3.org/2005/Atom"}

ALERTED = story(
    "st-kotak",
    region="35.71",
    urgent=True,
    title="KPU Kota Kediri Bantah Isu Kotak Suara Dibakar",
    summary=(
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
        "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
    ),
    sources=(story_source("kpu-kota-kediri", "KPU Kota Kediri", "https://kpu.example/a"),),
)
WIDENED = replace(
    ALERTED,
    region="35",
    sources=(
        *ALERTED.sources,
        story_source(
            "kpu-jatim", "KPU Jawa Timur", "https://jatim.example/b", authority=Authority.KPU
        ),
    ),
)


@pytest.fixture
def chain(store: SqliteStore, clock: FixedClock) -> Lifecycle:
    """ALERTED's chain: its alert, an update half an hour later, a cancel an hour later."""
    lifecycle = Lifecycle(store=store)
    store.put_story(ALERTED)
    lifecycle.start(ALERTED, at=clock.now())
    clock.advance(minutes=30)
    lifecycle.add(
        ALERTED,
        WIDENED,
        reasons=(Reason.CONFIRMED, Reason.WIDENED),
        cause="join:b",
        now=clock.now(),
        note="KPU Jawa Timur",
    )
    store.put_story(WIDENED)
    clock.advance(minutes=30)
    lifecycle.add(
        WIDENED, WIDENED, reasons=(Reason.WITHDRAWN,), cause="gone:a", now=clock.now(), note="KPU"
    )
    return lifecycle


def archive(store: SqliteStore, clock: FixedClock, status: Status = Status.ACTUAL) -> Archive:
    return Archive(store=store, renderer=JinjaRenderer(), clock=clock, cap_status=status)


def test_each_message_of_a_chain_is_valid_cap_referencing_those_before_it(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle
) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    files = {f.path: f for f in archive(store, clock).files(BASE)}

    documents = [etree.fromstring(files[f"cap/warta-st-kotak-{n}.xml"].body) for n in range(3)]

    for document in documents:
        schema.assertValid(document)
    assert files["cap/warta-st-kotak-0.xml"].content_type == "application/cap+xml"
    assert [d.findtext("cap:msgType", namespaces=NS) for d in documents] == [
        "Alert",
        "Update",
        "Cancel",
    ]
    sent = [d.findtext("cap:sent", namespaces=NS) for d in documents]
    assert sent == [
        "2026-11-28T10:00:00+07:00",
        "2026-11-28T10:30:00+07:00",
        "2026-11-28T11:00:00+07:00",
    ]
    named = [f"warta.example,warta-st-kotak-{n},{sent[n]}" for n in range(3)]
    assert [(d.findtext("cap:references", namespaces=NS) or "").split() for d in documents] == [
        [],
        named[:1],
        named[:2],
    ]
    # Every message of the chain expires with it: 72 hours after the alert.
    assert {d.findtext("cap:info/cap:expires", namespaces=NS) for d in documents} == {
        "2026-12-01T10:00:00+07:00"
    }
    # Each shows the story as it stood: the update the widened region, with what changed.
    update = documents[1]
    assert update.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=NS) == "35"
    description = update.findtext("cap:info/cap:description", namespaces=NS) or ""
    assert description.startswith("PEMBARUAN: dikonfirmasi juga oleh KPU Jawa Timur; wilayahnya")
    assert documents[0].findtext("cap:info/cap:area/cap:areaDesc", namespaces=NS) == "Kota Kediri"
    cancel = documents[2].findtext("cap:info/cap:instruction", namespaces=NS) or ""
    assert cancel.startswith("Jangan bagikan lagi")


def test_a_message_reads_the_same_however_the_story_changes_later(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle
) -> None:
    first = archive(store, clock).cap_message("warta-st-kotak-0", BASE)
    store.put_story(replace(WIDENED, title="Judul yang diubah sumbernya"))
    clock.advance(hours=5)

    assert archive(store, clock).cap_message("warta-st-kotak-0", BASE) == first


def test_the_cap_index_links_each_message_newest_first(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle
) -> None:
    feed = etree.fromstring(archive(store, clock, Status.TEST).feed("cap", BASE).encode())

    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:id", namespaces=NS) == f"{BASE}/feed/cap.atom"
    links = feed.xpath("a:entry/a:link[@type='application/cap+xml']/@href", namespaces=NS)
    assert links == [f"{BASE}/cap/warta-st-kotak-{n}.xml" for n in (2, 1, 0)]
    for entry in feed.findall("a:entry", NS):
        assert entry.findtext("a:updated", namespaces=NS)
        assert entry.findtext("a:title", namespaces=NS)


def test_the_demo_archive_marks_its_messages_as_a_test(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle
) -> None:
    message = archive(store, clock, Status.TEST).cap_message("warta-st-kotak-1", BASE)

    assert message is not None and b"<status>Test</status>" in message


@pytest.mark.parametrize(
    "identifier", ["warta-st-kotak-3", "warta-st-nope-0", "st-kotak-0", "warta-st-kotak-x"]
)
def test_a_message_not_kept_is_not_found(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle, identifier: str
) -> None:
    assert archive(store, clock).cap_message(identifier, BASE) is None


def test_a_story_that_is_no_clarification_has_no_cap_message(
    store: SqliteStore, clock: FixedClock
) -> None:
    news: Story = story("st-berita")
    store.put_story(news)

    assert archive(store, clock).cap_message("warta-st-berita-0", BASE) is None


def call(app: WebApp, path: str) -> tuple[str, dict[str, str], bytes]:
    got: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]]) -> Callable[[bytes], object]:
        got["status"], got["headers"] = status, dict(headers)
        return lambda _: None

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "warta.example",
    }
    body = b"".join(app(environ, start))
    return got["status"], got["headers"], body


def test_the_web_app_serves_the_messages_and_their_index(
    store: SqliteStore, clock: FixedClock, chain: Lifecycle
) -> None:
    app = WebApp(Subscriptions(store, b"k" * 64, clock), JinjaRenderer())

    status, headers, body = call(app, "/cap/warta-st-kotak-2.xml")
    assert status.startswith("200") and headers["Content-Type"] == "application/cap+xml"
    assert b"<msgType>Cancel</msgType>" in body
    status, headers, body = call(app, "/feed/cap.atom")
    assert status.startswith("200") and headers["Content-Type"].startswith("application/atom+xml")
    assert body.count(b"<entry>") == 3
    for missing in ("/cap/warta-st-kotak-9.xml", "/cap/../secret.xml", "/cap/warta-st-kotak-0"):
        assert call(app, missing)[0].startswith("404"), missing
