"""Ingest notices what happens to an urgent story after its alert: the chain's next message."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core.chain import DEFAULT_LIFETIME, Reason, Step
from warta.core.errors import FetchError
from warta.core.model import Authority, FetchResult, Item, Source
from warta.services import notes
from warta.services.ingest import Ingest, IngestReport
from warta.services.lifecycle import CHAIN, Lifecycle

from .conftest import FixedClock, ScriptedFetcher, item, source

TEXT = (
    "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri. "
    "KPU Kota Kediri menegaskan kabar itu tidak benar. Seluruh kotak suara tersimpan aman di "
    "gudang dan dijaga aparat keamanan selama 24 jam."
)
TITLE = "KPU Kota Kediri Bantah Isu Kotak Suara Dibakar"
KPU = source("kpu-kota-kediri", Authority.KPU, "35.71")
BAWASLU = source("bawaslu-kota-kediri", Authority.BAWASLU, "35.71")
KPU_JATIM = source("kpu-jatim", Authority.KPU, "35")
MEDIA = source("radar-kediri", Authority.MEDIA, "35.71")


def rebuttal(src: Source = KPU, item_id: str = "a", **fields: object) -> Item:
    return replace(item(item_id, TITLE, TEXT, src=src), **fields)  # type: ignore[arg-type]


def older(src: Source = KPU) -> Item:
    return item(
        "old",
        "KPU Kota Kediri Gelar Rapat Pleno",
        "KPU Kota Kediri menggelar rapat pleno terbuka rekapitulasi daftar pemilih tetap.",
        src=src,
        hours_ago=5,
    )


def republished(src: Source, item_id: str = "b") -> Item:
    return item(item_id, f"{src.name}: Isu Kotak Suara Dibakar Tidak Benar", TEXT, src=src)


class Feeds:
    """Each source's feed as a list of items the test changes, and the pages of items."""

    def __init__(self) -> None:
        self.items: dict[str, list[Item]] = {}
        self.pages: dict[str, int] = {}
        """Status answered for an item's page; 200 when not told."""
        self.fetcher = ScriptedFetcher(then=self.answer)

    def answer(self, src: Source) -> FetchResult | FetchError:
        url = self.fetcher.requests[-1]["url"] or src.url
        if url == src.url:
            return FetchResult(url=url, status=200, body=src.id.encode())
        status = self.pages.get(url, 200)
        if status != 200:
            return FetchError("gone" if status == 410 else f"http_{status}", "", status=status)
        return FetchResult(url=url, status=200, body=b"<html></html>")

    def parse(self, src: Source, result: FetchResult, *, seen_at: object) -> list[Item]:
        return list(self.items[result.body.decode()])

    def page_requests(self) -> list[str]:
        return [str(r["url"]) for r in self.fetcher.requests if not str(r["url"]).endswith("/feed")]


@pytest.fixture
def feeds() -> Feeds:
    return Feeds()


def ingest(
    store: SqliteStore, clock: FixedClock, feeds: Feeds, lifetime: timedelta = DEFAULT_LIFETIME
) -> Ingest:
    return Ingest(
        store=store,
        fetcher=feeds.fetcher,
        parse=feeds.parse,  # type: ignore[arg-type]
        clock=clock,
        today=lambda moment: date(2026, 11, 28),
        chain_lifetime=lifetime,
    )


def alerted(
    store: SqliteStore, clock: FixedClock, feeds: Feeds, lifetime: timedelta = DEFAULT_LIFETIME
) -> tuple[Ingest, str]:
    """KPU Kota Kediri's rebuttal taken in and alerted: the service and the story's id."""
    feeds.items[KPU.id] = [rebuttal(), older()]
    service = ingest(store, clock, feeds, lifetime)
    report = service.source(KPU)
    assert len(report.urgent_stories) == 1
    clock.advance(minutes=30)
    return service, report.urgent_stories[0]


def steps(store: SqliteStore, story_id: str) -> list[tuple[Step, tuple[Reason, ...]]]:
    return [(m.step, m.reasons) for m in Lifecycle(store=store).chain(story_id).messages]


def test_an_urgent_story_starts_its_chain_with_the_alert_as_it_stood(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    _, story_id = alerted(store, clock, feeds)

    chain = Lifecycle(store=store).chain(story_id)
    assert [(m.number, m.step, m.cause) for m in chain.messages] == [(0, Step.ALERT, "alert")]
    assert chain.messages[0].story.title == TITLE


def test_a_second_official_source_joining_is_an_update_due_now(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[BAWASLU.id] = [republished(BAWASLU)]

    report = service.source(BAWASLU)

    assert report.chain_updates == [story_id]
    assert report.alerts_due == [story_id]
    assert steps(store, story_id)[1:] == [(Step.UPDATE, (Reason.CONFIRMED,))]
    update = Lifecycle(store=store).chain(story_id).messages[1]
    assert [s.source_id for s in update.story.sources] == [KPU.id, BAWASLU.id]
    assert update.at == clock.now()


def test_a_province_finding_the_hoax_in_more_places_confirms_and_widens_in_one_update(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU_JATIM.id] = [
        item(
            "j",
            "KPU Jawa Timur: Isu Kotak Suara Dibakar di Kediri dan Blitar Tidak Benar",
            "Beredar video yang menyebut kotak suara dibakar di gudang KPU Kota Kediri dan "
            "Kabupaten Blitar. " + TEXT,
            src=KPU_JATIM,
        )
    ]

    report = service.source(KPU_JATIM)

    assert report.joined_stories == [story_id]
    assert steps(store, story_id)[1:] == [(Step.UPDATE, (Reason.CONFIRMED, Reason.WIDENED))]
    assert Lifecycle(store=store).chain(story_id).messages[1].story.region == "35"
    stored = store.get_story(story_id)
    assert stored is not None and stored.region == "35"


def test_media_republishing_a_clarification_is_no_update(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[MEDIA.id] = [republished(MEDIA)]

    report = service.source(MEDIA)

    assert report.joined_stories == [story_id]
    assert report.chain_updates == []
    assert len(steps(store, story_id)) == 1


def test_an_item_withdrawn_at_its_source_cancels_the_alert(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [older()]
    feeds.pages[rebuttal().url] = 404

    report = service.source(KPU)

    assert report.chain_updates == [story_id]
    assert steps(store, story_id)[1:] == [(Step.CANCEL, (Reason.WITHDRAWN,))]
    # Checked once: a cancelled chain's item is watched no more.
    clock.advance(minutes=30)
    assert service.source(KPU).chain_updates == []
    assert feeds.page_requests() == [rebuttal().url]


@pytest.mark.parametrize("status", [410, 404])
def test_gone_means_404_or_410(
    store: SqliteStore, clock: FixedClock, feeds: Feeds, status: int
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [older()]
    feeds.pages[rebuttal().url] = status

    service.source(KPU)

    assert steps(store, story_id)[-1][0] is Step.CANCEL


@pytest.mark.parametrize("status", [200, 500, 403])
def test_an_item_whose_page_still_answers_is_not_withdrawn(
    store: SqliteStore, clock: FixedClock, feeds: Feeds, status: int
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [older()]
    feeds.pages[rebuttal().url] = status

    report = service.source(KPU)

    assert report.chain_updates == []
    assert len(steps(store, story_id)) == 1
    assert feeds.page_requests() == [rebuttal().url]


def test_an_item_that_scrolled_off_the_feed_is_not_checked(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    # Only items newer than the rebuttal are listed now: it fell off the end.
    feeds.items[KPU.id] = [
        item("n", "KPU Kota Kediri Buka Posko Pengaduan", "Posko dibuka.", src=KPU, hours_ago=0)
    ]
    feeds.pages[rebuttal().url] = 404

    service.source(KPU)

    assert feeds.page_requests() == []
    assert len(steps(store, story_id)) == 1


def test_an_unchanged_feed_checks_nothing(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.fetcher.script.append(FetchResult(url=KPU.url, status=304))
    feeds.pages[rebuttal().url] = 404

    service.source(KPU)

    assert feeds.page_requests() == []
    assert len(steps(store, story_id)) == 1


def test_a_correction_published_by_the_source_cancels_the_alert(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [rebuttal(title=f"[RALAT] {TITLE}"), older()]

    report = service.source(KPU)

    assert report.chain_updates == [story_id]
    assert steps(store, story_id)[1:] == [(Step.CANCEL, (Reason.CORRECTED,))]


def test_a_revised_fact_at_the_source_is_an_update_and_the_story_follows(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    revised_text = TEXT.replace(
        "Seluruh kotak suara tersimpan aman di gudang dan dijaga aparat keamanan selama 24 jam.",
        "Polisi memastikan video itu direkam di luar negeri pada 2019, bukan di Kediri.",
    )
    feeds.items[KPU.id] = [rebuttal(text=revised_text), older()]

    service.source(KPU)
    service.source(KPU)  # the same revision, seen again: no second update

    assert steps(store, story_id)[1:] == [(Step.UPDATE, (Reason.REVISED,))]
    stored = store.get_story(story_id)
    assert stored is not None and "luar negeri" in stored.summary
    assert "luar negeri" in Lifecycle(store=store).chain(story_id).messages[1].story.summary


def test_a_typo_fixed_at_the_source_is_no_update(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [rebuttal(text=TEXT.replace("24 jam", "24 jam penuh")), older()]

    assert service.source(KPU).chain_updates == []
    assert len(steps(store, story_id)) == 1


def test_an_expired_chain_makes_no_update(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    # Shorter than the story window, so that a source can still join the story.
    service, story_id = alerted(store, clock, feeds, timedelta(hours=24))
    clock.advance(hours=24)
    feeds.items[BAWASLU.id] = [republished(BAWASLU)]
    feeds.items[KPU.id] = [older()]
    feeds.pages[rebuttal().url] = 404

    joined = service.source(BAWASLU)
    gone = service.source(KPU)

    assert joined.joined_stories == [story_id]
    assert (joined.chain_updates, gone.chain_updates) == ([], [])
    assert feeds.page_requests() == []  # its items are watched no more
    assert len(steps(store, story_id)) == 1


def test_nothing_follows_a_cancel(store: SqliteStore, clock: FixedClock, feeds: Feeds) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[KPU.id] = [rebuttal(title=f"[RALAT] {TITLE}"), older()]
    service.source(KPU)
    feeds.items[BAWASLU.id] = [republished(BAWASLU)]

    assert service.source(BAWASLU).chain_updates == []
    assert [s for s, _ in steps(store, story_id)] == [Step.ALERT, Step.CANCEL]


def test_a_story_alerted_before_chains_were_kept_gets_its_alert_recorded_first(
    store: SqliteStore, clock: FixedClock, feeds: Feeds, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as older_version:  # which kept no chain
        older_version.setattr(Lifecycle, "start", lambda *args, **kwargs: False)
        service, story_id = alerted(store, clock, feeds)
    assert store.get_send(CHAIN, story_id, "0") is None
    feeds.items[BAWASLU.id] = [republished(BAWASLU)]

    service.source(BAWASLU)

    chain = Lifecycle(store=store).chain(story_id)
    assert [m.step for m in chain.messages] == [Step.ALERT, Step.UPDATE]
    stored = store.get_story(story_id)
    assert stored is not None and chain.messages[0].at == stored.created_at


def test_a_run_that_died_after_the_update_makes_no_second_one(
    store: SqliteStore, clock: FixedClock, feeds: Feeds
) -> None:
    service, story_id = alerted(store, clock, feeds)
    feeds.items[BAWASLU.id] = [republished(BAWASLU)]
    report = IngestReport(BAWASLU.id)
    # The update is recorded before the story; a run that dies then takes the item in again.
    stored = store.get_story(story_id)
    assert stored is not None
    service._join(stored, BAWASLU, republished(BAWASLU), clock.now(), report)

    again = service.source(BAWASLU)

    assert again.chain_updates == []
    assert len(steps(store, story_id)) == 2


def test_a_log_entry_whose_writer_died_is_skipped_not_a_block(
    store: SqliteStore, clock: FixedClock
) -> None:
    assert notes.append(store, "test-log", "k", "first", now=clock.now()) == 0
    store.claim_send("test-log", "k", "1", now=clock.now())  # claimed, never completed

    assert notes.append(store, "test-log", "k", "third", now=clock.now()) == 2
    assert [(e.number, e.text) for e in notes.entries(store, "test-log", "k")] == [
        (0, "first"),
        (2, "third"),
    ]
