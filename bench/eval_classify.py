"""Quality of the clarification and election classifiers on labelled titles.

Prints precision, recall, F1 and confusion counts of `is_clarification` on
bench/data/clarification_set.tsv, on the real titles in the shared data folder,
on bench/data/clarification_holdout.tsv and on the sets of rebuttals phrased
as explanations (clarification_explanations*.tsv); the accuracy of `is_election` on
bench/data/relevance_set.tsv and relevance_holdout.tsv; every misclassified
row; and the time of one `classify` call.

    .venv/bin/python bench/eval_classify.py

The real titles are read from <repo>/../shared/data/clarification-titles/
real_titles.tsv; set WARTA_SHARED_DATA to the data folder to read them elsewhere.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from warta.core.model import Authority
from warta.core.text.classify import classify, is_clarification, is_election

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SHARED = Path(os.environ.get("WARTA_SHARED_DATA", HERE.parent.parent / "shared" / "data"))
REAL_TITLES = SHARED / "clarification-titles" / "real_titles.tsv"

# The real titles carry a source style, not an authority: fact-check desks and
# Komdigi posts are official, news sites (ANTARA's own hoax column included,
# as ANTARA is a media source in sources.toml) are media.
STYLE_AUTHORITY = {
    "turnbackhoax": Authority.FACTCHECK,
    "turnbackhoax-rss": Authority.FACTCHECK,
    "tempo": Authority.FACTCHECK,
    "kompas": Authority.FACTCHECK,
    "liputan6": Authority.FACTCHECK,
    "kompas/kominfo": Authority.KOMDIGI,
    "kominfo": Authority.KOMDIGI,
    "kominfo-daily": Authority.KOMDIGI,
    "antara": Authority.MEDIA,
    "kpu-news": Authority.KPU,
    "bawaslu-news": Authority.BAWASLU,
    "pemkot-news": Authority.PEMDA,
    "indosum-news": Authority.MEDIA,
    "unlabelled": Authority.MEDIA,
}
# One real row notes its body after the title: "... (body: 'untuk memberikan klarifikasi')".
_BODY_NOTE = re.compile(r"\s*\(body:\s*'([^']*)'\)\s*$")


@dataclass(frozen=True, slots=True)
class Row:
    authority: Authority
    title: str
    text: str
    expected: bool
    note: str


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated file whose '#' lines before the header are comments."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def labelled(path: Path, label: str) -> list[Row]:
    return [
        Row(Authority(r["authority"]), r["title"], r["summary"], r[label] == "1", r["note"])
        for r in read_tsv(path)
    ]


def real_titles(path: Path) -> list[Row]:
    rows = []
    for r in read_tsv(path):
        style = r["source_style"].removesuffix("(inferred)")
        title, text = r["title"], ""
        note = _BODY_NOTE.search(title)
        if note:
            title, text = title[: note.start()], note.group(1)
        rows.append(Row(STYLE_AUTHORITY[style], title, text, r["is_clarification"] == "1", style))
    return rows


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else 0.0


def report_clarification(name: str, rows: Iterable[Row]) -> tuple[float, float]:
    tp = fp = fn = tn = 0
    wrong: list[tuple[str, Row]] = []
    for row in rows:
        got = is_clarification(row.title, row.text, row.authority)
        if got and row.expected:
            tp += 1
        elif got:
            fp += 1
            wrong.append(("FP", row))
        elif row.expected:
            fn += 1
            wrong.append(("FN", row))
        else:
            tn += 1
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0
    print(f"\n== clarification: {name} ({tp + fp + fn + tn} rows)")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"TP {tp}  FP {fp}  FN {fn}  TN {tn}")
    for kind, row in wrong:
        print(f"  {kind} [{row.authority}] {row.title!r}  ({row.note})")
    return precision, recall


def report_relevance(name: str, rows: list[Row]) -> float:
    wrong = [r for r in rows if is_election(r.title, r.text, r.authority) is not r.expected]
    accuracy = _ratio(len(rows) - len(wrong), len(rows))
    print(f"\n== election relevance: {name} ({len(rows)} rows)")
    print(f"accuracy {accuracy:.3f}  wrong {len(wrong)}")
    for row in wrong:
        want = "election" if row.expected else "not election"
        print(f"  want {want}: [{row.authority}] {row.title!r}  ({row.note})")
    return accuracy


def _mean_seconds(call: Callable[[], object], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        call()
    return (time.perf_counter() - start) / rounds


# A city-news article of about 5 KB without election terms: every rule runs to the end.
_LONG_ARTICLE = (
    "Pemerintah kota menggelar rapat koordinasi bersama dinas terkait untuk membahas "
    "pembangunan jalan, drainase, dan penataan pasar tradisional di wilayah utara. "
    "Warga berharap proyek selesai tepat waktu. "
) * 25
_BASELINE = re.compile(r"\bpemilu\b", re.IGNORECASE)


def report_speed(rows: list[Row]) -> None:
    """Time of one classify call, as a ratio to one precompiled regex search over
    the same text measured in this run, so the ratio holds across machines."""
    for row in rows:  # load and compile the rules outside the timing
        classify(row.title, row.text, row.authority)
    rounds = 20

    def run_classify() -> None:
        for row in rows:
            classify(row.title, row.text, row.authority)

    def run_baseline() -> None:
        for row in rows:
            _BASELINE.search(f"{row.title}\n{row.text}")

    per_call = _mean_seconds(run_classify, rounds) / len(rows)
    baseline = _mean_seconds(run_baseline, rounds) / len(rows)
    print(f"\n== speed: title + summary, {len(rows)} items x {rounds}")
    print(f"classify {per_call * 1e6:.0f} us/call  ({per_call / baseline:.0f}x one regex search)")

    title = "Rapat Koordinasi Pembangunan Jalan Kota"
    long_call = _mean_seconds(lambda: classify(title, _LONG_ARTICLE, Authority.PEMDA), 50)
    long_base = _mean_seconds(lambda: _BASELINE.search(_LONG_ARTICLE), 50)
    print(f"== speed: {len(_LONG_ARTICLE)}-character article")
    print(
        f"classify {long_call * 1e6:.0f} us/call  ({long_call / long_base:.0f}x one regex search)"
    )


def main() -> int:
    report_clarification(
        "clarification_set.tsv",
        labelled(DATA / "clarification_set.tsv", "is_clarification"),
    )
    if REAL_TITLES.is_file():
        print("\nreal titles: authority by source_style:")
        print("  " + ", ".join(f"{k}->{v}" for k, v in STYLE_AUTHORITY.items()))
        report_clarification("real_titles.tsv", real_titles(REAL_TITLES))
    else:
        print(f"\n(real titles not found at {REAL_TITLES}; set WARTA_SHARED_DATA)")
    report_clarification(
        "clarification_holdout.tsv",
        labelled(DATA / "clarification_holdout.tsv", "is_clarification"),
    )
    for name in ("clarification_explanations.tsv", "clarification_explanations_holdout.tsv"):
        if (DATA / name).is_file():
            report_clarification(name, labelled(DATA / name, "is_clarification"))
    relevance = labelled(DATA / "relevance_set.tsv", "is_election")
    report_relevance("relevance_set.tsv", relevance)
    report_relevance(
        "relevance_holdout.tsv", labelled(DATA / "relevance_holdout.tsv", "is_election")
    )
    report_speed(labelled(DATA / "clarification_set.tsv", "is_clarification") + relevance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
