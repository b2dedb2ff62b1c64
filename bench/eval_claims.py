"""Quality of the claim, verdict and fact extraction on labelled clarifications.

Runs `check_claim` on each row of bench/data/claims/claim_set.tsv (and claim_holdout.tsv,
written after the rules were tuned) as ingest would store it: the title, the
summary the summarizer makes of the text, and the text. Prints the accuracy of
the verdict, the exact matches and the mean token F1 of the claim and fact spans,
the verdict confusions, every row that missed, and the time of one call.

    .venv/bin/python bench/eval_claims.py [--quiet]

Spans are compared case-insensitively on their words (punctuation dropped); a
span the extractor did not give scores 0.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from warta.core.text.claims import ClaimCheck, check_claim
from warta.core.text.summarize import summarize

HERE = Path(__file__).resolve().parent
SETS = (
    ("own set, written before tuning", HERE / "data" / "claims" / "claim_set.tsv"),
    ("held-out set, written after tuning", HERE / "data" / "claims" / "claim_holdout.tsv"),
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    text: str
    verdict: str
    claim: str
    fact: str
    note: str


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return [
        Row(r["title"], r["text"], r["verdict"], r["claim"], r["fact"], r["note"])
        for r in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    ]


def words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower())


def token_f1(got: str | None, gold: str) -> float:
    mine, theirs = words(got), words(gold)
    if not mine or not theirs:
        return float(mine == theirs)
    common = sum((Counter(mine) & Counter(theirs)).values())
    if not common:
        return 0.0
    precision, recall = common / len(mine), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


@dataclass
class Score:
    rows: int = 0
    verdict: int = 0
    claim_exact: int = 0
    claim_f1: float = 0.0
    fact_exact: int = 0
    fact_f1: float = 0.0

    def add(self, got: ClaimCheck, row: Row) -> list[str]:
        self.rows += 1
        misses = []
        if got.verdict.value == row.verdict:
            self.verdict += 1
        else:
            misses.append(f"verdict {got.verdict.value}, expected {row.verdict}")
        f1 = token_f1(got.claim, row.claim)
        self.claim_f1 += f1
        if words(got.claim) == words(row.claim):
            self.claim_exact += 1
        else:
            misses.append(f"claim F1 {f1:.2f}: {got.claim!r}\n      expected {row.claim!r}")
        f1 = token_f1(got.fact, row.fact)
        self.fact_f1 += f1
        if words(got.fact) == words(row.fact):
            self.fact_exact += 1
        else:
            misses.append(f"fact F1 {f1:.2f}: {got.fact!r}\n      expected {row.fact!r}")
        return misses

    def report(self, name: str) -> str:
        n = self.rows or 1
        return (
            f"{name} ({self.rows} rows): verdict accuracy {self.verdict / n:.3f}; "
            f"claim exact {self.claim_exact / n:.3f}, token F1 {self.claim_f1 / n:.3f}; "
            f"fact exact {self.fact_exact / n:.3f}, token F1 {self.fact_f1 / n:.3f}"
        )


def evaluate(name: str, rows: list[Row], quiet: bool) -> Score:
    score = Score()
    confusions: Counter[tuple[str, str]] = Counter()
    for row in rows:
        got = check_claim(row.title, summarize(row.title, row.text), row.text)
        misses = score.add(got, row)
        if got.verdict.value != row.verdict:
            confusions[(row.verdict, got.verdict.value)] += 1
        if misses and not quiet:
            print(f"  - {row.title}")
            for miss in misses:
                print(f"      {miss}")
    print(score.report(name))
    for (expected, got_verdict), count in confusions.most_common():
        print(f"    {expected} read as {got_verdict}: {count}")
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="only the figures")
    args = parser.parse_args(argv)
    all_rows: list[Row] = []
    for name, path in SETS:
        if not path.exists():
            print(f"{name}: {path} missing", file=sys.stderr)
            continue
        rows = read_rows(path)
        all_rows.extend(rows)
        evaluate(name, rows, args.quiet)
    if not all_rows:
        return 1
    inputs = [(r.title, summarize(r.title, r.text), r.text) for r in all_rows]
    check_claim(*inputs[0])  # rules compiled before timing
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for title, summary, text in inputs:
            check_claim(title, summary, text)
    per_call = (time.perf_counter() - started) / (rounds * len(inputs))
    print(f"check_claim: {per_call * 1e6:.0f} µs per clarification")
    return 0


if __name__ == "__main__":
    sys.exit(main())
