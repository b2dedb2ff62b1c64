"""Source families: one definition over every region of a level, filled from the region table."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from warta.config.families import (
    Family,
    bundled_families_file,
    every_region_of,
    load_families,
    parse_families,
    regency_slug,
    source_for,
    sources_for_region,
)
from warta.core.errors import ConfigError
from warta.core.model import NATIONAL, Authority, SourceKind
from warta.ingest.file_fetcher import FileFetcher
from warta.ingest.parsers import parse

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sources"
HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@pytest.fixture(scope="module")
def families() -> list[Family]:
    return load_families(bundled_families_file())


def test_the_bundled_file_has_kpu_and_bawaslu_families_for_both_levels(
    families: list[Family],
) -> None:
    shapes = {(f.level, f.template["authority"]) for f in families}
    assert shapes == {
        ("provinsi", "kpu"),
        ("kabupaten/kota", "kpu"),
        ("provinsi", "bawaslu"),
        ("kabupaten/kota", "bawaslu"),
    }


def test_every_family_fills_in_for_every_region_of_its_level(families: list[Family]) -> None:
    ids: set[str] = set()
    count = 0
    for family in families:
        for code in every_region_of(family.level):
            source = source_for(family, code)  # parse_source's checks, or ConfigError
            count += 1
            assert source.region == code
            assert source.enabled is False
            assert source.id not in ids, source.id
            ids.add(source.id)
            parts = urlsplit(source.url)
            assert parts.scheme == "https", source.url
            assert parts.hostname is not None
            assert parts.hostname.endswith((".kpu.go.id", ".bawaslu.go.id")), source.url
            labels = parts.hostname.split(".")
            assert all(HOST_LABEL.fullmatch(label) for label in labels), source.url
            assert len(parts.hostname) <= 253
            assert not parts.query and not parts.fragment and not parts.username
            assert "{" not in source.url and "}" not in source.url
    assert count == 2 * (38 + 514)


@pytest.mark.parametrize(
    ("official", "kind", "name"),
    [
        ("Kota Kediri", "kota", "kediri"),
        ("Kabupaten Kayong Utara", "kab", "kayongutara"),
        ("Kabupaten Tojo Una Una", "kab", "tojounauna"),
        ("Kabupaten Toli-Toli", "kab", "tolitoli"),
        ("Kota Administrasi Jakarta Timur", "kota", "jakartatimur"),
        ("Kabupaten Administrasi Kepulauan Seribu", "kab", "kepulauanseribu"),
        ("Kabupaten Pangkajene dan Kepulauan", "kab", "pangkajenedankepulauan"),
    ],
)
def test_regency_slugs_come_from_the_official_name(official: str, kind: str, name: str) -> None:
    assert regency_slug(official) == (kind, name)


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        pytest.param(
            "35.71",
            [
                (
                    "kpu-jatim",
                    "https://jatim.kpu.go.id/index.php/blog/category/104",
                    "Asia/Jakarta",
                ),
                ("bawaslu-jatim", "https://jatim.bawaslu.go.id/feed/", "Asia/Jakarta"),
                (
                    "kpu-kota-kediri",
                    "https://kota-kediri.kpu.go.id/index.php/blog/category/104",
                    "Asia/Jakarta",
                ),
                ("bawaslu-kota-kediri", "https://kedirikota.bawaslu.go.id/feed/", "Asia/Jakarta"),
            ],
            id="kota-kediri",
        ),
        pytest.param(
            "53.01",
            [
                ("kpu-ntt", "https://ntt.kpu.go.id/index.php/blog/category/104", "Asia/Makassar"),
                ("bawaslu-ntt", "https://ntt.bawaslu.go.id/feed/", "Asia/Makassar"),
                (
                    "kpu-kab-kupang",
                    "https://kab-kupang.kpu.go.id/index.php/blog/category/104",
                    "Asia/Makassar",
                ),
                ("bawaslu-kab-kupang", "https://kupangkab.bawaslu.go.id/feed/", "Asia/Makassar"),
            ],
            id="kabupaten-kupang-in-wita",
        ),
        pytest.param(
            "94.04.01",
            [
                (
                    "kpu-papuatengah",
                    "https://papuatengah.kpu.go.id/index.php/blog/category/104",
                    "Asia/Jayapura",
                ),
                ("bawaslu-papuatengah", "https://papuatengah.bawaslu.go.id/feed/", "Asia/Jayapura"),
                (
                    "kpu-kab-mimika",
                    "https://kab-mimika.kpu.go.id/index.php/blog/category/104",
                    "Asia/Jayapura",
                ),
                ("bawaslu-kab-mimika", "https://mimikakab.bawaslu.go.id/feed/", "Asia/Jayapura"),
            ],
            id="a-distrik-gets-its-kabupaten's-in-wit",
        ),
        pytest.param(
            "13",
            [
                (
                    "kpu-sumbar",
                    "https://sumbar.kpu.go.id/index.php/blog/category/104",
                    "Asia/Jakarta",
                ),
                ("bawaslu-sumbar", "https://sumbar.bawaslu.go.id/feed/", "Asia/Jakarta"),
            ],
            id="a-province-gets-its-own-only",
        ),
        pytest.param(NATIONAL, [], id="national-has-none"),
    ],
)
def test_sources_for_a_region(
    families: list[Family],
    region: str,
    expected: list[tuple[str, str, str]],
) -> None:
    got = sources_for_region(families, region)
    assert [(s.id, s.url, s.timezone) for s in got] == expected
    assert all(s.region in (region[:2], region[:5]) for s in got)


def test_names_are_the_regions_names(families: list[Family]) -> None:
    names = [s.name for s in sources_for_region(families, "35.71")]
    assert names == [
        "KPU Jawa Timur",
        "Bawaslu Jawa Timur",
        "KPU Kota Kediri",
        "Bawaslu Kota Kediri",
    ]


FAMILY = """
[province]
"35" = "jawatimur"
[name]
"35.71" = "kotakediri"

[[family]]
id = "bawaslu-{kind}-{name}"
name = "Bawaslu {region_name}"
level = "kabupaten/kota"
url = "https://{name}{kind}.bawaslu.go.id/feed/?p={province}"
kind = "rss"
authority = "bawaslu"
"""


def test_the_override_tables_win_over_the_rules() -> None:
    family = parse_families(FAMILY, "test")[0]
    assert (
        source_for(family, "35.71").url == "https://kotakedirikota.bawaslu.go.id/feed/?p=jawatimur"
    )
    assert source_for(family, "35.06").url == "https://kedirikab.bawaslu.go.id/feed/?p=jawatimur"


def test_a_familys_own_table_wins_over_the_files() -> None:
    text = FAMILY + '[family.name_slug]\n"35.71" = "kdr"\n'
    family = parse_families(text, "test")[0]
    assert source_for(family, "35.71").url.startswith("https://kdrkota.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            FAMILY.replace('level = "kabupaten/kota"', 'level = "desa"'),
            "level must be one of",
            id="unknown-level",
        ),
        pytest.param(
            FAMILY.replace("{name}{kind}", "{nama}"),
            "no placeholder {nama}",
            id="unknown-placeholder",
        ),
        pytest.param(
            FAMILY.replace('level = "kabupaten/kota"', 'level = "provinsi"'),
            "no placeholder {kind} for provinsi",
            id="regency-placeholder-in-a-province-family",
        ),
        pytest.param(
            FAMILY + "enabled = true\n",
            "unknown field(s) enabled",
            id="enabled-is-not-the-family's",
        ),
        pytest.param(
            FAMILY + 'region = "35"\n', "unknown field(s) region", id="region-is-not-the-family's"
        ),
        pytest.param(
            FAMILY.replace('"35" = "jawatimur"', '"35.71" = "x"'),
            "is not a provinsi code",
            id="a-province-table-of-provinces",
        ),
        pytest.param(
            FAMILY.replace('"35" = "jawatimur"', '"39" = "x"'),
            "[province]: region '39'",
            id="an-unknown-code",
        ),
        pytest.param(
            FAMILY.replace('"35" = "jawatimur"', '"35" = "Jawa Timur"'),
            "lower-case letters and digits",
            id="a-slug-that-is-no-host-name",
        ),
        pytest.param("[[family]]\nid = 3\n", "level must be one of", id="not-a-family"),
        pytest.param("family = 1\n", "[[family]] tables", id="not-a-list"),
        pytest.param("[[family\n", "not valid TOML", id="not-toml"),
    ],
)
def test_a_mistake_names_the_family(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_families(text, "families.toml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("families.toml")


def test_a_family_that_fills_in_to_a_bad_source_is_refused_naming_the_region() -> None:
    family = parse_families(FAMILY.replace("https://", "ftp://"), "families.toml")[0]
    with pytest.raises(ConfigError, match=r"families.toml: family #1 for 35.06.*http"):
        source_for(family, "35.06")


SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("authority", "level", "code", "fixture", "items"),
    [
        ("kpu", "kabupaten/kota", "61.04", "html_kpu_blog_category.html", 3),
        ("kpu", "provinsi", "61", "html_kpu_blog_category.html", 3),
        ("bawaslu", "kabupaten/kota", "53.01", "rss_bawaslu_wordpress.xml", 2),
        ("bawaslu", "provinsi", "53", "rss_bawaslu_wordpress.xml", 2),
    ],
)
def test_each_family_reads_a_page_of_its_shape(
    families: list[Family],
    authority: str,
    level: str,
    code: str,
    fixture: str,
    items: int,
) -> None:
    family = next(f for f in families if f.level == level and f.template["authority"] == authority)
    source = source_for(family, code)
    result = FileFetcher(max_body_bytes=1 << 20).fetch(source, url=str(FIXTURES / fixture))
    result = dataclasses.replace(result, url=source.url)
    parsed = parse(source, result, seen_at=SEEN)
    assert len(parsed) == items
    assert all(item.region == code and item.authority is Authority(authority) for item in parsed)
    assert all(item.published_at < SEEN for item in parsed)  # every item dated by the page
    assert source.kind is (SourceKind.HTML if authority == "kpu" else SourceKind.RSS)
