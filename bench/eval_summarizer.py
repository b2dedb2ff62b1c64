"""ROUGE of the summarizer against LEAD-3 on IndoSum, tuned on one fold, scored on the other.

    .venv/bin/python bench/eval_summarizer.py

For each direction (tune dev.01 -> report dev.03, tune dev.03 -> report dev.01)
the sentence scorer is trained on the tuning fold alone, with the same code as
bench/train_summarizer.py, and scored on the other fold without the articles
the two folds share. Then the shipped model (data/summarizer.json) and LEAD-3
are scored on each whole fold, and summarize() is timed.

Scorer: rouge_score's RougeScorer(["rouge1", "rouge2", "rougeL"],
use_stemmer=False), F1, mean over articles, x100. The reference is the gold
summary's sentences joined by a space. Exits non-zero when the held-out margin
over LEAD-3 is under 1.0 on any measure, or when IndoSum is missing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from indosum import FOLDS, Article, held_out, load_fold
from train_summarizer import mean_rouge, train

from warta.core.text.summarize import SentenceModel, clean_sentences, default_model, summarize

BAR = 1.0
BUDGET_MS = 5.0


def _row(system: str, fold: str, scores: tuple[float, ...], n: int) -> str:
    r1, r2, rl = scores
    return f"{system:<26} {fold:<18} {r1:6.2f} {r2:6.2f} {rl:6.2f} {n:5d}"


def _header() -> str:
    return f"{'system':<26} {'fold':<18} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'n':>5}"


def _ms_per_article(articles: list[Article], run: Callable[[Article], object]) -> float:
    started = time.perf_counter()
    for article in articles:
        run(article)
    return (time.perf_counter() - started) * 1000 / len(articles)


def main() -> int:
    started = time.perf_counter()
    folds = {fold: load_fold(fold) for fold in FOLDS}
    ok = True

    print("Held out: trained and tuned on one fold, scored on the other")
    print("(shared articles left out of the scored fold)\n")
    print(_header())
    margins: list[str] = []
    for tuned, scored in ((FOLDS[0], FOLDS[1]), (FOLDS[1], FOLDS[0])):
        model = SentenceModel.from_json(train(folds[tuned], [tuned], log=False))
        test = held_out(folds[scored], folds[tuned])
        lead = mean_rouge(test, None)
        ours = mean_rouge(test, model)
        label = f"{scored} (held out)"
        print(_row("LEAD-3", label, lead, len(test)))
        print(_row(f"warta, tuned on {tuned}", label, ours, len(test)))
        diff = [o - b for o, b in zip(ours, lead, strict=True)]
        ok = ok and all(d >= BAR for d in diff)
        margins.append(
            f"  tune {tuned} -> report {scored}: "
            + " / ".join(f"{d:+.2f}" for d in diff)
            + f"  (R-1 / R-2 / R-L, model redundancy {model.redundancy:.2f})"
        )
    print("\nMargin over LEAD-3, held out (bar: +1.00 on each):")
    print("\n".join(margins))

    shipped = default_model()
    folds_of_model = shipped.meta.get("trained_on")
    trained_on = ", ".join(map(str, folds_of_model)) if isinstance(folds_of_model, list) else "?"
    print(f"\nWhole folds, shipped model (trained on {trained_on}: in-sample)\n")
    print(_header())
    for fold in FOLDS:
        articles = folds[fold]
        print(_row("LEAD-3", fold, mean_rouge(articles, None), len(articles)))
        print(_row("warta (shipped)", fold, mean_rouge(articles, shipped), len(articles)))

    articles = folds[FOLDS[0]]
    summarize("", "Pemanasan. Sebelum mengukur.")  # loads the model and lexicons first
    ours_ms = _ms_per_article(articles, lambda a: summarize(a.title, a.text))
    split_ms = _ms_per_article(articles, lambda a: clean_sentences(a.text))
    print(
        f"\nSpeed on {FOLDS[0]} ({len(articles)} articles, one process): "
        f"summarize() {ours_ms:.2f} ms/article (budget {BUDGET_MS:.0f}), "
        f"{ours_ms / split_ms:.1f}x clean_sentences() alone ({split_ms:.2f} ms)"
    )
    ok = ok and ours_ms < BUDGET_MS
    print(f"\n{'PASS' if ok else 'FAIL'} in {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
