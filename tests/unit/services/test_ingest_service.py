from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from warta.adapters.sqlite_store import SqliteStore
from warta.core.errors import FetchError
from warta.core.model import Authority, FetchResult
from warta.services.ingest import Ingest, due_sources

from .conftest import FixedClock, ItemsParser, ScriptedFetcher, item, ok, source

RELEASE = (
    "Komisi Pemilihan Umum menetapkan jadwal rekapitulasi hasil penghitungan suara tingkat "
    "kecamatan untuk Pemilu 2024. Rekapitulasi di seluruh Panitia Pemilihan Kecamatan dimulai "
    "pada 15 Februari 2024 dan berlangsung paling lambat hingga 2 Maret 2024. Rapat pleno terbuka "
    "wajib mengundang saksi peserta pemilu dan pengawas kecamatan."
)
REPUBLISHED = "Bawaslu mengingatkan jajarannya untuk mengawasi tahapan berikut. " + RELEASE
REBUTTAL_TITLE = "KPU Bantah Isu Surat Suara Sudah Dicoblos"
REBUTTAL = (
    "KPU menegaskan video surat suara yang sudah tercoblos sebelum hari pemungutan suara tidak "
    "benar. Surat suara dalam video adalah surat suara rusak yang telah disortir petugas."
)


def ingest(
    store: SqliteStore, clock: FixedClock, fetcher: ScriptedFetcher, parser: ItemsParser
) -> Ingest:
    return Ingest(
        store=store,
        fetcher=fetcher,
        parse=parser,
        clock=clock,
        today=lambda moment: date(2026, 11, 28),
    )


def test_failed_fetch_keeps_etag_and_seen_items_and_backs_off(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    parser = ItemsParser({b"v1": [item("a", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE)]})
    fetcher = ScriptedFetcher([ok(b"v1", etag='"v1"'), FetchError("timeout", "read timed out")])
    service = ingest(store, clock, fetcher, parser)
    service.source(kpu)

    clock.advance(hours=1)
    report = service.source(kpu)

    assert report.error == "timeout: read timed out"
    state = store.get_source_state(kpu.id)
    assert state is not None
    assert state.etag == '"v1"'
    assert state.error_count == 1
    assert state.next_poll_at is not None and state.next_poll_at > clock.now()
    assert store.has_item("a")
    assert fetcher.requests[1]["etag"] == '"v1"'


def test_unchanged_source_takes_in_nothing_and_clears_errors(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    fetcher = ScriptedFetcher(
        [FetchError("connection", "refused"), FetchResult(url=kpu.url, status=304, etag='"v1"')]
    )
    service = ingest(store, clock, fetcher, ItemsParser())
    service.source(kpu)

    report = service.source(kpu)

    assert (report.status, report.items, report.new_items) == (304, 0, 0)
    state = store.get_source_state(kpu.id)
    assert state is not None and state.error_count == 0 and state.last_error is None


def test_permanent_redirect_moves_the_source_in_store_state(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    moved = FetchResult(
        url="https://baru.example.id/feed",
        status=200,
        body=b"v1",
        permanent_redirect="https://baru.example.id/feed",
    )
    fetcher = ScriptedFetcher([moved, FetchResult(url="https://baru.example.id/feed", status=304)])
    service = ingest(store, clock, fetcher, ItemsParser({b"v1": []}))
    service.source(kpu)
    service.source(kpu)

    assert fetcher.requests[1]["url"] == "https://baru.example.id/feed"


def test_item_seen_before_is_not_taken_in_again(store: SqliteStore, clock: FixedClock) -> None:
    parser = ItemsParser({b"v1": [item("a", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE)]})
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1"), ok(b"v1")]), parser)

    first = service.source(source())
    second = service.source(source())

    assert (first.new_items, len(first.new_stories)) == (1, 1)
    assert (second.items, second.new_items, second.new_stories) == (1, 0, [])


def test_non_election_item_is_recorded_but_makes_no_story(
    store: SqliteStore, clock: FixedClock
) -> None:
    city = source("kediri", Authority.PEMDA, "35.71")
    posyandu = item(
        "p",
        "Posyandu Balita Digelar Serentak",
        "Pemkot menggelar posyandu balita di 46 kelurahan.",
        src=city,
    )
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1")]), ItemsParser({b"v1": [posyandu]}))

    report = service.source(city)

    assert (report.new_items, report.new_election_items, report.new_stories) == (1, 0, [])
    assert store.has_item("p")
    assert store.stories_of_day(date(2026, 11, 28)) == []


def test_same_release_from_another_source_joins_the_story(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu, bawaslu = source(), source("bawaslu-ri", Authority.BAWASLU)
    fetcher = ScriptedFetcher([ok(b"kpu"), ok(b"bawaslu")])
    parser = ItemsParser(
        {
            b"kpu": [
                item(
                    "a",
                    "KPU Tetapkan Jadwal Rekapitulasi Suara Tingkat Kecamatan",
                    RELEASE,
                    src=kpu,
                )
            ],
            b"bawaslu": [
                item(
                    "b",
                    "KPU Tetapkan Jadwal Rekapitulasi Suara di Tingkat Kecamatan",
                    REPUBLISHED,
                    src=bawaslu,
                )
            ],
        }
    )
    service = ingest(store, clock, fetcher, parser)

    first = service.source(kpu)
    second = service.source(bawaslu)

    assert second.new_stories == []
    assert second.joined_stories == first.new_stories
    (story,) = store.stories_of_day(date(2026, 11, 28))
    assert [s.source_id for s in story.sources] == ["kpu-ri", "bawaslu-ri"]
    assert story.official_source_count == 2


def test_official_rebuttal_is_urgent_and_reported_once(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu, bawaslu = source(), source("bawaslu-ri", Authority.BAWASLU)
    fetcher = ScriptedFetcher([ok(b"kpu"), ok(b"bawaslu")])
    parser = ItemsParser(
        {
            b"kpu": [item("r1", REBUTTAL_TITLE, REBUTTAL, src=kpu)],
            b"bawaslu": [
                item("r2", REBUTTAL_TITLE, "Bawaslu turut menyampaikan. " + REBUTTAL, src=bawaslu)
            ],
        }
    )
    service = ingest(store, clock, fetcher, parser)

    first = service.source(kpu)
    second = service.source(bawaslu)

    assert first.urgent_stories == first.new_stories and len(first.urgent_stories) == 1
    assert second.joined_stories == first.urgent_stories
    assert second.urgent_stories == []  # already urgent: its alerts went out with the first source


def test_media_clarification_is_not_urgent(store: SqliteStore, clock: FixedClock) -> None:
    media = source("portal-berita", Authority.MEDIA)
    service = ingest(
        store,
        clock,
        ScriptedFetcher([ok(b"v1")]),
        ItemsParser({b"v1": [item("m", REBUTTAL_TITLE, REBUTTAL, src=media)]}),
    )

    report = service.source(media)

    assert len(report.new_stories) == 1
    assert report.urgent_stories == []


def test_due_sources_skips_disabled_and_not_yet_due(store: SqliteStore, clock: FixedClock) -> None:
    kpu, bawaslu = source(), source("bawaslu-ri", Authority.BAWASLU)
    off = replace(source("dkpp-ri", Authority.DKPP), enabled=False)
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1")]), ItemsParser({b"v1": []}))
    service.source(kpu)  # polled now: next poll in about 30 minutes

    assert due_sources([kpu, bawaslu, off], store, clock.now()) == [bawaslu]
    later = clock.now() + timedelta(hours=1)
    assert due_sources([kpu, bawaslu, off], store, later) == [kpu, bawaslu]
