"""Near-duplicate detection: is a new item a story Warta already has?

MinHash over 2-word shingles of the content words of the title and text, with
LSH banding so that a Store answers "which stories share a band with this
item?" by key lookups: the cost per item does not grow with the number of
stories.

Similarity alone cannot tell a republished release from another release of the
same template ("KPU Kota Kediri tetapkan DPT 214.236 pemilih" and the same text
for Kabupaten Kediri share most of their words). So the similarity bar is low,
to let heavily edited republications through, and `compatible` decides: the
same areas, the same figures, the same dates.

The MinHash is one-permutation hashing with optimal densification (Shrivastava,
ICML 2017): each shingle is hashed once and lands in one of NUM_PERM bins, and
an empty bin borrows the value of a pseudo-randomly probed full one. Classic
MinHash would hash every shingle NUM_PERM times, about a hundred times slower in
CPython. Every hash is keyed blake2b or plain integer arithmetic, never the
built-in hash(), which is salted per process: signatures are stored and
compared across Lambda invocations and must not change.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING, TypeVar

from warta.core.model import NATIONAL
from warta.core.text.places import region_named, within
from warta.core.text.summarize import clean_sentences
from warta.core.text.tokens import content_words, is_number, tokenize

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

NUM_PERM = 120
BANDS = 40
ROWS = 2
"""Bands of 2 rows over the first 80 values (all 120 estimate similarity): pairs
with Jaccard 0.3 share a band with probability 0.98, 0.25 with 0.92, and
unrelated stories (Jaccard 0.02) with 0.016. Rows of 3 would need over a
hundred bands to catch the heavily edited republications."""
SHINGLE = 2
"""Each edited word breaks SHINGLE shingles: 2 keeps rewritten copies similar,
and on content words (no stopwords) 2-word shingles are still specific."""
SAME_STORY_THRESHOLD = 0.25
"""Estimated Jaccard from which two compatible items are one story."""
NUMBER_CONTAINMENT = 0.5
"""Share of the significant numbers of the item that has fewer that the other must also
mention."""

_KEY = b"warta-minhash-v2"
_MASK64 = (1 << 64) - 1
_PRIME = 127
"""The smallest prime above NUM_PERM: a step modulo it visits every bin."""
_VALUE_MASK = (1 << 32) - 1
# Administrative areas: "Kota Kediri", "Kab. Kediri", "Pemkab Bandung Barat",
# "Pj Bupati Sorong". Only the first word of a name is taken (titles are in
# Title Case, so where a name ends cannot be seen there), plus a compass word.
_PLACE = re.compile(
    r"\b(Kota|Kabupaten|Kab\.|Provinsi|Prov\.|Kecamatan|Kec\.|Kelurahan|Kel\.|Desa"
    r"|Pemkot|Pemkab|Pemprov|Bupati)\s+([A-Z][\w'’-]*)"
    r"(?:\s+(Utara|Selatan|Barat|Timur|Tengah|Raya|Baru|Tenggara|Daya|Laut|Darat))?"
)
_PLACE_KIND = {
    "kab.": "kabupaten",
    "pemkab": "kabupaten",
    "bupati": "kabupaten",
    "pemkot": "kota",
    "prov.": "provinsi",
    "pemprov": "provinsi",
    "kec.": "kecamatan",
    "kel.": "kelurahan",
}
_LEVEL = {
    "kota": "kabkota",
    "kabupaten": "kabkota",
    "provinsi": "provinsi",
    "kecamatan": "kecamatan",
    "kelurahan": "desa",
    "desa": "desa",
}
"""Kota and kabupaten are one level: Kota Kediri and Kabupaten Kediri are two areas."""
_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maret": 3, "mar": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "agustus": 8, "agu": 8,
    "agt": 8, "ags": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "desember": 12, "des": 12,
}  # fmt: skip
# "15 Februari", "15 Feb 2024", "(14/2)", "14/2/2024": a day and a month.
_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
    r"|\b(\d{1,2})/(\d{1,2})(?:/\d{2,4})?\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"\d{1,2}[.:]\d{2}")
"""09.30 is a time (a thousands group has three digits): its format varies by newsroom."""
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")
_SCALE = {"ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "triliun": 1e12}

_Story = TypeVar("_Story")
_Age = TypeVar("_Age", bound="SupportsRichComparison")


def _shingle_hash(shingle: str) -> int:
    return int.from_bytes(blake2b(shingle.encode(), digest_size=8, key=_KEY).digest(), "little")


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def signature(title: str, text: str) -> tuple[int, ...]:
    """The MinHash signature of an item: NUM_PERM ints, or () when it has no words.

    Taken over the content words of the title and of the text without its
    boilerplate ("Baca juga", credits, datelines): newsrooms add those, and
    swap function words, without changing the story.
    """
    tokens = content_words(f"{title}\n" + "\n".join(clean_sentences(text)))
    if not tokens:
        return ()
    if len(tokens) < SHINGLE:
        shingles = {" ".join(tokens)}
    else:
        shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    empty = _VALUE_MASK + 1
    bins = [empty] * NUM_PERM
    for shingle in shingles:
        h = _shingle_hash(shingle)
        slot = h % NUM_PERM
        value = (h >> 16) & _VALUE_MASK
        if value < bins[slot]:
            bins[slot] = value
    if empty in bins:
        _densify(bins, empty)
    return tuple(bins)


def _densify(bins: list[int], empty: int) -> None:
    # Each empty bin copies the first full bin of its own fixed order of
    # preference, so two similar documents fill an empty bin from the same
    # place. The order is a permutation of 0..126 (a prime) by an affine map,
    # drawn per bin: a cheap walk even when a title alone fills one bin.
    source = list(bins)
    for slot, value in enumerate(source):
        if value != empty:
            continue
        step = 1 + _splitmix64(slot) % (_PRIME - 1)
        probe = _splitmix64(slot + NUM_PERM) % _PRIME
        while probe >= NUM_PERM or source[probe] == empty:
            probe = (probe + step) % _PRIME
        bins[slot] = source[probe]


def band_keys(sig: tuple[int, ...]) -> list[str]:
    """The LSH keys a Store indexes a signature under, e.g. "b03:9f2c01d4e5a6b7c8"."""
    if len(sig) != NUM_PERM:
        return []
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        digest = blake2b(struct.pack(f"<{ROWS}Q", *rows), digest_size=8, key=_KEY).hexdigest()
        keys.append(f"b{band:02d}:{digest}")
    return keys


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the two items' shingle sets (0.0 to 1.0)."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def _number_tokens(text: str, *, smallest: int = 10) -> Iterator[tuple[str, str]]:
    """Each figure token that can identify a story, with the word after it: not a
    date, a time, a year, or a whole number below `smallest`."""
    tokens = tokenize(_DATE.sub(" ", text))
    for i, token in enumerate(tokens):
        if not is_number(token) or "/" in token or ":" in token or _TIME.fullmatch(token):
            continue
        if token.isdigit() and (
            int(token) < smallest or (len(token) == 4 and token[:2] in ("19", "20"))
        ):
            continue
        yield token, tokens[i + 1] if i + 1 < len(tokens) else ""


def significant_numbers(title: str, text: str) -> frozenset[str]:
    """Figures that identify a story: 214.236, 3,5, 46; not years, dates, times or 1 to 9."""
    return frozenset(token for token, _ in _number_tokens(f"{title}\n{text}"))


@dataclass(frozen=True, slots=True)
class _Figure:
    value: float
    tolerance: float
    """Half a unit of the last digit written, for rounded figures ("2,29 juta")."""
    strong: bool
    """100 and up, or written with a separator: a figure, not a count of days."""

    def matches(self, other: _Figure) -> bool:
        return abs(self.value - other.value) <= max(self.tolerance, other.tolerance) + 1e-9


def _figure(token: str, next_word: str) -> _Figure:
    # Indonesian writes 1.252.601 and 3,5, and "1,25 juta" for 1.252.601 rounded.
    if _THOUSANDS.fullmatch(token):
        whole, _, decimals = token.partition(",")
        whole = whole.replace(".", "")
    elif _DECIMAL.fullmatch(token):
        whole, _, decimals = token.replace(".", ",").partition(",")
    else:
        # "1.2.3", "1,2,3": a reference number rather than a quantity.
        whole, decimals = "".join(c for c in token if c.isdigit()), ""
    number = float(whole + ("." + decimals if decimals else ""))
    scale = _SCALE.get(next_word, 1)
    tolerance = 0.0 if scale == 1 else 0.5 * 10.0 ** -len(decimals) * scale
    return _Figure(number * scale, tolerance, scale > 1 or number >= 100 or not token.isdigit())


def _figures(text: str) -> tuple[_Figure, ...]:
    # Small counts too, as weak figures: "Temukan 4 Dugaan Pelanggaran" and its twin
    # with 35 are two findings (strong figures still decide when both sides have them).
    return tuple(_figure(token, following) for token, following in _number_tokens(text, smallest=1))


def _figures_agree(a: tuple[_Figure, ...], b: tuple[_Figure, ...]) -> bool:
    # Strong figures decide when both sides have them: a template's constant
    # "40 persen" must not make two different budgets look half the same.
    strong_a = tuple(f for f in a if f.strong)
    strong_b = tuple(f for f in b if f.strong)
    if strong_a and strong_b:
        a, b = strong_a, strong_b
    fewer, more = sorted((a, b), key=len)
    if not fewer:
        return True
    hits = sum(any(x.matches(y) for y in more) for x in fewer)
    return hits / len(fewer) >= NUMBER_CONTAINMENT


def dates(title: str, text: str) -> frozenset[tuple[int, int]]:
    """The (day, month) pairs an item names: "15 Februari" and "(15/2)" alike."""
    found = set()
    for match in _DATE.finditer(f"{title}\n{text}"):
        if match.group(1):
            day, month = int(match.group(1)), _MONTHS[match.group(2).lower()]
        else:
            day, month = int(match.group(3)), int(match.group(4))
        if 1 <= day <= 31 and 1 <= month <= 12:
            found.add((day, month))
    return frozenset(found)


def _places(source: str) -> list[tuple[str, str]]:
    """(level, place) of each area named, in order: ("kabkota", "kota kediri")."""
    found = []
    for match in _PLACE.finditer(source):
        kind = match.group(1).lower()
        kind = _PLACE_KIND.get(kind, kind)
        name = " ".join(p.lower() for p in match.group(2, 3) if p)
        found.append((_LEVEL[kind], f"{kind} {name}"))
    return found


def primary_place(title: str, text: str) -> str | None:
    """The first administrative area named ("kota kediri"), the title's first."""
    for source in (title, text):
        places = _places(source)
        if places:
            return places[0][1]
    return None


@dataclass(frozen=True, slots=True)
class _Facts:
    region: str | None
    """The region of the table the title and lead name (places.region_named), if any."""
    first_place: dict[str, str]
    """The first area named at each level, the title's first."""
    places: dict[str, frozenset[str]]
    words: frozenset[str]
    figures: tuple[_Figure, ...]
    dates: frozenset[tuple[int, int]]
    lead_dates: frozenset[tuple[int, int]]
    """Dates in the title and first sentence: when the news happens."""


@lru_cache(maxsize=256)
def _facts(title: str, text: str) -> _Facts:
    # Cached: a new item is compared with each of its candidate stories in turn.
    # Boilerplate goes first, so that a "Baca juga" headline never lends its
    # place or figures to the article around it.
    sentences = clean_sentences(text)
    body = "\n".join(sentences)
    found = _places(title) + _places(body)
    first: dict[str, str] = {}
    places: dict[str, set[str]] = {}
    for level, place in found:
        first.setdefault(level, place)
        places.setdefault(level, set()).add(place)
    return _Facts(
        region=region_named(title, text),
        first_place=first,
        places={level: frozenset(p) for level, p in places.items()},
        words=frozenset(tokenize(f"{title}\n{body}")),
        figures=_figures(f"{title}\n{body}"),
        dates=dates(title, body),
        lead_dates=dates(title, sentences[0] if sentences else ""),
    )


def _same_dates(a: _Facts, b: _Facts) -> bool:
    # Only the lead's dates must be found on the other side: background dates
    # (the national voting day) come and go between versions of a story.
    return all(
        not x.lead_dates or not y.dates or bool(x.lead_dates & y.dates) for x, y in ((a, b), (b, a))
    )


def _names_a_place(facts: _Facts) -> bool:
    return facts.region is not None or bool(facts.first_place)


def _same_places(a: _Facts, b: _Facts) -> bool:
    # A report that names no place at all ("KPU Bantah Isu Surat Suara
    # Tercoblos") can be the same event as one that names where it happened.
    if not _names_a_place(a) or not _names_a_place(b):
        return True
    # Two regions of the table that do not nest are two places, named with their
    # kind or not ("KPU Sleman" and "KPU Bantul").
    nested = False
    if a.region and b.region and NATIONAL not in (a.region, b.region):
        nested = within(a.region, b.region) or within(b.region, a.region)
        if not nested:
            return False
    for level in a.first_place.keys() | b.first_place.keys():
        a_first, b_first = a.first_place.get(level), b.first_place.get(level)
        if a_first and b_first:
            # Each side's main area must be among the other's: a republication
            # may name more areas, a template sibling names another one.
            if a_first not in b.places[level] or b_first not in a.places[level]:
                return False
            continue
        if nested:
            continue  # the other side names a region that holds this area ("Jawa Timur")
        # Only one side names an area at this level ("Kabupaten Cianjur"); the
        # other must at least use its name ("Cianjur").
        named, other = (a_first, b) if a_first else (b_first or "", a)
        if not set(named.split()[1:]) <= other.words:
            return False
    return True


def compatible(a_title: str, a_text: str, b_title: str, b_text: str) -> bool:
    """Whether two items can tell the same story: same areas, figures and dates.

    Template press releases ("KPU Kota Kediri tetapkan DPT 214.236 pemilih" and
    "KPU Kabupaten Kediri tetapkan DPT 1.252.601 pemilih") share most words;
    their place and numbers are what differ. The numbers and dates tests are
    containment rather than equality, so a story's short summary still matches
    the full text of a republished item.
    """
    a, b = _facts(a_title, a_text), _facts(b_title, b_text)
    return _same_places(a, b) and _figures_agree(a.figures, b.figures) and _same_dates(a, b)


def same_story(
    a_sig: tuple[int, ...],
    b_sig: tuple[int, ...],
    a_title: str,
    b_title: str,
    a_text: str,
    b_text: str,
) -> bool:
    """Whether items a and b are one story: similar enough and compatible.

    A text may be the full text of an item or the summary of a stored story;
    the signatures must be those of the full texts.
    """
    return similarity(a_sig, b_sig) >= SAME_STORY_THRESHOLD and compatible(
        a_title, a_text, b_title, b_text
    )


_ORDINALS = frozenset(
    {
        "pertama", "kesatu", "kedua", "ketiga", "keempat", "kelima", "keenam", "ketujuh",
        "kedelapan", "kesembilan", "kesepuluh", "terakhir",
        "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii",
    }
)  # fmt: skip
"""Words that number a part of a series: "Tahap Kedua", "Gelombang II"."""


def _numbering(token: str) -> bool:
    return is_number(token) or token in _ORDINALS


def numbered_apart(a_title: str, b_title: str, *, same_source: bool = True) -> bool:
    """Whether two titles differ only in numbering: parts of a series or counts of
    different things, each its own story.

    Items of one source: a number or an ordinal ("Tahap 1" and "Tahap 12",
    "Gelombang Kedua" and "Gelombang Ketiga"). Items of two sources: a whole
    number alone ("Temukan 4 Dugaan" and "Temukan 36 Dugaan"), not a figure
    written with a separator or a scale word, which newsrooms round and restate
    ("204,8 Juta" and "204 Juta").
    """
    a, b = tokenize(a_title), tokenize(b_title)
    if len(a) != len(b) or a == b:
        return False
    differs = [
        (x, y, a[i + 1] if i + 1 < len(a) else "")
        for i, (x, y) in enumerate(zip(a, b, strict=True))
        if x != y
    ]
    if same_source:
        return all(_numbering(x) and _numbering(y) for x, y, _ in differs)
    return all(x.isdigit() and y.isdigit() and after not in _SCALE for x, y, after in differs)


def story_to_join(
    sig: tuple[int, ...],
    title: str,
    text: str,
    candidates: Iterable[_Story],
    *,
    age: Callable[[_Story], _Age],
    first_item: Callable[[_Story], tuple[tuple[int, ...], str, str]],
    same_source: Callable[[_Story], bool] | None = None,
) -> _Story | None:
    """The story an item (its signature, title and text) joins, or None for a new story.

    That is the oldest of `candidates` (by `age`, smallest first) that is the
    same story as the item, each compared through what it keeps of its first
    item: `first_item` gives its (signature, title, text). Taking the oldest
    rather than the first met makes the answer the same however the
    candidates are ordered (a Store may give them in any order).

    A title that differs from the story's only in numbering is another story
    however alike the texts (numbered_apart); `same_source` says whether a
    story's first item came from the item's own source, whose numbered series
    ("Pengumuman Hasil Seleksi PPK Tahap 1", "... Tahap 2") are told apart by
    ordinals and every number.
    """
    for story in sorted(candidates, key=age):
        story_sig, story_title, story_text = first_item(story)
        one_source = same_source is not None and same_source(story)
        if numbered_apart(story_title, title, same_source=one_source):
            continue
        if same_story(story_sig, sig, story_title, title, story_text, text):
            return story
    return None
