"""`warta officials` in-process on a SQLite store: dry runs, re-activation, warnings and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from warta.adapters.sqlite_store import SqliteStore
from warta.cli.main import main

SOURCES = """\
[[source]]
id = "kpu-kota-kediri"
name = "KPU Kota Kediri"
url = "https://kota-kediri.kpu.example.id/feed/"
authority = "kpu"
region = "35.71"
"""
SHEET = """\
name,role,institution,region,email,phone
Sri Lestari,Ketua,KPU Kota Kediri,35.71,sri@kpu.example.id,0812 7777 1234
Ani,Anggota,Bawaslu Jawa Barat,32,ani@bawaslu.example.id,
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("WARTA_STORE", "WARTA_SECRET", "WARTA_MAIL"):
        monkeypatch.delenv(name, raising=False)
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    monkeypatch.setenv("WARTA_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WARTA_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("WARTA_SOURCES", str(sources))
    return tmp_path / "state"


def officials_in(home: Path) -> dict[str, tuple[str | None, bool]]:
    with SqliteStore(home / "warta.db") as store:
        found = {}
        for active in (True, False):
            for official in store.officials_page(active=active, limit=1000).items:
                found[official.id] = (official.phone, official.active)
        return found


def test_a_dry_run_reports_what_an_import_would_do_and_writes_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "officials.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    assert main(["officials", "import", str(sheet), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "line 2: added kpu-kota-kediri-sri-lestari",
        "line 3: added bawaslu-jawa-barat-ani",
        "line 3: warning: no enabled source reports on Jawa Barat (32) or a region around it: "
        "only national stories will reach them",
        "2 added, 0 changed, 0 unchanged, 0 refused: nothing written (--dry-run)",
    ]
    assert officials_in(home) == {}
    assert main(["officials", "import", str(sheet)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 added, 0 changed, 0 unchanged, 0 refused: written"
    )
    assert officials_in(home) == {
        "kpu-kota-kediri-sri-lestari": ("+6281277771234", True),
        "bawaslu-jawa-barat-ani": (None, True),
    }


def test_add_updates_an_official_and_makes_an_inactive_one_active_again(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["officials", "add", "--name", "Budi", "--role", "Camat", "--region", "35.71.01"]
    assert main([*add, "--institution", "Kecamatan Mojoroto", "--phone", "0813-1111-2222"]) == 0
    assert capsys.readouterr().out == "official kecamatan-mojoroto-budi added\n"
    assert main(["officials", "remove", "kecamatan-mojoroto-budi", "--deactivate"]) == 0
    capsys.readouterr()
    assert main([*add, "--id", "kecamatan-mojoroto-budi", "--phone", "+62 813 1111 3333"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "official kecamatan-mojoroto-budi changed (institution, phone)",
        "official kecamatan-mojoroto-budi is active again",
    ]
    assert officials_in(home) == {"kecamatan-mojoroto-budi": ("+6281311113333", True)}


def test_a_file_that_cannot_be_an_officials_sheet_stops_with_exit_2(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("nama,jabatan\nSri,Ketua\n", encoding="utf-8")
    assert main(["officials", "import", str(sheet)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"warta: {sheet}: line 1 must name the columns name, role")
    assert not (home / "warta.db").exists()


def test_an_empty_store_lists_nobody_and_creates_no_database(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["officials", "list"]) == 0
    assert main(["subscribers", "list"]) == 0
    assert main(["officials", "export"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "no active official",
        "no subscriber",
        "name,role,institution,region,email,phone,id",
    ]
    assert not (home / "warta.db").exists()


def test_with_no_source_enabled_the_import_warns_once_not_on_every_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disabled = tmp_path / "disabled.toml"
    disabled.write_text(SOURCES + "enabled = false\n", encoding="utf-8")
    sheet = tmp_path / "officials.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    assert main(["officials", "import", str(sheet), "--sources", str(disabled)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "warning: no source of the sources file is enabled: no alert can reach anyone"
    )
    assert [line for line in out if "warning" in line] == [out[0]]
