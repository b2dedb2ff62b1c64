"""Region codes are checked against the Kemendagri table wherever they enter: the people
file, the sources file and the command line. A refusal names the value and what was meant."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warta.cli.main import main
from warta.config.people import load_people
from warta.config.sources import parse_sources
from warta.core.errors import ConfigError
from warta.core.validate import check_region, is_region

NOW = datetime(2024, 2, 14, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", ["national", "35", "35.71", "35.06", "35.71.01", "91.71.03"])
def test_national_and_codes_of_the_table_are_taken_as_they_are(code: str) -> None:
    assert check_region(code, "--region") == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # Names: the regions they mean, the kabupaten and kota before kecamatan of that name.
        ("Kediri", "'Kediri' is neither 'national' nor a Kemendagri code (35, 35.71 or 35.71.01); "
                   "did you mean Kabupaten Kediri (35.06) or Kota Kediri (35.71)?"),
        ("Kota Kediri", "did you mean Kota Kediri (35.71)?"),
        ("Kab. Kediri", "did you mean Kabupaten Kediri (35.06)?"),
        ("Kec. Kediri", "did you mean Kecamatan Kediri, Kabupaten Tabanan (51.02.06) or "
                        "Kecamatan Kediri, Kabupaten Lombok Barat (52.01.02)?"),
        ("Jatim", "did you mean Jawa Timur (35)?"),
        ("Surabaja", "did you mean Kota Surabaya (35.78)?"),
        ("Nasional", "did you mean 'national'?"),
        ("National", "did you mean 'national'?"),
        ("Xyzzy", "'Xyzzy' is neither 'national' nor a Kemendagri code (35, 35.71 or 35.71.01), "
                  "nor the name of a region"),
        # Codes: down to where they are known.
        ("99.99", "'99.99' is not a Kemendagri region code: there is no province 99"),
        ("35.99", "'35.99' is not a Kemendagri region code: Jawa Timur (35) has no kabupaten/kota 35.99"),
        ("35.99.01", "Jawa Timur (35) has no kabupaten/kota 35.99"),
        ("35.71.99", "Kota Kediri (35.71) has no kecamatan 35.71.99"),
        ("35.71.01.1001", "'35.71.01.1001' is a desa/kelurahan code; Warta knows regions down to "
                          "the kecamatan: use Kecamatan Mojoroto, Kota Kediri (35.71.01)"),
        ("35.71.99.1001", "Kota Kediri (35.71) has no kecamatan 35.71.99"),
        (" 35.71", "did you mean '35.71', without the space around it?"),
        # Neither: no lookup at all.
        ("35.7", "'35.7' is neither 'national' nor a Kemendagri code (35, 35.71 or 35.71.01)"),
        (35.71, "35.71 is neither 'national' nor a Kemendagri code (35, 35.71 or 35.71.01)"),
        (None, "None is neither 'national' nor a Kemendagri code"),
        ("Kediri" * 40, "is neither 'national' nor a Kemendagri code (35, 35.71 or 35.71.01)"),
        ("Kediri\n\x1b[2J", "'Kediri\\n\\x1b[2J' is neither"),
    ],
)  # fmt: skip
def test_a_refused_region_names_the_value_and_what_was_meant(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_region(value, "--region")
    error = str(raised.value)
    assert error.startswith("--region ")
    assert message in error
    assert "\n" not in error and "\x1b" not in error


def test_a_long_value_is_quoted_short_and_never_looked_up() -> None:
    with pytest.raises(ConfigError) as raised:
        check_region("Kediri" * 40, "--region")
    assert "did you mean" not in str(raised.value)
    assert len(str(raised.value)) < 200


def test_a_village_code_has_the_shape_of_a_code_but_is_not_a_region_warta_knows() -> None:
    assert is_region("35.71.01.1001")
    with pytest.raises(ConfigError, match="desa/kelurahan"):
        check_region("35.71.01.1001", "--region")


def people_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_people_file_refuses_a_subscriber_region_not_in_the_table(tmp_path: Path) -> None:
    path = people_file(
        tmp_path,
        """
        [[subscriber]]
        email = "ani@contoh.id"
        regions = ["35.71", "Kediri"]
        """,
    )
    with pytest.raises(ConfigError) as raised:
        load_people(path, NOW)
    assert "subscriber #1: regions 'Kediri' is neither" in str(raised.value)
    assert "Kota Kediri (35.71)" in str(raised.value)


def test_the_people_file_refuses_an_official_region_not_in_the_table(tmp_path: Path) -> None:
    path = people_file(
        tmp_path,
        """
        [[official]]
        id = "camat-mojoroto"
        name = "Budi"
        role = "Camat"
        region = "35.71.09"
        email = "budi@kediri.example"
        """,
    )
    with pytest.raises(ConfigError) as raised:
        load_people(path, NOW)
    assert "official #1: region '35.71.09' is not a Kemendagri region code" in str(raised.value)
    assert "Kota Kediri (35.71) has no kecamatan 35.71.09" in str(raised.value)


def test_the_people_file_takes_codes_of_the_table(tmp_path: Path) -> None:
    path = people_file(
        tmp_path,
        """
        [[subscriber]]
        email = "ani@contoh.id"
        regions = ["national", "35.06"]
        [[official]]
        id = "camat-mojoroto"
        name = "Budi"
        role = "Camat"
        region = "35.71.01"
        email = "budi@kediri.example"
        """,
    )
    [subscriber], [official] = load_people(path, NOW)
    assert subscriber.regions == ("national", "35.06")
    assert official.region == "35.71.01"


def source(region: str) -> str:
    return (
        f'[[source]]\nid = "uji"\nname = "Uji"\nurl = "https://contoh.go.id/feed/"\n'
        f'kind = "rss"\nauthority = "kpu"\nregion = "{region}"\n'
    )


def test_the_sources_file_refuses_a_region_not_in_the_table() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_sources(source("99.99"), "sources.toml")
    assert "source #1 (uji): region '99.99' is not a Kemendagri region code" in str(raised.value)
    with pytest.raises(ConfigError, match=r"did you mean Jawa Timur \(35\)\?"):
        parse_sources(source("Jatim"), "sources.toml")


def test_the_sources_file_takes_a_code_of_the_table() -> None:
    [parsed] = parse_sources(source("35.06"), "sources.toml")
    assert parsed.region == "35.06"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WARTA_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WARTA_OUTBOX", str(tmp_path / "outbox"))
    return tmp_path / "state"


@pytest.mark.parametrize(
    "args",
    [
        ["subscribers", "add", "ani@contoh.id", "--region", "35.71", "--region", "Kediri"],
        ["officials", "add", "--id", "kpu-kediri", "--name", "Sri", "--role", "Ketua",
         "--region", "Kediri", "--email", "sri@kpu.example"],
    ],
)  # fmt: skip
def test_the_command_line_refuses_a_region_not_in_the_table_and_stores_nothing(
    home: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "--region 'Kediri' is neither 'national' nor a Kemendagri code" in error
    assert "Kabupaten Kediri (35.06) or Kota Kediri (35.71)" in error
    assert not (home / "warta.db").exists()


def test_the_command_line_takes_a_code_of_the_table(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["subscribers", "add", "ani@contoh.id", "--region", "35.71.01"]) == 0
    assert "added" in capsys.readouterr().out
    assert (home / "warta.db").exists()
