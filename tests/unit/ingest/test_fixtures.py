"""Every fixture under tests/fixtures/sources/ meets the expectation written beside it.

The format of the `.expect.toml` sidecars is described in that folder's README.
"""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from warta.core.errors import FetchError, ParseError
from warta.core.model import Authority, Item, Source, SourceKind
from warta.ingest.file_fetcher import FileFetcher
from warta.ingest.parsers import parse

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sources"
SUFFIX = ".expect.toml"
SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)
MiB = 1024 * 1024
MAX_FIXTURE_BYTES = 100 * 1024

KNOWN_KEYS = {
    "what", "kind", "content_type", "url", "timezone", "extract", "generate",
    "items", "first_title", "first_url", "first_text", "first_published",
    "titles", "urls", "published", "error",
}  # fmt: skip


def expectations() -> list[Path]:
    return sorted(FIXTURES.glob(f"*{SUFFIX}"))


def name_of(expect: Path) -> str:
    return expect.name.removesuffix(SUFFIX)


def fixture_file(expect: Path) -> Path | None:
    name = name_of(expect)
    found = [p for p in FIXTURES.glob(f"{name}.*") if p != expect and p.stem == name]
    assert len(found) <= 1, f"{name}: more than one fixture file: {found}"
    return found[0] if found else None


def huge_feed(path: Path) -> Path:
    """A well-formed feed just over the test's cap: only the cap can refuse it."""
    item = (
        "<item><title>Berita {n}</title><link>https://contoh.go.id/{n}</link>"
        "<description>" + "Isi berita pemilu. " * 40 + "</description></item>\n"
    )
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>')
        out.write("<title>Besar</title><link>https://contoh.go.id/</link>\n")
        n = 0
        while out.tell() <= MiB:
            out.write(item.format(n=n))
            n += 1
        out.write("</channel></rss>\n")
    return path


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def run(expect: dict[str, Any], path: Path) -> list[Item]:
    url = expect.get("url", f"https://contoh.go.id/{path.name}")
    source = Source(
        id="fixture",
        name="Fixture",
        url=url,
        authority=Authority.KPU,
        kind=SourceKind(expect["kind"]),
        timezone=expect.get("timezone", "Asia/Jakarta"),
        extract=expect.get("extract", {}),
    )
    result = FileFetcher(max_body_bytes=MiB).fetch(source, url=str(path))
    # What an HTTP fetch of `url` would have returned with these headers.
    headers = {"content-type": expect["content_type"]} if "content_type" in expect else {}
    result = dataclasses.replace(result, url=url, headers=headers)
    return parse(source, result, seen_at=SEEN)


@pytest.mark.parametrize("expect_path", expectations(), ids=name_of)
def test_fixture_meets_its_expectation(expect_path: Path, tmp_path: Path) -> None:
    expect = tomllib.loads(expect_path.read_text(encoding="utf-8"))
    if expect.get("generate") == "huge":
        path = huge_feed(tmp_path / "huge_feed.xml")
    else:
        found = fixture_file(expect_path)
        assert found is not None, f"{expect_path.name} has no fixture beside it"
        path = found

    try:
        items = run(expect, path)
    except (FetchError, ParseError) as exc:
        assert "error" in expect, f"unexpected {type(exc).__name__}: {exc}"
        reason = exc.reason if isinstance(exc, FetchError) else ""
        assert expect["error"] in str(exc) or expect["error"] == reason, str(exc)
        return
    assert "error" not in expect, f"expected an error {expect['error']!r}, got {len(items)} items"

    assert len(items) == expect["items"]
    assert len({item.id for item in items}) == len(items)
    first = items[0]
    if "first_title" in expect:
        assert first.title == expect["first_title"]
    if "first_url" in expect:
        assert first.url == expect["first_url"]
    if "first_text" in expect:
        assert first.text == expect["first_text"]
    if "first_published" in expect:
        assert iso(first.published_at) == expect["first_published"]
    if "titles" in expect:
        assert [item.title for item in items] == expect["titles"]
    if "urls" in expect:
        assert [item.url for item in items] == expect["urls"]
    if "published" in expect:
        assert [iso(item.published_at) for item in items] == expect["published"]
    for item in items:
        assert item.url.startswith(("http://", "https://"))
        assert item.published_at.tzinfo is not None


@pytest.mark.parametrize("expect_path", expectations(), ids=name_of)
def test_expectation_describes_itself(expect_path: Path) -> None:
    expect = tomllib.loads(expect_path.read_text(encoding="utf-8"))
    assert set(expect) <= KNOWN_KEYS, set(expect) - KNOWN_KEYS
    assert isinstance(expect.get("what"), str) and expect["what"].strip()
    assert "\n" not in expect["what"]
    assert expect["kind"] in {kind.value for kind in SourceKind}
    assert ("error" in expect) != ("items" in expect), "either items or error, not both"


def test_every_fixture_has_an_expectation_and_stays_small() -> None:
    described = {name_of(p) for p in expectations()}
    files = [p for p in FIXTURES.iterdir() if not p.name.endswith(SUFFIX) and p.name != "README.md"]
    assert files
    for path in files:
        assert path.name.split(".", 1)[0] in described, f"{path.name} has no {SUFFIX}"
        assert path.stat().st_size < MAX_FIXTURE_BYTES, f"{path.name} is too big to commit"


def test_the_fixtures_cover_every_kind_and_both_outcomes() -> None:
    loaded = [tomllib.loads(p.read_text(encoding="utf-8")) for p in expectations()]
    for kind in SourceKind:
        kinds = [e for e in loaded if e["kind"] == kind.value]
        assert any("items" in e for e in kinds), f"no usable {kind.value} fixture"
        assert any("error" in e for e in kinds), f"no refused {kind.value} fixture"
