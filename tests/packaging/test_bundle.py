"""The Lambda bundle carries what the handlers run and nothing that only runs on one machine."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HANDLERS = ("schedule", "ingest", "alerts", "digest_plan", "digest_send", "web", "bounces")
RUNTIME_TAG = "cpython-311"
"""The bytecode tag of the functions' runtime (the template's Runtime: python3.11)."""


def runtime_python() -> str | None:
    """A Python 3.11 to compile the bundle with, as the build's RUNTIME_PYTHON."""
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    return shutil.which("python3.11")


def build_code(target: Path) -> Path:
    # The copy step of the bundle build; the dependencies step needs the package index.
    runtime = runtime_python()
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(REPO / "functions" / "Makefile"), "code",
         f"ARTIFACTS_DIR={target}", *([f"RUNTIME_PYTHON={runtime}"] if runtime else [])],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return target / "warta"


def test_bundle_has_no_demo_module_and_no_sample_feed(tmp_path: Path) -> None:
    package = build_code(tmp_path)

    files = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert not (package / "demo").exists()
    assert not [f for f in files if "/demo/" in f or "sample" in f or "/events/" in f], files
    # Feed files only as the archive's templates (the web function serves its Atom feeds).
    feeds = [f for f in files if f.endswith((".xml", ".atom", ".rss"))]
    assert sorted(feeds) == ["warta/templates/cap.atom", "warta/templates/feed.atom"], feeds
    assert (package / "templates" / "digest.html").is_file()
    assert (package / "config" / "sources.toml").is_file()
    assert (package / "core" / "data" / "regions.tsv").is_file()


def test_bundle_carries_the_bytecode_of_every_module_for_the_runtime(tmp_path: Path) -> None:
    # A function's code folder is read-only: a module shipped without its bytecode
    # is compiled again at every cold start. Unchecked-hash bytecode is used as it
    # is, whatever timestamps zipping and unpacking leave on the sources.
    if runtime_python() is None:
        pytest.skip("no Python 3.11 to compile the bundle with")
    package = build_code(tmp_path)

    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 50
    missing = [
        m.relative_to(tmp_path).as_posix()
        for m in modules
        if not (m.parent / "__pycache__" / f"{m.stem}.{RUNTIME_TAG}.pyc").is_file()
    ]
    assert not missing
    compiled = sorted(package.rglob("*.pyc"))
    assert len(compiled) == len(modules)  # none of another Python, none left from the work tree
    for pyc in compiled:
        header = pyc.read_bytes()[:8]
        if sys.version_info[:2] == (3, 11):
            assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
        assert int.from_bytes(header[4:8], "little") == 0b01, pyc  # hash-based, unchecked


def test_every_handler_imports_from_the_bundle_without_the_demo(tmp_path: Path) -> None:
    build_code(tmp_path)
    probe = (
        "import importlib, sys\n"
        f"for name in {HANDLERS!r}:\n"
        "    importlib.import_module('warta.handlers.' + name)\n"
        "import warta\n"
        "assert warta.__file__.startswith(sys.argv[1]), warta.__file__\n"
        "assert not [m for m in sys.modules if m.startswith('warta.demo')]\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "AWS_DEFAULT_REGION": "ap-southeast-3"}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        env=env, capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
