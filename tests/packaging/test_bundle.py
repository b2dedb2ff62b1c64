"""The Lambda bundle carries what the handlers run and nothing that only runs on one machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HANDLERS = ("schedule", "ingest", "alerts", "digest_plan", "digest_send", "web")


def build_code(target: Path) -> Path:
    # The copy step of the bundle build; the dependencies step needs the package index.
    subprocess.run(
        ["make", "--no-print-directory", "-f", str(REPO / "functions" / "Makefile"), "code",
         f"ARTIFACTS_DIR={target}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return target / "warta"


def test_bundle_has_no_demo_module_and_no_sample_feed(tmp_path: Path) -> None:
    package = build_code(tmp_path)

    files = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert not (package / "demo").exists()
    assert not [f for f in files if "/demo/" in f or "sample" in f or "/events/" in f], files
    assert not [f for f in files if f.endswith((".xml", ".atom", ".rss"))], files
    assert (package / "templates" / "digest.html").is_file()
    assert (package / "config" / "sources.toml").is_file()
    assert not [f for f in files if "__pycache__" in f]


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
