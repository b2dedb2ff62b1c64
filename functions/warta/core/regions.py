"""Kemendagri regions: the table of codes and names, and which stories concern whom.

Codes nest: "35" is a province (Jawa Timur), "35.71" a kota in it (Kota
Kediri), "35.71.01" a kecamatan of that kota (Mojoroto). A story concerns a
person when it is national, or when one of the two regions contains the
other: a city's officials hear of a clarification in one of its districts,
and a district's camat hears of one for the whole city.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from warta.core.model import ALL_REGIONS, NATIONAL


def _contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer + ".")


def concerns(story_region: str, person_regions: Iterable[str]) -> bool:
    if story_region == NATIONAL:
        return True
    for region in person_regions:
        if region == NATIONAL:
            # A national office (KPU RI, Bawaslu RI) follows every region.
            return True
        if _contains(region, story_region) or _contains(story_region, region):
            return True
    return False


def wanted(story_region: str, subscriber_regions: Iterable[str]) -> bool:
    """Whether a subscriber who chose these regions wants a story of that region.

    Unlike an official's NATIONAL (which follows everything), a subscriber's
    NATIONAL means national stories only; ALL_REGIONS is the explicit choice of
    every region's stories. National stories reach everyone.
    """
    regions = tuple(subscriber_regions)
    if story_region == NATIONAL or ALL_REGIONS in regions:
        return True
    return concerns(story_region, (r for r in regions if r != NATIONAL))


# The region table: names, lookup and time zones.
#
# Read from data/regions.tsv on first use and kept for the life of the process;
# nothing here reads it at import, so a handler that never names a region never
# pays for it. tools/build_regions.py writes the file; data/NOTICE.md says from what.

KINDS = ("provinsi", "kabupaten", "kota", "kecamatan")
"""What a row is, from the top down; a row's level is its code's number of dots."""


class Region(NamedTuple):
    """A province, kabupaten/kota or kecamatan, as the Kemendagri table has it."""

    code: str
    kind: str
    """One of KINDS."""
    name: str
    """As the dataset spells it: 'Jawa Timur', 'Kota Kediri', 'Mojoroto' (a kecamatan's own name)."""


class TimeZone(NamedTuple):
    abbreviation: str
    """'WIB', 'WITA' or 'WIT', as Indonesians write times."""
    key: str
    """The IANA zone: 'Asia/Jakarta', 'Asia/Makassar' or 'Asia/Jayapura'."""


WIB = TimeZone("WIB", "Asia/Jakarta")
WITA = TimeZone("WITA", "Asia/Makassar")
WIT = TimeZone("WIT", "Asia/Jayapura")

# Keppres 41/1987: Sumatra, Java, West and Central Kalimantan keep WIB; Bali,
# the Nusa Tenggara, South, East and North Kalimantan and Sulawesi WITA; Maluku
# and Papua WIT. Every province of the table is listed (a test keeps it so), so
# a province new to the table is a decision to make here, not a silent default.
_ZONES: dict[str, TimeZone] = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), WIB),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36", "61", "62"), WIB),
    **dict.fromkeys(("51", "52", "53", "63", "64", "65"), WITA),
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), WITA),
    **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), WIT),
}

# The provinces of Papua call their kecamatan "distrik" (UU 21/2001).
_DISTRIK_PROVINCES = frozenset({"91", "92", "93", "94", "95", "96"})

# Names people write for provinces that the table spells out.
_PROVINCE_ALIASES = {
    "nad": "11",
    "sumut": "12",
    "sumbar": "13",
    "sumsel": "16",
    "babel": "19",
    "bangka belitung": "19",
    "kepri": "21",
    "dki": "31",
    "dki jakarta": "31",
    "jakarta": "31",
    "jabar": "32",
    "jateng": "33",
    "diy": "34",
    "yogyakarta": "34",
    "jogja": "34",
    "jatim": "35",
    "ntb": "52",
    "ntt": "53",
    "kalbar": "61",
    "kalteng": "62",
    "kalsel": "63",
    "kaltim": "64",
    "kaltara": "65",
    "sulut": "71",
    "sulteng": "72",
    "sulsel": "73",
    "sultra": "74",
    "sulbar": "76",
    "malut": "82",
    "pabar": "92",
    "pbd": "96",
}

# The first word of a name, as people write it, and the kind it names.
_KIND_WORDS = {
    "provinsi": "provinsi",
    "propinsi": "provinsi",
    "prov": "provinsi",
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kota",
    "kecamatan": "kecamatan",
    "kec": "kecamatan",
    "distrik": "kecamatan",
}
_ADMINISTRATIVE = frozenset({"administrasi", "adm"})  # "Kota Administrasi Jakarta Pusat"
_QUOTES = str.maketrans("", "", "'\"`’‘")  # "Sa'dan" is written "Sadan" too
_WORDS = re.compile(r"[^\W_]+")


_HEADER = "code\tkind\tname\n"


@cache
def _table() -> dict[str, str]:
    """Code -> 'kind<TAB>name' of every row, read once.

    Rows stay strings until a Region is asked for, and the file is opened by
    its path (not importlib.resources, itself a few milliseconds to import):
    the whole table loads in a few milliseconds.
    """
    path = os.path.join(os.path.dirname(__file__), "data", "regions.tsv")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    start = text.find(_HEADER)  # after the comment lines
    if start < 0:
        raise ValueError(f"{path} has no header line")
    return dict(line.split("\t", 1) for line in text[start + len(_HEADER) :].splitlines())


def _row(code: str, kind_and_name: str) -> Region:
    kind, name = kind_and_name.split("\t")
    return Region(code, kind, name)


def region(code: str) -> Region | None:
    """The row of a code, or None (NATIONAL has none: it is no row of the table)."""
    row = _table().get(code)
    return None if row is None else _row(code, row)


def is_known(code: str) -> bool:
    """NATIONAL, or a code of the table."""
    return code == NATIONAL or code in _table()


def parent_code(code: str) -> str | None:
    """'35.71' for '35.71.01', '35' for '35.71', None for a province (by shape alone)."""
    parent = code.rpartition(".")[0]
    return parent or None


def province_of(code: str) -> str | None:
    """The province code of a known code ('35' for '35.71.01'); None for NATIONAL."""
    if code == NATIONAL:
        return None
    if code not in _table():
        raise ValueError(f"unknown region code {code!r}")
    return code[:2]


def region_name(code: str) -> str:
    """How a message names a region: 'Nasional', 'Jawa Timur', 'Kota Kediri',
    'Kecamatan Mojoroto, Kota Kediri' ('Distrik ...' in Papua); a subscriber's
    ALL_REGIONS is 'Semua wilayah'.

    A code the table does not know (one stored before the table was updated)
    is shown as it is: a message is never lost for a name.
    """
    if code == NATIONAL:
        return "Nasional"
    if code == ALL_REGIONS:
        return "Semua wilayah"
    row = region(code)
    if row is None:
        return code
    if row.kind != "kecamatan":
        return row.name
    word = "Distrik" if code[:2] in _DISTRIK_PROVINCES else "Kecamatan"
    regency = region(code[:5])
    return f"{word} {row.name}, {regency.name}" if regency else f"{word} {row.name}"


@cache
def _children() -> dict[str, tuple[Region, ...]]:
    grouped: dict[str, list[Region]] = {}
    for code, rest in _table().items():  # in code order: so are the children
        grouped.setdefault(parent_code(code) or NATIONAL, []).append(_row(code, rest))
    return {parent: tuple(rows) for parent, rows in grouped.items()}


def children(code: str) -> tuple[Region, ...]:
    """The regions one level down, in code order: the provinces for NATIONAL."""
    return _children().get(code, ())


def time_zone(code: str) -> TimeZone:
    """The zone of a region's province; Jakarta's (WIB) for NATIONAL.

    Only the province part of the code counts, so this never reads the table.
    """
    if code == NATIONAL:
        return WIB
    zone = _ZONES.get(code[:2])
    if zone is None:
        raise ValueError(f"no province {code[:2]!r} in Indonesia's time zones")
    return zone


def _fold(text: str) -> list[str]:
    """The words of a name, case and punctuation aside: "Sa'dan" -> ['sadan']."""
    return _WORDS.findall(unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES))


def _name_key(text: str) -> tuple[str | None, str]:
    """(kind the text names, or None; its name, folded): 'Kab. Kediri' -> ('kabupaten', 'kediri')."""
    words = _fold(text)
    kind = _KIND_WORDS.get(words[0]) if len(words) > 1 else None
    if kind is not None:
        words = words[1:]
        if kind in ("kabupaten", "kota") and len(words) > 1 and words[0] in _ADMINISTRATIVE:
            words = words[1:]
    return kind, " ".join(words)


@cache
def _names() -> dict[str, tuple[str, ...]]:
    """Folded name -> the codes of that name, at every level."""
    names: dict[str, list[str]] = {}
    for row in (_row(code, rest) for code, rest in _table().items()):
        # A kecamatan's name has no kind word, but may start like one ("Kota Baru").
        key = " ".join(_fold(row.name)) if row.kind == "kecamatan" else _name_key(row.name)[1]
        names.setdefault(key, []).append(row.code)
    for alias, code in _PROVINCE_ALIASES.items():
        names.setdefault(alias, []).append(code)
    return {key: tuple(codes) for key, codes in names.items()}


def _found(codes: Iterable[str], kind: str | None) -> tuple[Region, ...]:
    rows = (_row(code, _table()[code]) for code in set(codes))
    chosen = (row for row in rows if kind is None or row.kind == kind)
    return tuple(sorted(chosen, key=lambda row: (row.code.count("."), row.code)))


def lookup(name: str) -> tuple[Region, ...]:
    """The regions a name means, provinces first, then kabupaten/kota, then kecamatan.

    Case, spacing, punctuation and the usual short forms do not matter:
    'Kota Kediri', 'kota  kediri', 'Kab. Kediri', 'Kec. Mojoroto', 'Jatim'.
    A name without its kind means every kind: 'Kediri' is Kabupaten Kediri,
    Kota Kediri and two kecamatan named Kediri (in Bali and Lombok).
    """
    kind, key = _name_key(name)
    found = _found(_names().get(key, ()), kind)
    if not found and kind is not None:
        # "Kota Baru" is no kota, but it is the name of several kecamatan.
        found = _found(_names().get(" ".join(_fold(name)), ()), None)
    return found


def close_to(name: str, limit: int = 5) -> tuple[Region, ...]:
    """The regions a name means, or failing that those spelled close to it (a typo)."""
    found = lookup(name)
    if found or not name.strip():
        return found[:limit]
    import difflib  # only a refused name pays for it

    kind, folded = _name_key(name)
    names = _names()
    # Provinces and kabupaten/kota first: fewer, and what people mostly mean.
    upper = [key for key, codes in names.items() if any(c.count(".") < 2 for c in codes)]
    for candidates in (upper, list(names)):
        close = difflib.get_close_matches(folded, candidates, n=limit, cutoff=0.8)
        found = _found((code for match in close for code in names[match]), kind)
        if found:
            return found[:limit]
    return ()
