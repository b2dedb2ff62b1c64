"""Builders of the test data several suites share: stories, officials, sources, texts.

Each builder takes keyword arguments for what the tests vary; what they leave out
takes the defaults below, so that a test names only what it depends on. Import them
as `from tests.builders import ...` (pytest puts the repository root on sys.path, see
pythonpath in pyproject.toml).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tests.doubles import NOW

from warta.core.model import Authority, Official, Source, SourceKind, Story, StorySource

DAY = date(2026, 11, 28)
"""The Jakarta day of NOW, where a story falls unless told otherwise."""


def story_source(
    source_id: str = "kpu-ri",
    name: str = "KPU RI",
    url: str = "https://www.kpu.go.id/berita/1",
    *,
    authority: Authority = Authority.KPU,
    item_id: str = "i1",
    published_at: datetime = NOW,
) -> StorySource:
    """One source of a story: by default item i1 of KPU RI, published at NOW."""
    return StorySource(source_id, name, url, authority, item_id, published_at)


def story(
    story_id: str = "st-1",
    *,
    region: str = "national",
    title: str | None = None,
    summary: str | None = None,
    day: date = DAY,
    published_at: datetime = NOW,
    created_at: datetime = NOW,
    election: bool = True,
    urgent: bool = False,
    sources: tuple[StorySource, ...] | None = None,
    **fields: Any,
) -> Story:
    """A story of the election; an urgent one is a clarification, as urgent stories are.

    By default it is titled "Berita <id>", summarized "Ringkasan <id>." and carried by
    the one default story_source(); `fields` sets the other fields of Story
    (signature, text).
    """
    return Story(
        id=story_id,
        day=day,
        region=region,
        title=f"Berita {story_id}" if title is None else title,
        summary=f"Ringkasan {story_id}." if summary is None else summary,
        published_at=published_at,
        created_at=created_at,
        election=election,
        clarification=urgent,
        urgent=urgent,
        sources=(story_source(),) if sources is None else sources,
        **fields,
    )


def official(
    official_id: str,
    region: str,
    email: str | None = None,
    phone: str | None = None,
    *,
    name: str = "Petugas",
    role: str = "Staf",
) -> Official:
    return Official(id=official_id, name=name, role=role, region=region, email=email, phone=phone)


def source(
    source_id: str = "kpu-ri",
    authority: Authority = Authority.KPU,
    region: str = "national",
    **fields: Any,
) -> Source:
    """A source named "Sumber <id>" with its feed at https://<id>.example.id/feed;
    `fields` sets any other field of Source (`id` included) or replaces these."""
    return Source(
        **{
            "id": source_id,
            "name": f"Sumber {source_id}",
            "url": f"https://{source_id}.example.id/feed",
            "authority": authority,
            "region": region,
            **fields,
        }
    )


LISTING_PAGE = "https://kab-kediri.kpu.go.id/berita"
CARDS = {
    "item": "div.card",
    "title": "h5 a",
    "link": "h5 a",
    "date": "span.date",
    "summary": "p.card-text",
}
"""How the KPU Kabupaten Kediri news page is read: one div.card per story."""


def html_source(extract: dict[str, str] | None = None, **fields: Any) -> Source:
    """KPU Kabupaten Kediri's news page, read as HTML by CARDS unless told otherwise."""
    return source(
        "kpu-kab-kediri",
        Authority.KPU,
        "35.06",
        name="KPU Kabupaten Kediri",
        url=LISTING_PAGE,
        kind=SourceKind.HTML,
        extract=CARDS if extract is None else extract,
        **fields,
    )


API = "https://www.kemendagri.go.id/api/v1/blogs/public"
EXTRACT = {
    "items": "data.data",
    "title": "title",
    "url": "https://www.kemendagri.go.id/blog/{slug}",
    "date": "published_at",
    "text": "content",
    "guid": "id",
}
"""How Kemendagri's blog API is read, as the sources file's docstring shows it."""


def json_source(extract: dict[str, str] | None = None, **fields: Any) -> Source:
    """Kemendagri's blog API, read as JSON by EXTRACT unless told otherwise."""
    return source(
        "kemendagri",
        Authority.KEMENDAGRI,
        name="Kemendagri",
        url=API,
        kind=SourceKind.JSON,
        extract=EXTRACT if extract is None else extract,
        **fields,
    )


def in_another_regency(release: str) -> str:
    """A Kota Kediri press release as the regency next door would write it: the same
    template with its own place and figures."""
    return (
        release.replace("Kota Kediri", "Kabupaten Kediri")
        .replace("214.236", "1.252.601")
        .replace("105.117", "626.102")
        .replace("109.119", "626.499")
        .replace("46 kelurahan dan tiga kecamatan", "344 desa dan 26 kecamatan")
        .replace("512 TPS", "2.451 TPS")
    )
