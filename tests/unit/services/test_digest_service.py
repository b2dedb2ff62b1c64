from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests import builders
from tests.builders import DAY, story_source

from warta.adapters.sqlite_store import SqliteStore
from warta.core.identity import subscriber_id
from warta.core.model import Story, Subscriber, SubscriberStatus
from warta.services.delivery import Delivery
from warta.services.digest import Digest

from .conftest import LETTERHEAD, NOW, CountingRenderer, FixedClock, RecordingMailer


def story(
    story_id: str,
    region: str = "national",
    *,
    urgent: bool = False,
    sources: int = 1,
    hours_ago: int = 1,
) -> Story:
    """A story carried by `sources` sources s0, s1...: item <id>-<n> of each."""
    return builders.story(
        story_id,
        region=region,
        published_at=NOW - timedelta(hours=hours_ago),
        urgent=urgent,
        sources=tuple(
            story_source(
                f"s{n}",
                f"Sumber {n}",
                f"https://s{n}.example.id/{story_id}",
                item_id=f"{story_id}-{n}",
            )
            for n in range(sources)
        ),
    )


def subscriber(address: str, *regions: str) -> Subscriber:
    return Subscriber(id=subscriber_id(address), email=address, regions=regions or ("national",))


def digest(
    store: SqliteStore,
    clock: FixedClock,
    mailer: RecordingMailer,
    renderer: CountingRenderer,
    batch_size: int = 2,
) -> Digest:
    return Digest(
        store=store,
        delivery=Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD),
        renderer=renderer,
        batch_size=batch_size,
    )


def test_plan_covers_every_active_subscriber_once_in_batches(
    store: SqliteStore, clock: FixedClock
) -> None:
    people = [subscriber(f"warga{n}@warga.example") for n in range(5)]
    for person in people:
        store.put_subscriber(person)
    store.put_subscriber(
        replace(subscriber("pergi@warga.example"), status=SubscriberStatus.UNSUBSCRIBED)
    )

    batches = list(digest(store, clock, RecordingMailer(), CountingRenderer()).plan(DAY))

    assert [len(b.subscriber_ids) for b in batches] == [2, 2, 1]
    assert [b.number for b in batches] == [0, 1, 2]
    assert sorted(i for b in batches for i in b.subscriber_ids) == sorted(p.id for p in people)


def test_each_segment_is_rendered_once_and_gets_its_regions_stories(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story("nasional"))
    store.put_story(story("kediri", "35.71"))
    store.put_story(story("jakarta", "31"))
    for person in (
        subscriber("a@warga.example", "35.71"),
        subscriber("b@warga.example", "35.71"),
        subscriber("c@warga.example", "31"),
    ):
        store.put_subscriber(person)
    mailer, renderer = RecordingMailer(), CountingRenderer()
    service = digest(store, clock, mailer, renderer, batch_size=10)

    (batch,) = service.plan(DAY)
    report = service.send_batch(batch)

    assert (report.sent, report.segments) == (3, 2)
    assert renderer.calls.count("digest.html") == 2
    by_person = {str(m["To"]): m.get_body(("plain",)).get_content() for m in mailer.sent}  # type: ignore[union-attr]
    assert "Berita kediri" in by_person["a@warga.example"]
    assert "Berita jakarta" not in by_person["a@warga.example"]
    assert "Berita nasional" in by_person["c@warga.example"]
    assert "Berita kediri" not in by_person["c@warga.example"]
    links = {m["List-Unsubscribe"] for m in mailer.sent}
    assert len(links) == 3  # one signed link per recipient, though rendered per segment


def test_urgent_then_most_confirmed_stories_come_first(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story("baru", hours_ago=1))
    store.put_story(story("tiga-sumber", sources=3, hours_ago=5))
    store.put_story(story("klarifikasi", urgent=True, hours_ago=9))
    store.put_subscriber(subscriber("a@warga.example"))
    mailer = RecordingMailer()
    service = digest(store, clock, mailer, CountingRenderer())

    for batch in service.plan(DAY):
        service.send_batch(batch)

    text = mailer.sent[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # By summary: a clarification is headed by its fact, not its title.
    positions = [text.index(f"Ringkasan {name}") for name in ("klarifikasi", "tiga-sumber", "baru")]
    assert positions == sorted(positions)


def test_subscriber_who_left_after_planning_gets_nothing(
    store: SqliteStore, clock: FixedClock
) -> None:
    store.put_story(story("nasional"))
    person = subscriber("a@warga.example")
    store.put_subscriber(person)
    mailer = RecordingMailer()
    service = digest(store, clock, mailer, CountingRenderer())
    (batch,) = service.plan(DAY)

    store.put_subscriber(replace(person, status=SubscriberStatus.UNSUBSCRIBED))
    report = service.send_batch(batch)

    assert (report.recipients, report.sent) == (0, 0)
    assert mailer.sent == []


def test_no_mail_when_a_segment_has_no_story(store: SqliteStore, clock: FixedClock) -> None:
    store.put_story(story("kediri", "35.71"))
    store.put_subscriber(subscriber("c@warga.example", "31"))
    mailer = RecordingMailer()
    service = digest(store, clock, mailer, CountingRenderer())

    (batch,) = service.plan(DAY)
    report = service.send_batch(batch)

    assert (report.empty, report.sent) == (1, 0)
    assert mailer.sent == []


def test_resending_a_batch_sends_nothing_twice(store: SqliteStore, clock: FixedClock) -> None:
    store.put_story(story("nasional"))
    store.put_subscriber(subscriber("a@warga.example"))
    mailer = RecordingMailer()
    service = digest(store, clock, mailer, CountingRenderer())
    (batch,) = service.plan(DAY)

    service.send_batch(batch)
    again = service.send_batch(batch)

    assert len(mailer.sent) == 1
    assert (again.sent, again.already) == (0, 1)
