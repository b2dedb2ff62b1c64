"""Quality of the place tagger: which region a story is about, from its title and lead.

Reads bench/data/region_set.tsv (written before the tagger was tuned) and
bench/data/region_holdout.tsv (written after, measured without changing the
rules), tags each row with `story_region(title, lead, source_region)` and
prints, for the rows whose story should get a region narrower than its
source's:

- precision: of the rows tagged with a region narrower than the source's, the
  share tagged with the expected one;
- recall: of the rows that should get a narrower region, the share that got it;

and the accuracy over all rows (rows naming no region must keep the source's),
every wrong row, and the time of one call against one `classify` call. Run: .venv/bin/python bench/eval_places.py
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from warta.core.model import Authority
from warta.core.text.classify import classify
from warta.core.text.places import story_region

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SETS = ("region_set.tsv", "region_holdout.tsv")


@dataclass(frozen=True, slots=True)
class Row:
    source_region: str
    title: str
    lead: str
    expected: str
    note: str


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [
        Row(r["source_region"], r["title"], r["lead"], r["region"], r["note"])
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    ]


@dataclass(frozen=True, slots=True)
class Figures:
    rows: int
    precision: float
    recall: float
    accuracy: float


def report(name: str, rows: list[Row]) -> Figures:
    tagged = right_tagged = should = found = right = 0
    wrong: list[tuple[Row, str]] = []
    for row in rows:
        got = story_region(row.title, row.lead, row.source_region)
        narrower = got != row.source_region
        wanted = row.expected != row.source_region
        tagged += narrower
        right_tagged += narrower and got == row.expected
        should += wanted
        found += wanted and got == row.expected
        if got == row.expected:
            right += 1
        else:
            wrong.append((row, got))
    precision = right_tagged / tagged if tagged else 1.0
    recall = found / should if should else 1.0
    accuracy = right / len(rows) if rows else 1.0
    print(f"\n== region tagging: {name} ({len(rows)} rows, {should} with a narrower region)")
    print(f"precision {precision:.3f}  recall {recall:.3f}  accuracy {accuracy:.3f}")
    for row, got in wrong:
        print(
            f"  got {got:<9} want {row.expected:<9} [{row.source_region}] {row.title!r}  ({row.note})"
        )
    return Figures(len(rows), precision, recall, accuracy)


def _seconds_per_row(call: Callable[[Row], object], rows: list[Row], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for row in rows:
            call(row)
    return (time.perf_counter() - started) / rounds / len(rows)


def report_speed(rows: list[Row]) -> None:
    """Time of one story_region call, and its ratio to one classify call on the same
    title and lead measured in this run (the ratio holds across machines)."""

    def tag(row: Row) -> object:
        return story_region(row.title, row.lead, row.source_region)

    def judge(row: Row) -> object:
        return classify(row.title, row.lead, Authority.FACTCHECK)

    for row in rows:  # read the tables and lists outside the timing
        tag(row)
        judge(row)
    rounds = 20
    tagging = _seconds_per_row(tag, rows, rounds)
    classifying = _seconds_per_row(judge, rows, rounds)
    print(
        f"\n== speed: story_region {tagging * 1e6:.0f} us/call (title + lead), "
        f"{tagging / classifying:.1f}x one classify call ({classifying * 1e6:.0f} us)"
    )


def main() -> int:
    everything: list[Row] = []
    for name in SETS:
        path = DATA / name
        if not path.is_file():
            print(f"\n({name} not found)")
            continue
        rows = read_rows(path)
        everything += rows
        report(name, rows)
    report_speed(everything)
    return 0


if __name__ == "__main__":
    sys.exit(main())
