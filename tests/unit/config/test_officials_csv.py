"""The officials CSV: each line an official or refused alone, read as data, written back the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import warta.config.officials_csv
from warta.config.officials_csv import (
    COLUMNS,
    MAX_BYTES,
    MAX_LINES,
    official_id,
    read_officials,
    write_officials,
)
from warta.core.errors import ConfigError
from warta.core.model import Official

HEADER = "name,role,institution,region,email,phone,id\n"


def csv_file(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "officials.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_example_in_the_module_docstring_reads(tmp_path: Path) -> None:
    doc = warta.config.officials_csv.__doc__ or ""
    example = "".join(line[4:] + "\n" for line in doc.splitlines() if line.startswith("    "))
    lines = read_officials(csv_file(tmp_path, example))
    assert [(line.number, line.problem) for line in lines] == [(2, None), (3, None)]
    assert [line.official for line in lines] == [
        Official(
            id="kpu-kota-kediri-sri-lestari",
            name="Sri Lestari",
            role="Ketua",
            region="35.71",
            email="sri@kpu.example.id",
            phone="+6281234567890",
            institution="KPU Kota Kediri",
        ),
        Official(
            id="camat-mojoroto",
            name="Budi",
            role="Camat",
            region="35.71.01",
            phone="+6281311112222",
            institution="Kecamatan Mojoroto",
        ),
    ]


def test_a_spreadsheets_byte_order_mark_and_crlf_and_column_order_are_taken(
    tmp_path: Path,
) -> None:
    text = "\ufeffEmail,Phone,Region,Institution,Role,Name\r\nani@contoh.id,,35,,Humas,Ani\r\n"
    [line] = read_officials(csv_file(tmp_path, text))
    assert line.official is not None
    assert (line.official.id, line.official.email, line.official.institution) == (
        "ani",
        "ani@contoh.id",
        None,
    )


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("Sri,Ketua,KPU,35.71,,031 734 5678,", "phone is not a mobile number"),
        ("Sri,Ketua,KPU,35.71,sri@kpu.example.id; x@y.id,,", "email must be exactly one"),
        ("Sri,Ketua,KPU,35.71,,,", "an official needs an email or a phone number"),
        (",Ketua,KPU,35.71,sri@kpu.example.id,,", "name is required"),
        ("Sri,,KPU,35.71,sri@kpu.example.id,,", "role is required"),
        ("Sri,Ketua,KPU,Kediri,sri@kpu.example.id,,", "region 'Kediri' is neither"),
        ("Sri,Ketua,KPU,35.99,sri@kpu.example.id,,", "Jawa Timur (35) has no kabupaten/kota 35.99"),
        # Columns swapped: the region cell holds the number, which is not repeated.
        ("Sri,Ketua,KPU,0812 9876 5432,sri@kpu.example.id,,", "region must be a Kemendagri code"),
        ("Sri,Ketua,KPU,sri@kpu.example.id,35.71,,", "region must be a Kemendagri code"),
        ("Sri,Ketua,KPU,35.71,sri@kpu.example.id,,KPU Sri", "id must be lower-case letters"),
        ('"Sri\nBcc: x",Ketua,KPU,35.71,sri@kpu.example.id,,', "name must be one line"),
        ("Sri,Ketua\0,KPU,35.71,sri@kpu.example.id,,", "role must be one line"),
        ("Sri,Ketua,KPU,35.71,sri@kpu.example.id", "has 5 cells where the header has 7"),
        ("Sri,Ketua,KPU,35.71,sri@kpu.example.id,,,", "has 8 cells where the header has 7"),
    ],
)
def test_a_bad_line_is_refused_alone_with_a_reason_that_never_repeats_a_contact(
    tmp_path: Path, row: str, problem: str
) -> None:
    text = (
        HEADER
        + "Ani,Humas,KPU,35,ani@contoh.id,,\n"
        + row
        + "\nBudi,Camat,,35.71.01,,0813 1111 2222,\n"
    )
    lines = read_officials(csv_file(tmp_path, text))
    assert [line.number for line in lines] == [2, 3, 4 + row.count("\n")]
    good, bad, last = lines
    assert good.official is not None and last.official is not None
    assert bad.official is None and bad.problem is not None
    assert problem in bad.problem
    for contact in ("sri@kpu.example.id", "x@y.id", "734 5678", "9876 5432"):
        assert contact not in bad.problem


def test_two_lines_with_one_id_refuse_the_second(tmp_path: Path) -> None:
    text = (
        HEADER
        + "Sri,Ketua,KPU Kota Kediri,35.71,sri@kpu.example.id,,\n"
        + "Sri,Ketua,KPU Kota Kediri,35.71,sri.lain@kpu.example.id,,\n"
    )
    first, second = read_officials(csv_file(tmp_path, text))
    assert first.official is not None and second.official is None
    assert second.problem == "id kpu-kota-kediri-sri is also line 2's"


def test_blank_lines_are_skipped_and_lines_are_counted_as_the_file_has_them(
    tmp_path: Path,
) -> None:
    text = (
        HEADER
        + "\n,,,,,,\n"
        + 'Sri,"Ketua,\nHumas",KPU,35.71,sri@kpu.example.id,,\n'
        + "Ani,Humas,,35,ani@contoh.id,,\n"
    )
    first, second = read_officials(csv_file(tmp_path, text))
    assert (first.number, second.number) == (4, 6)
    assert first.problem == "role must be one line without control characters"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty: it needs a header row"),
        ("\n\n", "is empty"),
        ("name,role,region,email,phone\n", "the header has no column institution"),
        ("name,role,institution,region,email,phone,kota\n", "unknown column(s) 'kota'"),
        ("name,role,institution,region,email,phone,name\n", "the header names name twice"),
        (
            HEADER
            + "Ani,Humas,,35,ani@contoh.id,,\n"
            + 'Sri,"Ketua,KPU,35.71,,,\nBudi,Camat,,35,,,\n',
            "line 3: unexpected end of data",
        ),
    ],
)
def test_what_spoils_the_whole_file_is_one_line_naming_it(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        read_officials(path)
    assert problem in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_file_not_in_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    path = csv_file(tmp_path, HEADER + "Sri,Ketua,Dinas Kominfo Jawa Barat,32,,0812 3456 7890,\n")
    path.write_bytes(path.read_bytes().replace(b"Kominfo", "Kominfö".encode("latin-1")))
    with pytest.raises(
        ConfigError, match=r"not UTF-8 text .*save it from the spreadsheet as CSV UTF-8"
    ):
        read_officials(path)


def test_too_big_or_too_long_a_file_is_refused_before_anything_else(tmp_path: Path) -> None:
    big = csv_file(tmp_path, HEADER + "x" * MAX_BYTES)
    with pytest.raises(ConfigError, match="larger than 2 MiB"):
        read_officials(big)
    row = "Ani,Humas,,35,ani@contoh.id,,\n"
    long = csv_file(tmp_path, HEADER + row * (MAX_LINES + 1))
    with pytest.raises(ConfigError, match=f"more than {MAX_LINES} officials"):
        read_officials(long)


def test_ids_made_from_institution_and_name_are_stable_and_fit() -> None:
    assert official_id("KPU Kota Kediri", "Sri Lestari, S.Sos.", "x") == (
        "kpu-kota-kediri-sri-lestari-s-sos"
    )
    assert official_id(None, "Ni Luh Putu Ayu Dewi Ariani", "x") == "ni-luh-putu-ayu-dewi-ariani"
    assert official_id("Dinas Kominfo", "Dédé Ärwin", "x") == "dinas-kominfo-dede-arwin"
    long_a = official_id(
        "Badan Pengawas Pemilihan Umum Kabupaten Kepulauan Siau Tagulandang Biaro", "Ani", "x"
    )
    long_b = official_id(
        "Badan Pengawas Pemilihan Umum Kabupaten Kepulauan Siau Tagulandang Biaro", "Ana", "x"
    )
    assert len(long_a) <= 64 and len(long_b) <= 64 and long_a != long_b
    # No Latin letters: a hash of the contact, never the contact itself.
    made = official_id(None, "محمد", "+6281234567890")
    assert made.startswith("official-") and "81234567890" not in made
    assert made == official_id(None, "محمد", "+6281234567890")


def test_export_guards_formulas_and_imports_back_as_the_same_officials(tmp_path: Path) -> None:
    officials = [
        Official(
            id="kpu-kota-kediri-sri",
            name='=HYPERLINK("http://x")',
            role="+Ketua",
            region="35.71",
            email="sri@kpu.example.id",
            phone="+6281234567890",
            institution='@KPU, "Kota" Kediri',
        ),
        Official(id="camat", name="-Budi", role="Camat", region="35.71.01", phone="+6281311112222"),
    ]
    out = io.StringIO()
    assert write_officials(officials, out) == 2
    written = out.getvalue()
    assert written.splitlines()[0] == ",".join(COLUMNS)
    assert written.splitlines()[1] == (
        '"\'=HYPERLINK(""http://x"")",\'+Ketua,"\'@KPU, ""Kota"" Kediri",35.71,'
        "sri@kpu.example.id,'+6281234567890,kpu-kota-kediri-sri"
    )
    assert written.splitlines()[2] == "'-Budi,Camat,,35.71.01,,'+6281311112222,camat"
    lines = read_officials(csv_file(tmp_path, written))
    assert [line.official for line in lines] == officials
