"""The demo's sample feeds (events/feeds/) read through the RSS parser, dates filled in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.config.sources import load_sources
from warta.core.model import NATIONAL, Authority, FetchResult, Item, Source
from warta.demo.feeds import fill_dates
from warta.ingest.rss import parse_feed

ROOT = Path(__file__).resolve().parents[2]
FEEDS = ROOT / "events" / "feeds"
SOURCES = ROOT / "events" / "demo" / "sources.toml"
DEMO = "http://127.0.0.1:8765"

# A Wednesday morning in Jakarta, with seconds, to check they are dropped.
NOW = datetime(2024, 2, 14, 3, 0, 27, tzinfo=UTC)

EXPECTED_COUNTS = {
    "kpu.xml": 4,
    "bawaslu.xml": 3,
    "kemendagri.xml": 4,
    "cekfakta.xml": 6,
    "kediri.xml": 6,
    "dkpp.atom": 3,
}


def sources() -> dict[str, Source]:
    return {s.url.rsplit("/", 1)[1]: s for s in load_sources(SOURCES, {"demo": DEMO})}


def content_type(name: str) -> str:
    kind = "atom" if name.endswith(".atom") else "rss"
    return f"application/{kind}+xml; charset=utf-8"


def read(name: str) -> list[Item]:
    source = sources()[name]
    body = fill_dates((FEEDS / name).read_text(encoding="utf-8"), NOW).encode("utf-8")
    result = FetchResult(
        url=source.url, status=200, body=body, headers={"content-type": content_type(name)}
    )
    return parse_feed(source, result, seen_at=NOW)


@pytest.fixture(scope="module")
def feeds() -> dict[str, list[Item]]:
    return {name: read(name) for name in EXPECTED_COUNTS}


def test_every_sample_feed_is_in_the_demo_sources_file() -> None:
    on_disk = {p.name for p in FEEDS.iterdir() if p.suffix in (".xml", ".atom")}
    assert set(sources()) == on_disk == set(EXPECTED_COUNTS)


def test_demo_sources_are_local_and_labelled_as_samples() -> None:
    loaded = load_sources(SOURCES, {"demo": DEMO})
    assert {s.authority for s in loaded} == {
        Authority.KPU, Authority.BAWASLU, Authority.KEMENDAGRI,
        Authority.FACTCHECK, Authority.PEMDA, Authority.DKPP,
    }  # fmt: skip
    for source in loaded:
        assert source.url.startswith(f"{DEMO}/feeds/")
        assert source.allow_addresses == ("127.0.0.1",)
        assert "(contoh)" in source.name
        expected_region = "35.71" if source.authority is Authority.PEMDA else NATIONAL
        assert source.region == expected_region


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_each_feed_opens_with_a_comment_and_fills_every_date(name: str) -> None:
    raw = (FEEDS / name).read_text(encoding="utf-8")
    after_declaration = raw.split("?>", 1)[1].lstrip()
    assert after_declaration.startswith("<!--")
    assert "{{" not in fill_dates(raw, NOW)


@pytest.mark.parametrize(("name", "count"), sorted(EXPECTED_COUNTS.items()))
def test_each_feed_yields_its_items(feeds: dict[str, list[Item]], name: str, count: int) -> None:
    items = feeds[name]
    assert len(items) == count
    for item in items:
        assert item.title and item.text
        assert item.url.startswith(("https://", "http://"))
        assert "\n\n" in item.text or len(item.text) > 100  # enough body to summarize


def test_dates_are_utc_recent_and_at_most_one_item_is_older(
    feeds: dict[str, list[Item]],
) -> None:
    everything = [item for items in feeds.values() for item in items]
    for item in everything:
        assert item.published_at.utcoffset() == timedelta(0)
        assert NOW - timedelta(days=3) <= item.published_at <= NOW
    older = [i for i in everything if i.published_at < NOW - timedelta(hours=30)]
    assert len(older) <= 1


def test_indonesian_dates_with_wib_are_read_as_utc_plus_seven(
    feeds: dict[str, list[Item]],
) -> None:
    by_title = {i.title: i for i in feeds["kemendagri.xml"]}
    minute = NOW.replace(second=0, microsecond=0)
    # {{date:id:-3h}}: "Rabu, 14 Februari 2024 07:00 WIB"
    republished = by_title["KPU Tetapkan Jadwal Rekapitulasi Perolehan Suara Tingkat Kecamatan"]
    assert republished.published_at == minute - timedelta(hours=3)
    assert republished.published_at == datetime(2024, 2, 14, 0, 0, tzinfo=UTC)
    # {{date:idshort:-7h}}: "14 Feb 2024 03.00 WIB"
    warehouse = next(i for i in by_title.values() if i.title.startswith("Kemendagri Minta Pemda"))
    assert warehouse.published_at == minute - timedelta(hours=7)


def test_every_item_has_its_date_from_the_feed_not_the_time_seen(
    feeds: dict[str, list[Item]],
) -> None:
    for items in feeds.values():
        for item in items:
            assert item.published_at != NOW
            assert item.published_at.second == 0


def test_no_markup_or_script_reaches_titles_or_text(feeds: dict[str, list[Item]]) -> None:
    for items in feeds.values():
        for item in items:
            for value in (item.title, item.text):
                assert "<" not in value
                assert "alert(" not in value
                assert "&amp;" not in value and "&#" not in value
    politik_uang = next(i for i in feeds["bawaslu.xml"] if "Politik Uang" in i.title)
    assert "Video patroli" not in politik_uang.text  # the iframe's fallback text
    assert "IKLAN" not in politik_uang.text  # a commented-out banner


def test_ids_are_unique_across_all_feeds(feeds: dict[str, list[Item]]) -> None:
    ids = [item.id for items in feeds.values() for item in items]
    assert len(ids) == len(set(ids)) == sum(EXPECTED_COUNTS.values())


def test_counter_guids_repeat_across_sources_but_ids_do_not(
    feeds: dict[str, list[Item]],
) -> None:
    kemendagri = {i.guid: i.id for i in feeds["kemendagri.xml"]}
    cekfakta = {i.guid: i.id for i in feeds["cekfakta.xml"]}
    shared = set(kemendagri) & set(cekfakta)
    assert shared >= {"1", "2", "3", "4"}
    assert all(kemendagri[g] != cekfakta[g] for g in shared)


def test_bawaslu_items_without_guid_still_have_stable_ids() -> None:
    first, second = read("bawaslu.xml"), read("bawaslu.xml")
    assert all(i.guid is None for i in first)
    assert [i.id for i in first] == [i.id for i in second]


def test_the_recapitulation_press_release_is_republished_by_three_sources(
    feeds: dict[str, list[Item]],
) -> None:
    pattern = re.compile(r"Jadwal Rekapitulasi .*Tingkat Kecamatan")
    carriers = {
        name
        for name, items in feeds.items()
        for item in items
        if pattern.search(item.title) and "15 Februari 2024" in item.text
    }
    assert carriers == {"kpu.xml", "bawaslu.xml", "kemendagri.xml"}


def test_fact_check_labels_survive_in_titles(feeds: dict[str, list[Item]]) -> None:
    titles = [i.title for i in feeds["cekfakta.xml"]]
    for label in ("[HOAKS] ", "[SALAH] ", "Hoaks! ", "[DISINFORMASI] "):
        assert any(t.startswith(label) for t in titles), label


def test_relative_links_are_resolved_against_the_site_the_feed_describes(
    feeds: dict[str, list[Item]],
) -> None:
    dkpp_urls = [i.url for i in feeds["dkpp.atom"]]
    assert (
        "https://dkpp.go.id/berita/2024/02/dkpp-jatuhkan-sanksi-peringatan-kepada-dua-anggota-ppk"
        in (dkpp_urls)
    )
    kediri_urls = [i.url for i in feeds["kediri.xml"]]
    assert (
        "https://kedirikota.go.id/p/berita/1019/pemkot-kediri-dukung-sosialisasi-pemilu-bagi-pemilih-pemula"
        in kediri_urls
    )
    assert not any(url.startswith(DEMO) for urls in (dkpp_urls, kediri_urls) for url in urls)
    bawaslu_urls = [i.url for i in feeds["bawaslu.xml"]]
    assert not any("utm_" in url for url in bawaslu_urls)


def test_items_are_left_unclassified(feeds: dict[str, list[Item]]) -> None:
    for items in feeds.values():
        assert not any(i.election or i.clarification for i in items)
