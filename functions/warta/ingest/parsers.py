"""One parser per source kind, chosen by the sources file."""

from __future__ import annotations

from datetime import datetime

from warta.core.errors import ParseError
from warta.core.model import FetchResult, Source, SourceKind
from warta.core.parsed import ParsedItems

# Each kind's parser is imported on its first source of that kind: feedparser
# for rss, lxml for html. A run that meets only one kind loads only its parser.


def parse(source: Source, result: FetchResult, *, seen_at: datetime) -> ParsedItems:
    """Implements the Parser port for every kind Warta knows.

    The items come with the reasons for any entry skipped (ParsedItems.skipped).
    """
    if source.kind is SourceKind.RSS:
        from warta.ingest.rss import parse_feed

        return parse_feed(source, result, seen_at=seen_at)
    if source.kind is SourceKind.JSON:
        from warta.ingest.json_source import parse_json

        return parse_json(source, result, seen_at=seen_at)
    if source.kind is SourceKind.HTML:
        from warta.ingest.html_source import parse_listing

        return parse_listing(source, result, seen_at=seen_at)
    raise ParseError(f"source kind {source.kind.value!r} is not supported by this version of Warta")
