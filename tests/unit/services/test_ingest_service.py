from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core.errors import FetchError, ThrottledError
from warta.core.model import ITEM_RETENTION, Authority, FetchResult, Item, Source
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


# -- source health ----------------------------------------------------------------------


def refused(status: int, retry_after: str) -> FetchError:
    """A refusal carrying the server's raw Retry-After header, as the fetcher raises it."""
    return FetchError(f"http_{status}", f"{status} busy", status=status, retry_after=retry_after)


def test_gone_source_is_disabled_and_skipped_from_then_on(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    fetcher = ScriptedFetcher([FetchError("gone", "410 Gone", status=410)])
    service = ingest(store, clock, fetcher, ItemsParser())

    first = service.source(kpu)
    clock.advance(days=2)
    second = service.source(kpu)

    assert (first.disabled, first.status) == (True, 410)
    state = store.get_source_state(kpu.id)
    assert state is not None and state.disabled
    assert state.last_error is not None and "gone for good" in state.last_error
    assert state.failing_since == clock.now() - timedelta(days=2)
    assert second.skipped == "disabled"
    assert len(fetcher.requests) == 1  # asked once, never again
    assert due_sources([kpu], store, clock.now() + timedelta(days=30)) == []


def test_other_errors_never_disable_a_source(store: SqliteStore, clock: FixedClock) -> None:
    kpu = source()
    errors: list[FetchResult | FetchError] = [
        FetchError("http_404", "404 Not Found", status=404),
        FetchError("http_500", "500", status=500),
        FetchError("timeout", "read timed out"),
    ]
    service = ingest(store, clock, ScriptedFetcher(list(errors)), ItemsParser())

    reports = [service.source(kpu) for _ in errors]

    assert not any(r.disabled for r in reports)
    state = store.get_source_state(kpu.id)
    assert state is not None and not state.disabled and state.error_count == 3


def test_failing_since_marks_the_first_failure_of_a_run_and_clears_on_success(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    fetcher = ScriptedFetcher(
        [
            FetchError("timeout", "read timed out"),
            FetchError("http_502", "502", status=502),
            ok(b"v1"),
            FetchError("timeout", "read timed out"),
        ]
    )
    service = ingest(store, clock, fetcher, ItemsParser({b"v1": []}))
    started = clock.now()

    def failing_since() -> object:
        state = store.get_source_state(kpu.id)
        assert state is not None
        return state.failing_since

    service.source(kpu)
    assert failing_since() == started
    clock.advance(hours=3)
    service.source(kpu)
    assert failing_since() == started  # still the same run of failures
    clock.advance(hours=3)
    service.source(kpu)
    assert failing_since() is None
    clock.advance(hours=3)
    service.source(kpu)
    assert failing_since() == clock.now()  # a new run starts at its own first failure


def test_new_item_moves_last_new_item_at_and_an_unchanged_feed_does_not(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    first = item("a", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE, hours_ago=5)
    second = item("b", REBUTTAL_TITLE, REBUTTAL, hours_ago=0.5)
    fetcher = ScriptedFetcher([ok(b"v1"), ok(b"v1"), ok(b"v2")])
    service = ingest(store, clock, fetcher, ItemsParser({b"v1": [first], b"v2": [first, second]}))

    service.source(kpu)
    state = store.get_source_state(kpu.id)
    assert state is not None and state.last_new_item_at == first.published_at  # first run
    clock.advance(hours=2)
    service.source(kpu)
    state = store.get_source_state(kpu.id)
    assert state is not None and state.last_new_item_at == first.published_at
    clock.advance(hours=2)
    service.source(kpu)
    state = store.get_source_state(kpu.id)
    assert state is not None and state.last_new_item_at == clock.now()


def test_first_run_records_old_items_as_seen_and_only_recent_ones_make_stories(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    recent = item("new", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE, hours_ago=47)
    old = item("old", REBUTTAL_TITLE, REBUTTAL, hours_ago=49)
    ancient = item("ancient", "KPU Umumkan Daftar Calon Tetap", RELEASE, hours_ago=24 * 400)
    undated = replace(
        item("undated", "Bawaslu Awasi Masa Tenang", "Bawaslu mengawasi masa tenang pemilu."),
        published_at=clock.now(),  # the Parser port's stand-in for a missing date
    )
    parser = ItemsParser({b"v1": [recent, old, ancient, undated]})
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1"), ok(b"v1")]), parser)

    first = service.source(kpu)

    assert first.first_run
    assert (first.items, first.new_items, first.recorded_only) == (4, 1, 3)
    assert first.urgent_stories == []  # the old rebuttal raises no alert
    (story,) = store.stories_of_day(date(2026, 11, 28))
    assert [s.item_id for s in story.sources] == ["new"]
    assert all(store.has_item(i) for i in ("new", "old", "ancient", "undated"))

    clock.advance(hours=1)
    second = service.source(kpu)
    assert not second.first_run
    assert (second.new_items, second.recorded_only) == (0, 0)


def test_after_a_first_success_an_old_dated_item_is_news(
    store: SqliteStore, clock: FixedClock
) -> None:
    # A site that publishes a release days late must still reach subscribers:
    # the window guards only the archive present when a source is added.
    kpu = source()
    late = item("late", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE, hours_ago=24 * 5)
    fetcher = ScriptedFetcher([ok(b"empty"), ok(b"late")])
    service = ingest(store, clock, fetcher, ItemsParser({b"empty": [], b"late": [late]}))

    service.source(kpu)
    report = service.source(kpu)

    assert (report.first_run, report.new_items, len(report.new_stories)) == (False, 1, 1)


def test_a_source_that_only_ever_failed_is_still_on_its_first_run(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    old = item("old", REBUTTAL_TITLE, REBUTTAL, hours_ago=24 * 10)
    fetcher = ScriptedFetcher([FetchError("timeout", "read timed out"), ok(b"v1")])
    service = ingest(store, clock, fetcher, ItemsParser({b"v1": [old]}))

    service.source(kpu)
    report = service.source(kpu)

    assert (report.first_run, report.recorded_only, report.urgent_stories) == (True, 1, [])


@pytest.mark.parametrize(
    ("error", "at_least"),
    [
        (refused(503, "7200"), timedelta(hours=2)),
        (refused(429, "Sat, 28 Nov 2026 06:00:00 GMT"), timedelta(hours=3)),
        (refused(503, "99999999"), timedelta(hours=24)),  # capped
    ],
)
def test_retry_after_on_429_or_503_holds_the_next_poll(
    store: SqliteStore, clock: FixedClock, error: FetchError, at_least: timedelta
) -> None:
    kpu = source()
    service = ingest(store, clock, ScriptedFetcher([error]), ItemsParser())

    service.source(kpu)

    state = store.get_source_state(kpu.id)
    assert state is not None and state.next_poll_at == clock.now() + at_least
    assert due_sources([kpu], store, clock.now() + at_least - timedelta(seconds=1)) == []
    assert due_sources([kpu], store, clock.now() + at_least) == [kpu]


def test_retry_after_on_another_status_is_ignored(store: SqliteStore, clock: FixedClock) -> None:
    kpu = source()
    service = ingest(store, clock, ScriptedFetcher([refused(500, "86400")]), ItemsParser())

    service.source(kpu)

    state = store.get_source_state(kpu.id)
    assert state is not None and state.next_poll_at is not None
    assert state.next_poll_at <= clock.now() + timedelta(minutes=66)  # one error's backoff


@pytest.mark.parametrize(
    ("cache_control", "earliest"),
    [
        ("max-age=10800", timedelta(hours=3)),
        ("public, max-age=600", timedelta(minutes=27)),  # shorter than the rhythm: rhythm wins
        ("max-age=31536000", timedelta(hours=6)),  # a year, capped
    ],
)
def test_max_age_on_success_holds_the_next_poll(
    store: SqliteStore, clock: FixedClock, cache_control: str, earliest: timedelta
) -> None:
    kpu = source()
    answer = FetchResult(
        url=kpu.url, status=200, body=b"v1", headers={"cache-control": cache_control}
    )
    service = ingest(store, clock, ScriptedFetcher([answer]), ItemsParser({b"v1": []}))

    service.source(kpu)

    state = store.get_source_state(kpu.id)
    assert state is not None and state.next_poll_at is not None
    assert (
        clock.now() + earliest
        <= state.next_poll_at
        <= clock.now() + max(earliest, timedelta(minutes=33))
    )


def test_template_twins_stay_apart_when_the_summary_leaves_out_their_figures(
    store: SqliteStore, clock: FixedClock
) -> None:
    # The figure that differs sits in the fourth paragraph, past any summary:
    # the story must keep enough of its text to tell the twins apart.
    def release(figure: str) -> str:
        return (
            "KPU Kota Kediri menggelar rapat pleno terbuka rekapitulasi daftar pemilih tetap.\n\n"
            "Rapat dihadiri Bawaslu, perwakilan partai politik dan pemerintah kota.\n\n"
            "Ketua KPU Kota Kediri menyampaikan bahwa pemutakhiran data berjalan lancar.\n\n"
            f"Jumlah pemilih yang ditetapkan sebanyak {figure} orang di 46 kelurahan.\n\n"
            "Daftar pemilih tetap akan diumumkan di kantor kelurahan masing-masing."
        )

    kpu, bawaslu = source(), source("bawaslu-ri", Authority.BAWASLU)
    title = "KPU Kota Kediri Tetapkan Daftar Pemilih Tetap Pemilu 2024"
    parser = ItemsParser(
        {
            b"kpu": [item("a", title, release("214.236"), src=kpu)],
            b"bawaslu": [item("b", title, release("198.410"), src=bawaslu)],
        }
    )
    service = ingest(store, clock, ScriptedFetcher([ok(b"kpu"), ok(b"bawaslu")]), parser)

    first = service.source(kpu)
    second = service.source(bawaslu)

    (story_id,) = first.new_stories
    story = store.get_story(story_id)
    assert story is not None and "214.236" not in story.summary and "214.236" in story.text
    assert second.joined_stories == []
    assert len(second.new_stories) == 1


def test_source_back_after_a_long_outage_sends_only_its_recent_backlog(
    store: SqliteStore, clock: FixedClock
) -> None:
    kpu = source()
    back_at = clock.now() + timedelta(hours=3 * 24 + 1)
    during_outage = replace(
        item("lama", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE),
        published_at=back_at - timedelta(hours=60),
    )
    fresh = replace(
        item("baru", REBUTTAL_TITLE, REBUTTAL), published_at=back_at - timedelta(hours=1)
    )
    outage = [FetchError("connection", "refused") for _ in range(3)]
    fetcher = ScriptedFetcher([ok(b"empty"), *outage, ok(b"backlog")])
    parser = ItemsParser({b"empty": [], b"backlog": [during_outage, fresh]})
    service = ingest(store, clock, fetcher, parser)
    service.source(kpu)
    for _ in outage:
        clock.advance(hours=24)
        service.source(kpu)

    clock.advance(hours=1)
    assert clock.now() == back_at
    back = service.source(kpu)

    assert back.catching_up and not back.first_run
    assert (back.new_items, back.recorded_only) == (1, 1)
    assert len(back.urgent_stories) == 1  # the fresh rebuttal still alerts at once
    assert store.has_item("lama")


def test_short_outage_keeps_every_new_item(store: SqliteStore, clock: FixedClock) -> None:
    kpu = source()
    late = item(
        "telat", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE, hours_ago=30
    )  # before the run
    fetcher = ScriptedFetcher([ok(b"empty"), FetchError("timeout", "slow"), ok(b"late")])
    service = ingest(store, clock, fetcher, ItemsParser({b"empty": [], b"late": [late]}))
    service.source(kpu)
    clock.advance(hours=6)
    service.source(kpu)

    clock.advance(hours=6)
    report = service.source(kpu)

    assert not report.catching_up
    assert (report.new_items, report.recorded_only) == (1, 0)


def test_an_item_older_than_the_store_remembers_items_is_never_news_again(
    store: SqliteStore, clock: FixedClock
) -> None:
    # Its record expired (ITEM_RETENTION) while the source still lists it.
    kpu = source()
    ancient = replace(
        item("kuno", REBUTTAL_TITLE, REBUTTAL),
        published_at=clock.now() - ITEM_RETENTION - timedelta(hours=1),
    )
    fetcher = ScriptedFetcher([ok(b"empty"), ok(b"old")])
    service = ingest(store, clock, fetcher, ItemsParser({b"empty": [], b"old": [ancient]}))
    service.source(kpu)
    clock.advance(hours=1)

    report = service.source(kpu)

    assert not report.first_run and not report.catching_up
    assert (report.new_items, report.recorded_only, report.urgent_stories) == (0, 1, [])
    assert store.has_item("kuno")


# -- one bad item, one bad source -----------------------------------------------------


class BreaksOn:
    """A store that refuses to record items whose title holds `word`, and counts the others."""

    def __init__(self, store: SqliteStore, word: str, error: Exception) -> None:
        self.store = store
        self.word = word
        self.error = error

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def add_item_if_new(self, item: Item, *, seen_at: datetime) -> bool:
        if self.word in item.title:
            raise self.error
        return self.store.add_item_if_new(item, seen_at=seen_at)


def test_an_item_that_cannot_be_stored_is_skipped_and_the_others_taken_in(
    store: SqliteStore, clock: FixedClock
) -> None:
    items = [
        item("a", "KPU Tetapkan Jadwal Rekapitulasi", RELEASE),
        item("b", "Rusak \x1b[2J Tersimpan", "Isi."),
        item("c", REBUTTAL_TITLE, REBUTTAL),
    ]
    broken = BreaksOn(store, "Rusak", UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates"))
    service = Ingest(
        store=broken,  # type: ignore[arg-type]
        fetcher=ScriptedFetcher([ok(b"v1", etag='"v1"')]),
        parse=ItemsParser({b"v1": items}),
        clock=clock,
        today=lambda moment: date(2026, 11, 28),
    )

    report = service.source(source())

    assert report.error is None
    assert report.skipped_items == [
        "item b: UnicodeEncodeError: 'utf-8' codec can't encode character '\\ud800' "
        "in position 0: surrogates"
    ]
    assert store.has_item("a") and store.has_item("c") and not store.has_item("b")
    assert len(report.urgent_stories) == 1  # the rebuttal still alerts
    state = store.get_source_state("kpu-ri")
    assert state is not None
    assert (state.error_count, state.last_error, state.skipped_items) == (0, None, 1)
    assert state.last_item_error == report.skipped_items[0]
    # The validators are kept, so that the next fetch brings the skipped item again.
    assert state.etag is None


def test_an_item_that_breaks_classification_is_skipped_alone(
    store: SqliteStore, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.services import ingest as ingest_module

    real = ingest_module.classify

    def breaks(title: str, text: str, authority: Authority) -> tuple[bool, bool]:
        if title.startswith("Rusak"):
            raise IndexError("list index out of range")
        return real(title, text, authority)

    monkeypatch.setattr(ingest_module, "classify", breaks)
    parser = ItemsParser(
        {b"v1": [item("a", "Rusak Sekali", "Isi."), item("b", REBUTTAL_TITLE, REBUTTAL)]}
    )
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1")]), parser)

    report = service.source(source())

    assert report.skipped_items == ["item a: IndexError: list index out of range"]
    assert store.has_item("b") and len(report.urgent_stories) == 1


def test_entries_the_parser_skipped_are_recorded_on_the_source(
    store: SqliteStore, clock: FixedClock
) -> None:
    from warta.core.parsed import ParsedItems

    parsed = ParsedItems([item("a", REBUTTAL_TITLE, REBUTTAL)], ["entry 2: KeyError: 'title'"])
    fetcher = ScriptedFetcher([ok(b"v1", etag='"v1"'), ok(b"v2", etag='"v2"')])
    service = ingest(store, clock, fetcher, ItemsParser({b"v1": parsed, b"v2": []}))

    first = service.source(source())

    assert first.skipped_items == ["entry 2: KeyError: 'title'"]
    state = store.get_source_state("kpu-ri")
    assert state is not None
    assert (state.skipped_items, state.last_item_error) == (1, "entry 2: KeyError: 'title'")

    clock.advance(hours=1)
    second = service.source(source())

    assert second.skipped_items == []
    state = store.get_source_state("kpu-ri")
    assert state is not None
    assert (state.skipped_items, state.last_item_error, state.etag) == (0, None, '"v2"')


class Explodes:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        raise self.error


@pytest.mark.parametrize(
    ("error", "recorded"),
    [
        (
            TypeError("'int' object is not subscriptable"),
            "TypeError: 'int' object is not subscriptable",
        ),
        (RecursionError(), "RecursionError"),
        (ValueError("kabar\x1b[2J\r\nBcc: \ud800"), "ValueError: kabar[2J Bcc: \ufffd"),
    ],
)
def test_an_unexpected_error_in_parsing_fails_that_source_like_a_fetch_error(
    store: SqliteStore, clock: FixedClock, error: Exception, recorded: str
) -> None:
    service = ingest(store, clock, ScriptedFetcher([ok(b"v1", etag='"v1"')]), Explodes(error))  # type: ignore[arg-type]

    report = service.source(source())

    assert report.error == recorded
    state = store.get_source_state("kpu-ri")
    assert state is not None
    assert (state.error_count, state.last_error, state.etag) == (1, recorded, None)
    assert state.failing_since == clock.now()
    assert state.next_poll_at is not None and state.next_poll_at > clock.now()


class FetcherFault:
    """A fetcher with a fault of its own: it raises what no fetcher promises."""

    def fetch(self, source: Source, **conditions: str | None) -> FetchResult:
        raise OSError(24, "Too many open files")


def test_an_unexpected_error_in_fetching_fails_that_source_like_a_fetch_error(
    store: SqliteStore, clock: FixedClock
) -> None:
    service = ingest(store, clock, FetcherFault(), ItemsParser())  # type: ignore[arg-type]

    report = service.source(source())

    assert report.error == "OSError: [Errno 24] Too many open files"
    state = store.get_source_state("kpu-ri")
    assert state is not None and state.error_count == 1


def test_a_store_asking_to_slow_down_ends_the_source_so_it_is_tried_again(
    store: SqliteStore, clock: FixedClock
) -> None:
    broken = BreaksOn(store, "KPU", ThrottledError("slow down"))
    service = Ingest(
        store=broken,  # type: ignore[arg-type]
        fetcher=ScriptedFetcher([ok(b"v1", etag='"v1"')]),
        parse=ItemsParser({b"v1": [item("a", REBUTTAL_TITLE, REBUTTAL)]}),
        clock=clock,
        today=lambda moment: date(2026, 11, 28),
    )

    with pytest.raises(ThrottledError):
        service.source(source())

    assert store.get_source_state("kpu-ri") is None  # nothing learned: the fetch is redone
