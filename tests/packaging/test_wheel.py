"""A plain `pip install .` must carry everything `warta demo` reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_carries_templates_samples_sources_and_lexicons(tmp_path: Path) -> None:
    # No build isolation: the build backend comes from the dev install, so the
    # test needs nothing from a package index.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("warta-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    expected = {
        "warta/cli/main.py",
        "warta/demo/server.py",
        "warta/config/sources.toml",
        "warta/events/demo/sources.toml",
        "warta/events/demo/people.toml",
        "warta/core/text/data/clarification.txt",
        "warta/core/text/data/election.txt",
        "warta/core/data/regions.tsv",
        "warta/core/data/NOTICE.md",
    }
    expected |= {f"warta/templates/{p.name}" for p in (REPO / "templates").iterdir()}
    expected |= {f"warta/events/feeds/{p.name}" for p in (REPO / "events" / "feeds").iterdir()}
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("tests/", "warta/tests/")) for n in names)
