"""Which region a story is about: the places its title and lead name.

A national fact-checker's clarification about one kabupaten concerns that
kabupaten's officials, not the whole country's. `story_region` reads the
title, then the lead (the first sentences of the text, its dateline cut off),
finds the names of the Kemendagri table's provinces and kabupaten/kota in
them (kecamatan only after their kind word), and answers the most specific
region they name, never wider than the source's own region, which it keeps
when the text names none.

How names are read (the lists are in data/places.txt):

- a kind word decides between regions of one name: "Kota Kediri" (35.71),
  "Kab. Kediri" and "Bupati Kediri" (35.06), "Gubernur Lampung" (18);
- a name without its kind that several regions share ("KPU Kediri",
  "Bandung") is settled by the rest of the text or by the source's region,
  else means the smallest region holding them all (Jawa Timur): never a guess;
- names that are also words or people's names ("nasib malang", "Bima Arya",
  "ketok palu") count only after a marker ("KPU Malang", "Kota Batu") or a
  locative ("di Malang");
- several places that do not nest give the smallest region holding them all;
- the title decides; the lead only narrows what the title said, or speaks
  when the title names no place.

Pure and fast: the names are indexed once, and each text is read word by word
with a dictionary lookup per possible name (at most a few hundred per item).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from warta.core.model import NATIONAL
from warta.core.regions import children
from warta.core.text._data import data_sections
from warta.core.text.summarize import clean_sentences

MAX_NAME_WORDS = 5
"""The longest name read, in words ("Kepulauan Siau Tagulandang Biaro")."""
LEAD_SENTENCES = 2
LEAD_CHARACTERS = 800
"""How much of the text is split into sentences to find the lead."""

_KINDS = ("provinsi", "kabupaten", "kota", "kecamatan")
_WORD = re.compile(r"[^\W_]+")
# What may stand between the words of one name: spaces, a hyphen ("Bau-Bau",
# "Tojo Una-Una"), an apostrophe.
_JOIN = re.compile(r"\s*[-‐‑–]?\s*|['’]")
_QUOTES = str.maketrans("", "", "'’`")
_CONNECTORS = frozenset({"dan"})
"""Lower-case words inside a name ("Pangkajene dan Kepulauan")."""
_AND = frozenset({"dan", "serta"})
"""After a place, these carry on a list of places: "di Demak dan Kudus"."""
_ADMINISTRATIVE = frozenset({"administrasi", "adm"})
_ABBREVIATED = frozenset({"kab", "kec", "prov", "adm"})
"""Kind words written with a period, which still belong with the name after them."""
_AFTER_ABBREVIATION = re.compile(r"\.\s*")
# "JAKARTA -", "Jakarta (ANTARA) -", "KEDIRI, KOMPAS.com -", "Liputan6.com, Jakarta -":
# where the reporter was, not what the story is about.
_DATELINE = re.compile(
    r"^\s*[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*){0,3}\s*(?:,\s*[\w.]+(?:\s+[A-Z][\w.]*)?\s*)?"
    r"(?:\(\s*[\w. ]{2,30}\s*\)\s*)?[-–—]+\s+"
)


def common_region(codes: Iterable[str]) -> str:
    """The smallest region holding all of `codes`: '35' for 35.06 and 35.71; NATIONAL
    when they lie in several provinces or one of them is NATIONAL."""
    parts: list[list[str]] | None = None
    for code in codes:
        if code == NATIONAL:
            return NATIONAL
        split = code.split(".")
        if parts is None:
            parts = [split]
            continue
        parts.append(split)
    if not parts:
        return NATIONAL
    shared: list[str] = []
    for level in zip(*parts, strict=False):
        if any(part != level[0] for part in level):
            break
        shared.append(level[0])
    return ".".join(shared) or NATIONAL


def within(code: str, region: str) -> bool:
    """Whether `code` is `region` or lies inside it (everything lies inside NATIONAL)."""
    return region == NATIONAL or code == region or code.startswith(region + ".")


def _key(words: Iterable[str]) -> str:
    """A name as it is compared: folded, without spaces, hyphens or apostrophes."""
    return "".join(unicodedata.normalize("NFKC", w).casefold().translate(_QUOTES) for w in words)


def _name_words(name: str) -> list[str]:
    return _WORD.findall(name.translate(_QUOTES))


@dataclass(frozen=True, slots=True)
class _Index:
    names: dict[str, dict[str, tuple[str, ...]]]
    """Kind -> name key -> codes, for provinces and kabupaten/kota (aliases included)."""
    kecamatan: dict[str, tuple[str, ...]]
    common: frozenset[str]
    seats: frozenset[str]
    not_places: frozenset[str]
    markers: dict[str, str]
    """Marker word -> the kind it names, or "" for a body ("KPU") that names none."""
    locatives: frozenset[str]
    prefixes: frozenset[str]
    """Every start of every key above: a span of words is read on only while it is one."""

    def named(self, key: str, kind: str | None) -> tuple[str, ...]:
        if kind is not None:
            return self.names[kind].get(key, ())
        return tuple(
            code for k in ("provinsi", "kabupaten", "kota") for code in self.names[k].get(key, ())
        )


def _kind_of(code: str) -> str:
    if "." not in code:
        return "provinsi"
    # Kemendagri numbers kota from 71 up within their province.
    return "kota" if code.count(".") == 1 and int(code[3:5]) >= 71 else "kabupaten"


@cache
def _index() -> _Index:
    sections = data_sections("places.txt")
    names: dict[str, dict[str, list[str]]] = {kind: {} for kind in _KINDS[:3]}
    kecamatan: dict[str, list[str]] = {}
    for province in children(NATIONAL):
        names["provinsi"].setdefault(_key(_name_words(province.name)), []).append(province.code)
        for regency in children(province.code):
            words = _name_words(regency.name)[1:]  # without "Kabupaten" / "Kota"
            if len(words) > 1 and words[0].casefold() in _ADMINISTRATIVE:
                words = words[1:]
            names[regency.kind].setdefault(_key(words), []).append(regency.code)
            for district in children(regency.code):
                key = _key(_name_words(district.name))
                kecamatan.setdefault(key, []).append(district.code)
    for line in sections.get("alias", ()):
        name, _, code = (part.strip() for part in line.partition("="))
        names[_kind_of(code)].setdefault(_key(name.split()), []).append(code)
    markers = {word.casefold(): kind for kind in _KINDS for word in sections.get(kind, ())} | {
        word.casefold(): "" for word in sections.get("body", ())
    }

    def keys(section: str) -> frozenset[str]:
        return frozenset(_key(line.split()) for line in sections.get(section, ()))

    not_places = keys("not-place")
    every_key = {*kecamatan, *not_places, *(key for by_key in names.values() for key in by_key)}
    return _Index(
        names={
            kind: {key: tuple(dict.fromkeys(codes)) for key, codes in by_key.items()}
            for kind, by_key in names.items()
        },
        kecamatan={key: tuple(codes) for key, codes in kecamatan.items()},
        common=keys("common"),
        seats=keys("seat"),
        not_places=not_places,
        markers=markers,
        locatives=frozenset(w.casefold() for w in sections.get("locative", ())),
        prefixes=frozenset(key[:end] for key in every_key for end in range(1, len(key) + 1)),
    )


class _Words:
    """The words of a text, as parallel lists (read several hundred times per item)."""

    __slots__ = ("capitalized", "folded", "joined")

    def __init__(self, text: str) -> None:
        self.folded: list[str] = []
        self.capitalized: list[bool] = []
        self.joined: list[bool] = []
        """Whether a word follows the one before it within one name: only a space, a
        hyphen or an apostrophe between them."""
        end = 0
        for match in _WORD.finditer(text):
            word = match.group()
            gap = text[end : match.start()] if end else None
            self.folded.append(word.casefold())
            self.capitalized.append(word[:1].isupper())
            self.joined.append(
                gap is not None
                and (
                    gap == " "
                    or _JOIN.fullmatch(gap) is not None
                    or (
                        self.folded[-2] in _ABBREVIATED
                        and _AFTER_ABBREVIATION.fullmatch(gap) is not None
                    )
                )
            )
            end = match.end()

    def __len__(self) -> int:
        return len(self.folded)


@dataclass(frozen=True, slots=True)
class _Mention:
    codes: tuple[str, ...]
    kecamatan: bool = False


def _mentions(text: str, *, in_title: bool) -> Iterator[_Mention]:
    """Every region named in `text`, with the codes each could mean, in order."""
    index = _index()
    text = unicodedata.normalize("NFKC", text)
    words = _Words(text)
    folded, capitalized, joined = words.folded, words.capitalized, words.joined
    # A text with no capital at all ("kpu kota kediri ...") says nothing by its case.
    cased = any(capitalized)

    def name_at(start: int, kind: str | None, via: str) -> tuple[int, tuple[str, ...]]:
        """(words taken, codes) of the longest name starting at `start`, read after a
        "marker", a "locative" or nothing ("")."""
        found: tuple[int, tuple[str, ...]] = (0, ())
        key = ""
        for length in range(1, min(MAX_NAME_WORDS, len(words) - start) + 1):
            at = start + length - 1
            if length > 1 and not joined[at]:
                break
            key += folded[at]
            if key not in index.prefixes:
                break
            if key in index.not_places:
                found = (length, ())
                continue
            if cased and not capitalized[at] and folded[at] not in _CONNECTORS:
                break
            if kind == "kecamatan":
                codes = index.kecamatan.get(key, ())
            else:
                codes = index.named(key, kind)
                if key in index.common and not via:
                    codes = ()
                if key in index.seats and not (in_title or via == "marker"):
                    codes = ()
            if codes:
                found = (length, codes)
        return found

    def follows(at: int) -> bool:
        return at + 1 < len(words) and joined[at + 1]

    at = 0
    after_place = -1
    """Where the last place named ends: "dan" there goes on with another place."""
    while at < len(words):
        marker = index.markers.get(folded[at])
        if marker is None:
            taken, codes = name_at(at, None, "")
            if taken:
                if codes:
                    yield _Mention(codes)
                    after_place = at + taken
                at += taken
                continue
            listed = folded[at] in _AND and at == after_place
            if (listed or folded[at] in index.locatives) and follows(at):
                taken, codes = name_at(at + 1, None, "locative")
                if codes:
                    yield _Mention(codes)
                    at += 1 + taken
                    after_place = at
                    continue
            at += 1
            continue
        if folded[at] == "kota" and at > 0 and folded[at - 1] == "ibu":
            at += 1  # "Ibu Kota Nusantara": a capital, not a kota
            continue
        if not follows(at) or index.markers.get(folded[at + 1]) is not None:
            at += 1  # "KPU Kabupaten Kediri": the kind word that follows decides
            continue
        taken, codes = name_at(at + 1, marker or None, "marker")
        if codes:
            yield _Mention(codes, kecamatan=marker == "kecamatan")
            at += 1 + taken
            after_place = at
        else:
            at += 1


def _resolve(mentions: list[_Mention], scope: str, context: tuple[str, ...]) -> list[str]:
    """One code per mention that lies within `scope`: its own, or for a name several
    regions share, the one the rest of the text (or `context`) settles on, else the
    smallest region holding them all."""
    inside = [
        _Mention(tuple(c for c in m.codes if within(c, scope)), m.kecamatan) for m in mentions
    ]
    inside = [m for m in inside if m.codes]
    regions = [m for m in inside if not m.kecamatan]
    certain = [m.codes[0] for m in regions if len(m.codes) == 1]
    known = (*certain, *context)
    resolved: list[str] = []
    for mention in regions:
        if len(mention.codes) == 1:
            resolved.append(mention.codes[0])
            continue
        same = [c for c in mention.codes if c in known]
        if len(same) == 1:
            resolved.append(same[0])
            continue
        nested = [c for c in mention.codes if any(within(c, k) and c != k for k in known)]
        resolved.append(nested[0] if len(nested) == 1 else common_region(mention.codes))
    resolved = [code for code in resolved if code != NATIONAL]
    # A kecamatan is read only within the kabupaten/kota named or the source's
    # own, and only when it is the one of its name there: "Kecamatan Kota" is the
    # name of dozens, and a name alone says too little to be sure of the place.
    regencies = [p for p in (*resolved, *context, scope) if p.count(".") >= 1]
    for mention in (m for m in inside if m.kecamatan):
        chosen = [c for c in mention.codes if any(within(c, p) for p in regencies)]
        if len(chosen) == 1:
            resolved.append(chosen[0])
    return resolved


def _narrowest(codes: list[str]) -> str | None:
    """The most specific region of `codes` (one holding the others counts for nothing),
    or the smallest region holding all when they do not nest; None for no code."""
    if not codes:
        return None
    unique = set(codes)
    leaves = [c for c in unique if not any(o != c and within(o, c) for o in unique)]
    return common_region(leaves)


def lead_of(text: str) -> str:
    """The first sentences of a text, boilerplate and dateline cut off."""
    sentences = clean_sentences(text[:LEAD_CHARACTERS])[:LEAD_SENTENCES]
    if sentences:
        sentences[0] = _DATELINE.sub("", sentences[0], count=1)
    return " ".join(sentences)


def region_named(title: str, text: str, within_region: str = NATIONAL) -> str | None:
    """The most specific region that the title, else the lead, names within
    `within_region`; None when they name none there (NATIONAL when the places
    named lie in several provinces)."""
    title_mentions = list(_mentions(title, in_title=True))
    title_codes = _resolve(title_mentions, within_region, ())
    said = _narrowest(title_codes)
    if said == NATIONAL:
        return NATIONAL
    scope = said or within_region
    lead_codes = _resolve(list(_mentions(lead_of(text), in_title=False)), scope, tuple(title_codes))
    narrowed = _narrowest([c for c in lead_codes if within(c, scope)])
    if narrowed is not None and (said is None or narrowed != NATIONAL):
        return narrowed
    return said


def story_region(title: str, text: str, source_region: str) -> str:
    """The region an item's story is about: the most specific one its title and lead
    name within its source's region, else the source's region."""
    named = region_named(title, text, source_region)
    return source_region if named is None else named
