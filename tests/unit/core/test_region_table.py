"""The Kemendagri region table: what it holds, how names find codes, and each province's zone."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from warta.core import regions
from warta.core.model import ALL_REGIONS, NATIONAL
from warta.core.regions import (
    KINDS,
    WIB,
    WIT,
    WITA,
    children,
    close_to,
    is_known,
    lookup,
    province_of,
    region,
    region_name,
    time_zone,
)

REPO = Path(__file__).resolve().parents[3]


def every_region() -> list[regions.Region]:
    rows: list[regions.Region] = []
    pending = list(children(NATIONAL))
    while pending:
        row = pending.pop()
        rows.append(row)
        pending.extend(children(row.code))
    return rows


def codes(found: tuple[regions.Region, ...]) -> list[str]:
    return [row.code for row in found]


def test_the_table_holds_every_province_kabupaten_kota_and_kecamatan_of_idn_area_data_4_0_1() -> (
    None
):
    kinds = Counter(row.kind for row in every_region())

    assert kinds["provinsi"] == 38
    assert kinds["kabupaten"] + kinds["kota"] == 514
    assert (kinds["kabupaten"], kinds["kota"]) == (416, 98)
    assert kinds["kecamatan"] == 7285
    assert set(kinds) == set(KINDS)


def test_every_region_is_filed_under_its_parent_with_the_kind_of_its_level() -> None:
    for row in every_region():
        level = row.code.count(".")
        assert row.kind == "provinsi" if level == 0 else row.kind != "provinsi", row
        assert row.kind == "kecamatan" if level == 2 else row.kind != "kecamatan", row
        assert is_known(row.code)
        assert region(row.code) == row
        assert province_of(row.code) == row.code[:2]
        assert row.name == row.name.strip() and "\t" not in row.name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (NATIONAL, "Nasional"),
        (ALL_REGIONS, "Semua wilayah"),
        ("35", "Jawa Timur"),
        ("31", "Daerah Khusus Ibukota Jakarta"),
        ("35.71", "Kota Kediri"),
        ("35.06", "Kabupaten Kediri"),
        ("35.78", "Kota Surabaya"),
        ("31.71", "Kota Administrasi Jakarta Pusat"),
        ("35.71.01", "Kecamatan Mojoroto, Kota Kediri"),
        ("35.71.02", "Kecamatan Kota, Kota Kediri"),
        # The provinces of Papua call their kecamatan "distrik".
        ("91.71.03", "Distrik Abepura, Kota Jayapura"),
        ("73.26.06", "Kecamatan Sa'dan, Kabupaten Toraja Utara"),
    ],
)
def test_a_region_is_named_as_a_message_shows_it(code: str, name: str) -> None:
    assert region_name(code) == name


@pytest.mark.parametrize("code", ["99", "35.99", "35.71.01.1001", "Kediri", ""])
def test_a_code_the_table_does_not_know_is_shown_as_it_is_and_is_not_known(code: str) -> None:
    # A story stored before the table changed still renders.
    assert region_name(code) == code
    assert not is_known(code)
    assert region(code) is None


def test_national_is_known_but_is_no_row_of_the_table() -> None:
    assert is_known(NATIONAL)
    assert region(NATIONAL) is None
    assert province_of(NATIONAL) is None
    with pytest.raises(ValueError, match=r"35\.99"):
        province_of("35.99")


def test_children_are_one_level_down_in_code_order() -> None:
    assert codes(children("35.71")) == ["35.71.01", "35.71.02", "35.71.03"]
    assert [row.name for row in children("35.71")] == ["Mojoroto", "Kota", "Pesantren"]
    provinces = codes(children(NATIONAL))
    assert len(provinces) == 38 and provinces == sorted(provinces)
    assert "35.71" in codes(children("35")) and "35.06" in codes(children("35"))
    assert children("35.71.01") == ()
    assert children("99") == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kota Kediri", ["35.71"]),
        ("kota  KEDIRI ", ["35.71"]),
        ("Kabupaten Kediri", ["35.06"]),
        ("Kab. Kediri", ["35.06"]),
        ("kab kediri", ["35.06"]),
        # Without its kind, a name means every region of that name, the larger first.
        ("Kediri", ["35.06", "35.71", "51.02.06", "52.01.02"]),
        ("Kec. Kediri", ["51.02.06", "52.01.02"]),
        ("Kecamatan Mojoroto", ["35.71.01"]),
        ("Mojoroto", ["35.71.01"]),
        ("Jawa Timur", ["35"]),
        ("Provinsi Jawa Timur", ["35"]),
        ("Jatim", ["35"]),
        ("DKI Jakarta", ["31"]),
        ("Jakarta Pusat", ["31.71"]),
        ("Kota Jakarta Pusat", ["31.71"]),
        ("Kota Adm. Jakarta Pusat", ["31.71"]),
        ("Yogyakarta", ["34", "34.71"]),
        ("Sa'dan", ["73.26.06"]),
        ("Sadan", ["73.26.06"]),
        ("Distrik Abepura", ["91.71.03"]),
        # "Kota Baru" is no kota, but three kecamatan are named so.
        ("Kota Baru", ["15.71.07", "32.15.25", "53.08.13"]),
        ("Kota Kediri Raya", []),
        ("35.71", []),
        ("", []),
        ("\x1b[31m", []),
    ],
)
def test_a_name_finds_its_regions_whatever_its_case_spacing_or_short_form(
    name: str, expected: list[str]
) -> None:
    assert codes(lookup(name)) == expected


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("Surabaja", "35.78"), ("Jawa Timr", "35"), ("Kota Kedri", "35.71"), ("Mojorot", "35.71.01")],
)
def test_a_misspelt_name_comes_close_to_the_region_meant(typo: str, meant: str) -> None:
    assert lookup(typo) == ()
    assert meant in codes(close_to(typo))


def test_a_name_like_no_region_comes_close_to_nothing() -> None:
    assert close_to("Xyzzy Qwerty") == ()
    assert len(close_to("Kediri", limit=2)) == 2


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        (NATIONAL, WIB),
        ("11", WIB),  # Aceh
        ("31", WIB),  # Jakarta
        ("35.71.01", WIB),  # a kecamatan of Kota Kediri
        ("61", WIB),  # Kalimantan Barat
        ("62", WIB),  # Kalimantan Tengah
        ("51", WITA),  # Bali
        ("51.71", WITA),  # Kota Denpasar
        ("53", WITA),  # Nusa Tenggara Timur
        ("63", WITA),  # Kalimantan Selatan
        ("65", WITA),  # Kalimantan Utara
        ("73", WITA),  # Sulawesi Selatan
        ("81", WIT),  # Maluku
        ("91", WIT),  # Papua
        ("94", WIT),  # Papua Tengah
        ("96", WIT),  # Papua Barat Daya
    ],
)
def test_each_province_has_its_time_zone(code: str, zone: regions.TimeZone) -> None:
    assert time_zone(code) == zone


def test_every_province_of_the_table_has_a_zone_and_no_other_code_does() -> None:
    provinces = {row.code for row in children(NATIONAL)}
    assert set(regions._ZONES) == provinces
    assert {zone.key for zone in regions._ZONES.values()} == {
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    }
    with pytest.raises(ValueError, match="99"):
        time_zone("99.01")


def test_every_province_alias_names_a_province() -> None:
    provinces = {row.code for row in children(NATIONAL)}
    assert set(regions._PROVINCE_ALIASES.values()) <= provinces


# Run in a fresh interpreter: whether the table was read is the cache of its loader.
PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
from warta.core import regions
print(regions._table.cache_info().currsize)
regions.region_name("35.71")
print(regions._table.cache_info().currsize)
"""
HANDLERS = [
    "warta.handlers." + name
    for name in ("schedule", "ingest", "alerts", "digest_plan", "digest_send", "web")
]


def test_importing_the_handlers_renderer_and_checks_reads_no_region_table() -> None:
    modules = [*HANDLERS, "warta.render", "warta.core.validate", "warta.config.people"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PATH": "", "AWS_DEFAULT_REGION": "ap-southeast-3", "PYTHONPATH": str(REPO)},
    )
    # Nothing read at import; the first name shown reads it (the probe can see a read).
    assert done.stdout.split() == ["0", "1"]
