"""Pieces for testing one service at a time: a real SQLite store, a fixed clock,
and fakes for the far side of a port (a feed, a mail provider) whose failures
a test can choose."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.core.errors import FetchError, SendError
from warta.core.model import Authority, FetchResult, Item, Source
from warta.render import JinjaRenderer
from warta.services.compose import Letterhead

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10.00 WIB


@dataclass
class FixedClock:
    moment: datetime = NOW

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@dataclass
class ScriptedFetcher:
    """Answers each fetch with the next scripted result or error, and records the request."""

    script: list[FetchResult | FetchError] = field(default_factory=list)
    requests: list[dict[str, str | None]] = field(default_factory=list)

    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        self.requests.append(
            {"url": url or source.url, "etag": etag, "last_modified": last_modified}
        )
        answer = self.script.pop(0)
        if isinstance(answer, FetchError):
            raise answer
        return answer


@dataclass
class ItemsParser:
    """Stands in for feed parsing: each 200 body is a key into a table of items."""

    documents: dict[bytes, list[Item]] = field(default_factory=dict)

    def __call__(self, source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        return self.documents[result.body]


@dataclass
class RecordingMailer:
    sent: list[EmailMessage] = field(default_factory=list)
    fail_for: set[str] = field(default_factory=set)

    def send(self, message: EmailMessage) -> str:
        if str(message["To"]) in self.fail_for:
            raise SendError("provider refused the message")
        self.sent.append(message)
        return f"provider-{len(self.sent)}"


@dataclass
class RecordingNotifier:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def notify(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"


@dataclass
class CountingRenderer:
    inner: JinjaRenderer = field(default_factory=JinjaRenderer)
    calls: list[str] = field(default_factory=list)

    def render(self, template: str, **context: object) -> str:
        self.calls.append(template)
        return self.inner.render(template, **context)


def source(
    source_id: str = "kpu-ri", authority: Authority = Authority.KPU, region: str = "national"
) -> Source:
    return Source(
        id=source_id,
        name=f"Sumber {source_id}",
        url=f"https://{source_id}.example.id/feed",
        authority=authority,
        region=region,
    )


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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "warta.db") as opened:
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()
