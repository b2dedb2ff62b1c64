"""Learn the weights of the summarizer's sentence scorer on IndoSum.

    .venv/bin/python bench/train_summarizer.py                 # both folds -> data/summarizer.json
    .venv/bin/python bench/train_summarizer.py --train dev.01  # one fold
    .venv/bin/python bench/train_summarizer.py --out /tmp/m.json

Logistic regression over the features of warta.core.text.summarize, fitted by
plain stochastic gradient descent (fixed order, fixed seed: the same data gives
the same file). The target of a sentence is the share of its word pairs that
the gold summary also has: a sentence the editors copied scores near 1, one
they paraphrased in part scores in between. Then the redundancy threshold is
picked by ROUGE on the same training articles.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

from indosum import FOLDS, Article, load_fold
from rouge_score.rouge_scorer import RougeScorer

from warta.core.text.summarize import (
    SentenceModel,
    sentence_features,
    sentences_of,
    summarize,
)

OUT = (
    Path(__file__).resolve().parent.parent
    / "functions"
    / "warta"
    / "core"
    / "text"
    / "data"
    / "summarizer.json"
)
SEED = 20180
EPOCHS = 30
RATE = 0.05
L2 = 1e-4
MIN_WORD_COUNT = 15
"""A first-word feature needs this many training sentences to get a weight."""
REDUNDANCY_GRID = (0.4, 0.5, 0.6, 0.7)

Sample = tuple[dict[str, float], float]

# rouge_score's own tokenization (lower-case ASCII letters and digits), so the
# target counts what the scorer counts.
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def rouge_tokens(text: str) -> list[str]:
    return _NON_ALNUM.sub(" ", text.lower()).split()


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(tokens))


def samples(articles: list[Article]) -> list[Sample]:
    out: list[Sample] = []
    for article in articles:
        sentences = sentences_of(article.text)
        if not sentences:
            continue
        reference = _bigrams(rouge_tokens(article.reference))
        for features, sentence in zip(
            sentence_features(article.title, sentences), sentences, strict=True
        ):
            pairs = _bigrams(rouge_tokens(sentence.text))
            target = len(pairs & reference) / len(pairs) if pairs else 0.0
            out.append((features, target))
    return out


def fit(data: list[Sample]) -> dict[str, float]:
    """Logistic regression with soft targets, by SGD with a decaying rate."""
    counts = Counter(name for features, _ in data for name in features)
    known = {n for n, c in counts.items() if not n.startswith("w0=") or c >= MIN_WORD_COUNT}
    rows = [({n: v for n, v in f.items() if n in known}, y) for f, y in data]
    weights: dict[str, float] = dict.fromkeys(sorted(known), 0.0)
    order = list(range(len(rows)))
    rng = random.Random(SEED)  # noqa: S311 -- a reproducible order, not a secret
    step = 0
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for k in order:
            features, target = rows[k]
            z = sum(weights[n] * v for n, v in features.items())
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            rate = RATE / (1.0 + step / len(rows))
            step += 1
            gradient = p - target
            for n, v in features.items():
                weights[n] -= rate * (gradient * v + L2 * weights[n])
    return {n: round(w, 4) for n, w in sorted(weights.items()) if abs(w) >= 1e-4}


def mean_rouge(articles: list[Article], model: SentenceModel | None) -> tuple[float, ...]:
    """Mean ROUGE-1/2/L F1 (x100) of summarize() with `model`, or of LEAD-3 if None."""
    scorer = RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    totals = [0.0, 0.0, 0.0]
    for a in articles:
        system = a.lead3 if model is None else summarize(a.title, a.text, model=model)
        scores = scorer.score(a.reference, system)
        for i, key in enumerate(("rouge1", "rouge2", "rougeL")):
            totals[i] += scores[key].fmeasure
    return tuple(100 * t / len(articles) for t in totals)


def train(articles: list[Article], folds: list[str], log: bool = True) -> dict[str, object]:
    """The model file's content, learned from `articles` only."""
    started = time.perf_counter()
    data = samples(articles)
    weights = fit(data)
    if log:
        print(
            f"  fitted {len(weights)} weights on {len(data)} sentences of {len(articles)} articles"
        )
    best = (-1.0, REDUNDANCY_GRID[0])
    for redundancy in REDUNDANCY_GRID:
        model = SentenceModel(weights=weights, redundancy=redundancy)
        total = sum(mean_rouge(articles, model))
        if log:
            print(f"  redundancy {redundancy:.2f}: R-1+R-2+R-L {total:.2f} (training fold)")
        if total > best[0]:
            best = (total, redundancy)
    if log:
        strongest = sorted(weights.items(), key=lambda item: -abs(item[1]))[:12]
        print("  strongest weights: " + ", ".join(f"{n} {w:+.2f}" for n, w in strongest))
        print(f"  chose redundancy {best[1]:.2f} in {time.perf_counter() - started:.1f} s")
    return {
        "meta": {
            "trained_on": [f"IndoSum {f}" for f in folds],
            "articles": len(articles),
            "source": "IndoSum (Kurniawan & Louvan, IALP 2018), CC BY-SA 4.0",
            "script": "bench/train_summarizer.py",
        },
        "redundancy": best[1],
        "weights": weights,
    }


def load_training(folds: list[str]) -> list[Article]:
    seen: set[str] = set()
    articles: list[Article] = []
    for fold in folds:
        for article in load_fold(fold):
            if article.id not in seen:
                seen.add(article.id)
                articles.append(article)
    return articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", nargs="+", choices=FOLDS, default=list(FOLDS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    articles = load_training(args.train)
    print(f"training on {', '.join(args.train)}: {len(articles)} articles")
    model = train(articles, args.train)
    text = json.dumps(model, ensure_ascii=False, indent=0, sort_keys=True) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
