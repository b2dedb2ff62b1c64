"""`warta preview` shows an admin what Warta makes of a source, and stores nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.config.files import events_dir
from warta.demo.feeds import fill_dates
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration


def preview(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta", "preview", *args],
        env={
            **os.environ,
            "WARTA_HOME": str(tmp_path / "state"),
            "WARTA_OUTBOX": str(tmp_path / "outbox"),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_preview_of_a_file_prints_one_json_object_per_item(tmp_path: Path) -> None:
    feed = tmp_path / "cekfakta.xml"
    now = datetime.now(UTC)
    feed.write_text(
        fill_dates((events_dir() / "feeds" / "cekfakta.xml").read_text(encoding="utf-8"), now)
    )

    done = preview(tmp_path, str(feed), "--authority", "factcheck")

    assert done.returncode == 0, done.stderr
    items = lines(done.stdout)
    assert len(items) == 6
    for entry in items:
        assert {"title", "url", "published", "summary", "election", "clarification"} <= set(entry)
        published = datetime.fromisoformat(str(entry["published"]))
        assert published.utcoffset() == timedelta(0)
        assert now - timedelta(days=3) < published <= now + timedelta(minutes=1)
        assert isinstance(entry["election"], bool) and isinstance(entry["clarification"], bool)
    by_title = {str(e["title"]): e for e in items}
    salah = next(e for t, e in by_title.items() if t.startswith("[SALAH]"))
    assert salah["election"] is True and salah["clarification"] is True
    literacy = next(e for t, e in by_title.items() if t.startswith("Kenali Ciri-Ciri Hoaks"))
    assert literacy["clarification"] is False
    assert not (tmp_path / "state" / "warta.db").exists()  # preview stores nothing
    assert not (tmp_path / "outbox").exists()


def test_preview_of_a_url_fetches_it_through_the_guarded_client(tmp_path: Path) -> None:
    with SampleServer(events_dir()) as server:
        refused = preview(tmp_path, server.url("feeds/kemendagri.xml"))
        allowed = preview(
            tmp_path, server.url("feeds/kemendagri.xml"), "--allow-address", "127.0.0.1"
        )

    assert refused.returncode == 1
    assert "address_refused" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    titles = [str(e["title"]) for e in lines(allowed.stdout)]
    assert any("Rekapitulasi" in t for t in titles)


def test_preview_of_something_that_is_not_a_feed_says_so(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Berita</h1><p>Bukan feed.</p></body></html>")

    done = preview(tmp_path, str(page))

    assert done.returncode == 1
    assert "not an RSS or Atom feed" in done.stderr
    assert done.stdout == ""


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_preview_reads_a_json_source_with_its_mapping(tmp_path: Path) -> None:
    done = preview(
        tmp_path,
        str(FIXTURES / "json_kemendagri.json"),
        "--kind", "json", "--authority", "kemendagri",
        "--base-url", "https://www.kemendagri.go.id/api/v1/blogs/public",
        "--extract", "items=data.data", "--extract", "title=title",
        "--extract", "url=https://www.kemendagri.go.id/blog/{slug}",
        "--extract", "date=published_at", "--extract", "text=content", "--extract", "guid=id",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    items = lines(done.stdout)
    assert len(items) == 3
    assert (
        items[0]["url"]
        == "https://www.kemendagri.go.id/blog/mendagri-minta-kepala-daerah-jaga-netralitas-asn"
    )
    assert items[0]["published"] == "2024-02-12T02:30:00Z"
    assert items[0]["election"] is True


def test_preview_reads_an_html_listing_with_its_selectors(tmp_path: Path) -> None:
    done = preview(
        tmp_path,
        str(FIXTURES / "html_kpu_kab_listing.html"),
        "--kind", "html", "--authority", "kpu", "--region", "35.06",
        "--base-url", "https://kab-kediri.kpu.go.id/berita",
        "--extract", "item=div.card.berita", "--extract", "title=h5 a",
        "--extract", "link=h5 a", "--extract", "date=span.date",
        "--extract", "summary=p.card-text",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    items = lines(done.stdout)
    assert [i["url"] for i in items] == [
        "https://kab-kediri.kpu.go.id/berita/detail/1203",
        "https://kab-kediri.kpu.go.id/berita/detail/1201",
        "https://kab-kediri.kpu.go.id/berita/detail/1198",
    ]
    assert all(
        i["election"] is True for i in items
    )  # an election body's items are about the election


def test_preview_of_an_html_source_without_selectors_is_refused_at_once(tmp_path: Path) -> None:
    done = preview(tmp_path, str(FIXTURES / "html_kpu_kab_listing.html"), "--kind", "html")

    assert done.returncode == 2
    assert "extract" in done.stderr and "item" in done.stderr


def test_file_over_the_body_cap_gets_the_same_error_as_a_url(tmp_path: Path) -> None:
    big = tmp_path / "besar.xml"
    big.write_bytes(
        b"<rss><channel>" + b"<item><title>x</title></item>" * 5000 + b"</channel></rss>"
    )
    env_cap = {"WARTA_MAX_BODY_BYTES": "65536"}
    with SampleServer(tmp_path) as server:
        over_http = preview(
            tmp_path, server.url("besar.xml"), "--allow-address", "127.0.0.1", env=env_cap
        )
    from_file = preview(tmp_path, str(big), env=env_cap)

    for done in (over_http, from_file):
        assert done.returncode == 1
        assert "body_too_large" in done.stderr
        assert done.stdout == ""


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://pengguna:rahasia@contoh.id/feed/", "must not carry a user name or password"),
        ("https://contoh.id/fe ed/", "must not contain spaces"),
        ("https://contoh.id:99999/feed/", "port"),
    ],
)
def test_preview_checks_a_url_as_a_sources_file_would(url: str, says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warta", "preview", url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.splitlines()) == 1
    assert "rahasia" not in done.stderr + done.stdout
