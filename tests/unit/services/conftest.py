"""Pieces for testing one service at a time: sample sources, items and answers, a
parser and a renderer that count what they are asked, and, from tests/doubles.py, the
shared fixed clock and fakes for the far side of a port (a feed, a mail or SMS
provider) whose failures a test can choose. The `store` (a real SQLite store) and
`clock` fixtures come from tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.builders import source
from tests.doubles import NOW, FixedClock, RecordingMailer, RecordingNotifier, ScriptedFetcher

from warta.core.model import FetchResult, Item, Source
from warta.render import JinjaRenderer
from warta.services.compose import Letterhead

__all__ = [
    "LETTERHEAD",
    "NOW",
    "CountingRenderer",
    "FixedClock",
    "ItemsParser",
    "RecordingMailer",
    "RecordingNotifier",
    "ScriptedFetcher",
    "item",
    "ok",
    "source",
]


@dataclass
class ItemsParser:
    """Stands in for feed parsing: each 200 body is a key into a table of items."""

    documents: dict[bytes, list[Item]] = field(default_factory=dict)

    def __call__(self, source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        return self.documents[result.body]


@dataclass
class CountingRenderer:
    inner: JinjaRenderer = field(default_factory=JinjaRenderer)
    calls: list[str] = field(default_factory=list)

    def render(self, template: str, **context: object) -> str:
        self.calls.append(template)
        return self.inner.render(template, **context)

    def render_parts(self, template: str, slot: str, **context: object) -> tuple[str, ...]:
        self.calls.append(template)
        return self.inner.render_parts(template, slot, **context)


def item(
    item_id: str,
    title: str,
    text: str,
    *,
    src: Source | None = None,
    hours_ago: float = 1,
) -> Item:
    src = src or source()
    return Item(
        id=item_id,
        source_id=src.id,
        url=f"https://{src.id}.example.id/berita/{item_id}",
        title=title,
        text=text,
        published_at=NOW - timedelta(hours=hours_ago),
        authority=src.authority,
        region=src.region,
    )


def ok(body: bytes, etag: str | None = None) -> FetchResult:
    return FetchResult(url="https://kpu-ri.example.id/feed", status=200, body=body, etag=etag)


LETTERHEAD = Letterhead(
    sender="Warta Pemilu <warta@warta.example>",
    domain="warta.example",
    public_url="https://warta.example",
    secret=b"k" * 64,
)
