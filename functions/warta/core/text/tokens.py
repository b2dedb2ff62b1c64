"""Word tokens, stopwords and content words of Indonesian text."""

from __future__ import annotations

import re
from functools import cache

import stopwordsiso

from warta.core.text._data import data_lines

# Numbers stay whole with their separators ("214.236", "09.30", "3,5", "27/3")
# because a figure is what tells two template press releases apart. Words keep
# inner hyphens and apostrophes: "masing-masing", "Jum'at".
_TOKEN = re.compile(
    r"\d+(?:[.,:/]\d+)*"
    r"|[^\W\d_]+(?:['’-][^\W\d_]+)*"
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word and number tokens of `text`, in order; punctuation dropped."""
    return _TOKEN.findall(text.lower())


@cache
def stopwords() -> frozenset[str]:
    """Indonesian function words: stopwords-iso's list plus data/stopwords-extra-id.txt."""
    extra = (word.lower() for word in data_lines("stopwords-extra-id.txt"))
    return frozenset(stopwordsiso.stopwords("id")).union(extra)


def is_number(token: str) -> bool:
    return token[:1].isdigit()


def content_words(text: str) -> list[str]:
    """Tokens that carry meaning: no stopwords and no single letters; numbers stay."""
    stop = stopwords()
    return [
        token
        for token in tokenize(text)
        if token not in stop and (len(token) > 1 or token.isdigit())
    ]
