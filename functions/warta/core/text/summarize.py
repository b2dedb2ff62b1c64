"""Extractive summaries of news items: two or three whole sentences, in order.

Each sentence gets a score from a small linear model over cheap features
(position in the text and in its paragraph, length, overlap with the title and
the lead, quotes, figures, names); the best ones that do not repeat each other
are kept. The weights live in data/summarizer.json and are learned by
bench/train_summarizer.py on IndoSum (Kurniawan & Louvan, 2018; CC BY-SA 4.0).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from warta.core.text._data import data_sections
from warta.core.text.split import split_sentences
from warta.core.text.tokens import content_words, is_number, stopwords, tokenize

MAX_CHARS = 600
"""A summary longer than this loses trailing sentences (but keeps its first)."""
HARD_MAX_CHARS = 1000
"""Only a single sentence longer than this is cut: a feed that sends a blob."""
_MIN_SENTENCES = 2

# Same rule as split.py: a blank line ends a paragraph.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_CAPITALISED = re.compile(r"(?<=\s)[A-Z]")
_QUOTES = frozenset('"“”«»')
_ENDINGS = (".", "!", "?", '"', "”", "'", "’", ")")


@dataclass(frozen=True, slots=True)
class SentenceModel:
    """Weights of the sentence scorer and the rules that pick from its ranking."""

    weights: Mapping[str, float]
    redundancy: float = 0.5
    """Jaccard of content words above which a sentence repeats a chosen one."""
    meta: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SentenceModel:
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise ValueError("summarizer model: 'weights' must be an object")
        redundancy = data.get("redundancy", 0.5)
        if not isinstance(redundancy, int | float):
            raise ValueError("summarizer model: 'redundancy' must be a number")
        meta = data.get("meta", {})
        return cls(
            weights={str(k): float(v) for k, v in weights.items()},
            redundancy=float(redundancy),
            meta=meta if isinstance(meta, dict) else {},
        )

    def score(self, features: Mapping[str, float]) -> float:
        get = self.weights.get
        return sum(get(name, 0.0) * value for name, value in features.items())


@cache
def default_model() -> SentenceModel:
    """The model shipped in data/summarizer.json."""
    path = resources.files(__package__).joinpath("data", "summarizer.json")
    return SentenceModel.from_json(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    paragraph: int
    in_paragraph: int
    text: str
    words: frozenset[str]
    tokens: tuple[str, ...]


@cache
def _boilerplate() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    sections = data_sections("boilerplate.txt")
    drop = tuple(re.compile(p) for p in sections.get("drop", ()))
    strip = tuple(re.compile(p) for p in sections.get("strip", ()))
    return drop, strip


def clean_sentences(text: str) -> list[str]:
    """The sentences of `text` without boilerplate, datelines cut off."""
    drop, strip = _boilerplate()
    kept: list[str] = []
    for sentence in split_sentences(text):
        for pattern in strip:
            sentence = pattern.sub("", sentence, count=1)
        sentence = sentence.strip()
        if sentence and not any(p.search(sentence) for p in drop):
            kept.append(sentence)
    return kept


def sentences_of(text: str) -> list[Sentence]:
    """The usable sentences of `text` with where they stand in it."""
    sentences: list[Sentence] = []
    paragraph = 0
    for block in _PARAGRAPH_BREAK.split(text.strip()):
        kept = clean_sentences(block)
        for j, sentence in enumerate(kept):
            tokens = tuple(tokenize(sentence))
            words = frozenset(content_words(sentence))
            sentences.append(Sentence(len(sentences), paragraph, j, sentence, words, tokens))
        if kept:
            paragraph += 1
    return sentences


def summarize(
    title: str, text: str, max_sentences: int = 3, *, model: SentenceModel | None = None
) -> str:
    """Two or three sentences of `text` that tell its news, joined by a space.

    Fewer only when the text has fewer usable sentences or the summary would
    pass MAX_CHARS; the title itself when the text has none.
    """
    sentences = sentences_of(text)
    if not sentences:
        return _cap(" ".join(title.split()))
    chosen = _choose(title, sentences, max(1, max_sentences), model or default_model())
    return _join(chosen)


def sentence_features(title: str, sentences: list[Sentence]) -> list[dict[str, float]]:
    """What the model sees of each sentence; bench/train_summarizer.py learns on these."""
    n = len(sentences)
    title_words = frozenset(content_words(title))
    frequency = Counter(w for s in sentences for w in s.words)
    centrality = [sum(frequency[w] - 1 for w in s.words) / (len(s.words) + 1) for s in sentences]
    top_centrality = max(centrality) or 1.0
    paragraph_sizes = Counter(s.paragraph for s in sentences)
    lead = sentences[0].words
    size = "n<=5" if n <= 5 else "n<=10" if n <= 10 else "n<=20" if n <= 20 else "n>20"
    rows: list[dict[str, float]] = []
    for s in sentences:
        i = s.index
        length = len(s.tokens)
        row: dict[str, float] = {
            "bias": 1.0,
            f"pos={min(i, 7)}": 1.0,
            f"pos={min(i, 4)}|{size}": 1.0,
            "rel": i / (n - 1) if n > 1 else 0.0,
            f"par={min(s.paragraph, 4)}": 1.0,
            f"inpar={min(s.in_paragraph, 3)}": 1.0,
            f"parsize={min(paragraph_sizes[s.paragraph], 4)}": 1.0,
            f"len={_length_bin(length)}": 1.0,
            "loglen": math.log1p(length) / 4.0,
            "central": centrality[i] / top_centrality,
        }
        if title_words and s.words:
            shared = len(s.words & title_words)
            row["title_r"] = shared / len(title_words)
            row["title_p"] = shared / len(s.words)
        if i > 0:
            row["lead_sim"] = _jaccard(s.words, lead)
            row["prev_sim"] = _jaccard(s.words, sentences[i - 1].words)
        if length:
            row["digits"] = sum(1 for t in s.tokens if is_number(t)) / length
            row["caps"] = len(_CAPITALISED.findall(s.text)) / length
            row[_opener(s.tokens[0])] = 1.0
        if any(c in _QUOTES for c in s.text):
            row["quote"] = 1.0
            if s.text[0] in _QUOTES:
                row["quote_start"] = 1.0
        if not s.text.endswith(_ENDINGS):
            row["no_end"] = 1.0
        if "?" in s.text:
            row["question"] = 1.0
        if ":" in s.text:
            row["colon"] = 1.0
        rows.append(row)
    return rows


def _opener(token: str) -> str:
    # Only function words and figures: "Namun", "Sementara", "Menurut" open
    # sentences that follow the news in any domain, while content words that
    # open sentences belong to the domain the weights were learned on.
    if is_number(token):
        return "w0=#"
    return f"w0={token}" if token in stopwords() else "w0=*"


def _length_bin(tokens: int) -> str:
    for bound in (5, 10, 15, 25, 40):
        if tokens < bound:
            return f"<{bound}"
    return ">=40"


def _choose(
    title: str, sentences: list[Sentence], limit: int, model: SentenceModel
) -> list[Sentence]:
    if len(sentences) <= limit:
        return sentences
    scores = [model.score(f) for f in sentence_features(title, sentences)]
    ranked = sorted(sentences, key=lambda s: -scores[s.index])
    chosen: list[Sentence] = []
    for candidate in ranked:
        if all(_jaccard(candidate.words, c.words) < model.redundancy for c in chosen):
            chosen.append(candidate)
            if len(chosen) == limit:
                break
    # A digest line of one sentence reads as a headline; when redundancy left
    # too few, the best of the skipped ones come back.
    for candidate in ranked:
        if len(chosen) >= min(_MIN_SENTENCES, limit):
            break
        if candidate not in chosen:
            chosen.append(candidate)
    return sorted(chosen, key=lambda s: s.index)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    return len(a & b) / len(a | b)


def _join(chosen: list[Sentence]) -> str:
    parts = [s.text for s in chosen]
    while len(parts) > 1 and len(" ".join(parts)) > MAX_CHARS:
        parts.pop()
    return _cap(" ".join(parts))


def _cap(summary: str) -> str:
    if len(summary) <= HARD_MAX_CHARS:
        return summary
    cut = summary.rfind(" ", 0, HARD_MAX_CHARS)
    return summary[: cut if cut > 0 else HARD_MAX_CHARS].rstrip(" ,;:") + "…"
