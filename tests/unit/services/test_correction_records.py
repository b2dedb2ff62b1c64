"""Which stories are owed a correction: noticed at ingest, recorded once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.builders import story, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.model import Authority, FetchResult, Item, Source, Story
from warta.services.corrections import Corrections, rebuts
from warta.services.ingest import Ingest

from .conftest import NOW, FixedClock, ScriptedFetcher, item, source

CEKFAKTA = source("cekfakta", Authority.FACTCHECK, "national")
MEDIA = source("radar-kediri", Authority.MEDIA, "35.71")
KPU = source("kpu-kota-kediri", Authority.KPU, "35.71")

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


def rumour_story(story_id: str = "st-rumour", day: date = date(2026, 11, 28)) -> Story:
    return story(
        story_id,
        region="35.71",
        title=RUMOUR_TITLE,
        summary=RUMOUR,
        day=day,
        sources=(story_source("radar-kediri", "Radar Kediri", authority=Authority.MEDIA),),
    )


CLARIFICATION = story(
    "st-hoax",
    region="35.71",
    urgent=True,
    title=HOAX_TITLE,
    summary=HOAX,
    sources=(story_source("cekfakta", "Cek Fakta", authority=Authority.FACTCHECK),),
)


@pytest.mark.parametrize(
    ("title", "summary", "rebutted"),
    [
        (RUMOUR_TITLE, RUMOUR, True),
        ("Kotak Suara di Gudang KPU Kota Kediri Dibakar?", "Video beredar luas.", True),
        # The same claim about another place is another story.
        (
            "Video Kotak Suara Dibakar di Gudang KPU Kabupaten Blitar Viral",
            RUMOUR.replace("Kota Kediri", "Kabupaten Blitar"),
            False,
        ),
        ("KPU Kota Kediri Tetapkan DPT 214.236 Pemilih", "Rapat pleno digelar.", False),
        ("Gudang Logistik KPU Kota Kediri Dijaga Polisi", "Pengamanan gudang.", False),
    ],
)
def test_a_clarification_rebuts_the_story_that_carried_its_claim(
    title: str, summary: str, rebutted: bool
) -> None:
    assert rebuts(CLARIFICATION, story("st-x", title=title, summary=summary)) is rebutted


def test_a_correction_is_recorded_once_and_only_within_its_days(store: SqliteStore) -> None:
    corrections = Corrections(store=store, days=3)
    recent = rumour_story(day=date(2026, 11, 27))
    old = rumour_story("st-old", day=date(2026, 11, 24))

    assert corrections.record(recent, CLARIFICATION, now=NOW)
    assert not corrections.record(recent, CLARIFICATION, now=NOW)
    assert not corrections.record(old, CLARIFICATION, now=NOW)
    assert not corrections.record(CLARIFICATION, CLARIFICATION, now=NOW)

    stored = [c.story.id for c in corrections.open_corrections(NOW)]
    assert stored == []  # the story itself is not in the store: nothing to correct
    store.put_story(recent)
    (correction,) = corrections.open_corrections(NOW)
    assert (correction.story.id, correction.clarification, correction.at) == (
        "st-rumour",
        CLARIFICATION,
        NOW,
    )
    assert corrections.open_corrections(NOW + timedelta(days=4)) == []


class Feeds:
    def __init__(self) -> None:
        self.items: dict[str, list[Item]] = {}
        self.fetcher = ScriptedFetcher(then=self.answer)

    def answer(self, src: Source) -> FetchResult:
        return FetchResult(url=src.url, status=200, body=src.id.encode())

    def parse(self, src: Source, result: FetchResult, *, seen_at: object) -> list[Item]:
        return list(self.items[result.body.decode()])


def ingest(store: SqliteStore, clock: FixedClock, feeds: Feeds) -> Ingest:
    return Ingest(
        store=store,
        fetcher=feeds.fetcher,
        parse=feeds.parse,  # type: ignore[arg-type]
        clock=clock,
        today=lambda moment: date(2026, 11, 28) + timedelta(days=(moment - NOW).days),
    )


def test_a_new_clarification_of_yesterdays_story_records_its_correction(
    store: SqliteStore, clock: FixedClock
) -> None:
    feeds = Feeds()
    service = ingest(store, clock, feeds)
    feeds.items[MEDIA.id] = [item("r", RUMOUR_TITLE, RUMOUR, src=MEDIA)]
    (rumour,) = service.source(MEDIA).new_stories
    clock.advance(days=1)
    feeds.items[CEKFAKTA.id] = [item("h", HOAX_TITLE, HOAX, src=CEKFAKTA)]

    report = service.source(CEKFAKTA)

    assert len(report.new_stories) == 1 and report.new_stories[0] != rumour
    assert report.corrections == [rumour]
    (correction,) = Corrections(store=store).open_corrections(clock.now())
    assert correction.story.id == rumour
    assert correction.clarification.title == HOAX_TITLE


def test_a_clarification_joining_the_story_itself_records_its_correction(
    store: SqliteStore, clock: FixedClock
) -> None:
    feeds = Feeds()
    service = ingest(store, clock, feeds)
    claim = "Kotak suara dibakar di gudang KPU Kota Kediri tadi malam, kata sejumlah warga."
    feeds.items[MEDIA.id] = [
        item("r", "Kotak Suara Dibakar di Gudang KPU Kota Kediri", claim, src=MEDIA)
    ]
    (rumour,) = service.source(MEDIA).new_stories
    clock.advance(hours=20)
    rebuttal = (
        f"{claim} KPU Kota Kediri menegaskan kabar kotak suara dibakar itu tidak benar. "
        "Seluruh kotak suara tersimpan aman di gudang."
    )
    feeds.items[KPU.id] = [
        item("k", "KPU Kota Kediri Bantah Kotak Suara Dibakar di Gudang", rebuttal, src=KPU)
    ]

    report = service.source(KPU)

    assert report.joined_stories == [rumour]
    assert report.corrections == [rumour]
    (correction,) = Corrections(store=store).open_corrections(clock.now())
    assert correction.clarification.sources[0].source_id == KPU.id
    assert "tidak benar" in correction.clarification.summary
