"""SMS text that fits two GSM-7 segments and always carries its link.

One character outside the GSM 03.38 alphabet (an emoji, a curly quote, a
letter from another script) turns the whole SMS into UCS-2: 67 characters a
segment instead of 153, so a two-segment alert would become eight. Every
character is therefore written in GSM-7: typographic punctuation the plain
way, accented letters by their base letter where GSM-7 lacks them, and what
has no GSM-7 form (emoji, symbols, other scripts) is dropped. Lengths are
counted in septets, as carriers bill them: the gsm0338 codec writes the
extension characters (€ [ ] { } ~ ^ | \\) as two.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from warta.core.safe_text import clean

SMS_LIMIT = 306
"""Septets in two concatenated GSM-7 segments (153 each): room for a title and a link."""

MIN_TAIL = 30
"""Septets below which the text after the link is left out rather than cut to a stub."""

_CODEC = "gsm03.38"
_PLAIN = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"',
     "\u201e": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u00a0": " ",
     "\u2022": "-", "\u00b7": "-", "\u2032": "'", "\u2033": '"', "`": "'"}
)  # fmt: skip


def ascii_url(url: str) -> str:
    """The URL with every non-ASCII character percent-encoded as UTF-8."""
    return quote(url, safe="".join(chr(c) for c in range(0x21, 0x7F)))


def septets(text: str) -> int:
    """How many GSM-7 septets `text` takes (it must already be in GSM-7)."""
    return len(text.encode(_CODEC))


def _gsm_char(char: str) -> str:
    try:
        char.encode(_CODEC)
        return char
    except UnicodeEncodeError:
        pass
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    try:
        base.encode(_CODEC)
        return base
    except UnicodeEncodeError:
        return ""


def to_gsm(text: str) -> str:
    """One line of `text` written in the GSM-7 alphabet only."""
    plain = clean(text).translate(_PLAIN)
    return " ".join("".join(_gsm_char(c) for c in plain).split())


def _cut(text: str, budget: int) -> str:
    """The longest start of `text` within `budget` septets, cut on a word, with '...'."""
    if septets(text) <= budget:
        return text
    room = budget - 3
    cut = ""
    for word in text.split(" "):
        candidate = f"{cut} {word}" if cut else word
        if septets(candidate) > room:
            break
        cut = candidate
    if not cut:  # one word longer than the room: cut inside it
        for char in text:
            if septets(cut + char) > room:
                break
            cut += char
    return cut.rstrip(" ,.;:-") + "..."


def sms_text(rendered: str, link: str | None = None) -> str:
    """The SMS: GSM-7 only, at most two segments, with `link` whole in it whatever is cut."""
    if link:
        # A link is carried as ASCII (non-ASCII percent-encoded, as a browser sends it),
        # so dropping what GSM-7 lacks never changes where it leads.
        ascii_link = ascii_url(link)
        rendered = rendered.replace(link, ascii_link)
        link = ascii_link
    text = to_gsm(rendered)
    if septets(text) <= SMS_LIMIT:
        return text
    link = to_gsm(link) if link else ""
    if not link or link not in text:
        return _cut(text, SMS_LIMIT)
    # Cut the words around the link, never the link. What comes before it comes first
    # (an alert puts its verdict and fact there) and keeps all the room it needs; what
    # follows (the claim, marked as such) gets the room that is left, or is left out
    # when too little is left for more than its first words.
    before, _, after = text.partition(link)
    before = _cut(before.strip(), SMS_LIMIT - septets(link) - 1)
    head = f"{before} {link}".strip()
    room = SMS_LIMIT - septets(head) - 1
    tail = _cut(after.strip(), room) if after.strip() and room >= MIN_TAIL else ""
    return f"{head} {tail}".strip()
