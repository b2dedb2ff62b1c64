"""Near-duplicate detection: is a new item a story Warta already has?

MinHash over 3-word shingles of the title and text, with LSH banding so that a
Store answers "which stories share a band with this item?" by key lookups: the
cost per item does not grow with the number of stories.

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
from hashlib import blake2b

from warta.core.text.tokens import is_number, tokenize

NUM_PERM = 120
BANDS = 40
ROWS = NUM_PERM // BANDS
"""3 rows a band: pairs with Jaccard 0.5 share a band with probability 0.99,
0.3 with 0.67, and unrelated stories (Jaccard 0.05) with 0.005."""
SHINGLE = 3
SAME_STORY_THRESHOLD = 0.4
"""Estimated Jaccard from which two compatible items are one story."""
NUMBER_CONTAINMENT = 0.5
"""Share of the significant numbers of the item that has fewer that the other must also
mention."""

_KEY = b"warta-minhash-v1"
_MASK64 = (1 << 64) - 1
_PRIME = 127
"""The smallest prime above NUM_PERM: a step modulo it visits every bin."""
_VALUE_MASK = (1 << 32) - 1
_PLACE = re.compile(
    r"\b(Kota|Kabupaten|Kab\.|Provinsi|Prov\.|Kecamatan|Kec\.|Kelurahan|Kel\.|Desa"
    r"|Pemkot|Pemkab|Pemprov)\s+([A-Z][\w'’-]*)"
    r"(?:\s+(Utara|Selatan|Barat|Timur|Tengah|Raya|Baru|Tenggara|Daya|Laut|Darat))?"
)
_PLACE_KIND = {
    "kab.": "kabupaten",
    "pemkab": "kabupaten",
    "pemkot": "kota",
    "prov.": "provinsi",
    "pemprov": "provinsi",
    "kec.": "kecamatan",
    "kel.": "kelurahan",
}


def _shingle_hash(shingle: str) -> int:
    return int.from_bytes(blake2b(shingle.encode(), digest_size=8, key=_KEY).digest(), "little")


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def signature(title: str, text: str) -> tuple[int, ...]:
    """The MinHash signature of an item: NUM_PERM ints, or () when it has no words."""
    tokens = tokenize(f"{title}\n{text}")
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


def significant_numbers(title: str, text: str) -> frozenset[str]:
    """Figures that identify a story: 214.236, 3,5, 1500; not years, not small counts."""
    numbers = set()
    for token in tokenize(f"{title}\n{text}"):
        if not is_number(token) or "/" in token or ":" in token:
            continue
        if token.isdigit() and (len(token) < 3 or (len(token) == 4 and token[:2] in ("19", "20"))):
            continue
        numbers.add(token)
    return frozenset(numbers)


def primary_place(title: str, text: str) -> str | None:
    """The first administrative area named ("kota kediri"), the title's first."""
    for source in (title, text):
        match = _PLACE.search(source)
        if match:
            kind = match.group(1).lower()
            name = " ".join(p.lower() for p in match.group(2, 3) if p)
            return f"{_PLACE_KIND.get(kind, kind)} {name}"
    return None


def compatible(a_title: str, a_text: str, b_title: str, b_text: str) -> bool:
    """Whether two items can tell the same story: same area, and the same figures.

    Template press releases ("KPU Kota Kediri tetapkan DPT 214.236 pemilih" and
    "KPU Kabupaten Kediri tetapkan DPT 1.252.601 pemilih") share most words;
    their place and numbers are what differ. The numbers test is containment
    rather than equality, so a story's short summary still matches the full
    text of a republished item.
    """
    a_place, b_place = primary_place(a_title, a_text), primary_place(b_title, b_text)
    if a_place and b_place and a_place != b_place:
        return False
    a_numbers = significant_numbers(a_title, a_text)
    b_numbers = significant_numbers(b_title, b_text)
    fewer, more = sorted((a_numbers, b_numbers), key=len)
    if not fewer:
        return True
    return len(fewer & more) / len(fewer) >= NUMBER_CONTAINMENT


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
