"""The sources file: which sources Warta reads, as TOML an admin edits.

    [[source]]
    id = "kpu-ri"                 # stable: item ids and state are keyed on it
    name = "KPU RI"
    url = "https://www.kpu.go.id/berita/feed"
    kind = "rss"                  # rss | json | html
    authority = "kpu"             # kpu bawaslu dkpp kemendagri komdigi pemda factcheck media
    region = "national"           # or a Kemendagri code such as "35.71"
    enabled = true
    timezone = "Asia/Jakarta"     # for dates written without an offset
    poll_minutes = 30

What changes while Warta runs (ETag, errors, a moved URL, a disabled source)
is Store state, never an edit to this file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Authority, Source, SourceKind

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_REGION = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_KNOWN = {
    "id", "name", "url", "kind", "authority", "region", "enabled", "timezone",
    "poll_minutes", "allow_addresses", "comment",
}  # fmt: skip


def _choice(where: str, field: str, value: Any, enum: type[Authority] | type[SourceKind]) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ConfigError(f"{where}: {field} {value!r} is not one of: {allowed}") from None


def parse_source(raw: dict[str, Any], where: str, substitutions: dict[str, str]) -> Source:
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for required in ("id", "name", "url", "authority"):
        if not isinstance(raw.get(required), str) or not raw[required].strip():
            raise ConfigError(f"{where}: {required} is required and must be a non-empty string")
    source_id = raw["id"]
    where = f"{where} ({source_id})"
    if not _ID.match(source_id):
        raise ConfigError(f"{where}: id must be lower-case letters, digits and '-'")
    url = raw["url"]
    for key, value in substitutions.items():
        url = url.replace("{" + key + "}", value)
    if not url.startswith(("http://", "https://", "file:")) and "{" not in url:
        raise ConfigError(f"{where}: url must start with http:// or https://")
    region = str(raw.get("region", NATIONAL))
    if region != NATIONAL and not _REGION.match(region):
        raise ConfigError(f"{where}: region {region!r} is neither 'national' nor a Kemendagri code")
    zone = str(raw.get("timezone", "Asia/Jakarta"))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown timezone {zone!r}") from None
    poll = raw.get("poll_minutes", 30)
    if not isinstance(poll, int) or poll < 1:
        raise ConfigError(f"{where}: poll_minutes must be a whole number of minutes, at least 1")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: enabled must be true or false")
    allow = raw.get("allow_addresses", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise ConfigError(f"{where}: allow_addresses must be a list of addresses")
    return Source(
        id=source_id,
        name=raw["name"].strip(),
        url=url,
        authority=_choice(where, "authority", raw["authority"], Authority),
        region=region,
        kind=_choice(where, "kind", raw.get("kind", "rss"), SourceKind),
        enabled=enabled,
        timezone=zone,
        poll_minutes=poll,
        allow_addresses=tuple(allow),
    )


def parse_sources(
    text: str, where: str, substitutions: dict[str, str] | None = None
) -> list[Source]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from None
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: sources are written as [[source]] tables")
    sources = [
        parse_source(entry, f"{where}: source #{n}", substitutions or {})
        for n, entry in enumerate(entries, start=1)
    ]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{where}: source id {source.id!r} appears twice")
        seen.add(source.id)
    return sources


def load_sources(path: Path, substitutions: dict[str, str] | None = None) -> list[Source]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {path}: {exc.strerror}") from None
    return parse_sources(text, str(path), substitutions)
