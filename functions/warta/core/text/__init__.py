"""Text processing for Indonesian news: sentences, tokens, summaries, labels, near-duplicates.

Standard library only; the lexicons in ./data are read once, on first use.
"""

from __future__ import annotations

from warta.core.text.classify import classify, is_clarification, is_election
from warta.core.text.cluster import band_keys, same_story, signature, similarity
from warta.core.text.split import split_sentences
from warta.core.text.summarize import summarize
from warta.core.text.tokens import content_words, stopwords, tokenize

__all__ = [
    "band_keys",
    "classify",
    "content_words",
    "is_clarification",
    "is_election",
    "same_story",
    "signature",
    "similarity",
    "split_sentences",
    "stopwords",
    "summarize",
    "tokenize",
]
