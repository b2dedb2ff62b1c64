"""`warta preview` shows an admin what Warta makes of a source, and stores nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.resources import events_dir
from warta.sample_server import SampleServer
from warta.samples import fill_dates

pytestmark = pytest.mark.integration


def preview(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WARTA_HOME": str(tmp_path / "state"),
        "WARTA_OUTBOX": str(tmp_path / "outbox"),
    }
    return subprocess.run(
        [sys.executable, "-m", "warta", "preview", *args],
        env=env,
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
