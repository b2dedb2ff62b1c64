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

A source with no feed is read as `kind = "json"` (an API) or `kind = "html"`
(a listing page), with an `extract` table saying where the items are. RSS
sources have none.

    [[source]]
    id = "kemendagri-blog"
    name = "Kemendagri"
    url = "https://www.kemendagri.go.id/api/v1/blogs/public"
    kind = "json"
    authority = "kemendagri"
    [source.extract]
    items = "data.data"           # dotted path to the list; "." when the body is the list
    title = "title"               # dotted paths inside one item
    url = "https://www.kemendagri.go.id/blog/{slug}"   # a path, or a template of paths
    date = "published_at"         # optional
    text = "content"              # optional; HTML or plain
    guid = "id"                   # optional

    [[source]]
    id = "kpu-kab-kediri"
    name = "KPU Kabupaten Kediri"
    url = "https://kab-kediri.kpu.go.id/berita"
    kind = "html"
    authority = "kpu"
    region = "35.06"
    extract = { item = "div.card", title = "h5 a", link = "h5 a", date = "span.date", summary = "p.card-text" }

The json keys are described in warta.ingest.json_source, the html ones (CSS
selectors; date and summary optional) in warta.ingest.html_source.

What changes while Warta runs (ETag, errors, a moved URL, a disabled source)
is Store state, never an edit to this file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warta.core.days import JAKARTA_NAME
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Authority, Source, SourceKind
from warta.ingest import html_source, json_source

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_REGION = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_KNOWN = {
    "id", "name", "url", "kind", "authority", "region", "enabled", "timezone",
    "poll_minutes", "allow_addresses", "comment", "extract",
}  # fmt: skip
_EXTRACT_CHECKS = {
    SourceKind.JSON: json_source.check_extract,
    SourceKind.HTML: html_source.check_extract,
}


def _choice(where: str, field: str, value: Any, enum: type[Authority] | type[SourceKind]) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ConfigError(f"{where}: {field} {value!r} is not one of: {allowed}") from None


def parse_extract(where: str, kind: SourceKind, raw: Any) -> dict[str, str]:
    """A source's extract table, checked for its kind; ConfigError starting with `where` if wrong."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f"{where}: extract must be a table of strings ([source.extract])")
    check = _EXTRACT_CHECKS.get(kind)
    if check is None:
        if raw:
            raise ConfigError(f"{where}: a {kind.value} source takes no extract table")
        return {}
    try:
        check(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {kind.value} {exc}") from None
    return {key: value.strip() for key, value in raw.items()}


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
    zone = str(raw.get("timezone", JAKARTA_NAME))
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
    kind = _choice(where, "kind", raw.get("kind", "rss"), SourceKind)
    return Source(
        id=source_id,
        name=raw["name"].strip(),
        url=url,
        authority=_choice(where, "authority", raw["authority"], Authority),
        region=region,
        kind=kind,
        enabled=enabled,
        timezone=zone,
        poll_minutes=poll,
        allow_addresses=tuple(allow),
        extract=parse_extract(where, kind, raw.get("extract")),
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
