"""From raw entries to Items: the step every parser ends with, and what the json and html
parsers share.

Each parser only finds, for every entry of its document, its parts: the json
and html parsers the raw title, link, date, text and GUID (a Record), the
feed parser an Entry of its own. `assemble` is the one way out to Items for
all of them: it reads each entry on its own, so that an entry that breaks the
reading is skipped with its reason while the others go on; it makes the text
of every entry safe (`core.safe_text.clean`) and refuses any link that is not
a clean http(s) URL; and it gives each entry its stable id.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import TypeVar
from urllib.parse import urlsplit

from warta.core.errors import ParseError
from warta.core.model import FetchResult, Item, Source
from warta.core.parsed import ParsedItems, reason
from warta.core.safe_text import clean
from warta.ingest.dates import dateline_date, parse_date
from warta.ingest.normalize import (
    canonical_url,
    clean_title,
    html_to_text,
    item_id,
    unfit_for_link,
)

Raw = TypeVar("Raw")

# An entry dated further ahead than this has a broken clock or zone; the time
# it was seen is the better guess (the same rule as for feeds).
_FUTURE_LIMIT = timedelta(days=1)
_UNTITLED_LENGTH = 90


@dataclass(frozen=True, slots=True)
class Record:
    """One entry as a source wrote it, before any normalization."""

    title: str
    """HTML or plain text."""
    link: str
    """As written: may be relative."""
    date: str | datetime | None = None
    text: str = ""
    """HTML or plain text."""
    guid: str | None = None


def check_keys(
    extract: Mapping[str, str], required: Mapping[str, str], optional: Iterable[str]
) -> None:
    """Raise ValueError naming the key when an extract table lacks a key or has an unknown one."""
    for key, meaning in required.items():
        value = extract.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"extract needs {key!r}: {meaning}")
    optional = list(optional)
    for key, value in extract.items():
        if key not in required and key not in optional:
            known = ", ".join([*required, *optional])
            raise ValueError(f"extract key {key!r} is not one of: {known}")
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"extract {key!r} must be a non-empty string")


def declared_charset(result: FetchResult) -> str | None:
    """The charset a fetched body's Content-Type header declares, if it names a codec Python knows."""
    content_type = result.headers.get("content-type")
    if not content_type:
        return None
    message = Message()
    message["content-type"] = content_type
    charset = message.get_content_charset()
    if not charset:
        return None
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return None


def body_text(result: FetchResult) -> str:
    """Text of a fetched body in its declared charset (UTF-8 when none is declared).

    A body that is not valid in a declared UTF-8 is read as windows-1252:
    that is what a PHP site that declares UTF-8 but stores Latin text sends,
    and what browsers fall back to as well.
    """
    body = result.body
    encoding = declared_charset(result) or "utf-8"
    if encoding == "utf-8" and body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        fallback = "cp1252" if encoding == "utf-8" else encoding
        return body.decode(fallback, errors="replace")


def is_web_url(value: str) -> bool:
    """Whether `value` is an absolute http(s) URL with a host, and nothing unfit for a link inside."""
    if unfit_for_link(value):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def page_base(source: Source, result: FetchResult) -> str:
    """What a fetched page's relative links resolve against.

    The URL the page was fetched from, or the source's own URL when the page
    was read from a file.
    """
    return result.url if is_web_url(result.url) else source.url


def checked_extract(
    source: Source, check: Callable[[Mapping[str, str]], None], parser: str
) -> Mapping[str, str]:
    """The source's extract table once `check` accepts it.

    Raises ParseError ("<parser>: why") when `check` raises ValueError.
    """
    try:
        check(source.extract)
    except ValueError as exc:
        raise ParseError(f"{parser}: {exc}") from None
    return source.extract


def web_link(raw: str, base: str) -> str:
    """The canonical absolute http(s) URL of a link, or "" for anything else (javascript:, mailto:)."""
    if not raw or not raw.strip():
        return ""
    absolute = canonical_url(raw, base)
    return absolute if is_web_url(absolute) else ""


def _published(
    raw: str | datetime | None, text: str, source: Source, seen_at: datetime
) -> datetime:
    seen = seen_at.astimezone(UTC)
    if isinstance(raw, datetime):
        when: datetime | None = raw.astimezone(UTC) if raw.tzinfo else None
    elif raw:
        when = parse_date(raw, default_tz=source.timezone, now=seen_at)
    else:
        when = None
    if when is None:
        # No usable date field: many items still say their day in the dateline.
        when = dateline_date(text, default_tz=source.timezone, now=seen_at)
    return seen if when is None else not_future(when, seen_at)


def not_future(when: datetime, seen_at: datetime) -> datetime:
    """`when`, unless it lies past tomorrow: then the time the entry was seen."""
    return seen_at.astimezone(UTC) if when > seen_at + _FUTURE_LIMIT else when


def untitled(text: str) -> str:
    """A title for an entry that has none: its first line, cut at a word."""
    first = text.split("\n", 1)[0]
    if len(first) <= _UNTITLED_LENGTH:
        return first
    return first[:_UNTITLED_LENGTH].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry after normalization of its parts, before it is made safe and gets its identity."""

    title: str
    """Plain text, one line."""
    text: str
    """Plain text, paragraphs separated by a blank line."""
    link: str
    """Canonical absolute http(s) URL, or "" when the entry had none usable."""
    guid: str | None
    published_at: datetime


def _made_safe(entry: Entry) -> Entry:
    """The entry as Warta keeps it: every text clean, the link a clean web URL or none.

    Nothing written in a document reaches a store, a message or a log
    without passing here: control, bidi and zero-width characters go, lone
    surrogates become U+FFFD, and only the body keeps its line breaks.
    Encoded words (=?utf-8?q?...?=) stay the text they are, never decoded.
    """
    guid = clean(entry.guid) if entry.guid else ""
    return Entry(
        title=clean(entry.title),
        text=clean(entry.text, multiline=True),
        link=entry.link.strip() if entry.link and is_web_url(entry.link) else "",
        guid=guid or None,
        published_at=entry.published_at,
    )


def assemble(
    source: Source,
    raws: Iterable[Raw],
    read: Callable[[Raw], Entry | None],
    *,
    fallback_url: str,
) -> ParsedItems:
    """Items of one document, in its order: the step every source kind ends with.

    `read` turns one raw entry of the document into an Entry (None for what
    is not an entry at all); an entry whose reading or identity raises is
    skipped, and ParsedItems.skipped says which ("entry 3", counted in the
    document) and why. Every entry is made safe before anything else sees it
    (`_made_safe`); one without a usable link points at `fallback_url`.

    An entry with neither title nor text is dropped; an entry listed twice
    comes out once. A GUID or link that several entries share identifies none
    of them (feeds reuse counters; listings link every card to one page), so
    those entries fall further down the identity chain.
    """
    skipped: list[str] = []
    entries: list[tuple[int, Entry]] = []
    for position, raw in enumerate(raws, 1):
        try:
            entry = read(raw)
            if entry is not None:
                entries.append((position, _made_safe(entry)))
        except Exception as exc:  # one entry's fault, whatever it is
            skipped.append(f"entry {position}: {reason(exc)}")
    fallback = fallback_url.strip() if is_web_url(fallback_url) else canonical_url(source.url)
    guids = Counter(e.guid for _, e in entries if e.guid)
    links = Counter(e.link for _, e in entries if e.link)
    duplicate_guids = {g for g, n in guids.items() if n > 1}
    duplicate_urls = {u for u, n in links.items() if n > 1}
    items: list[Item] = []
    seen_ids: set[str] = set()
    for position, entry in entries:
        if not entry.title and not entry.text:
            continue
        try:
            identity, _how = item_id(
                source.id,
                entry.guid,
                entry.link or None,
                entry.title,
                entry.text,
                duplicate_guids=duplicate_guids,
                duplicate_urls=duplicate_urls,
            )
            if identity in seen_ids:
                continue
            item = Item(
                id=identity,
                source_id=source.id,
                url=entry.link or fallback,
                title=entry.title or untitled(entry.text),
                text=entry.text,
                published_at=entry.published_at,
                authority=source.authority,
                region=source.region,
                guid=entry.guid,
            )
        except Exception as exc:
            skipped.append(f"entry {position}: {reason(exc)}")
            continue
        seen_ids.add(identity)
        items.append(item)
    return ParsedItems(items, skipped)


def build_items(
    source: Source,
    raws: Iterable[Raw],
    record: Callable[[Raw], Record | None],
    *,
    base_url: str,
    seen_at: datetime,
) -> ParsedItems:
    """Normalized Items in document order (see `assemble`), `record` finding each entry's parts.

    Links resolve against `base_url`; an entry without a usable link points at
    `base_url` itself (the listing) and gets its identity from title and text.
    """

    def read(raw: Raw) -> Entry | None:
        found = record(raw)
        if found is None:
            return None
        text = html_to_text(found.text)
        return Entry(
            title=clean_title(found.title),
            text=text,
            link=web_link(found.link, base_url),
            guid=(found.guid or "").strip() or None,
            published_at=_published(found.date, text, source, seen_at),
        )

    return assemble(source, raws, read, fallback_url=canonical_url(base_url))
