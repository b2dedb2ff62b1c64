"""Text from outside made safe to carry: one cleaning step, and single-line forms for headers.

Feeds, forms and files are data. Everything Warta takes in goes through
`clean` once, where it enters (ingest); what goes into a mail header or an
SMS is also made a single line here, however clean it already is.

Written here because no library does this exact job: `unicodedata` gives the
categories, and the rules of what to keep are Warta's.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings, overrides and isolates, and the invisible marks that can
# reorder or hide text in a subject line or an SMS.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Zero-width characters: they make a link or a word look like another.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
_DROP = {ord(c): None for c in _BIDI + _ZERO_WIDTH}
_ANY_DROPPED = re.compile(f"[{_BIDI}{_ZERO_WIDTH}]")
# Every character `_keep` may change (but for the tab, line feed and carriage
# return, which the folding in `clean` turns into what `_keep` would have
# given), and every one beyond the BMP, where the other noncharacters are.
_SPECIAL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
    "\ufdd0-\ufdef\ufffe\uffff\U00010000-\U0010ffff]"
)
_BLANK_LINES = re.compile(r"\n{3,}")

ELLIPSIS = "…"


def _keep(char: str, multiline: bool) -> str:
    """One character as it may be kept: replaced, dropped ("") or itself."""
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"  # a lone surrogate: no encoder will take it
    category = unicodedata.category(char)
    if category == "Cc":
        if char == "\n" and multiline:
            return "\n"
        return " " if char in "\t\r\n\x0b\x0c\x85" else ""
    if category == "Cn" and (0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE):
        return "\ufffd"  # noncharacters
    if category in ("Zl", "Zp"):
        return "\n" if multiline else " "
    return char


def clean(text: str, *, multiline: bool = False) -> str:
    """Text as Warta keeps it: NFC, no control, bidi or zero-width characters, no lone surrogates.

    Newlines are kept only when `multiline` (the body text of an item); every
    other run of white space becomes one space, and the ends are trimmed.
    """
    if not text:
        return ""
    if text.replace("\n", " ").isprintable():
        # Most text: no character to drop or replace (each is a control, a
        # format character, a separator or unassigned: none printable), no
        # white space but spaces and line feeds, and often folded already.
        # NFC makes none of those.
        kept = unicodedata.normalize("NFC", text)
        if _folded(kept, multiline):
            return kept
    else:
        # Searched for first: translate() looks up every character of the text.
        kept = text.translate(_DROP) if _ANY_DROPPED.search(text) else text
        if _SPECIAL.search(kept) is not None:
            kept = "".join(_keep(c, multiline) for c in kept)
        # NFC after the lone surrogates are gone: normalize() refuses them.
        kept = unicodedata.normalize("NFC", kept)
    # str.split() breaks at the white space `\s` matches, several times
    # faster than a regular expression over a whole article.
    if multiline:
        joined = "\n".join([" ".join(line.split()) for line in kept.split("\n")])
        if "\n\n\n" in joined:
            joined = _BLANK_LINES.sub("\n\n", joined)
        return joined.strip()
    return " ".join(kept.split())


def _folded(text: str, multiline: bool) -> bool:
    """Whether folding leaves `text`, whose only white space is spaces and line feeds, as it is."""
    if not text or text[0] in " \n" or text[-1] in " \n" or "  " in text:
        return False
    if not multiline:
        return "\n" not in text
    return " \n" not in text and "\n " not in text and "\n\n\n" not in text


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word with an ellipsis when too long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    word_end = cut.rfind(" ")
    if word_end >= limit // 2:
        cut = cut[:word_end]
    return cut.rstrip(" ,.;:-") + ELLIPSIS


def header_text(text: str, limit: int) -> str:
    """A value safe for a mail header: one clean line, never read as an encoded word.

    Python's email package decodes RFC 2047 encoded words (=?charset?q?...?=)
    in a header string it is handed, and what they decode to is not checked
    again: a feed title holding one could smuggle CR/LF into the headers. A
    space after "=" leaves such text as plain text, shown as it was written.
    """
    return shorten(clean(text).replace("=?", "= ?"), limit)
