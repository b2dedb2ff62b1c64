"""Story clustering: quality on a planted set, and cost per item as the store grows.

Quality: every planted item (bench/planted.py) goes through the real `Ingest`
service, with a real SqliteStore in a temporary directory and a fetcher and
parser that hand over one item at a time; the story each item lands in is
compared with the planted truth as pairwise precision and recall.

Speed: the store's band table is filled with synthetic stories (random band
keys, as unrelated stories have) to 1k, 10k and 100k, and the same batch of new
items is timed through the same service at each size; the figure that matters
is the ratio to the 1k time. Run: .venv/bin/python bench/eval_cluster.py
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from planted import PlantedItem, planted_set

from warta.adapters.sqlite_store import SqliteStore
from warta.core.model import FetchResult, Item, Source
from warta.core.text.cluster import BANDS, NUM_PERM, ROWS, band_keys, signature
from warta.services.ingest import Ingest

START = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)
STORY_WINDOW = timedelta(days=3)


@dataclass
class SteppedClock:
    moment: datetime = START

    def now(self) -> datetime:
        return self.moment


@dataclass
class OneItemFeed:
    """Fetcher and parser at once: each fetch answers with the item put in `next`."""

    next: list[Item] = field(default_factory=list)

    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        return FetchResult(url=source.url, status=200, body=b"-")

    def __call__(self, source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        return self.next


def _to_item(planted: PlantedItem, at: datetime, suffix: str = "") -> tuple[Source, Item]:
    source = Source(
        id=planted.source,
        name=planted.source,
        url=f"https://{planted.source}.example/feed",
        authority=planted.authority,
    )
    item = Item(
        id=planted.id + suffix,
        source_id=planted.source,
        url=f"https://{planted.source}.example/{planted.id}{suffix}",
        title=planted.title,
        text=planted.text,
        published_at=at,
        authority=planted.authority,
    )
    return source, item


class Pipeline:
    """The product's ingest service over a real SQLite store."""

    def __init__(self, path: Path) -> None:
        self.store = SqliteStore(path)
        self.clock = SteppedClock()
        self.feed = OneItemFeed()
        self.ingest = Ingest(
            store=self.store,
            fetcher=self.feed,
            parse=self.feed,
            clock=self.clock,
            today=lambda moment: moment.date(),
            story_window=STORY_WINDOW,
        )

    def take(self, planted: PlantedItem, suffix: str = "") -> str | None:
        """The story the item went into; None when ingest kept it out of stories."""
        # Published shortly before it is fetched: an item dated at the fetch
        # itself counts as undated, which a source's first run only records.
        source, item = _to_item(planted, self.clock.now() - timedelta(minutes=10), suffix)
        self.feed.next = [item]
        report = self.ingest.source(source)
        stories = report.new_stories + report.joined_stories
        return stories[0] if stories else None


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float, int, int]:
    """(precision, recall, true pairs, predicted pairs) over all pairs of items."""

    def pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for item, label in labels.items():
            groups[label].append(item)
        return {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}  # type: ignore[misc]

    true_pairs, found = pairs(truth), pairs(predicted)
    hit = len(true_pairs & found)
    precision = hit / len(found) if found else 1.0
    recall = hit / len(true_pairs) if true_pairs else 1.0
    return precision, recall, len(true_pairs), len(found)


def quality(items: list[PlantedItem], workdir: Path, verbose: bool) -> tuple[float, float]:
    pipeline = Pipeline(workdir / "quality.db")
    predicted: dict[str, str] = {}
    started = time.perf_counter()
    for n, planted in enumerate(items):
        # About two items a minute: the whole set arrives within one story window.
        pipeline.clock.moment = START + timedelta(seconds=30 * n)
        story = pipeline.take(planted)
        predicted[planted.id] = story if story is not None else f"outside:{planted.id}"
    elapsed = time.perf_counter() - started
    pipeline.store.close()
    truth = {i.id: i.story for i in items}
    precision, recall, n_true, n_found = pairwise(truth, predicted)
    stories = len(set(truth.values()))
    kinds = Counter(i.kind.split(":")[0] for i in items)
    print(
        f"planted set: {len(items)} items, {stories} stories "
        f"({kinds['base']} bases, {kinds['republished']} republications, "
        f"{kinds['twin']} template twins), {n_true} same-story pairs"
    )
    print(
        f"pairwise precision {precision:.4f}  recall {recall:.4f}  "
        f"(predicted pairs {n_found}; full ingest {1000 * elapsed / len(items):.2f} ms/item)"
    )
    if verbose:
        _explain(items, predicted)
    return precision, recall


def _explain(items: list[PlantedItem], predicted: dict[str, str]) -> None:
    by_id = {i.id: i for i in items}
    groups: dict[str, list[PlantedItem]] = defaultdict(list)
    for item_id, story in predicted.items():
        groups[story].append(by_id[item_id])
    merged: Counter[str] = Counter()
    for members in groups.values():
        truths = {m.story for m in members}
        if len(truths) > 1:
            merged[" + ".join(sorted({m.family + "/" + m.kind for m in members}))] += 1
            print("MERGED:", " | ".join(f"{m.story} {m.title}" for m in members))
    split: Counter[str] = Counter()
    truth_groups: dict[str, list[PlantedItem]] = defaultdict(list)
    for item in items:
        truth_groups[item.story].append(item)
    for members in truth_groups.values():
        labels = {predicted[m.id] for m in members}
        if len(labels) > 1:
            split[members[0].family] += 1
            print("SPLIT:", " | ".join(f"{predicted[m.id][-6:]} {m.title}" for m in members))
    print("merged groups:", dict(merged))
    print("split stories by family:", dict(split))


def _fill(path: Path, start: int, stop: int, rng: random.Random) -> float:
    """Adds synthetic stories start..stop-1 to the band table; returns seconds.

    One transaction of sorted rows on a second connection: through the store's
    own add_story_bands, one transaction a story, 100k stories take several
    minutes on this machine. The rows are the ones add_story_bands writes.
    """
    started = time.perf_counter()
    # Filler outlives every timed batch, whose own bands expire between sizes.
    until = (START + timedelta(days=365)).isoformat(timespec="microseconds")
    rows = sorted(
        (f"b{band:02d}:{rng.getrandbits(64):016x}", f"st-filler{n:011d}", until)
        for n in range(start, stop)
        for band in range(BANDS)
    )
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO story_bands (band_key, story_id, expires_at) VALUES (?, ?, ?)", rows
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return time.perf_counter() - started


def speed(items: list[PlantedItem], workdir: Path, batch: int) -> None:
    path = workdir / "speed.db"
    pipeline = Pipeline(path)
    rng = random.Random(7)  # noqa: S311
    sample = items[:batch]
    figures: list[tuple[int, float, float, float]] = []
    filled = 0
    for size, run_day in ((1_000, 0), (10_000, 7), (100_000, 14)):
        fill_s = _fill(path, filled, size, rng)
        filled = size
        # Each batch starts a story window after the last one: the previous
        # batch's stories have expired and only the filler is left.
        base = START + timedelta(days=run_day)
        started = time.perf_counter()
        for n, planted in enumerate(sample):
            pipeline.clock.moment = base + timedelta(seconds=30 * n)
            pipeline.take(planted, suffix=f"@{size}")
        ingest_ms = 1000 * (time.perf_counter() - started) / len(sample)
        # The clustering lookup alone (signature, band keys, candidate query).
        started = time.perf_counter()
        for planted in sample:
            keys = band_keys(signature(planted.title, planted.text))
            pipeline.store.find_story_candidates(keys, now=base)
        lookup_ms = 1000 * (time.perf_counter() - started) / len(sample)
        figures.append((size, ingest_ms, lookup_ms, fill_s))
    pipeline.store.close()
    db_mb = path.stat().st_size / 1e6
    print(
        f"time per new item ({len(sample)} items per size; {BANDS} bands x {ROWS} rows "
        f"of a {NUM_PERM}-value signature; band table {filled * BANDS:,} rows, {db_mb:.0f} MB):"
    )
    base_ingest, base_lookup = figures[0][1], figures[0][2]
    for size, ingest_ms, lookup_ms, fill_s in figures:
        print(
            f"  {size:>7,} stories: full ingest {ingest_ms:6.2f} ms/item "
            f"({ingest_ms / base_ingest:4.2f}x)   lookup {lookup_ms:5.2f} ms/item "
            f"({lookup_ms / base_lookup:4.2f}x)   [fill {fill_s:.1f} s]"
        )


def signature_time(items: list[PlantedItem]) -> None:
    sample = items[:500]
    chars = sum(len(i.title) + len(i.text) for i in sample) / len(sample)
    started = time.perf_counter()
    for planted in sample:
        signature(planted.title, planted.text)
    per_item = 1000 * (time.perf_counter() - started) / len(sample)
    started = time.perf_counter()
    for planted in sample:
        band_keys(signature(planted.title, planted.text))
    with_keys = 1000 * (time.perf_counter() - started) / len(sample)
    print(
        f"signature(): {per_item:.3f} ms/item (items of {chars:.0f} characters on average); "
        f"with band_keys {with_keys:.3f} ms/item"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240214)
    parser.add_argument("--batch", type=int, default=200, help="items timed per store size")
    parser.add_argument("--no-speed", action="store_true", help="quality figures only")
    parser.add_argument("-v", "--verbose", action="store_true", help="list merges and splits")
    args = parser.parse_args(argv)
    items = planted_set(args.seed)
    with tempfile.TemporaryDirectory(prefix="warta-cluster-") as tmp:
        precision, recall = quality(items, Path(tmp), args.verbose)
        signature_time(items)
        if not args.no_speed:
            speed(items, Path(tmp), args.batch)
    ok = precision >= 0.98 and recall >= 0.95
    print(f"targets precision >= 0.98 and recall >= 0.95: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
