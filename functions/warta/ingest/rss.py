"""The Parser for RSS 0.9x/1.0/2.0 and Atom feeds, built on feedparser."""

from __future__ import annotations

import codecs
import io
import itertools
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from warta.core.errors import ParseError
from warta.core.model import FetchResult, Source
from warta.core.parsed import ParsedItems
from warta.ingest.dates import dateline_date, parse_date
from warta.ingest.normalize import (
    canonical_url,
    clean_title,
    html_to_text,
    plain_to_text,
)
from warta.ingest.records import Entry, assemble, is_web_url, not_future

# Internal entity declarations are how "billion laughs" and external-entity
# attacks start; no real feed needs them, so such a document is refused before
# any XML parser sees it.
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
_NAME_START = re.compile(r"[A-Za-z_]")
# Comments and processing instructions may hold "<tag" text that would end the
# prolog early and hide a declaration after them.
_COMMENT_OR_PI = re.compile(r"<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)", re.DOTALL)
# A numeric character reference, as feedparser's loose parser reads one, that
# may name no character: in hexadecimal a surrogate (D800-DFFF) or anything
# from 110000 on (every match), in decimal any number of five digits or more
# (checked by `_names_a_character`). The references feeds are full of
# (&#8217;) are not even matched.
_CHAR_REF = re.compile(
    rb"&#(?:[xX]0*("
    rb"[dD][89a-fA-F][0-9a-fA-F]{2}"
    rb"|(?:1[1-9a-fA-F]|[2-9a-fA-F][0-9a-fA-F])[0-9a-fA-F]{4}"
    rb"|[1-9a-fA-F][0-9a-fA-F]{6,})"
    rb"|0*([1-9][0-9]{4,}));"
)
_WIDE_CHAR_REF = re.compile(_CHAR_REF.pattern.decode("ascii"))
# How a document in UTF-16 or UTF-32 starts: a byte order mark, or "<" as a wide character.
_WIDE_STARTS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)

# FeedParserDict.get goes through its alias table and Python-level
# __getitem__ on every call; for the keys read here (none is an alias) the
# plain dict lookup gives the same value, several times faster.
_get = dict.get


def _prolog(body: bytes) -> str:
    """The document up to its first element, decoded well enough to search."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        big_endian = body.startswith(b"\xfe\xff") or body[:1] == b"\x00"
        text = body.decode("utf-16-be" if big_endian else "utf-16-le", errors="ignore")
    else:
        text = body.decode("latin-1")
    # The text outside comments and PIs, up to the first element, read piece by
    # piece so that a large feed is scanned only as far as its first element.
    kept: list[str] = []
    after_lt = False  # whether the text kept so far ends with "<"
    pos = 0
    for removed in itertools.chain(_COMMENT_OR_PI.finditer(text), [None]):
        end = removed.start() if removed is not None else len(text)
        if pos < end:
            # A "<" before a comment and a letter after it meet once the comment is gone.
            if after_lt and _NAME_START.match(text, pos, end):
                return "".join(kept)[:-1]
            match = _FIRST_ELEMENT.search(text, pos, end)
            if match:
                kept.append(text[pos : match.start()])
                return "".join(kept)
            kept.append(text[pos:end])
            after_lt = text[end - 1] == "<"
        if removed is None:
            break
        pos = removed.end()
    return "".join(kept)


def _check_no_entities(body: bytes) -> None:
    if _ENTITY_DECL.search(_prolog(body)):
        raise ParseError("document declares XML entities")


def _names_a_character(match: re.Match[bytes] | re.Match[str]) -> bool:
    digits = match.group(2)
    # Hexadecimal matches never do; a decimal one of 8 digits is past 10FFFF
    # (and int() refuses thousands of digits).
    if digits is None or len(digits) > 7:
        return False
    code = int(digits)
    return not (0xD800 <= code <= 0xDFFF or code > 0x10FFFF)


def _defuse_character_references(body: bytes) -> bytes:
    """The body with each reference to no character (a lone surrogate, past U+10FFFF) as U+FFFD.

    The XML parser refuses "&#xD800;", and the loose parser feedparser then
    falls back to raises on it: one such title would make the whole feed
    unreadable. A document in UTF-16 or UTF-32 is searched as text and
    written back in its own encoding.
    """
    for start, encoding in _WIDE_STARTS:
        if body.startswith(start):
            try:
                text = body.decode(encoding, errors="surrogatepass")
            except UnicodeDecodeError:  # cut short: feedparser finds another reading
                return body
            if "&#" not in text:
                return body
            fixed = _WIDE_CHAR_REF.sub(
                lambda m: m.group(0) if _names_a_character(m) else "&#xFFFD;", text
            )
            return fixed.encode(encoding, errors="surrogatepass")
    if b"&#" not in body:
        return body
    return _CHAR_REF.sub(lambda m: m.group(0) if _names_a_character(m) else b"&#xFFFD;", body)


def _entry_link(entry: Any, base: str) -> str:
    candidates = [_get(entry, "link") or ""]
    candidates += [
        _get(link, "href") or ""
        for link in _get(entry, "links") or []
        if _get(link, "rel", "alternate") == "alternate"
    ]
    for candidate in candidates:
        if candidate.strip():
            absolute = canonical_url(candidate, base)
            # javascript:, data: and friends must never reach an email link.
            if is_web_url(absolute):
                return absolute
    guid = _get(entry, "id") or ""
    if is_web_url(guid):
        return canonical_url(guid)
    return ""


def _to_text(value: str, content_type: str | None) -> str:
    if content_type == "text/plain":
        return plain_to_text(value)
    return html_to_text(value)


def _entry_text(entry: Any) -> str:
    # content:encoded and Atom <content> are the full article; the summary is
    # often a teaser, so it is used only when there is no content.
    for content in _get(entry, "content") or []:
        text = _to_text(_get(content, "value") or "", _get(content, "type"))
        if text:
            return text
    # feedparser files RSS <description> and Atom <summary> both under "summary".
    detail = _get(entry, "summary_detail") or {}
    return _to_text(_get(entry, "summary") or "", _get(detail, "type"))


def _entry_published(entry: Any, text: str, source: Source, seen_at: datetime) -> datetime:
    # Our own parser first: feedparser misreads Indonesian month names and
    # WIB, and its *_parsed values have already lost the original zone.
    # dict.get: FeedParserDict.get would map a missing "updated" to "published"
    # with a deprecation warning; each key is tried in turn here anyway.
    for key in ("published", "updated", "created"):
        raw = dict.get(entry, key)
        if raw:
            parsed = parse_date(raw, default_tz=source.timezone, now=seen_at)
            if parsed is not None:
                return not_future(parsed, seen_at)
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        struct = dict.get(entry, key)
        if struct:
            try:
                year, month, day, hour, minute, second = struct[:6]
                when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
                return not_future(when, seen_at)
            except (TypeError, ValueError):
                continue
    # No usable date field: many items still say their day in the dateline.
    from_dateline = dateline_date(text, default_tz=source.timezone, now=seen_at)
    if from_dateline is not None:
        return not_future(from_dateline, seen_at)
    return seen_at.astimezone(UTC)


def parse_feed(source: Source, result: FetchResult, *, seen_at: datetime) -> ParsedItems:
    """Items of an RSS or Atom document, in feed order, not yet classified.

    Raises ParseError when the body is not a feed or declares XML entities.
    A sloppy feed (bozo) that still yields entries is used; an entry that
    cannot be read is skipped (see `assemble`).
    """
    _check_no_entities(result.body)
    headers: dict[str, str] = {}
    content_type = result.headers.get("content-type")
    if content_type:
        # Passed on so that feedparser honours the charset the server declared.
        headers["content-type"] = content_type
    # No content-location: feedparser would resolve every GUID against it and
    # turn the counter GUID "4" into a URL. Links are resolved here instead.
    # A stream, not the bytes themselves: feedparser first tries to open() a
    # bytes argument as a local file name. Its sanitizer is off because it
    # keeps the inner text of <iframe> and friends; html_to_text drops them.
    parsed = feedparser.parse(
        io.BytesIO(_defuse_character_references(result.body)),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        reason = parsed.get("bozo_exception") if parsed.get("bozo") else None
        raise ParseError(f"not an RSS or Atom feed: {reason or 'no feed elements found'}")

    feed_link = (parsed.get("feed") or {}).get("link") or ""
    fallback_url = canonical_url(feed_link, result.url) if feed_link else canonical_url(result.url)
    if not is_web_url(fallback_url):
        fallback_url = canonical_url(result.url)

    # Relative item links belong to the site the feed describes, which is not
    # always where the feed is served from (a mirror, a feed proxy, the demo).
    base = fallback_url if is_web_url(feed_link) else result.url

    def read(entry: Any) -> Entry:
        text = _entry_text(entry)
        return Entry(
            title=clean_title(_get(entry, "title") or ""),
            text=text,
            link=_entry_link(entry, base),
            guid=(_get(entry, "id") or "").strip() or None,
            published_at=_entry_published(entry, text, source, seen_at),
        )

    return assemble(source, entries, read, fallback_url=fallback_url)
