"""Extractive summaries of news items: two or three whole sentences, in order."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from warta.core.text._data import data_sections
from warta.core.text.split import split_sentences
from warta.core.text.tokens import content_words

MAX_CHARS = 600
"""A summary longer than this loses trailing sentences (but keeps its first)."""
HARD_MAX_CHARS = 1000
"""Only a single sentence longer than this is cut: a feed that sends a blob."""

# Weights of the score; news puts the key facts first, so position dominates
# and title overlap and centrality reorder within the lead. Centrality is kept
# small: on IndoSum (dev.01) a larger weight fell below LEAD-3.
_W_POSITION = 1.0
_W_TITLE = 0.6
_W_CENTRAL = 0.2
_REDUNDANT = 0.5
"""Jaccard of content words above which a sentence repeats a chosen one."""
_MIN_SENTENCES = 2
_SHORT = 5
"""Sentences with fewer content words than this are fragments, not facts."""


@dataclass(frozen=True, slots=True)
class _Sentence:
    index: int
    text: str
    words: frozenset[str]
    length: int


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


def summarize(title: str, text: str, max_sentences: int = 3) -> str:
    """Two or three sentences of `text` that tell its news, joined by a space.

    Fewer only when the text has fewer usable sentences or the summary would
    pass MAX_CHARS; the title itself when the text has none.
    """
    sentences = []
    for i, sentence in enumerate(clean_sentences(text)):
        words = content_words(sentence)
        sentences.append(_Sentence(i, sentence, frozenset(words), len(words)))
    if not sentences:
        return _cap(" ".join(title.split()))
    chosen = _choose(title, sentences, max(1, max_sentences))
    return _join(chosen)


def _choose(title: str, sentences: list[_Sentence], limit: int) -> list[_Sentence]:
    if len(sentences) <= limit:
        return sentences
    title_words = frozenset(content_words(title))
    frequency = Counter(w for s in sentences for w in s.words)
    centrality = [sum(frequency[w] - 1 for w in s.words) / (len(s.words) + 1) for s in sentences]
    top_centrality = max(centrality) or 1.0

    def score(s: _Sentence) -> float:
        position = 1.0 / (1.0 + s.index) ** 0.5
        overlap = len(s.words & title_words) / len(title_words) if title_words else 0.0
        value: float = (
            _W_POSITION * position
            + _W_TITLE * overlap
            + _W_CENTRAL * centrality[s.index] / top_centrality
        )
        return value * 0.5 if s.length < _SHORT else value

    ranked = sorted(sentences, key=score, reverse=True)
    chosen: list[_Sentence] = []
    for candidate in ranked:
        if all(_jaccard(candidate.words, c.words) < _REDUNDANT for c in chosen):
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


def _join(chosen: list[_Sentence]) -> str:
    parts = [s.text for s in chosen]
    while len(parts) > 1 and len(" ".join(parts)) > MAX_CHARS:
        parts.pop()
    return _cap(" ".join(parts))


def _cap(summary: str) -> str:
    if len(summary) <= HARD_MAX_CHARS:
        return summary
    cut = summary.rfind(" ", 0, HARD_MAX_CHARS)
    return summary[: cut if cut > 0 else HARD_MAX_CHARS].rstrip(" ,;:") + "…"
