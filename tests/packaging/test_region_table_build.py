"""The shipped region table is what tools/build_regions.py makes of the pinned idn-area-data.

`make test` installs the pinned package in tests/tools (`npm ci --prefix tests/tools`,
checked by npm against the lock file); these tests rebuild the table from it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import shutil
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tests" / "tools"
INSTALLED = TOOLS / "node_modules" / "idn-area-data"
SHIPPED = REPO / "functions" / "warta" / "core" / "data" / "regions.tsv"


def build_regions() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_regions", REPO / "tools" / "build_regions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return build_regions()


@pytest.fixture
def installed() -> Path:
    if not (INSTALLED / "package.json").is_file():
        pytest.fail(
            f"the region table tests need idn-area-data under {TOOLS / 'node_modules'}: "
            "run `make test`, or `npm ci --prefix tests/tools`",
            pytrace=False,
        )
    return INSTALLED


def test_the_shipped_table_is_rebuilt_byte_for_byte_from_the_pinned_package(
    tool: ModuleType, installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "regions.tsv"

    assert tool.main([str(installed), "--output", str(output)]) == 0

    assert output.read_bytes() == SHIPPED.read_bytes()
    assert "38 provinsi, 416 kabupaten, 98 kota, 7285 kecamatan" in capsys.readouterr().out


def test_npm_the_script_and_the_notice_pin_the_same_release(tool: ModuleType) -> None:
    lock = json.loads((TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/idn-area-data"]
    wanted = json.loads((TOOLS / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    notice = (SHIPPED.parent / "NOTICE.md").read_text(encoding="utf-8")

    assert (locked["version"], locked["integrity"]) == (tool.VERSION, tool.INTEGRITY)
    assert wanted["idn-area-data"] == tool.VERSION
    assert f"idn-area-data {tool.VERSION}" in notice and tool.INTEGRITY in notice
    assert f"idn-area-data@{tool.VERSION} ({tool.INTEGRITY})" in SHIPPED.read_text("utf-8")


def tarball_of(folder: Path, target: Path) -> Path:
    """A tarball laid out as `npm pack` lays it out, of the files of `folder`."""
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, arcname=f"package/{path.relative_to(folder).as_posix()}")
    return target


def test_a_tarball_that_is_not_the_pinned_one_is_refused(
    tool: ModuleType, installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same files, packed again: another tarball, so another sha512.
    copy = tmp_path / "package"
    copy.mkdir()
    shutil.copy(installed / "package.json", copy)
    shutil.copytree(installed / "data", copy / "data", ignore=shutil.ignore_patterns("v*", "i*"))
    repacked = tarball_of(copy, tmp_path / "idn-area-data-4.0.1.tgz")
    output = tmp_path / "regions.tsv"

    assert tool.main([str(repacked), "--output", str(output)]) == 1

    assert "its sha512 differs from the pin" in capsys.readouterr().err
    assert not output.exists()


def test_an_installed_copy_with_a_changed_file_is_refused(
    tool: ModuleType, installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "idn-area-data"
    shutil.copytree(installed, copy, ignore=shutil.ignore_patterns("villages.csv", "islands.csv"))
    with (copy / "data" / "districts.csv").open("a", encoding="utf-8") as districts:
        districts.write("35.71.04,35.71,Kediri Baru\n")
    output = tmp_path / "regions.tsv"

    assert tool.main([str(copy), "--output", str(output)]) == 1

    assert "districts.csv is not the one of idn-area-data@4.0.1" in capsys.readouterr().err
    assert not output.exists()


def test_a_kecamatan_filed_under_a_missing_kabupaten_stops_the_build(
    tool: ModuleType, installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {name: (installed / "data" / name).read_bytes() for name in tool.CSV_SHA256}
    files["districts.csv"] += b"35.99.01,35.99,Entah\n"
    # Pinned as if it were the release: the build's own checks must catch it.
    monkeypatch.setitem(
        tool.CSV_SHA256, "districts.csv", hashlib.sha256(files["districts.csv"]).hexdigest()
    )

    with pytest.raises(tool.BuildError, match=r"35\.99\.01 \(Entah\) is filed under 35\.99"):
        tool.table(files)


def test_the_table_of_a_good_input_is_in_code_order_with_one_kind_per_row(
    tool: ModuleType, installed: Path
) -> None:
    files = {name: (installed / "data" / name).read_bytes() for name in tool.CSV_SHA256}
    rows = tool.table(files)

    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert rows[0] == ("11", "provinsi", "Aceh")
    assert ("35.71", "kota", "Kota Kediri") in rows
    assert ("35.06", "kabupaten", "Kabupaten Kediri") in rows
    assert ("35.71.01", "kecamatan", "Mojoroto") in rows
    # Read back the way Warta reads it: one header, then three tab-separated fields a line.
    text = io.StringIO(tool.render(rows).decode("utf-8"))
    data = [line.rstrip("\n").split("\t") for line in text if not line.startswith("#")]
    assert data[0] == ["code", "kind", "name"] and all(len(row) == 3 for row in data)
