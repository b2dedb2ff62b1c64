"""Stories and places: a report that names no place may join one that does; two places,
named with their kind or not, stay apart; one source's numbered series stays apart."""

from __future__ import annotations

import pytest

from warta.core.text.cluster import compatible, numbered_apart, signature, story_to_join

RELEASE = (
    "KPU memastikan video surat suara tercoblos yang beredar di media sosial tidak benar. "
    "Surat suara dalam video adalah surat suara rusak yang disortir petugas pekan lalu. "
    "KPU meminta warga tidak menyebarkan video tersebut."
)


def test_a_report_naming_no_place_is_compatible_with_one_naming_its_place() -> None:
    assert compatible(
        "KPU Bantah Video Surat Suara Tercoblos",
        RELEASE,
        "KPU Kabupaten Kediri Bantah Video Surat Suara Tercoblos",
        RELEASE,
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("KPU Sleman", "KPU Bantul", id="two-kabupaten-without-their-kind"),
        pytest.param(
            "KPU Kota Kediri", "KPU Kabupaten Kediri", id="kota-and-kabupaten-of-one-name"
        ),
        pytest.param("Bawaslu Jawa Timur", "Bawaslu Jawa Tengah", id="two-provinces"),
    ],
)
def test_two_places_conflict(a: str, b: str) -> None:
    assert not compatible(
        f"{a} Bantah Video Surat Suara Tercoblos",
        RELEASE,
        f"{b} Bantah Video Surat Suara Tercoblos",
        RELEASE,
    )


def test_a_place_and_a_region_holding_it_are_compatible() -> None:
    assert compatible(
        "Bawaslu Jawa Timur Bantah Video Surat Suara Tercoblos",
        RELEASE,
        "KPU Kota Kediri Bantah Video Surat Suara Tercoblos",
        RELEASE,
    )


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("Pengumuman Hasil Seleksi PPK Tahap 1", "Pengumuman Hasil Seleksi PPK Tahap 12", True),
        ("Bimtek KPPS Gelombang Kedua", "Bimtek KPPS Gelombang Ketiga", True),
        ("Rekrutmen Pantarlih Tahap II", "Rekrutmen Pantarlih Tahap III", True),
        ("Rapat Pleno Ke-2 Penetapan DPT", "Rapat Pleno Ke-3 Penetapan DPT", True),
        ("Pengumuman Hasil Seleksi PPK Tahap 1", "Pengumuman Hasil Seleksi PPK Tahap 1", False),
        ("Pengumuman Hasil Seleksi PPK Tahap 1", "Pengumuman Hasil Seleksi PPS Tahap 2", False),
        ("Seleksi PPK Tahap 1", "Seleksi PPK Tahap 1 Diperpanjang", False),
    ],
)
def test_titles_that_differ_only_in_a_number_or_an_ordinal(a: str, b: str, apart: bool) -> None:
    assert numbered_apart(a, b) is apart


TEXT = (
    "KPU Kota Kediri mengumumkan hasil seleksi administrasi calon anggota PPK. "
    "Peserta yang lolos mengikuti tes tertulis berbasis komputer di kantor KPU. "
    "Jadwal tes dapat dilihat pada laman resmi KPU Kota Kediri."
)


def _join(title: str, story_source: str, item_source: str) -> str | None:
    story_title = "Pengumuman Hasil Seleksi PPK Tahap 1"
    stories = {"st-1": (signature(story_title, TEXT), story_title, TEXT, story_source)}
    return story_to_join(
        signature(title, TEXT),
        title,
        TEXT,
        stories,
        age=lambda story_id: story_id,
        first_item=lambda story_id: stories[story_id][:3],
        same_source=lambda story_id: stories[story_id][3] == item_source,
    )


def test_one_sources_numbered_series_are_different_stories() -> None:
    assert (
        _join("Pengumuman Hasil Seleksi PPK Tahap 2", "kpu-kota-kediri", "kpu-kota-kediri") is None
    )


def test_the_same_title_from_another_source_joins() -> None:
    assert _join("Pengumuman Hasil Seleksi PPK Tahap 1", "kpu-kota-kediri", "antara") == "st-1"


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("Bawaslu Temukan 4 Dugaan Pelanggaran", "Bawaslu Temukan 36 Dugaan Pelanggaran", True),
        # Newsrooms round and restate figures, and number a series their own way.
        ("KPU Tetapkan DPT 204,8 Juta Pemilih", "KPU Tetapkan DPT 204 Juta Pemilih", False),
        ("KPU Tetapkan DPT 204 Juta Pemilih", "KPU Tetapkan DPT 205 Juta Pemilih", False),
        ("Bimtek KPPS Gelombang Kedua", "Bimtek KPPS Gelombang Ketiga", False),
    ],
)
def test_across_sources_only_a_whole_count_tells_titles_apart(a: str, b: str, apart: bool) -> None:
    assert numbered_apart(a, b, same_source=False) is apart
