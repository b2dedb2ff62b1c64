"""The Parser for JSON APIs: a list of posts found by a small mapping in the sources file.

Modelled on Kemendagri's public blog API (`/api/v1/blogs/public`), a Laravel
paginator: {"data": {"data": [{"title", "slug", "content", "published_at",
...}], "current_page": 1, ...}}. Only the first page is read; a source is
polled often enough that new posts are always on it.

The `extract` mapping of such a source:

    items = "data.data"     # dotted path to the list ("." when the document is the list)
    title = "title"         # dotted path inside one item, e.g. "title.rendered"
    url   = "https://www.kemendagri.go.id/blog/{slug}"   # a path, or a template of paths
    date  = "published_at"  # optional; a date string or a Unix timestamp
    text  = "content"       # optional; HTML or plain text
    guid  = "id"            # optional

A path segment made of digits indexes a list ("data.0.posts").
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from warta.core.errors import ParseError
from warta.core.model import FetchResult, Source
from warta.core.parsed import ParsedItems
from warta.core.safe_text import clean
from warta.ingest.records import (
    Record,
    body_text,
    build_items,
    check_keys,
    checked_extract,
    page_base,
)

REQUIRED = {
    "items": "the dotted path to the list of items",
    "title": "the path of an item's title",
    "url": "the path of an item's link, or a template such as 'https://…/{slug}'",
}
OPTIONAL = {
    "date": "the path of an item's date",
    "text": "the path of an item's body (HTML or plain)",
    "guid": "the path of an item's stable id",
}
_ROOT = "."
# Characters never valid raw in a URL; everything else in a substituted value
# is kept, so a field holding a whole URL or path still works in a template.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%-._~"
# Unix timestamps in milliseconds are beyond this many seconds (year 5138).
_MILLISECONDS = 10**11


class _Missing:
    pass


_MISSING = _Missing()


def _template_fields(template: str) -> list[tuple[str, str | None]]:
    """(literal text, path) pairs of a url template; raises ValueError when malformed."""
    problem = f"url template {template!r}: write fields as {{path}}"
    parts: list[tuple[str, str | None]] = []
    try:
        for literal, field, spec, conversion in string.Formatter().parse(template):
            if field is not None and (not field or spec or conversion):
                raise ValueError(problem)
            parts.append((literal, field))
    except ValueError as exc:  # unbalanced braces
        raise ValueError(problem) from exc
    return parts


def check_extract(extract: Mapping[str, str]) -> None:
    """Raise ValueError naming the key when `extract` cannot describe a JSON source."""
    check_keys(extract, REQUIRED, OPTIONAL)
    for key, value in extract.items():
        if key != "items" and value.strip() == _ROOT:
            raise ValueError(f"extract {key!r} must name a field, not the whole item")
    if "{" in extract["url"] or "}" in extract["url"]:
        _template_fields(extract["url"])


def _lookup(node: Any, path: str) -> Any:
    if path.strip() == _ROOT:
        return node
    for segment in path.strip().split("."):
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return _MISSING
    return node


def _scalar(value: Any) -> str:
    """A field as text: strings as they are, numbers written out, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _field(entry: Any, path: str | None) -> str:
    return _scalar(_lookup(entry, path)) if path else ""


def _date(entry: Any, path: str | None) -> str | datetime | None:
    if not path:
        return None
    value = _lookup(entry, path)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            # Inside the try: an integer of hundreds of digits is too large for a float.
            seconds = value / 1000 if value > _MILLISECONDS else value
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return value if isinstance(value, str) else None


def _link(entry: Any, spec: str) -> str:
    if "{" not in spec:
        return _field(entry, spec)
    out: list[str] = []
    for literal, path in _template_fields(spec):
        out.append(literal)
        if path is not None:
            # Clean first: quote() refuses a lone surrogate, and a line break
            # or an invisible character has no place in a link.
            value = clean(_field(entry, path))
            if not value:
                return ""  # a link with a hole in it would open the wrong page
            out.append(quote(value, safe=_URL_SAFE))
    return "".join(out)


def _document(result: FetchResult) -> Any:
    text = body_text(result)
    if not text.strip():
        raise ParseError("not JSON: the body is empty")
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("not JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to read
        raise ParseError(f"not JSON: {exc}") from None


def _record(entry: Any, extract: Mapping[str, str]) -> Record | None:
    """One item's parts at the extract's paths; None for a list element that is not an object."""
    if not isinstance(entry, dict):
        return None
    return Record(
        title=_field(entry, extract["title"]),
        link=_link(entry, extract["url"]),
        date=_date(entry, extract.get("date")),
        text=_field(entry, extract.get("text")),
        guid=_field(entry, extract.get("guid")) or None,
    )


def parse_json(source: Source, result: FetchResult, *, seen_at: datetime) -> ParsedItems:
    """Items of one page of a JSON API, in document order, not yet classified.

    Raises ParseError when the body is not JSON, when the items path is
    missing or not a list, or when no item has a title or text at its path.
    An item that cannot be read is skipped (see `assemble`).
    """
    extract = checked_extract(source, check_extract, "json")
    document = _document(result)
    items_path = extract["items"]
    entries = _lookup(document, items_path)
    if entries is _MISSING:
        raise ParseError(f"json: items path {items_path!r} not found")
    if not isinstance(entries, list):
        raise ParseError(f"json: items path {items_path!r} is not a list")

    items = build_items(
        source,
        entries,
        lambda entry: _record(entry, extract),
        base_url=page_base(source, result),
        seen_at=seen_at,
    )
    if entries and not items:
        why = f" ({items.skipped[0]})" if items.skipped else ""
        raise ParseError(
            f"json: none of the {len(entries)} items has a title at {extract['title']!r}{why}"
        )
    return items
