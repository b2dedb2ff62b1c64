"""One clarification through alert, update and cancel, and a digest story corrected, on the
one-machine cycle: real feeds over HTTP on 127.0.0.1, the SQLite store, the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from tests.builders import official
from tests.doubles import NOW, FakeSite, FixedClock, serving

from warta.config.settings import load_settings
from warta.core.cap import CAP_NAMESPACE
from warta.core.days import jakarta_day
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, Authority, Source, Subscriber
from warta.render import JinjaRenderer
from warta.services.archive import Archive
from warta.wiring import App, build_local

pytestmark = pytest.mark.integration

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "cap" / "CAP-v1.2-schema.xsd"
CAP = {"cap": CAP_NAMESPACE}

TITLE = "KPU Kota Kediri Bantah Isu Kotak Suara Dibakar"
TEXT = (
    "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
    "KPU Kota Kediri menegaskan kabar itu tidak benar. Seluruh kotak suara tersimpan aman di "
    "gudang dan dijaga aparat keamanan selama 24 jam."
)


class Feeds:
    """The sources' feeds and pages on one local site; a test changes what they list."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site
        self.items: dict[str, list[tuple[str, str, str, datetime]]] = {}
        self.gone: set[str] = set()

    def source(self, key: str, name: str, authority: Authority, region: str) -> Source:
        self.items.setdefault(key, [])
        self.site.routes[f"/{key}/feed"] = lambda handler: self._feed(handler, key)
        return Source(
            id=key,
            name=name,
            url=self.site.url(f"/{key}/feed"),
            authority=authority,
            region=region,
            allow_addresses=("127.0.0.1",),
        )

    def publish(self, key: str, item_id: str, title: str, text: str, at: datetime) -> str:
        """Put an item on a source's feed; its page answers 200 until withdrawn."""
        path = f"/{key}/berita/{item_id}"
        self.items[key].insert(0, (item_id, title, text, at))
        self.site.routes[path] = lambda handler: self._page(handler, path)
        return self.site.url(path)

    def withdraw(self, key: str, item_id: str) -> None:
        self.items[key] = [i for i in self.items[key] if i[0] != item_id]
        self.gone.add(f"/{key}/berita/{item_id}")

    def _feed(self, handler: BaseHTTPRequestHandler, key: str) -> None:
        entries = "".join(
            f"<item><title>{escape(title)}</title>"
            f"<link>{self.site.url(f'/{key}/berita/{item_id}')}</link>"
            f"<guid>{key}-{item_id}</guid><pubDate>{format_datetime(at)}</pubDate>"
            f"<description>{escape(text)}</description></item>"
            for item_id, title, text, at in self.items[key]
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{key}</title><link>{self.site.url('/')}</link>{entries}</channel></rss>"
        ).encode()
        _answer(handler, 200, body, "application/rss+xml; charset=utf-8")

    def _page(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        if path in self.gone:
            _answer(handler, 404, b"tidak ditemukan", "text/plain")
        else:
            _answer(handler, 200, b"<html><body>berita</body></html>", "text/html")


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    with serving(FakeSite()) as site:
        yield Feeds(site)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    env = {
        "WARTA_HOME": str(tmp_path / "home"),
        "WARTA_OUTBOX": str(tmp_path / "outbox"),
        "WARTA_PUBLIC_URL": "https://warta.example",
        "WARTA_SENDER": "Warta Pemilu <warta@warta.example>",
    }
    built = build_local(load_settings(env, cwd=tmp_path), clock=clock)
    yield built
    built.close()


def outbox(app: App) -> list[EmailMessage]:
    messages = []
    for path in sorted((app.settings.outbox).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def mail_to(app: App, address: str, kind: str | None = None) -> list[EmailMessage]:
    """The messages to an address, oldest first (by their Date: the clock moves between runs)."""
    found = [
        m
        for m in outbox(app)
        if str(m["To"]) == address and (kind is None or m["X-Warta-Kind"] == kind)
    ]
    return sorted(found, key=lambda m: m["Date"].datetime)


def sms(app: App) -> list[str]:
    folder = app.settings.outbox / "sms"
    return sorted(p.read_text() for p in folder.glob("*.json")) if folder.is_dir() else []


def test_one_clarification_through_alert_update_and_cancel(
    app: App, feeds: Feeds, clock: FixedClock
) -> None:
    kpu = feeds.source("kpu", "KPU Kota Kediri", Authority.KPU, "35.71")
    bawaslu = feeds.source("bawaslu", "Bawaslu Kota Kediri", Authority.BAWASLU, "35.71")
    sources = [kpu, bawaslu]
    region = {
        "kediri@petugas.example": "35.71",
        "jatim@petugas.example": "35",
        "ri@petugas.example": "national",
    }
    for n, (address, code) in enumerate(region.items()):
        app.store.put_official(official(f"o{n}", code, address, f"+62812000000{n}"))
    app.store.put_official(official("blitar", "35.05", "blitar@petugas.example", "+6281299"))
    feeds.publish(
        "kpu",
        "rapat",
        "KPU Kota Kediri Gelar Rapat Pleno",
        "Rapat pleno terbuka.",
        NOW - timedelta(hours=6),
    )
    feeds.publish("kpu", "a", TITLE, TEXT, NOW - timedelta(minutes=20))

    alerted = app.local_cycle.run(sources, digest_day=None, force=True)
    clock.advance(minutes=30)
    feeds.publish(
        "bawaslu",
        "b",
        "Bawaslu Kota Kediri: Isu Kotak Suara Dibakar Tidak Benar",
        TEXT,
        clock.now(),
    )
    updated = app.local_cycle.run(sources, digest_day=None, force=True)
    # The update's message delivered once more (SQS does that): nothing is sent again.
    before = len(outbox(app)), len(sms(app))
    (story_id,) = {s for r in alerted.ingest for s in r.urgent_stories}
    app.fanout.queue_alerts([story_id])
    redelivered = app.local_cycle.run(sources, digest_day=None)
    assert (len(outbox(app)), len(sms(app))) == before
    assert redelivered.alerts_sent == 0
    clock.advance(minutes=30)
    feeds.withdraw("kpu", "a")
    cancelled = app.local_cycle.run(sources, digest_day=None, force=True)

    assert (alerted.alert_updates, updated.alert_updates, cancelled.alert_updates) == (0, 6, 6)
    assert alerted.failures == updated.failures == cancelled.failures == 0
    for address in region:
        mail = mail_to(app, address)
        assert [str(m["Subject"]).split(" ")[0] for m in mail] == [
            "[PENTING]",
            "[PEMBARUAN]",
            "[DICABUT]",
        ], address
        ids = [str(m["Message-ID"]) for m in mail]
        assert len(set(ids)) == 3
        assert mail[0]["In-Reply-To"] is None
        assert [str(m["In-Reply-To"]) for m in mail[1:]] == ids[:2]
        assert str(mail[2]["References"]).split() == ids[:2]
        for message in mail:  # the fact leads, the claim follows it
            text = message.get_body(("plain",))
            assert text is not None
            content = text.get_content()
            assert content.index("Fakta") < content.index("Klaim yang beredar")
    assert mail_to(app, "blitar@petugas.example") == []
    texts = sms(app)
    assert len(texts) == 9
    assert sum("PEMBARUAN" in t for t in texts) == 3
    assert sum("PERINGATAN DICABUT" in t for t in texts) == 3

    # The same chain as CAP 1.2, for aggregators.
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    archive = Archive(store=app.store, renderer=JinjaRenderer(), clock=clock)
    files = {f.path: f.body for f in archive.files("https://warta.example")}
    caps = [etree.fromstring(files[f"cap/warta-{story_id}-{n}.xml"]) for n in range(3)]
    for document in caps:
        schema.assertValid(document)
    assert [d.findtext("cap:msgType", namespaces=CAP) for d in caps] == [
        "Alert",
        "Update",
        "Cancel",
    ]
    identities = [
        ",".join(
            d.findtext(f"cap:{name}", namespaces=CAP) or ""
            for name in ("sender", "identifier", "sent")
        )
        for d in caps
    ]
    assert caps[0].find("cap:references", CAP) is None
    assert (caps[1].findtext("cap:references", namespaces=CAP) or "").split() == identities[:1]
    assert (caps[2].findtext("cap:references", namespaces=CAP) or "").split() == identities[:2]
    index = etree.fromstring(files["feed/cap.atom"])
    atom = {"a": "http://www.w3.org/2005/Atom"}
    links = index.xpath("//a:entry/a:link[@type='application/cap+xml']/@href", namespaces=atom)
    assert sorted(links) == [
        f"https://warta.example/cap/warta-{story_id}-{n}.xml" for n in range(3)
    ]


RUMOUR_TITLE = "Video Kotak Suara Dibakar di Gudang KPU Kota Kediri Viral"
RUMOUR = (
    "Sebuah video yang memperlihatkan kotak suara dibakar di gudang KPU Kota Kediri viral di "
    "media sosial. Warga mempertanyakan keamanan logistik pemilu di gudang tersebut."
)
HOAX_TITLE = "[HOAKS] Video Kotak Suara Dibakar di Gudang KPU Kota Kediri"
HOAX = (
    "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. Faktanya, video "
    "itu direkam saat pemusnahan arsip lama di Filipina pada 2019. KPU Kota Kediri menegaskan "
    "seluruh kotak suara tersimpan aman."
)


def subscriber(address: str, regions: tuple[str, ...], *, urgent: bool = False) -> Subscriber:
    return Subscriber(subscriber_id(address), address, regions=regions, urgent=urgent)


def test_a_digest_story_rebutted_the_next_day_is_corrected_once_for_its_readers_only(
    app: App, feeds: Feeds, clock: FixedClock
) -> None:
    radar = feeds.source("radar", "Radar Kediri", Authority.MEDIA, "35.71")
    cek = feeds.source("cek", "Cek Fakta", Authority.FACTCHECK, "national")
    sources = [radar, cek]
    in_digest = subscriber("digest@warga.example", ("35.71",))
    by_email = subscriber("email@warga.example", ("35",), urgent=True)
    elsewhere = subscriber("jakarta@warga.example", ("31",))
    for person in (in_digest, by_email, elsewhere):
        app.store.put_subscriber(person)
    feeds.publish("radar", "r", RUMOUR_TITLE, RUMOUR, NOW - timedelta(hours=2))
    first_day = app.local_cycle.run(sources, digest_day=jakarta_day(NOW), force=True)
    assert first_day.digests_sent == 2
    later = subscriber("baru@warga.example", (ALL_REGIONS,), urgent=True)
    app.store.put_subscriber(later)  # joined after the digest: never read the story

    clock.advance(days=1)
    feeds.publish("cek", "h", HOAX_TITLE, HOAX, clock.now() - timedelta(hours=1))
    next_day = app.local_cycle.run(sources, digest_day=jakarta_day(clock.now()), force=True)
    clock.advance(hours=1)
    again = app.local_cycle.run(sources, digest_day=jakarta_day(clock.now()), force=True)

    assert next_day.failures == again.failures == 0
    corrections = [m for m in outbox(app) if m["X-Warta-Kind"] == "correction"]
    assert [str(m["To"]) for m in corrections] == ["email@warga.example"]
    (correction,) = corrections
    assert str(correction["Subject"]).startswith("[RALAT]")
    first_digest = mail_to(app, "email@warga.example", "digest")[0]
    assert str(correction["In-Reply-To"]) == str(first_digest["Message-ID"])
    body = correction.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert (
        content.index("Fakta:") < content.index(RUMOUR_TITLE) < content.index("Klaim yang beredar")
    )
    # The subscriber who takes the digest finds it leading the next one, once.
    digests = mail_to(app, "digest@warga.example", "digest")
    assert len(digests) == 2
    assert str(digests[1]["Subject"]).startswith("[RALAT]")
    plain = digests[1].get_body(("plain",))
    assert plain is not None and plain.get_content().count("RALAT ATAS BERITA") == 1
    for person in (by_email, elsewhere, later):
        assert all(
            not str(m["Subject"]).startswith("[RALAT]")
            for m in mail_to(app, person.email, "digest")
        ), person.email
    assert mail_to(app, "jakarta@warga.example", "correction") == []
    assert mail_to(app, "baru@warga.example", "correction") == []
    assert again.corrections_sent == 0
