"""The Store contract: what every Store implementation must do.

Drives the store only through the methods of warta.core.ports.Store, so the same
suite runs against every factory in conftest.STORE_FACTORIES.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from typing import TypeVar, cast

from tests import builders

from warta.core.model import (
    NATIONAL,
    Authority,
    Claim,
    Consent,
    Item,
    Official,
    Page,
    Reader,
    SendStatus,
    SourceState,
    Story,
    StorySource,
    Subscriber,
    SubscriberStatus,
)
from warta.core.ports import Store

T0 = datetime(2024, 2, 14, 1, 30, tzinfo=UTC)
WIB = timezone(timedelta(hours=7))
DAY = date(2024, 2, 14)

T = TypeVar("T")


# -- helpers -------------------------------------------------------------------


def make_item(item_id: str = "kpu-ri:1", **changes: object) -> Item:
    item = Item(
        id=item_id,
        source_id="kpu-ri",
        url="https://www.kpu.go.id/berita/1",
        title="KPU menetapkan jadwal rekapitulasi",
        text="Paragraf pertama.\n\nParagraf kedua.",
        published_at=T0,
        authority=Authority.KPU,
        region=NATIONAL,
        guid="urn:kpu:1",
        election=True,
        clarification=False,
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def make_story_source(n: int = 1, **changes: object) -> StorySource:
    source = StorySource(
        source_id=f"source-{n}",
        name=f"Sumber {n}",
        url=f"https://example.go.id/berita/{n}",
        authority=Authority.BAWASLU,
        item_id=f"source-{n}:item",
        published_at=T0 + timedelta(minutes=n),
    )
    return replace(source, **changes)  # type: ignore[arg-type]


def make_story(story_id: str = "story-1", **changes: object) -> Story:
    story = builders.story(
        story_id,
        day=DAY,
        region=NATIONAL,
        title="Bawaslu meluruskan kabar surat suara tercoblos",
        summary="Bawaslu menyatakan kabar itu tidak benar.",
        published_at=T0,
        created_at=T0 + timedelta(minutes=5),
        urgent=True,
        sources=(make_story_source(1),),
        signature=(12, 4_294_967_295, 0, 7),
        text="Bawaslu menyatakan kabar surat suara tercoblos tidak benar.\n\nKotak suara disegel.",
    )
    return replace(story, **changes)  # type: ignore[arg-type]


def make_subscriber(subscriber_id: str = "sub-001", **changes: object) -> Subscriber:
    subscriber = Subscriber(
        id=subscriber_id,
        email=f"{subscriber_id}@example.org",
        status=SubscriberStatus.ACTIVE,
        regions=(NATIONAL, "jawa-barat"),
        name="Siti",
        created_at=T0,
    )
    return replace(subscriber, **changes)  # type: ignore[arg-type]


def make_official(official_id: str = "off-001", **changes: object) -> Official:
    official = Official(
        id=official_id,
        name="Budi",
        role="Ketua KPU Provinsi",
        region="jawa-barat",
        email=f"{official_id}@example.go.id",
        phone="+6281200000000",
        active=True,
    )
    return replace(official, **changes)  # type: ignore[arg-type]


def all_pages(fetch: Callable[[str | None], Page[T]]) -> list[tuple[T, ...]]:
    """Every page, following cursors until None (with a guard against a cursor loop)."""
    pages: list[tuple[T, ...]] = []
    cursor: str | None = None
    for _ in range(1000):
        page = fetch(cursor)
        pages.append(page.items)
        cursor = page.cursor
        if cursor is None:
            return pages
    raise AssertionError("paging never ended")


def subscriber_pages(
    store: Store, status: SubscriberStatus, limit: int
) -> list[tuple[Subscriber, ...]]:
    return all_pages(lambda cursor: store.subscribers_page(status, cursor=cursor, limit=limit))


def official_pages(store: Store, limit: int) -> list[tuple[Official, ...]]:
    return all_pages(lambda cursor: store.officials_page(cursor=cursor, limit=limit))


def ids(pages: Sequence[tuple[Subscriber | Official, ...]]) -> list[str]:
    return [x.id for page in pages for x in page]


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.utcoffset() == timedelta(0)


def run_together(workers: list[Callable[[], object]]) -> list[object]:
    """Start all workers at the same instant; return their answers as they gave them."""
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = work()
        except BaseException as exc:  # surfaced below, in the test's thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


# -- items -------------------------------------------------------------------------


def test_first_add_of_an_item_reports_it_new(store: Store) -> None:
    assert store.add_item_if_new(make_item(), seen_at=T0) is True


def test_second_add_of_the_same_item_is_refused(store: Store) -> None:
    store.add_item_if_new(make_item(), seen_at=T0)
    assert store.add_item_if_new(make_item(), seen_at=T0 + timedelta(hours=1)) is False


def test_item_is_known_by_its_id_alone(store: Store) -> None:
    store.add_item_if_new(make_item("kpu-ri:1"), seen_at=T0)
    edited = make_item("kpu-ri:1", title="Judul yang diperbarui", text="Isi baru.")
    assert store.add_item_if_new(edited, seen_at=T0) is False


def test_items_with_different_ids_are_both_new_even_with_the_same_link(store: Store) -> None:
    # Ids are scoped to their source, so two sources carrying one link are two items.
    first = make_item("kpu-ri:1", source_id="kpu-ri")
    second = make_item("bawaslu:1", source_id="bawaslu", authority=Authority.BAWASLU)
    assert store.add_item_if_new(first, seen_at=T0) is True
    assert store.add_item_if_new(second, seen_at=T0) is True


def test_has_item_tells_seen_from_unseen(store: Store) -> None:
    assert store.has_item("kpu-ri:1") is False
    store.add_item_if_new(make_item("kpu-ri:1"), seen_at=T0)
    assert store.has_item("kpu-ri:1") is True
    assert store.has_item("kpu-ri:2") is False


def test_exactly_one_of_many_threads_adds_the_same_item(
    open_store: Callable[[], Store],
) -> None:
    stores = [open_store() for _ in range(8)]
    item = make_item()
    results = run_together([partial(s.add_item_if_new, item, seen_at=T0) for s in stores])
    assert results.count(True) == 1


# -- per-source state ----------------------------------------------------------------


def test_state_of_an_unknown_source_is_none(store: Store) -> None:
    assert store.get_source_state("kpu-ri") is None


def test_source_state_round_trips_with_every_field(store: Store) -> None:
    state = SourceState(
        source_id="kpu-ri",
        etag='W/"abc"',
        last_modified="Wed, 14 Feb 2024 01:00:00 GMT",
        next_poll_at=datetime(2024, 2, 14, 9, 0, 0, 123456, tzinfo=WIB),
        error_count=3,
        last_error="timeout",
        last_success_at=T0,
        last_status=304,
        moved_to="https://www.kpu.go.id/rss-baru",
        disabled=True,
        failing_since=datetime(2024, 2, 13, 8, 0, 0, 654321, tzinfo=WIB),
        last_new_item_at=T0 - timedelta(days=2),
        notified_at=T0 + timedelta(minutes=1),
        notified_reason="failing",
        skipped_items=2,
        last_item_error="entry 3: KeyError: 'title'",
    )
    store.put_source_state(state)
    got = store.get_source_state("kpu-ri")
    assert got == state
    assert got is not None
    assert_utc(got.next_poll_at)
    assert_utc(got.last_success_at)
    assert_utc(got.failing_since)
    assert_utc(got.last_new_item_at)
    assert_utc(got.notified_at)


def test_health_fields_of_source_state_can_be_cleared(store: Store) -> None:
    told = SourceState(
        source_id="kpu-ri",
        failing_since=T0,
        last_new_item_at=T0,
        notified_at=T0,
        notified_reason="quiet",
    )
    store.put_source_state(told)
    cleared = replace(told, failing_since=None, notified_at=None, notified_reason=None)
    store.put_source_state(cleared)
    assert store.get_source_state("kpu-ri") == cleared


def test_source_state_with_only_defaults_round_trips(store: Store) -> None:
    state = SourceState(source_id="bawaslu")
    store.put_source_state(state)
    assert store.get_source_state("bawaslu") == state


def test_putting_source_state_again_overwrites_it(store: Store) -> None:
    store.put_source_state(
        SourceState(source_id="kpu-ri", etag='"v1"', error_count=2, last_error="http-500")
    )
    newer = SourceState(source_id="kpu-ri", etag='"v2"', last_success_at=T0, last_status=200)
    store.put_source_state(newer)
    assert store.get_source_state("kpu-ri") == newer


def test_source_states_are_kept_per_source(store: Store) -> None:
    kpu = SourceState(source_id="kpu-ri", etag='"k"')
    bawaslu = SourceState(source_id="bawaslu", etag='"b"')
    store.put_source_state(kpu)
    store.put_source_state(bawaslu)
    assert store.get_source_state("kpu-ri") == kpu
    assert store.get_source_state("bawaslu") == bawaslu


# -- near-duplicate bands --------------------------------------------------------------


def test_unknown_band_keys_find_no_candidates(store: Store) -> None:
    assert store.find_story_candidates(["b0:abc", "b1:def"], now=T0) == set()


def test_no_band_keys_find_no_candidates(store: Store) -> None:
    store.add_story_bands(["b0:abc"], "story-1", expires_at=T0 + timedelta(days=3))
    assert store.find_story_candidates([], now=T0) == set()


def test_a_story_is_found_under_any_of_its_band_keys(store: Store) -> None:
    store.add_story_bands(
        ["b0:aaa", "b1:bbb", "b2:ccc"], "story-1", expires_at=T0 + timedelta(days=3)
    )
    assert store.find_story_candidates(["b1:bbb"], now=T0) == {"story-1"}
    assert store.find_story_candidates(["b9:zzz", "b2:ccc"], now=T0) == {"story-1"}


def test_a_band_key_may_point_to_several_stories(store: Store) -> None:
    until = T0 + timedelta(days=3)
    store.add_story_bands(["b0:shared", "b1:one"], "story-1", expires_at=until)
    store.add_story_bands(["b0:shared", "b1:two"], "story-2", expires_at=until)
    store.add_story_bands(["b1:three"], "story-3", expires_at=until)
    assert store.find_story_candidates(["b0:shared"], now=T0) == {"story-1", "story-2"}
    assert store.find_story_candidates(["b0:shared", "b1:three"], now=T0) == {
        "story-1",
        "story-2",
        "story-3",
    }


def test_an_expired_band_finds_no_candidate(store: Store) -> None:
    until = T0 + timedelta(days=3)
    store.add_story_bands(["b0:aaa"], "story-1", expires_at=until)
    assert store.find_story_candidates(["b0:aaa"], now=until - timedelta(seconds=1)) == {"story-1"}
    # Expiry is exclusive: a band is only valid while its expiry is after now.
    assert store.find_story_candidates(["b0:aaa"], now=until) == set()
    assert store.find_story_candidates(["b0:aaa"], now=until + timedelta(days=30)) == set()


def test_expiry_is_per_story_under_a_shared_key(store: Store) -> None:
    store.add_story_bands(["b0:shared"], "old", expires_at=T0 + timedelta(hours=1))
    store.add_story_bands(["b0:shared"], "new", expires_at=T0 + timedelta(days=3))
    assert store.find_story_candidates(["b0:shared"], now=T0 + timedelta(hours=2)) == {"new"}


def test_adding_a_band_again_moves_its_expiry(store: Store) -> None:
    store.add_story_bands(["b0:aaa"], "story-1", expires_at=T0 + timedelta(hours=1))
    store.add_story_bands(["b0:aaa"], "story-1", expires_at=T0 + timedelta(days=3))
    assert store.find_story_candidates(["b0:aaa"], now=T0 + timedelta(days=1)) == {"story-1"}


def test_band_expiry_compares_instants_not_wall_clocks(store: Store) -> None:
    # 08:00 in Jakarta is 01:00 UTC: the band is still valid at 00:59 UTC.
    store.add_story_bands(["b0:aaa"], "story-1", expires_at=datetime(2024, 2, 14, 8, tzinfo=WIB))
    assert store.find_story_candidates(["b0:aaa"], now=datetime(2024, 2, 14, 0, 59, tzinfo=UTC))
    assert not store.find_story_candidates(["b0:aaa"], now=datetime(2024, 2, 14, 1, tzinfo=UTC))


def test_a_long_list_of_band_keys_is_searched_whole(store: Store) -> None:
    keys = [f"b{i}:{i:06x}" for i in range(1200)]
    store.add_story_bands(keys[-1:], "last", expires_at=T0 + timedelta(days=3))
    store.add_story_bands(keys[:1], "first", expires_at=T0 + timedelta(days=3))
    assert store.find_story_candidates(keys, now=T0) == {"first", "last"}


# -- stories ---------------------------------------------------------------------------


def test_an_unknown_story_is_none(store: Store) -> None:
    assert store.get_story("story-1") is None


def test_story_round_trips_with_its_sources_and_signature(store: Store) -> None:
    story = make_story(
        sources=(
            make_story_source(1),
            make_story_source(2, authority=Authority.MEDIA, name="Kompas — Jakarta"),
        ),
        published_at=datetime(2024, 2, 14, 8, 30, tzinfo=WIB),
    )
    store.put_story(story)
    got = store.get_story("story-1")
    assert got == story
    assert got is not None
    assert isinstance(got.sources, tuple)
    assert isinstance(got.signature, tuple)
    assert got.sources[1].authority is Authority.MEDIA
    assert_utc(got.published_at)
    assert_utc(got.sources[0].published_at)


def test_story_without_signature_round_trips(store: Store) -> None:
    story = make_story(signature=(), urgent=False, clarification=False)
    store.put_story(story)
    assert store.get_story(story.id) == story


def test_putting_a_story_again_replaces_it_with_its_new_sources(store: Store) -> None:
    store.put_story(make_story(sources=(make_story_source(1),)))
    joined = make_story(
        sources=(make_story_source(1), make_story_source(2)),
        summary="Diperbarui dengan sumber kedua.",
        signature=(1, 2, 3, 4),
    )
    store.put_story(joined)
    assert store.get_story("story-1") == joined
    assert store.stories_of_day(DAY) == [joined]


def test_stories_of_a_day_come_oldest_first(store: Store) -> None:
    later = make_story("a-later", created_at=T0 + timedelta(hours=2))
    earliest = make_story("z-earliest", created_at=T0)
    middle = make_story("m-middle", created_at=datetime(2024, 2, 14, 9, 30, tzinfo=WIB))
    for story in (later, earliest, middle):
        store.put_story(story)
    assert [s.id for s in store.stories_of_day(DAY)] == ["z-earliest", "m-middle", "a-later"]


def test_stories_created_at_the_same_instant_are_ordered_by_id(store: Store) -> None:
    for story_id in ("story-c", "story-a", "story-b"):
        store.put_story(make_story(story_id, created_at=T0))
    assert [s.id for s in store.stories_of_day(DAY)] == ["story-a", "story-b", "story-c"]


def test_stories_of_a_day_leave_out_other_days(store: Store) -> None:
    today = make_story("today")
    store.put_story(today)
    store.put_story(make_story("yesterday", day=DAY - timedelta(days=1)))
    store.put_story(make_story("tomorrow", day=DAY + timedelta(days=1)))
    assert store.stories_of_day(DAY) == [today]
    assert store.stories_of_day(date(2024, 1, 1)) == []


def test_story_day_is_the_stored_edition_not_the_utc_date(store: Store) -> None:
    # Created 23:30 UTC on the 13th is already the 14th in Jakarta: the 14th's edition.
    story = make_story(day=DAY, created_at=datetime(2024, 2, 13, 23, 30, tzinfo=UTC))
    store.put_story(story)
    assert store.stories_of_day(DAY) == [story]
    assert store.stories_of_day(DAY - timedelta(days=1)) == []


def test_stories_of_a_day_keep_only_the_regions_asked_for(store: Store) -> None:
    national = make_story("s1", region=NATIONAL, created_at=T0)
    jabar = make_story("s2", region="jawa-barat", created_at=T0 + timedelta(minutes=1))
    jatim = make_story("s3", region="jawa-timur", created_at=T0 + timedelta(minutes=2))
    for story in (national, jabar, jatim):
        store.put_story(story)
    assert store.stories_of_day(DAY) == [national, jabar, jatim]
    assert store.stories_of_day(DAY, None) == [national, jabar, jatim]
    assert store.stories_of_day(DAY, ["jawa-barat"]) == [jabar]
    assert store.stories_of_day(DAY, (r for r in [NATIONAL, "jawa-timur"])) == [national, jatim]
    assert store.stories_of_day(DAY, {"papua"}) == []


def test_stories_of_a_day_for_no_regions_are_none(store: Store) -> None:
    store.put_story(make_story())
    assert store.stories_of_day(DAY, []) == []


# -- subscribers --------------------------------------------------------------------------


def test_an_unknown_subscriber_is_none(store: Store) -> None:
    assert store.get_subscriber("sub-001") is None


def test_subscriber_round_trips(store: Store) -> None:
    subscriber = make_subscriber(created_at=datetime(2024, 2, 1, 20, 0, tzinfo=WIB))
    store.put_subscriber(subscriber)
    got = store.get_subscriber("sub-001")
    assert got == subscriber
    assert got is not None
    assert got.status is SubscriberStatus.ACTIVE
    assert isinstance(got.regions, tuple)
    assert_utc(got.created_at)


def test_subscriber_with_only_defaults_round_trips(store: Store) -> None:
    subscriber = Subscriber(id="sub-002", email="b@example.org")
    store.put_subscriber(subscriber)
    assert store.get_subscriber("sub-002") == subscriber


def test_subscriber_choices_and_consent_round_trip(store: Store) -> None:
    subscriber = make_subscriber(
        status=SubscriberStatus.SUPPRESSED,
        digest=False,
        urgent=True,
        digest_hour=19,
        zone="Asia/Makassar",
        signed_up=Consent(at=datetime(2024, 2, 1, 20, 0, tzinfo=WIB), source="web 203.0.113.0/24"),
        confirmed=Consent(at=T0, source="web 198.51.100.0/24"),
        confirmation_sent_on=date(2024, 2, 1),
        updated_at=T0,
        suppressed_reason="complaint",
        deliveries=("delivered", "soft-bounce"),
    )
    store.put_subscriber(subscriber)
    assert store.get_subscriber("sub-001") == subscriber
    assert store.get_subscribers(["sub-001"]) == {"sub-001": subscriber}
    assert ids(subscriber_pages(store, SubscriberStatus.SUPPRESSED, 10)) == ["sub-001"]


def test_a_deleted_subscriber_is_gone_and_a_second_delete_finds_nothing(store: Store) -> None:
    store.put_subscriber(make_subscriber("sub-001"))
    store.put_subscriber(make_subscriber("sub-002"))
    assert store.delete_subscriber("sub-001") is True
    assert store.get_subscriber("sub-001") is None
    assert store.delete_subscriber("sub-001") is False
    assert ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 10)) == ["sub-002"]


def test_subscribers_of_a_batch_come_in_one_call_without_the_unknown(store: Store) -> None:
    people = [make_subscriber(f"sub-{n:04d}") for n in range(1200)]  # more than one slice
    for person in people:
        store.put_subscriber(person)
    wanted = [p.id for p in people[::2]] + ["sub-9999", people[0].id]

    found = store.get_subscribers(wanted)

    assert found == {p.id: p for p in people[::2]}
    assert store.get_subscribers([]) == {}


def test_putting_a_subscriber_again_replaces_it(store: Store) -> None:
    store.put_subscriber(make_subscriber(status=SubscriberStatus.PENDING))
    active = make_subscriber(status=SubscriberStatus.ACTIVE, regions=("papua",), name=None)
    store.put_subscriber(active)
    assert store.get_subscriber("sub-001") == active
    assert ids(subscriber_pages(store, SubscriberStatus.PENDING, 10)) == []
    assert ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 10)) == ["sub-001"]


def test_subscribers_come_in_pages_of_the_limit_until_the_cursor_is_none(store: Store) -> None:
    for n in range(25):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}"))
    first = store.subscribers_page(SubscriberStatus.ACTIVE, limit=10)
    assert len(first.items) == 10
    assert first.cursor is not None
    second = store.subscribers_page(SubscriberStatus.ACTIVE, cursor=first.cursor, limit=10)
    assert len(second.items) == 10
    assert second.cursor is not None
    third = store.subscribers_page(SubscriberStatus.ACTIVE, cursor=second.cursor, limit=10)
    assert len(third.items) == 5
    assert third.cursor is None


def test_subscriber_pages_cover_everyone_once(store: Store) -> None:
    expected = {f"sub-{n:03d}" for n in range(25)}
    for subscriber_id in sorted(expected, reverse=True):
        store.put_subscriber(make_subscriber(subscriber_id))
    got = ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 10))
    assert len(got) == len(set(got)) == 25
    assert set(got) == expected


def test_subscriber_pages_end_when_the_count_is_a_multiple_of_the_limit(store: Store) -> None:
    for n in range(20):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}"))
    pages = subscriber_pages(store, SubscriberStatus.ACTIVE, 10)
    # A store may or may not need one last empty page to know it is done.
    assert [len(p) for p in pages] in ([10, 10], [10, 10, 0])
    assert len(set(ids(pages))) == 20


def test_subscriber_order_is_stable_between_listings(store: Store) -> None:
    for n in (7, 3, 11, 1, 9, 5):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}"))
    first = ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 4))
    second = ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 4))
    third = ids(subscriber_pages(store, SubscriberStatus.ACTIVE, 100))
    assert first == second == third


def test_subscribers_page_holds_only_the_status_asked_for(store: Store) -> None:
    statuses = list(SubscriberStatus)
    count = 3 * len(statuses)
    for n in range(count):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}", status=statuses[n % len(statuses)]))
    for index, status in enumerate(statuses):
        pages = subscriber_pages(store, status, 2)
        items = [x for page in pages for x in page]
        assert {x.status for x in items} == {status}
        assert ids(pages) == sorted(f"sub-{n:03d}" for n in range(index, count, len(statuses)))


def test_an_empty_status_gives_one_empty_last_page(store: Store) -> None:
    store.put_subscriber(make_subscriber(status=SubscriberStatus.ACTIVE))
    page = store.subscribers_page(SubscriberStatus.UNSUBSCRIBED, limit=10)
    assert page.items == ()
    assert page.cursor is None


def test_subscriber_added_while_paging_causes_no_repeat(store: Store) -> None:
    for n in range(10, 30):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}"))
    first = store.subscribers_page(SubscriberStatus.ACTIVE, limit=10)
    # Someone subscribes between two pages, sorting before what was already read.
    store.put_subscriber(make_subscriber("sub-000"))
    seen = [s.id for s in first.items]
    cursor = first.cursor
    while cursor is not None:
        page = store.subscribers_page(SubscriberStatus.ACTIVE, cursor=cursor, limit=10)
        seen.extend(s.id for s in page.items)
        cursor = page.cursor
    assert len(seen) == len(set(seen))
    assert set(seen) >= {f"sub-{n:03d}" for n in range(10, 30)}


# -- subscribers by digest slot (zone and hour) ----------------------------------------------


def due_ids(store: Store, zone: str, hour: int, limit: int = 10) -> list[str]:
    pages = all_pages(lambda c: store.subscriber_ids_due(zone, hour, cursor=c, limit=limit))
    return [subscriber_id for page in pages for subscriber_id in page]


def test_each_subscriber_is_due_only_at_their_own_zone_and_hour(store: Store) -> None:
    store.put_subscriber(make_subscriber("sub-jakarta", regions=("*",)))
    store.put_subscriber(make_subscriber("sub-papua", regions=("91.01",)))
    store.put_subscriber(make_subscriber("sub-bali", regions=("51", "35"), digest_hour=19))
    store.put_subscriber(make_subscriber("sub-chose", regions=("35",), zone="Asia/Makassar"))
    store.put_subscriber(make_subscriber("sub-national", regions=(NATIONAL,), digest_hour=0))

    assert due_ids(store, "Asia/Jakarta", 6) == ["sub-jakarta"]
    assert due_ids(store, "Asia/Jayapura", 6) == ["sub-papua"]
    # Several regions: the zone of the first one's province.
    assert due_ids(store, "Asia/Makassar", 19) == ["sub-bali"]
    assert due_ids(store, "Asia/Makassar", 6) == ["sub-chose"]
    assert due_ids(store, "Asia/Jakarta", 0) == ["sub-national"]
    assert due_ids(store, "Asia/Jakarta", 19) == []


def test_only_active_subscribers_who_want_the_digest_are_due(store: Store) -> None:
    store.put_subscriber(make_subscriber("sub-a"))
    store.put_subscriber(make_subscriber("sub-b", digest=False, urgent=True))
    for n, status in enumerate(s for s in SubscriberStatus if s is not SubscriberStatus.ACTIVE):
        store.put_subscriber(make_subscriber(f"sub-c{n}", status=status))

    assert due_ids(store, "Asia/Jakarta", 6) == ["sub-a"]


def test_a_subscriber_who_changes_hour_zone_or_status_moves_with_it(store: Store) -> None:
    subscriber = make_subscriber("sub-a")
    store.put_subscriber(subscriber)
    store.put_subscriber(replace(subscriber, digest_hour=9))
    assert due_ids(store, "Asia/Jakarta", 6) == []
    assert due_ids(store, "Asia/Jakarta", 9) == ["sub-a"]

    store.put_subscriber(replace(subscriber, digest_hour=9, zone="Asia/Jayapura"))
    assert due_ids(store, "Asia/Jakarta", 9) == []
    assert due_ids(store, "Asia/Jayapura", 9) == ["sub-a"]

    store.put_subscriber(replace(subscriber, status=SubscriberStatus.UNSUBSCRIBED))
    assert due_ids(store, "Asia/Jayapura", 9) == []
    store.delete_subscriber("sub-a")
    assert due_ids(store, "Asia/Jakarta", 6) == []


def test_subscriber_ids_due_come_in_pages_covering_everyone_once(store: Store) -> None:
    for n in range(25):
        store.put_subscriber(make_subscriber(f"sub-{n:03d}", regions=("73",), digest_hour=7))
        store.put_subscriber(make_subscriber(f"sub-x{n:03d}", regions=("73",)))  # 06:00
    first = store.subscriber_ids_due("Asia/Makassar", 7, limit=10)
    assert first.items == tuple(f"sub-{n:03d}" for n in range(10))
    assert first.cursor is not None

    got = due_ids(store, "Asia/Makassar", 7, limit=10)

    assert got == [f"sub-{n:03d}" for n in range(25)]
    assert due_ids(store, "Asia/Makassar", 7, limit=100) == got


def test_digest_readers_are_the_subscribers_who_take_the_digest_now(store: Store) -> None:
    consent = Consent(at=T0, source="web 203.0.113.0/24")
    store.put_subscriber(make_subscriber("sub-a", regions=("35.71", NATIONAL)))
    store.put_subscriber(
        make_subscriber("sub-b", urgent=True, signed_up=consent, confirmed=consent)
    )
    store.put_subscriber(make_subscriber("sub-off", digest=False, urgent=True))
    for n, status in enumerate(s for s in SubscriberStatus if s is not SubscriberStatus.ACTIVE):
        store.put_subscriber(make_subscriber(f"sub-c{n}", status=status))
    asked = ["sub-a", "sub-b", "sub-off", "sub-c0", "sub-c1", "sub-c2", "sub-none", "sub-a"]

    readers = store.digest_readers(asked)

    assert readers == {
        "sub-a": Reader("sub-a", "sub-a@example.org", ("35.71", NATIONAL), urgent=False),
        "sub-b": Reader("sub-b", "sub-b@example.org", (NATIONAL, "jawa-barat"), urgent=True),
    }
    store.put_subscriber(make_subscriber("sub-a", status=SubscriberStatus.UNSUBSCRIBED))
    store.put_subscriber(make_subscriber("sub-b", digest_hour=9, zone="Asia/Jayapura"))
    assert list(store.digest_readers(asked)) == ["sub-b"]
    assert store.digest_readers([]) == {}


# -- officials ----------------------------------------------------------------------------


def test_no_officials_give_one_empty_last_page(store: Store) -> None:
    page = store.officials_page(limit=10)
    assert page.items == ()
    assert page.cursor is None


def test_official_round_trips_through_the_listing(store: Store) -> None:
    official = make_official()
    bare = Official(id="off-002", name="Ani", role="Anggota Bawaslu", region=NATIONAL)
    store.put_official(official)
    store.put_official(bare)
    assert store.officials_page().items == (official, bare)


def test_officials_page_leaves_out_inactive_officials(store: Store) -> None:
    store.put_official(make_official("off-001"))
    store.put_official(make_official("off-002", active=False))
    store.put_official(make_official("off-003"))
    assert ids(official_pages(store, 10)) == ["off-001", "off-003"]


def test_official_is_found_by_id_active_or_not(store: Store) -> None:
    active, inactive = make_official("off-001"), make_official("off-002", active=False)
    store.put_official(active)
    store.put_official(inactive)
    assert store.get_official("off-001") == active
    assert store.get_official("off-002") == inactive
    assert store.get_official("off-404") is None


def test_inactive_officials_have_their_own_listing(store: Store) -> None:
    for n in range(5):
        store.put_official(make_official(f"off-{n:03d}", active=n % 2 == 0))
    inactive = store.officials_page(active=False, limit=10)
    assert [o.id for o in inactive.items] == ["off-001", "off-003"]
    assert all(not o.active for o in inactive.items)
    assert inactive.cursor is None


def test_official_institution_round_trips(store: Store) -> None:
    official = make_official(institution="KPU Provinsi Jawa Barat")
    store.put_official(official)
    assert store.get_official("off-001") == official


def test_a_deleted_official_leaves_both_listings(store: Store) -> None:
    store.put_official(make_official("off-001"))
    store.put_official(make_official("off-002", active=False))
    assert store.delete_official("off-001") is True
    assert store.delete_official("off-002") is True
    assert store.delete_official("off-002") is False
    assert store.get_official("off-001") is None
    assert store.officials_page().items == ()
    assert store.officials_page(active=False).items == ()


def test_official_made_inactive_leaves_the_listing(store: Store) -> None:
    store.put_official(make_official("off-001"))
    store.put_official(make_official("off-001", active=False))
    assert ids(official_pages(store, 10)) == []


def test_officials_come_in_pages_of_the_limit(store: Store) -> None:
    for n in range(9):
        store.put_official(make_official(f"off-{n:03d}", active=n != 4))
    first = store.officials_page(limit=3)
    second = store.officials_page(cursor=first.cursor, limit=3)
    third = store.officials_page(cursor=second.cursor, limit=3)
    assert [len(p.items) for p in (first, second, third)] == [3, 3, 2]
    assert first.cursor is not None
    assert second.cursor is not None
    assert third.cursor is None
    got = [o.id for p in (first, second, third) for o in p.items]
    assert got == [f"off-{n:03d}" for n in range(9) if n != 4]


# -- sent ledger ----------------------------------------------------------------------------


def test_an_unclaimed_send_is_none(store: Store) -> None:
    assert store.get_send("digest", "2024-02-14", "sub-001") is None


def test_first_claim_of_a_send_wins_and_is_pending(store: Store) -> None:
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.NEW
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert (record.kind, record.key, record.recipient_id) == ("digest", "2024-02-14", "sub-001")
    assert record.status is SendStatus.PENDING
    assert record.message_id is None
    assert record.claimed_at == T0
    assert record.sent_at is None


def test_second_claim_of_same_send_is_refused(store: Store) -> None:
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.NEW
    assert (
        store.claim_send("digest", "2024-02-14", "sub-001", now=T0 + timedelta(days=1))
        is Claim.HELD
    )
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert record.claimed_at == T0


def test_claims_differ_by_kind_key_and_recipient(store: Store) -> None:
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    assert store.claim_send("digest", "2024-02-15", "sub-001", now=T0)
    assert store.claim_send("digest", "2024-02-14", "sub-002", now=T0)
    assert store.claim_send("alert-email", "2024-02-14", "sub-001", now=T0)
    assert store.claim_send("alert-sms", "story-1", "off-001", now=T0)
    assert store.claim_send("alert-email", "story-1", "off-001", now=T0)


def test_completed_send_shows_its_message_id_and_time(store: Store) -> None:
    store.claim_send("alert-email", "story-1", "sub-001", now=T0)
    sent_at = T0 + timedelta(seconds=2)
    store.complete_send("alert-email", "story-1", "sub-001", message_id="<m1@ses>", now=sent_at)
    record = store.get_send("alert-email", "story-1", "sub-001")
    assert record is not None
    assert record.status is SendStatus.SENT
    assert record.message_id == "<m1@ses>"
    assert record.claimed_at == T0
    assert record.sent_at == sent_at
    assert_utc(record.sent_at)


def test_completed_send_cannot_be_claimed_again(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    store.complete_send("digest", "2024-02-14", "sub-001", message_id="m1", now=T0)
    assert (
        store.claim_send("digest", "2024-02-14", "sub-001", now=T0 + timedelta(days=1))
        is Claim.DONE
    )


def test_released_claim_can_be_claimed_again(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    store.release_send("digest", "2024-02-14", "sub-001")
    assert store.get_send("digest", "2024-02-14", "sub-001") is None
    later = T0 + timedelta(minutes=10)
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=later) is Claim.NEW
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert record.claimed_at == later


def test_release_after_completion_keeps_the_send(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    store.complete_send("digest", "2024-02-14", "sub-001", message_id="m1", now=T0)
    store.release_send("digest", "2024-02-14", "sub-001")
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert record.status is SendStatus.SENT
    assert record.message_id == "m1"
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.DONE


def test_releasing_an_unclaimed_send_is_harmless(store: Store) -> None:
    store.release_send("digest", "2024-02-14", "sub-001")
    assert store.get_send("digest", "2024-02-14", "sub-001") is None
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.NEW


def test_release_touches_only_its_own_send(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    store.claim_send("digest", "2024-02-14", "sub-002", now=T0)
    store.release_send("digest", "2024-02-14", "sub-001")
    assert store.get_send("digest", "2024-02-14", "sub-002") is not None


def test_a_claim_whose_lease_ran_out_is_taken_over_once(store: Store) -> None:
    lease = timedelta(minutes=5)
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=T0, lease=lease) is Claim.NEW
    # Within the lease the first sender may still be sending.
    within = T0 + timedelta(minutes=4)
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=within, lease=lease) is (
        Claim.HELD
    )
    # After it, that sender is taken for dead: the claim is made anew, once.
    later = T0 + timedelta(minutes=6)
    taken = store.claim_send("digest", "2024-02-14", "sub-001", now=later, lease=lease)
    assert taken is Claim.TAKEN_OVER
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=later, lease=lease) is (
        Claim.HELD
    )
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert (record.status, record.claimed_at) == (SendStatus.PENDING, later)


def test_without_a_lease_a_pending_claim_is_never_taken_over(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0)
    years = T0 + timedelta(days=3650)
    assert store.claim_send("digest", "2024-02-14", "sub-001", now=years) is Claim.HELD


def test_a_completed_send_is_never_taken_over(store: Store) -> None:
    store.claim_send("digest", "2024-02-14", "sub-001", now=T0, lease=timedelta(seconds=1))
    store.complete_send("digest", "2024-02-14", "sub-001", message_id="m1", now=T0)
    later = T0 + timedelta(days=1)
    assert store.claim_send(
        "digest", "2024-02-14", "sub-001", now=later, lease=timedelta(seconds=1)
    ) is (Claim.DONE)
    record = store.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert (record.status, record.message_id) == (SendStatus.SENT, "m1")


def test_claims_answer_true_only_when_the_caller_may_send() -> None:
    assert [bool(c) for c in Claim] == [True, True, False, False]
    assert list(Claim) == [Claim.NEW, Claim.TAKEN_OVER, Claim.HELD, Claim.DONE]


def test_completing_a_send_without_a_claim_still_records_it(store: Store) -> None:
    # The message went out; recording it is what prevents sending it twice.
    store.complete_send("alert-sms", "story-1", "off-001", message_id="sms-1", now=T0)
    record = store.get_send("alert-sms", "story-1", "off-001")
    assert record is not None
    assert record.status is SendStatus.SENT
    assert record.message_id == "sms-1"
    assert store.claim_send("alert-sms", "story-1", "off-001", now=T0) is Claim.DONE


# -- several handles and threads ------------------------------------------------------------


def test_a_claim_made_through_one_handle_is_refused_through_another(
    open_store: Callable[[], Store],
) -> None:
    first, second = open_store(), open_store()
    assert first.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.NEW
    assert second.claim_send("digest", "2024-02-14", "sub-001", now=T0) is Claim.HELD
    first.complete_send("digest", "2024-02-14", "sub-001", message_id="m1", now=T0)
    record = second.get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert record.message_id == "m1"


def test_exactly_one_of_many_threads_with_their_own_handles_wins_a_claim(
    open_store: Callable[[], Store],
) -> None:
    stores = [open_store() for _ in range(12)]
    results = run_together(
        [partial(s.claim_send, "digest", "2024-02-14", "sub-001", now=T0) for s in stores]
    )
    assert sorted(results) == sorted([Claim.NEW] + [Claim.HELD] * 11)
    record = stores[0].get_send("digest", "2024-02-14", "sub-001")
    assert record is not None
    assert record.status is SendStatus.PENDING


def test_exactly_one_of_many_threads_sharing_a_handle_wins_a_claim(store: Store) -> None:
    results = run_together(
        [lambda: store.claim_send("alert-sms", "story-1", "off-001", now=T0) for _ in range(12)]
    )
    assert sorted(results) == sorted([Claim.NEW] + [Claim.HELD] * 11)


def test_exactly_one_of_many_threads_takes_over_a_dead_claim(
    open_store: Callable[[], Store],
) -> None:
    stores = [open_store() for _ in range(8)]
    lease = timedelta(minutes=5)
    stores[0].claim_send("digest", "2024-02-14", "sub-001", now=T0, lease=lease)
    later = T0 + timedelta(minutes=10)
    results = run_together(
        [
            partial(s.claim_send, "digest", "2024-02-14", "sub-001", now=later, lease=lease)
            for s in stores
        ]
    )
    assert sorted(results) == sorted([Claim.TAKEN_OVER] + [Claim.HELD] * 7)


def test_each_recipient_is_claimed_once_under_contention(
    open_store: Callable[[], Store],
) -> None:
    # Two runs racing over the same recipients: every send has exactly one owner.
    stores = [open_store() for _ in range(4)]
    recipients = [f"sub-{n:03d}" for n in range(20)]

    def claim_all(s: Store) -> list[str]:
        return [r for r in recipients if s.claim_send("digest", "2024-02-14", r, now=T0)]

    won: list[list[str]] = [[] for _ in stores]

    def worker(index: int) -> bool:
        won[index] = claim_all(stores[index])
        return True

    run_together([partial(worker, i) for i in range(len(stores))])
    flat = [r for claims in won for r in claims]
    assert sorted(flat) == recipients


# -- the sent ledger, a batch at a time -----------------------------------------------

BATCH = [f"sub-{n:03d}" for n in range(230)]
"""More than one DynamoDB transaction (100) and many batch writes (25)."""


def test_a_batch_of_new_claims_is_all_new_and_each_line_pending(store: Store) -> None:
    claims = store.claim_sends("digest", "2024-02-14", BATCH + BATCH[:5], now=T0)
    assert claims == dict.fromkeys(BATCH, Claim.NEW)
    for recipient in (BATCH[0], BATCH[150], BATCH[-1]):
        record = store.get_send("digest", "2024-02-14", recipient)
        assert record is not None and record.status is SendStatus.PENDING
        assert record.claimed_at == T0


def test_a_batch_claim_answers_each_line_as_claim_send_would(store: Store) -> None:
    lease = timedelta(minutes=5)
    store.claim_send("digest", "d", "sent", now=T0)
    store.complete_send("digest", "d", "sent", message_id="m-1", now=T0)
    store.claim_send("digest", "d", "held", now=T0 + timedelta(minutes=8))
    store.claim_send("digest", "d", "dead", now=T0)
    later = T0 + timedelta(minutes=10)

    claims = store.claim_sends(
        "digest", "d", ["sent", "held", "dead", "new"], now=later, lease=lease
    )

    assert claims == {
        "sent": Claim.DONE,
        "held": Claim.HELD,
        "dead": Claim.TAKEN_OVER,
        "new": Claim.NEW,
    }
    dead = store.get_send("digest", "d", "dead")
    assert dead is not None and dead.claimed_at == later
    # Without a lease the dead claim would have been held, as claim_send holds it.
    assert store.claim_sends("digest", "d", ["dead"], now=later + lease * 10) == {
        "dead": Claim.HELD
    }


def test_batch_completions_and_releases_are_read_back_line_by_line(store: Store) -> None:
    store.claim_sends("digest", "2024-02-14", BATCH, now=T0)
    sent = {r: f"m-{r}" for r in BATCH[:120]}
    store.complete_sends("digest", "2024-02-14", sent, now=T0 + timedelta(minutes=1))
    store.release_sends("digest", "2024-02-14", BATCH)  # the completed lines stay

    record = store.get_send("digest", "2024-02-14", BATCH[119])
    assert record is not None
    assert (record.status, record.message_id) == (SendStatus.SENT, f"m-{BATCH[119]}")
    assert record.sent_at == T0 + timedelta(minutes=1)
    assert store.get_send("digest", "2024-02-14", BATCH[120]) is None
    again = store.claim_sends("digest", "2024-02-14", BATCH, now=T0 + timedelta(minutes=2))
    assert [r for r, c in again.items() if c is Claim.DONE] == BATCH[:120]
    assert [r for r, c in again.items() if c is Claim.NEW] == BATCH[120:]


def test_a_completed_line_keeps_its_note_until_completed_again_without_one(
    store: Store,
) -> None:
    store.claim_sends("digest", "d", ["a", "b", "c"], now=T0)
    store.complete_sends(
        "digest", "d", {"a": "m-a", "b": "m-b"}, now=T0, notes={"a": "segmen-1", "c": "x"}
    )

    a, b = store.get_send("digest", "d", "a"), store.get_send("digest", "d", "b")
    assert a is not None and (a.status, a.message_id, a.note) == (
        SendStatus.SENT,
        "m-a",
        "segmen-1",
    )
    assert b is not None and b.note is None
    c = store.get_send("digest", "d", "c")  # a note alone completes nothing
    assert c is not None and (c.status, c.note) == (SendStatus.PENDING, None)
    assert store.claim_sends("digest", "d", ["a", "c"], now=T0) == {
        "a": Claim.DONE,
        "c": Claim.HELD,
    }

    store.complete_send("digest", "d", "a", message_id="m-a2", now=T0)
    again = store.get_send("digest", "d", "a")
    assert again is not None and (again.message_id, again.note) == ("m-a2", None)
    store.complete_sends("digest", "d", {"b": "m-b2"}, now=T0, notes={"b": "segmen-2"})
    store.complete_sends("digest", "d", {"b": "m-b3"}, now=T0)
    last = store.get_send("digest", "d", "b")
    assert last is not None and (last.message_id, last.note) == ("m-b3", None)


def test_completing_a_batch_without_claims_still_records_it(store: Store) -> None:
    store.complete_sends("digest", "d", {"a": "m-a", "b": "m-b"}, now=T0)
    assert store.claim_sends("digest", "d", ["a", "b", "c"], now=T0) == {
        "a": Claim.DONE,
        "b": Claim.DONE,
        "c": Claim.NEW,
    }


def test_an_empty_batch_claims_nothing(store: Store) -> None:
    assert store.claim_sends("digest", "d", [], now=T0) == {}
    store.complete_sends("digest", "d", {}, now=T0)
    store.release_sends("digest", "d", [])


def test_overlapping_batches_racing_give_each_line_exactly_one_owner(
    open_store: Callable[[], Store],
) -> None:
    # Four senders with their own handles claim overlapping slices of one edition,
    # in batches and line by line, at once: every line has exactly one owner.
    stores = [open_store() for _ in range(4)]
    recipients = [f"sub-{n:03d}" for n in range(160)]
    slices = [recipients[0:120], recipients[40:160], recipients[::2], recipients]

    def batch(index: int) -> list[str]:
        claims = stores[index].claim_sends("digest", "2024-02-14", slices[index], now=T0)
        return [r for r, c in claims.items() if c]

    def one_by_one() -> list[str]:
        return [r for r in recipients if stores[3].claim_send("digest", "2024-02-14", r, now=T0)]

    won = cast(
        list[list[str]],
        run_together([partial(batch, 0), partial(batch, 1), partial(batch, 2), one_by_one]),
    )
    flat = [r for claims in won for r in claims]
    assert sorted(flat) == recipients


def test_exactly_one_batch_takes_over_each_dead_claim(open_store: Callable[[], Store]) -> None:
    stores = [open_store() for _ in range(4)]
    recipients = [f"sub-{n:03d}" for n in range(60)]
    stores[0].claim_sends("digest", "2024-02-14", recipients, now=T0)
    lease, later = timedelta(minutes=5), T0 + timedelta(minutes=6)

    won = cast(
        list[dict[str, Claim]],
        run_together(
            [
                partial(s.claim_sends, "digest", "2024-02-14", recipients, now=later, lease=lease)
                for s in stores
            ]
        ),
    )
    owners = [r for claims in won for r, c in claims.items() if c]
    assert sorted(owners) == recipients
    assert {c for claims in won for c in claims.values()} <= {
        Claim.TAKEN_OVER,
        Claim.HELD,
    }


def test_data_written_through_one_handle_is_read_through_another(
    open_store: Callable[[], Store],
) -> None:
    writer, reader = open_store(), open_store()
    story = make_story()
    writer.put_story(story)
    writer.put_subscriber(make_subscriber())
    writer.add_item_if_new(make_item(), seen_at=T0)
    assert reader.get_story(story.id) == story
    assert reader.get_subscriber("sub-001") == make_subscriber()
    assert reader.has_item(make_item().id)
