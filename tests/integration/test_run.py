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
