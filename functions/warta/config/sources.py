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

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warta.core.days import JAKARTA_NAME
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Authority, Source, SourceKind
from warta.core.validate import (
    check_region,
    check_table,
    check_text,
    is_id,
    printable,
    shown,
    url_problem,
    without_userinfo,
)
from warta.ingest import html_source, json_source

MAX_POLL_MINUTES = 7 * 24 * 60
_SCHEMES = ("http://", "https://")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""A placeholder of a URL template, such as {demo}."""
_ZONE = re.compile(r"[A-Za-z0-9_+\-]{1,32}(?:/[A-Za-z0-9_+\-]{1,32}){0,2}", re.ASCII)
"""The shape of an IANA zone name (Asia/Jakarta, UTC, America/Argentina/Buenos_Aires)."""
_ID_SHOWN = 64
_KNOWN = frozenset({
    "id", "name", "url", "kind", "authority", "region", "enabled", "timezone",
    "poll_minutes", "allow_addresses", "comment", "extract",
})  # fmt: skip
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


def _url(where: str, template: str, substitutions: dict[str, str]) -> str:
    """The source's URL with its placeholders filled, checked before and after filling.

    Only the demo's sources file has placeholders ({demo}): the literal part of
    a template must already say http(s), or start with a placeholder that is
    filled with an http(s) address. A URL is quoted without its credentials,
    and a URL carrying any is refused.
    """
    url = template
    for key, value in substitutions.items():
        url = url.replace("{" + key + "}", value)
    first = _PLACEHOLDER.match(template)
    if first is not None and first.group(1) in substitutions:
        if not substitutions[first.group(1)].lower().startswith(_SCHEMES):
            raise ConfigError(
                f"{where}: url placeholder {first.group(0)} is not filled with an "
                "http:// or https:// address"
            )
    elif not template.lower().startswith(_SCHEMES):
        raise ConfigError(f"{where}: url must start with http:// or https://")
    left = _PLACEHOLDER.search(url)
    if left is not None or "{" in url or "}" in url:
        named = f" {printable(left.group(0))}" if left is not None else ""
        raise ConfigError(f"{where}: url placeholder{named} is not filled in")
    problem = url_problem(url)
    if problem is not None:
        raise ConfigError(f"{where}: url {problem}: {shown(without_userinfo(url))}")
    return url


def _allow_addresses(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise ConfigError(f"{where}: allow_addresses must be a list of addresses")
    for entry in raw:
        try:
            if "/" in entry:
                ipaddress.ip_network(entry, strict=False)
            else:
                ipaddress.ip_address(entry)
        except ValueError:
            raise ConfigError(
                f"{where}: allow_addresses entry {shown(entry)} is not an IP address or network"
            ) from None
    return tuple(raw)


def _timezone(where: str, raw: Any) -> str:
    if not isinstance(raw, str) or not _ZONE.fullmatch(raw):
        raise ConfigError(f"{where}: unknown timezone {shown(raw)}")
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"{where}: unknown timezone {shown(raw)}") from None
    return raw


def parse_source(raw: dict[str, Any], where: str, substitutions: dict[str, str]) -> Source:
    raw = check_table(raw, where, _KNOWN, not_a_table="a source is a [[source]] table")
    for required in ("id", "name", "url", "authority"):
        if not isinstance(raw.get(required), str) or not raw[required].strip():
            raise ConfigError(f"{where}: {required} is required and must be a non-empty string")
    source_id = raw["id"]
    shown_id = printable(source_id) if len(source_id) <= _ID_SHOWN else shown(source_id)
    where = f"{where} ({shown_id})"
    if not is_id(source_id):
        raise ConfigError(
            f"{where}: id must be lower-case letters, digits, '-', '_' or '.' "
            "(1 to 64, starting with a letter or digit)"
        )
    name = check_text(raw["name"], f"{where}: name")
    url = _url(where, raw["url"], substitutions)
    region = check_region(raw.get("region", NATIONAL), f"{where}: region")
    zone = _timezone(where, raw.get("timezone", JAKARTA_NAME))
    poll = raw.get("poll_minutes", 30)
    # TOML keeps true apart from 1 and 30.0 apart from 30, but Python's bool is an int.
    if isinstance(poll, bool) or not isinstance(poll, int) or not 1 <= poll <= MAX_POLL_MINUTES:
        raise ConfigError(
            f"{where}: poll_minutes must be a whole number of minutes, "
            f"from 1 to {MAX_POLL_MINUTES} (a week)"
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: enabled must be true or false")
    allow = _allow_addresses(where, raw.get("allow_addresses", []))
    kind = _choice(where, "kind", raw.get("kind", "rss"), SourceKind)
    return Source(
        id=source_id,
        name=name,
        url=url,
        authority=_choice(where, "authority", raw["authority"], Authority),
        region=region,
        kind=kind,
        enabled=enabled,
        timezone=zone,
        poll_minutes=poll,
        allow_addresses=allow,
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
    shown_path = printable(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"cannot read sources file {shown_path}: not UTF-8 text (byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read sources file {shown_path}: {exc.strerror}") from None
    return parse_sources(text, shown_path, substitutions)
