"""Splitting Indonesian news text into sentences.

Written by hand: no maintained library splits Indonesian well (the generic
splitters break after "Dr.", "Kab." or "S.Sos." and inside "1.252.601"), and a
few rules over a lexicon of abbreviations cover news prose.
"""

from __future__ import annotations

import re
from functools import cache

from warta.core.text._data import data_sections

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")

# A terminator is an ellipsis, or a run of . ! ? -- optionally closed by quotes
# or brackets -- that is followed by a space or the end of the paragraph. A
# period glued to the next sentence ("selesai.Kemudian") is a candidate too,
# when a lower-case word precedes it and a capitalised word follows.
_CANDIDATE = re.compile(
    r"(?:\.{2,}|…|[.!?]+)[\"'”’»)\]]*(?=\s|$)"
    r"|(?<=[a-z]{2})\.(?=[A-Z][a-z])"
)
_OPENERS = "\"'“‘«([{"
_CLOSERS = "\"'”’»)]}"
# Degrees, dotted initials and domains: S.Sos, M.Si, Ph.D, K.H, kpu.go.id.
_DOTTED = re.compile(r"(?:[A-Za-z]{1,4}\.)+[A-Za-z]{1,4}")
_INITIALS = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_LIST_NUMBER = re.compile(r"\d{1,2}")


@cache
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    sections = data_sections("abbreviations-id.txt")
    never = frozenset(a.lower() for a in sections.get("never-final", ()))
    may_end = frozenset(a.lower() for a in sections.get("may-end", ()))
    return never, may_end


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order, each with its whitespace collapsed.

    A blank line always ends a sentence; so does a line break before a line that
    starts with a capital, because feeds put captions and "Baca juga" lines on
    lines of their own.
    """
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        for line in _lines(paragraph):
            sentences.extend(_split_line(line))
    return sentences


def _lines(paragraph: str) -> list[str]:
    lowercase_only = not any(c.isupper() for c in paragraph)
    lines: list[str] = []
    for raw in paragraph.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        starts_new = (
            not lines
            or lowercase_only
            or (not line[0].islower() and not lines[-1].endswith((",", ";", "(", "-")))
        )
        if starts_new:
            lines.append(line)
        else:
            lines[-1] = f"{lines[-1]} {line}"
    return lines


def _split_line(line: str) -> list[str]:
    # In an all-lower-case text the capital after a period is no evidence, so
    # there only the abbreviation rules decide.
    lowercase_only = not any(c.isupper() for c in line)
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(line):
        if _is_boundary(line, start, match, lowercase_only):
            sentence = line[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_boundary(line: str, start: int, match: re.Match[str], lowercase_only: bool) -> bool:
    rest = line[match.end() :].lstrip()
    if not rest:
        return True
    next_word = rest.split(" ", 1)[0]
    next_starts_lower = rest[0].islower() and not lowercase_only
    mark = match.group().rstrip(_CLOSERS)

    if mark in ("?", "!") or "?" in mark or "!" in mark:
        # '"Siapa?" tanya dia.' -- the quote's own question mark.
        return not next_starts_lower
    if next_starts_lower:
        return False
    if mark != ".":
        # An ellipsis ends a sentence only when a capital follows; "Kami..."
        # trailing into the next clause is common in quotes.
        return lowercase_only is False and rest.lstrip(_OPENERS)[:1].isupper()
    if match.group() != mark:
        # A closing quote or bracket after the period: the period belongs to
        # the quotation, which abbreviations do not end.
        return True
    return not _is_abbreviation(line[start : match.start()], next_word)


def _is_abbreviation(before: str, next_word: str) -> bool:
    words = before.split()
    if not words:
        return False
    token = words[-1].lstrip(_OPENERS)
    if not token:
        return False
    never, may_end = _abbreviations()
    lowered = token.lower()
    if lowered in never or _INITIALS.fullmatch(token):
        return True
    if len(words) == 1 and _LIST_NUMBER.fullmatch(token):
        return True  # "1. Daftarkan diri ..." numbers a list item
    if lowered in may_end or _DOTTED.fullmatch(token):
        # "dll." or "S.H." can close a sentence: they do when a capitalised
        # word that is not itself an abbreviation follows.
        candidate = next_word.lstrip(_OPENERS).rstrip(_CLOSERS + ".,;:")
        if not candidate[:1].isupper():
            return True
        return (
            candidate.lower() in never
            or candidate.lower() in may_end
            or bool(_DOTTED.fullmatch(candidate))
            or bool(_INITIALS.fullmatch(candidate))
        )
    return False
