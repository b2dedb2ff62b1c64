"""Sending a digest batch: each digest rendered once per edition, the batch claimed together.

The digest of one selection of a day's stories is rendered once for every batch
of that day, and again only when those stories change (they are read at most once
a minute); a batch's recipients are claimed in the sent ledger with one call and
their completions written together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from pathlib import Path

from tests import builders
from tests.builders import DAY, story_source

from warta.core.model import DigestBatch, SendStatus, Story, Subscriber
from warta.services.corrections import RECEIVED_KIND, Corrections
from warta.services.delivery import Delivery
from warta.services.digest import KIND, Digest
from warta.services.editions import STORIES_FRESH

from .conftest import LETTERHEAD, CountingRenderer, FixedClock, RecordingMailer
from .test_delivery import CountingStore


def story(story_id: str, region: str = "national", sources: int = 1) -> Story:
    return builders.story(
        story_id,
        region=region,
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


def service(
    store: CountingStore, clock: FixedClock
) -> tuple[Digest, CountingRenderer, RecordingMailer]:
    mailer, renderer = RecordingMailer(), CountingRenderer()
    delivery = Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD)
    return Digest(store=store, delivery=delivery, renderer=renderer), renderer, mailer


def people(store: CountingStore, count: int, *regions: str) -> list[str]:
    ids = []
    for n in range(count):
        region = regions[n % len(regions)]
        person = Subscriber(
            id=f"sub-{region}-{n}", email=f"warga{n}.{region}@warga.example", regions=(region,)
        )
        store.put_subscriber(person)
        ids.append(person.id)
    return ids


def test_each_digest_is_rendered_once_for_all_the_batches_of_its_day(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = CountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    store.put_story(story("kediri", "35.71"))
    ids = people(store, 9, "35.71", "31", "national")
    digest, renderer, mailer = service(store, clock)

    reports = [
        digest.send_batch(DigestBatch(DAY, tuple(ids[n : n + 2]), n // 2)) for n in range(0, 9, 2)
    ]

    assert sum(r.sent for r in reports) == 9 and len(mailer.sent) == 9
    # Three selections of regions, two of which get the same stories: each rendered once.
    assert renderer.calls.count("digest.html") == 2
    assert renderer.calls.count("digest.txt") == 2
    by_region = {str(m["To"]).split(".")[1].split("@")[0]: m for m in mailer.sent}
    assert "Berita kediri" in by_region["35"].get_body(("plain",)).get_content()  # type: ignore[union-attr]


class StoriesCountingStore(CountingStore):
    def stories_of_day(self, day: date, regions: Iterable[str] | None = None) -> list[Story]:
        self.calls["stories_of_day"] += 1
        return super().stories_of_day(day, regions)


def test_the_stories_are_read_once_a_minute_and_a_story_changed_is_rendered_anew(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = StoriesCountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    first, second, third = people(store, 3, "national")
    digest, renderer, mailer = service(store, clock)

    digest.send_batch(DigestBatch(DAY, (first,), 0))
    store.put_story(story("nasional", sources=2))  # a second source joined the story
    clock.advance(seconds=STORIES_FRESH.total_seconds() - 1)
    digest.send_batch(DigestBatch(DAY, (second,), 1))  # within the minute: as read before
    clock.advance(seconds=1)
    digest.send_batch(DigestBatch(DAY, (third,), 2))
    digest.send_batch(DigestBatch(DAY, (first, second, third), 3))  # sends nothing again

    assert store.calls["stories_of_day"] == 2
    assert renderer.calls.count("digest.html") == 2
    texts = [m.get_body(("plain",)).get_content() for m in mailer.sent]  # type: ignore[union-attr]
    assert ["Sumber 1" in t for t in texts] == [False, False, True]


def test_stories_read_again_unchanged_keep_their_digest(tmp_path: Path, clock: FixedClock) -> None:
    store = StoriesCountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    first, second = people(store, 2, "national")
    digest, renderer, _ = service(store, clock)

    digest.send_batch(DigestBatch(DAY, (first,), 0))
    clock.advance(seconds=STORIES_FRESH.total_seconds() * 3)
    digest.send_batch(DigestBatch(DAY, (second,), 1))

    assert store.calls["stories_of_day"] == 2
    assert renderer.calls.count("digest.html") == 1


def test_a_batch_claims_its_recipients_together_across_segments(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = CountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    store.put_story(story("kediri", "35.71"))
    ids = people(store, 12, "35.71", "31", "32", "national")
    digest, _, mailer = service(store, clock)
    store.calls.clear()

    report = digest.send_batch(DigestBatch(DAY, tuple(ids), 0, plan="p1"))

    assert (report.sent, report.segments) == (12, 4)
    # One claim and one completion for the twelve, and the batch's own mark.
    assert store.calls == {"claim_sends": 1, "complete_sends": 1, "complete_send": 1}
    assert len({m["Message-ID"] for m in mailer.sent}) == 12


def test_a_batch_resent_after_some_failed_sends_only_those(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = CountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    ids = people(store, 4, "national")
    digest, _, mailer = service(store, clock)
    mailer.fail_for = {"warga1.national@warga.example"}
    batch = DigestBatch(DAY, tuple(ids), 0)

    first = digest.send_batch(batch)
    mailer.fail_for = set()
    again = digest.send_batch(replace(batch))

    assert (first.sent, first.failed) == (3, 1)
    assert (again.sent, again.already) == (1, 3)
    assert sorted(str(m["To"]) for m in mailer.sent) == sorted(
        f"warga{n}.national@warga.example" for n in range(4)
    )


def test_who_received_which_stories_is_written_once_a_batch(
    tmp_path: Path, clock: FixedClock
) -> None:
    store = CountingStore(tmp_path / "warta.db")
    store.put_story(story("nasional"))
    store.put_story(story("kediri", "35.71"))
    ids = people(store, 8, "35.71", "31", "national", "35")
    mailer = RecordingMailer()
    delivery = Delivery(store=store, clock=clock, mailer=mailer, letterhead=LETTERHEAD)
    corrections = Corrections(store=store)
    digest = Digest(
        store=store, delivery=delivery, renderer=CountingRenderer(), corrections=corrections
    )
    store.calls.clear()

    digest.send_batch(DigestBatch(DAY, tuple(ids[:4]), 0))
    first = store.calls.copy()
    store.calls.clear()
    digest.send_batch(DigestBatch(DAY, tuple(ids[4:]), 1))

    # Two selections of stories (Kota Kediri's and Jawa Timur's get both stories): a note
    # each, written by the first batch only; each recipient's segment is written with
    # their digest's completion, the batch's one write of its lines.
    assert first["complete_send"] == 2
    assert first["complete_sends"] == store.calls["complete_sends"] == 1
    assert store.calls["complete_send"] == 0
    for person in ids:
        line = store.get_send(KIND, DAY.isoformat(), person)
        assert line is not None and line.status is SendStatus.SENT and line.note, person
        assert store.get_send(RECEIVED_KIND, DAY.isoformat(), person) is None
    both = ("kediri", "nasional")
    for person in ids:
        region = person.split("-")[1]
        held = both if region in ("35.71", "35") else ("nasional",)
        story_of = {s.id: s for s in (story("nasional"), story("kediri", "35.71"))}
        assert all(corrections.received(person, story_of[i], {}) for i in held), person
        assert not any(
            corrections.received(person, story_of[i], {}) for i in set(story_of) - set(held)
        ), person
