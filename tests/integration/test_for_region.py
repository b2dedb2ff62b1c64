"""`warta sources for-region CODE`: a region's national, provincial and local sources as a file."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from warta.config.sources import load_sources

pytestmark = pytest.mark.integration


def warta(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warta", "sources", "for-region", *args],
        env={
            **os.environ,
            "WARTA_HOME": str(tmp_path / "state"),
            "WARTA_OUTBOX": str(tmp_path / "outbox"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


NATIONAL_IDS = {"kpu-ri", "bawaslu-ri", "dkpp-ri", "turnbackhoax", "komdigi-hoaks-api"}


@pytest.mark.parametrize(
    ("region", "provincial", "local"),
    [
        (
            "35.71",
            {"kpu-jatim", "bawaslu-jatim"},
            {"kpu-kota-kediri", "bawaslu-kota-kediri", "pemkot-kediri"},
        ),
        ("12.71", {"kpu-sumut", "bawaslu-sumut"}, {"kpu-kota-medan", "bawaslu-kota-medan"}),
        (
            "94.04",
            {"kpu-papuatengah", "bawaslu-papuatengah"},
            {"kpu-kab-mimika", "bawaslu-kab-mimika"},
        ),
    ],
)
def test_for_region_prints_the_national_provincial_and_local_sources(
    tmp_path: Path, region: str, provincial: set[str], local: set[str]
) -> None:
    done = warta(tmp_path, region)
    assert done.returncode == 0, done.stderr
    sources = tomllib.loads(done.stdout)["source"]
    by_region: dict[str, set[str]] = {}
    for entry in sources:
        by_region.setdefault(entry["region"], set()).add(entry["id"])
        assert entry["enabled"] is False
    assert by_region["national"] >= NATIONAL_IDS
    assert by_region[region[:2]] == provincial
    assert by_region[region] == local
    assert set(by_region) == {"national", region[:2], region}


def test_written_file_loads_and_is_what_was_printed(tmp_path: Path) -> None:
    out = tmp_path / "kediri.toml"
    printed = warta(tmp_path, "35.71")
    written = warta(tmp_path, "35.71", "--write", str(out))
    assert written.returncode == 0, written.stderr
    assert f"to {out}" in written.stdout
    assert out.read_text(encoding="utf-8") == printed.stdout
    sources = load_sources(out)
    assert len(sources) == len(tomllib.loads(printed.stdout)["source"])
    # A source the sources file lists wins over its family's, with a note.
    kota = next(s for s in sources if s.id == "kpu-kota-kediri")
    assert kota.url == "https://kota-kediri.kpu.go.id/berita"
    assert (
        "its family would read https://kota-kediri.kpu.go.id/index.php/blog/category/104"
        in printed.stdout
    )


def test_an_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("# an admin's own file\n", encoding="utf-8")
    done = warta(tmp_path, "35.71", "--write", str(out))
    assert done.returncode == 2
    assert "exists" in done.stderr
    assert out.read_text(encoding="utf-8") == "# an admin's own file\n"


def test_a_province_gets_national_and_its_own_and_national_only_national(tmp_path: Path) -> None:
    province = tomllib.loads(warta(tmp_path, "35").stdout)["source"]
    assert {e["region"] for e in province} == {"national", "35"}
    national = tomllib.loads(warta(tmp_path, "national").stdout)["source"]
    assert {e["region"] for e in national} == {"national"}


def test_an_unknown_region_says_what_was_meant(tmp_path: Path) -> None:
    done = warta(tmp_path, "Kediri")
    assert done.returncode == 2
    assert "35.06" in done.stderr and "35.71" in done.stderr
