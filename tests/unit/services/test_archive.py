"""The public archive: day and story pages, ClaimReview data and Atom feeds, read back as a
browser, a search engine and a feed reader would (lxml, json)."""

from __future__ import annotations

import json
from datetime import timedelta

import lxml.html
import pytest
from lxml import etree
from tests.builders import DAY, story, story_source
from tests.doubles import NOW, FixedClock

from warta.adapters.sqlite_store import SqliteStore
from warta.core.model import Authority, Story
from warta.core.text.claims import check_story
from warta.render import JinjaRenderer
from warta.services.archive import FEEDS, Archive, claim_review

BASE = "https://warta.example"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
HOSTILE_CLAIM = 'Surat suara </script><script>alert(1)</script> <!-- & "dibakar"'

KPU = story_source(
    "kpu-kediri", "KPU Kota Kediri", "https://kota-kediri.kpu.example/h1", item_id="k1"
)
CHECKER = story_source(
    "cekfakta",
    "Cek Fakta",
    "https://cekfakta.example/h1",
    authority=Authority.FACTCHECK,
    item_id="c1",
)
MEDIA = story_source(
    "antara", "Antara", "https://antara.example/1", authority=Authority.MEDIA, item_id="m1"
)

CLARIFICATION = story(
    "st-hoaks",
    region="35.71",
    urgent=True,
    title=f"[HOAKS] {HOSTILE_CLAIM}",
    summary=(
        "Beredar video yang menyebut kotak suara dibakar di gudang KPU. KPU Kota Kediri "
        "menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
    ),
    sources=(CHECKER, KPU),
    published_at=NOW - timedelta(hours=2),
)
FACT = "KPU Kota Kediri menegaskan seluruh kotak suara tersimpan aman dan dijaga aparat."
OFFICIAL_NEWS = story(
    "st-dpt", title="KPU Tetapkan DPT Kota Kediri", summary="DPT 214.236 pemilih.", sources=(KPU,)
)
MEDIA_NEWS = story("st-media", title="Partisipasi Diperkirakan Naik", sources=(MEDIA,))
CHECKER_ONLY = story(
    "st-cek",
    urgent=True,
    title="[SALAH] Pemilu Diundur",
    summary="Pesan berantai menyebut pemilu diundur. KPU menegaskan jadwal tetap.",
    sources=(CHECKER,),
)
OLD = story("st-lama", day=DAY - timedelta(days=3), title="Berita Lama", sources=(KPU,))


@pytest.fixture
def archive(store: SqliteStore) -> Archive:
    for item in (CLARIFICATION, OFFICIAL_NEWS, MEDIA_NEWS, CHECKER_ONLY, OLD):
        store.put_story(item)
    return Archive(store=store, renderer=JinjaRenderer(), clock=FixedClock(NOW))


def page(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def test_a_day_page_leads_each_clarification_with_its_fact(archive: Archive) -> None:
    html = archive.day_page(DAY)
    assert html is not None
    document = page(html)

    assert document.get("lang") == "id"
    headings = [h.text_content() for h in document.iter("h2")]
    assert headings[0] == f"Fakta: {FACT}"  # clarifications come first, headed by the fact
    assert "Berita Lama" not in html
    text = document.text_content()
    assert text.index(FACT) < text.index("Klaim yang beredar (HOAKS):") < text.index("dibakar")
    links = {a.get("href") for a in document.iter("a")}
    assert {"../../cerita/st-hoaks/", "../../cerita/st-dpt/", "../../arsip/"} <= links
    assert "https://kota-kediri.kpu.example/h1" in links
    labels = [li.text_content() for li in document.cssselect("ul.sumber li")]
    assert any("Cek Fakta · Pemeriksa fakta" in label for label in labels)
    assert any("KPU Kota Kediri · Sumber resmi" in label for label in labels)


def test_a_clarification_page_carries_claimreview_json_ld_that_stays_a_script(
    archive: Archive,
) -> None:
    html = archive.story_page("st-hoaks", BASE)
    assert html is not None
    document = page(html)

    scripts = document.findall(".//script")
    assert len(scripts) == 1 and scripts[0].get("type") == "application/ld+json"
    raw = scripts[0].text or ""
    assert "<" not in raw and ">" not in raw and "&" not in raw
    review = json.loads(raw)
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"{BASE}/cerita/st-hoaks/"
    assert review["claimReviewed"] == HOSTILE_CLAIM
    assert review["datePublished"] == DAY.isoformat()
    assert review["author"] == {
        "@type": "Organization",
        "name": "KPU Kota Kediri",
        "url": "https://kota-kediri.kpu.example/h1",
    }
    assert review["reviewRating"]["alternateName"] == "Hoaks"
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["appearance"]["headline"] == HOSTILE_CLAIM
    assert document.findtext(".//h1") == f"Fakta: {FACT}"


def test_a_news_story_page_has_no_claimreview(archive: Archive) -> None:
    html = archive.story_page("st-dpt", BASE)

    assert html is not None and "application/ld+json" not in html
    assert page(html).findtext(".//h1") == "KPU Tetapkan DPT Kota Kediri"


@pytest.mark.parametrize("story_id", ["st-nope", "../etc/passwd", "st hoaks", "", "x" * 81])
def test_an_unknown_or_malformed_story_is_not_found(archive: Archive, story_id: str) -> None:
    assert archive.story_page(story_id, BASE) is None


def test_days_outside_the_archive_are_not_found(archive: Archive) -> None:
    assert archive.day_page(DAY + timedelta(days=1)) is None
    assert archive.day_page(DAY - timedelta(days=archive.days)) is None
    assert archive.day_page(DAY - timedelta(days=1)) is not None  # a quiet day: a page saying so


def test_the_index_lists_the_days_with_stories(archive: Archive) -> None:
    document = page(archive.index_page())

    links = [a.get("href") for a in document.cssselect("main a")]
    assert links == [
        f"../arsip/{DAY.isoformat()}/",
        f"../arsip/{(DAY - timedelta(days=3)).isoformat()}/",
    ]
    assert "termasuk 2 klarifikasi hoaks" in document.text_content()


def atom(archive: Archive, name: str) -> etree._Element:
    xml = archive.feed(name, BASE)
    assert xml is not None
    return etree.fromstring(xml.encode("utf-8"))


@pytest.mark.parametrize("name", list(FEEDS))
def test_each_feed_is_atom_with_its_required_elements(archive: Archive, name: str) -> None:
    feed = atom(archive, name)

    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert (feed.findtext(required, namespaces=ATOM) or "").strip(), required
    assert feed.find("a:link[@rel='self']", ATOM).get("href") == f"{BASE}/feed/{name}.atom"
    entries = feed.findall("a:entry", ATOM)
    assert entries
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated"):
            assert (entry.findtext(required, namespaces=ATOM) or "").strip(), required
        alternate = entry.find("a:link[@rel='alternate']", ATOM)
        assert alternate is not None and alternate.get("href", "").startswith(f"{BASE}/cerita/")


def test_the_clarification_feed_leads_with_verdict_and_fact(archive: Archive) -> None:
    entries = atom(archive, "klarifikasi").findall("a:entry", ATOM)

    ids = [e.findtext("a:id", namespaces=ATOM) for e in entries]
    assert sorted(ids) == [f"{BASE}/cerita/st-cek/", f"{BASE}/cerita/st-hoaks/"]
    titles = {
        e.findtext("a:id", namespaces=ATOM): e.findtext("a:title", namespaces=ATOM) for e in entries
    }
    assert titles[f"{BASE}/cerita/st-hoaks/"] == f"HOAKS: {FACT}"
    summary = entries[ids.index(f"{BASE}/cerita/st-hoaks/")].findtext("a:summary", namespaces=ATOM)
    assert summary is not None and summary.index(FACT) < summary.index(HOSTILE_CLAIM)


def test_the_verified_feed_holds_stories_an_official_body_carried(archive: Archive) -> None:
    ids = {
        e.findtext("a:id", namespaces=ATOM)
        for e in atom(archive, "terverifikasi").findall("a:entry", ATOM)
    }

    # Not the media-only story, nor the fact-checker's alone; older days are in the feed too.
    assert ids == {f"{BASE}/cerita/{i}/" for i in ("st-hoaks", "st-dpt", "st-lama")}


def test_another_feed_name_is_not_found(archive: Archive) -> None:
    assert archive.feed("semua", BASE) is None


def test_the_static_site_has_every_page_and_feed(archive: Archive) -> None:
    paths = {f.path: f.content_type for f in archive.files(BASE)}

    assert set(paths) == {
        "arsip/index.html",
        f"arsip/{DAY.isoformat()}/index.html",
        f"arsip/{(DAY - timedelta(days=3)).isoformat()}/index.html",
        *(
            f"cerita/{i}/index.html"
            for i in ("st-hoaks", "st-dpt", "st-media", "st-cek", "st-lama")
        ),
        "feed/terverifikasi.atom",
        "feed/klarifikasi.atom",
        # Urgent clarifications kept from before alert chains: each its alert alone.
        "cap/warta-st-hoaks-0.xml",
        "cap/warta-st-cek-0.xml",
        "feed/cap.atom",
    }
    assert paths["feed/klarifikasi.atom"].startswith("application/atom+xml")
    assert paths["cap/warta-st-hoaks-0.xml"] == "application/cap+xml"


def test_claimreview_rates_misleading_above_false() -> None:
    misleading: Story = story(urgent=True, title="[MENYESATKAN] Grafik Partisipasi", sources=(KPU,))

    review = claim_review(misleading, check_story(misleading), f"{BASE}/cerita/st-1/")

    assert review["reviewRating"]["alternateName"] == "Menyesatkan"
    assert review["reviewRating"]["ratingValue"] == 2
