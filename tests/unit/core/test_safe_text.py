"""core.safe_text.clean gives exactly what its rules say, on every character.

`clean` skips its look at each character when the text holds none it could
change; the reference below applies the rules to each character always, and
the two must agree on every code point and on mixtures of the awkward ones.
"""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from warta.core.safe_text import clean

_REMOVED = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_REMOVED |= set("\u200b\u200c\u200d\u2060\ufeff\u180e")


def reference(text: str, *, multiline: bool = False) -> str:
    """The rules of clean, one character at a time."""
    kept = []
    for char in text:
        if char in _REMOVED:
            continue
        if "\ud800" <= char <= "\udfff":
            kept.append("\ufffd")
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            if char == "\n" and multiline:
                kept.append("\n")
            elif char in "\t\r\n\x0b\x0c\x85":
                kept.append(" ")
        elif category == "Cn" and (0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE):
            kept.append("\ufffd")
        elif category in ("Zl", "Zp"):
            kept.append("\n" if multiline else " ")
        else:
            kept.append(char)
    text = unicodedata.normalize("NFC", "".join(kept))
    if multiline:
        lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("multiline", [False, True])
def test_every_code_point_is_cleaned_as_the_rules_say(multiline: bool) -> None:
    # In runs of 512, each between letters and some after line breaks, so that
    # each is seen next to ordinary text and at the start of a line.
    for start in range(0, 0x110000, 512):
        text = "".join(
            f"a{chr(code)}b" if code % 3 else f"\n {chr(code)} "
            for code in range(start, start + 512)
        )
        assert clean(text, multiline=multiline) == reference(text, multiline=multiline), hex(start)


AWKWARD = [
    *"ab é\u0301\t\n\r\x0b\x0c\x1c\x1f\x00\x1b\x85\xa0\u3000\u2028\u2029\u200b\u202e",
    *"\u2066\ufeff\ud800\udfff\ufdd0\ufffe\U0001fffe\U0010ffff\U0001f5f3",
    "\n\n\n",
    "  ",
    "\r\n",
]


@pytest.mark.parametrize("multiline", [False, True])
def test_mixtures_of_awkward_characters_are_cleaned_as_the_rules_say(multiline: bool) -> None:
    rng = random.Random(2024)
    for _ in range(20_000):
        text = "".join(rng.choice(AWKWARD) for _ in range(rng.randint(0, 16)))
        assert clean(text, multiline=multiline) == reference(text, multiline=multiline), repr(text)


def test_ordinary_text_keeps_its_words_and_paragraphs() -> None:
    text = "  Komisi Pemilihan\tUmum\r\nmenetapkan  jadwal.\n\n\n\nParagraf   kedua.  "

    assert clean(text) == "Komisi Pemilihan Umum menetapkan jadwal. Paragraf kedua."
    assert clean(text, multiline=True) == (
        "Komisi Pemilihan Umum\nmenetapkan jadwal.\n\nParagraf kedua."
    )
