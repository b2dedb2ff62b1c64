"""Source families: one source definition over every region of a level, filled from the
region table.

    [[family]]
    id = "kpu-{kind}-{name}"          # kpu-kab-kediri, kpu-kota-kediri
    name = "KPU {region_name}"        # KPU Kota Kediri
    level = "kabupaten/kota"          # or "provinsi"
    url = "https://{kind}-{name}.kpu.go.id/index.php/blog/category/104"
    kind = "html"
    authority = "kpu"
    [family.extract]
    item = "div.blog-item"            # the extract table may use placeholders too
    ...

The other keys of a [[source]] table (poll_minutes, timezone, allow_addresses,
comment) are copied; `region` and `enabled` are not allowed: a generated source
has its region's code and ships disabled, like every unverified source. Its
timezone, unless the family sets one, is its province's (WIB, WITA or WIT).

`{kind}` is "kab" or "kota"; `{name}` a kabupaten/kota's name as host names
write it (its official name without its kind or "Administrasi", lower case,
letters and digits run together); `{province}` the short name province sites
use. The [province] and [name] tables of the file, and a family's own
[family.province_slug] and [family.name_slug], give the exceptions by code. Every generated source goes through the sources file's own
checks (parse_source), so a family that fills in to a bad id, URL or selector
is refused where it is loaded, naming the family and the region.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warta.config.sources import parse_source
from warta.core import regions
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Source
from warta.core.validate import check_region, check_table, printable, shown

LEVELS = ("provinsi", "kabupaten/kota")
PLACEHOLDERS = ("code", "region_name", "kind", "name", "province")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SLUG = re.compile(r"[a-z0-9]+")
_KNOWN = frozenset({
    "id", "name", "url", "kind", "authority", "level", "timezone", "poll_minutes",
    "allow_addresses", "comment", "extract", "province_slug", "name_slug",
})  # fmt: skip
_FILE_KEYS = frozenset({"family", "province", "name"})
_ADMINISTRATIVE = frozenset({"administrasi"})
_KIND_WORDS = {"kabupaten": "kab", "kota": "kota"}


@dataclass(frozen=True, slots=True)
class Family:
    """One [[family]] table: a [[source]] table with placeholders, and its level."""

    where: str
    """Where it was read ("families.toml: family #2"), for messages."""
    level: str
    template: Mapping[str, Any]
    """The source table before filling: every string may hold placeholders."""
    province_slugs: Mapping[str, str] = field(default_factory=dict)
    name_slugs: Mapping[str, str] = field(default_factory=dict)


def _fold(name: str) -> str:
    """A name as host names write it: lower case ASCII letters and digits, run together."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(_SLUG.findall(ascii_name.lower()))


def regency_slug(name: str) -> tuple[str, str]:
    """({kind}, {name}) of a kabupaten/kota's official name: 'Kota Administrasi Jakarta
    Timur' -> ('kota', 'jakartatimur'), 'Kabupaten Tojo Una-Una' -> ('kab', 'tojounauna')."""
    first, _, rest = name.partition(" ")
    kind = _KIND_WORDS[first.casefold()]
    words = rest.split()
    if len(words) > 1 and words[0].casefold() in _ADMINISTRATIVE:
        words = words[1:]
    return kind, _fold(" ".join(words))


def _slugs(where: str, raw: Any, level: str) -> dict[str, str]:
    """A table of region code -> slug, each code of the right level and known."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f'{where}: must be a table of region code = "slug"')
    for code, slug in raw.items():
        check_region(code, f"{where}: region")
        if code == NATIONAL or code.count(".") != (0 if level == "provinsi" else 1):
            raise ConfigError(f"{where}: {shown(code)} is not a {level} code")
        if not _SLUG.fullmatch(slug):
            raise ConfigError(
                f"{where}: {code} = {shown(slug)} must be lower-case letters and digits"
            )
    return dict(raw)


def parse_families(text: str, where: str) -> list[Family]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    check_table(data, where, _FILE_KEYS, not_a_table="a families file is TOML tables")
    province = _slugs(f"{where}: [province]", data.get("province"), "provinsi")
    names = _slugs(f"{where}: [name]", data.get("name"), "kabupaten/kota")
    entries = data.get("family", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: families are written as [[family]] tables")
    families = []
    for number, raw in enumerate(entries, start=1):
        here = f"{where}: family #{number}"
        raw = dict(check_table(raw, here, _KNOWN, not_a_table="a family is a [[family]] table"))
        level = raw.pop("level", None)
        if level not in LEVELS:
            raise ConfigError(f"{here}: level must be one of: {', '.join(LEVELS)}")
        own_province = _slugs(
            f"{here}: [family.province_slug]", raw.pop("province_slug", None), "provinsi"
        )
        own_names = _slugs(
            f"{here}: [family.name_slug]", raw.pop("name_slug", None), "kabupaten/kota"
        )
        family = Family(here, level, raw, province | own_province, names | own_names)
        for placeholder in _placeholders(raw):
            if placeholder not in PLACEHOLDERS or (
                level == "provinsi" and placeholder in ("kind", "name")
            ):
                raise ConfigError(
                    f"{here}: no placeholder {{{printable(placeholder)}}} for {level}"
                )
        families.append(family)
    return families


def _placeholders(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield from _PLACEHOLDER.findall(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _placeholders(item)
    elif isinstance(value, list):
        for item in value:
            yield from _placeholders(item)


def load_families(path: Path) -> list[Family]:
    shown_path = printable(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read families file {shown_path}: not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read families file {shown_path}: {exc.strerror}") from None
    return parse_families(text, shown_path)


def bundled_families_file() -> Path:
    return Path(__file__).with_name("families.toml")


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value


def _values(family: Family, code: str) -> dict[str, str]:
    row = regions.region(code)
    assert row is not None  # noqa: S101 (codes come from the table)
    province = code[:2]
    province_row = regions.region(province)
    assert province_row is not None  # noqa: S101
    values = {
        "code": code,
        "region_name": regions.region_name(code),
        "province": family.province_slugs.get(province, _fold(province_row.name)),
    }
    if family.level == "kabupaten/kota":
        kind, name = regency_slug(row.name)
        values |= {"kind": kind, "name": family.name_slugs.get(code, name)}
    return values


def source_for(family: Family, code: str) -> Source:
    """The family filled in for one region of its level: a checked, disabled Source."""
    values = _values(family, code)
    raw = {key: _fill(value, values) for key, value in family.template.items()}
    raw.setdefault("timezone", regions.time_zone(code).key)
    return parse_source({**raw, "region": code, "enabled": False}, f"{family.where} for {code}", {})


def sources_for_region(families: Iterable[Family], code: str) -> list[Source]:
    """The family sources of a region: its province's, then its kabupaten/kota's (for a
    kecamatan, those of the kabupaten/kota holding it); none for NATIONAL."""
    if code == NATIONAL:
        return []
    levels = [("provinsi", code[:2])]
    if code.count(".") >= 1:
        levels.append(("kabupaten/kota", code[:5]))
    families = list(families)
    return [
        source_for(family, level_code)
        for level, level_code in levels
        for family in families
        if family.level == level
    ]


def every_region_of(level: str) -> list[str]:
    """The codes of every region of a level, in code order."""
    provinces = [row.code for row in regions.children(NATIONAL)]
    if level == "provinsi":
        return provinces
    return [row.code for province in provinces for row in regions.children(province)]
