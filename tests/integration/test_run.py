"""`warta run`: one scheduled cycle on an admin's own sources file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from warta.config.files import events_dir
from warta.demo.server import SampleServer

pytestmark = pytest.mark.integration


def run(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "warta", "run", "--sources", str(tmp_path / "sources.toml"), *args],
        env={
            **os.environ,
            "WARTA_HOME": str(tmp_path / "state"),
            "WARTA_OUTBOX": str(tmp_path / "outbox"),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_scheduled_runs_fetch_only_due_sources_and_send_the_digest_once(tmp_path: Path) -> None:
    with SampleServer(events_dir()) as server:
        text = (events_dir() / "demo" / "sources.toml").read_text(encoding="utf-8")
        (tmp_path / "sources.toml").write_text(text.replace("{demo}", server.base_url))
        state = {
            "WARTA_HOME": str(tmp_path / "state"),
            "WARTA_OUTBOX": str(tmp_path / "outbox"),
        }
        subprocess.run(
            [sys.executable, "-m", "warta", "subscribers", "add", "warga@warga.example"],
            env={**os.environ, **state},
            check=True,
            capture_output=True,
        )

        first = run(tmp_path, "--digest", "today")
        again = run(tmp_path, "--digest", "today")

    assert "Fetching 6 of 6 sources" in first
    assert re.search(r"\b1 digests sent\b", first), first
    assert "Fetching 0 of 6 sources" in again  # none is due yet
    assert re.search(r"\b0 digests sent\b", again), again
    assert len(list((tmp_path / "outbox").glob("*-digest-*.eml"))) == 1


def test_a_run_alerts_urgent_stories_whose_alerts_were_lost(tmp_path: Path) -> None:
    # A story became urgent in a run that died before alerting anyone: its items
    # are recorded as seen, so no later fetch makes it urgent again. The next
    # run's sweep finds it by the missing queue mark and alerts the officials.
    from datetime import UTC, datetime

    from tests.builders import official, story, story_source

    from warta.adapters.sqlite_store import SqliteStore
    from warta.core.days import jakarta_day

    now = datetime.now(UTC)
    (tmp_path / "state").mkdir()
    with SqliteStore(tmp_path / "state" / "warta.db") as store:
        store.put_official(
            official(
                "kpu-kediri",
                "35.71",
                "sri@kpu.example.id",
                "+6281234567890",
                name="Sri",
                role="Ketua KPU",
            )
        )
        store.put_story(
            story(
                "st-lost",
                day=jakarta_day(now),
                region="35.71",
                title="KPU Kota Kediri Bantah Isu Surat Suara Tercoblos",
                summary="KPU menegaskan kabar itu tidak benar.",
                published_at=now,
                created_at=now,
                urgent=True,
                sources=(
                    story_source(
                        "kpu-kediri",
                        "KPU Kota Kediri",
                        "https://kota-kediri.kpu.go.id/berita/1",
                        published_at=now,
                    ),
                ),
            )
        )
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "kpu-kediri"\nname = "KPU Kota Kediri"\n'
        'url = "https://kota-kediri.kpu.go.id/feed/"\nkind = "rss"\nauthority = "kpu"\n'
        'region = "35.71"\nenabled = false\n'
    )

    first = run(tmp_path)
    again = run(tmp_path)

    assert "Alerting officials about 1 clarification(s)" in first, first
    assert len(list((tmp_path / "outbox").glob("*-alert-*.eml"))) == 1
    assert len(list((tmp_path / "outbox" / "sms").iterdir())) == 1
    assert "Alerting officials" not in again, again
