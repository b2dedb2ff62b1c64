"""Build Warta's region table from the idn-area-data npm package.

    .venv/bin/python tools/build_regions.py                 # `npm pack` the pinned version, then build
    .venv/bin/python tools/build_regions.py FILE.tgz        # a tarball `npm pack` made
    .venv/bin/python tools/build_regions.py DIR             # an installed copy (node_modules/idn-area-data)
    .venv/bin/python tools/build_regions.py ... --output PATH   # somewhere else than the package

`make regions` runs the first form. The table is
functions/warta/core/data/regions.tsv: one line per province, kabupaten/kota
and kecamatan (desa/kelurahan are left out), with Warta's dotted code, its kind
and its name as the dataset spells it. The source is pinned twice: the
tarball's npm integrity (sha512) and the SHA-256 of each CSV read, so a copy
installed by npm (whose tarball is gone) is checked as strictly as the
tarball. The same input always gives the same bytes: rows in code order, LF
line ends, no date. To move to a new version, change the pins below and in
tests/tools/package.json, run `make regions`, and review the diff of
regions.tsv like code (functions/warta/core/data/NOTICE.md names the version).
"""

# The one command run here is `npm pack` of the pinned package into a temporary folder.
# ruff: noqa: S603

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "idn-area-data"
VERSION = "4.0.1"
INTEGRITY = "sha512-PhNSIl5T7swVwwWxJOFMtCaeHAF9TUu0HLDf+36EIWZro9j7au83AFIJiBQGL+iRsBDA2OlpJ5fjiqxNYndzOQ=="
"""The tarball's integrity as the npm registry publishes it (`npm view idn-area-data@4.0.1 dist`)."""

CSV_SHA256 = {
    "provinces.csv": "ee9e5b5aaca298c41aef1aa0888285e103856f1414134bbb7afc68b294c9a89d",
    "regencies.csv": "d5fbd54bb1500bbf5e194ddc94a3806df6e6837a310146dfa646b085bd99c0ae",
    "districts.csv": "982f843613cf36bf474cab7ec46b5ecafc46dfeaad26e4bbadf170a6dae8ebe7",
}
"""The files read, pinned one by one (villages.csv and islands.csv are not read)."""

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "functions" / "warta" / "core" / "data" / "regions.tsv"

_CODES = {
    "provinces.csv": re.compile(r"[0-9]{2}"),
    "regencies.csv": re.compile(r"[0-9]{2}\.[0-9]{2}"),
    "districts.csv": re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}"),
}
_COLUMNS = {
    "provinces.csv": ["code", "name"],
    "regencies.csv": ["code", "province_code", "name"],
    "districts.csv": ["code", "regency_code", "name"],
}
# A name is one line of letters, digits, spaces and the few marks the dataset
# uses ("Sa'dan", "Ra\"as", "2 x 11 Kayu Tanam", "Grong-grong"): never a tab.
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 .,'\"()/-]*[A-Za-z0-9.)'\"])?")


class BuildError(Exception):
    """The input is not the pinned dataset, or not what this script expects of it."""


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def read_tarball(path: Path) -> dict[str, bytes]:
    """The CSVs of the pinned tarball, after checking its integrity."""
    data = path.read_bytes()
    if _integrity(data) != INTEGRITY:
        raise BuildError(f"{path} is not {PACKAGE}@{VERSION}: its sha512 differs from the pin")
    files: dict[str, bytes] = {}
    # Members are read by name into memory: nothing from the archive is written to disk.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in CSV_SHA256:
            member = archive.extractfile(f"package/data/{name}")
            if member is None:
                raise BuildError(f"{path} has no package/data/{name}")
            files[name] = member.read()
    return files


def read_directory(path: Path) -> dict[str, bytes]:
    """The CSVs of an installed copy (npm checked its tarball against the lock file)."""
    manifest = json.loads((path / "package.json").read_text(encoding="utf-8"))
    if manifest.get("name") != PACKAGE or manifest.get("version") != VERSION:
        raise BuildError(
            f"{path} holds {manifest.get('name')}@{manifest.get('version')}, not {PACKAGE}@{VERSION}"
        )
    return {name: (path / "data" / name).read_bytes() for name in CSV_SHA256}


def npm_pack(folder: Path) -> Path:
    """Download the pinned tarball with npm, which checks it against the registry's integrity."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed to download the dataset (apt-get install npm)")
    subprocess.run(
        [npm, "pack", "--silent", f"{PACKAGE}@{VERSION}", "--pack-destination", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / f"{PACKAGE}-{VERSION}.tgz"


def _rows(name: str, data: bytes) -> list[dict[str, str]]:
    digest = hashlib.sha256(data).hexdigest()
    if digest != CSV_SHA256[name]:
        raise BuildError(f"{name} is not the one of {PACKAGE}@{VERSION}: SHA-256 {digest}")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    if reader.fieldnames != _COLUMNS[name]:
        raise BuildError(f"{name}: columns {reader.fieldnames}, expected {_COLUMNS[name]}")
    rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if not _CODES[name].fullmatch(row["code"]):
            raise BuildError(f"{name} line {number}: code {row['code']!r}")
        if not _NAME.fullmatch(row["name"]) or "  " in row["name"]:
            raise BuildError(f"{name} line {number}: name {row['name']!r}")
    return rows


def table(files: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """(code, kind, name) of every province, kabupaten/kota and kecamatan, in code order."""
    entries: dict[str, tuple[str, str]] = {}

    def add(code: str, kind: str, name: str, parent: str | None) -> None:
        if code in entries:
            raise BuildError(f"code {code} appears twice")
        if parent is not None and (parent not in entries or not code.startswith(parent + ".")):
            raise BuildError(f"{code} ({name}) is filed under {parent}, which does not hold it")
        entries[code] = (kind, name)

    for row in _rows("provinces.csv", files["provinces.csv"]):
        add(row["code"], "provinsi", row["name"], None)
    for row in _rows("regencies.csv", files["regencies.csv"]):
        kind = row["name"].split(" ", 1)[0].lower()
        if kind not in ("kabupaten", "kota"):
            raise BuildError(f"{row['code']}: {row['name']!r} is neither Kabupaten nor Kota")
        add(row["code"], kind, row["name"], row["province_code"])
    for row in _rows("districts.csv", files["districts.csv"]):
        add(row["code"], "kecamatan", row["name"], row["regency_code"])
    # Dotted codes of two digits a part sort parent first, then its children.
    return [(code, *entries[code]) for code in sorted(entries)]


def render(rows: Iterable[tuple[str, str, str]]) -> bytes:
    lines = [
        "# Kemendagri region codes: provinces, kabupaten/kota and kecamatan. Built by",
        f"# tools/build_regions.py from {PACKAGE}@{VERSION} ({INTEGRITY});",
        "# data under the Open Database License 1.0: see NOTICE.md beside this file.",
        "code\tkind\tname",
    ]
    lines += ["\t".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build(source: Path | None, output: Path) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as scratch:
        if source is None:
            source = npm_pack(Path(scratch))
        files = read_directory(source) if source.is_dir() else read_tarball(source)
        rows = table(files)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(render(rows))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, help="tarball or package folder")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        rows = build(args.source, args.output)
    except (BuildError, OSError, subprocess.CalledProcessError) as exc:
        print(f"build_regions: {exc}", file=sys.stderr)
        return 1
    counts = ", ".join(
        f"{sum(row[1] == kind for row in rows)} {kind}"
        for kind in ("provinsi", "kabupaten", "kota", "kecamatan")
    )
    print(f"{args.output}: {counts} ({args.output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
