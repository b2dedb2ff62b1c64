"""The place tagger: which region a story is about, from the places its title and lead name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from warta.core.model import NATIONAL
from warta.core.text.places import common_region, lead_of, region_named, story_region

BENCH_DATA = Path(__file__).resolve().parents[3] / "bench" / "data"


@pytest.mark.parametrize(
    ("title", "lead", "expected"),
    [
        pytest.param(
            "[SALAH] Video Surat Suara Tercoblos di Kabupaten Kediri",
            "",
            "35.06",
            id="kabupaten-by-its-kind-word",
        ),
        pytest.param("Hoaks! Surat Suara di Kab. Kediri Kurang", "", "35.06", id="kab-abbreviated"),
        pytest.param(
            "[HOAKS] KPU Kota Kediri Tunda Pemungutan Suara",
            "",
            "35.71",
            id="kota-by-its-kind-word",
        ),
        pytest.param(
            "[HOAKS] Pemungutan Suara di Kediri Diundur",
            "",
            "35",
            id="a-shared-name-means-the-province-of-both",
        ),
        pytest.param(
            "KPU Kediri Bantah Hoaks",
            "KPU Kota Kediri menegaskan video itu hoaks.",
            "35.71",
            id="the-lead-settles-a-shared-name",
        ),
        pytest.param("Bupati Bogor Ajak Warga ke TPS", "", "32.01", id="bupati-means-kabupaten"),
        pytest.param("Wali Kota Bogor Ajak Warga ke TPS", "", "32.71", id="wali-kota-means-kota"),
        pytest.param(
            "Surat Suara Pilbup Malang Tercoblos", "", "35.07", id="pilbup-means-kabupaten"
        ),
        pytest.param("Gubernur NTB Larang Warga ke TPS", "", "52", id="province-abbreviation"),
        pytest.param(
            "Video Kericuhan di Kabupaten Bandung Barat", "", "32.17", id="the-longest-name-wins"
        ),
        pytest.param(
            "Rekapitulasi di Kota Tanjungpinang Diulang",
            "",
            "21.72",
            id="names-written-without-their-spaces",
        ),
        pytest.param("KPU Bau-Bau Hilangkan Suara", "", "74.72", id="names-written-with-a-hyphen"),
        pytest.param("Pilkada Solo Diikuti Calon Tunggal", "", "33.72", id="alias"),
        pytest.param(
            "Bawaslu Sulsel Temukan Politik Uang di Kabupaten Gowa",
            "",
            "73.06",
            id="the-most-specific-region-named",
        ),
        pytest.param(
            "TPS Terendam di Demak dan Kudus", "", "33", id="two-kabupaten-give-their-province"
        ),
        pytest.param(
            "PSU di Kabupaten Pasaman dan Kota Palopo",
            "",
            NATIONAL,
            id="two-provinces-give-the-country",
        ),
        pytest.param(
            "Video Pencoblosan Ganda di Kecamatan Mojoroto, Kota Kediri",
            "",
            "35.71.01",
            id="kecamatan-within-its-kota",
        ),
        pytest.param(
            "Video Pencoblosan Ganda di Kecamatan Mojoroto",
            "",
            None,
            id="kecamatan-without-its-kota-is-not-read",
        ),
        pytest.param(
            "KPU Bantah Isu Pemilu Ditunda",
            "KPU RI memastikan tahapan berjalan.",
            None,
            id="no-place",
        ),
        pytest.param(
            "KPU Pastikan Logistik Aman",
            "Jakarta (ANTARA) - Komisi Pemilihan Umum memastikan logistik aman.",
            None,
            id="a-dateline-is-not-the-story's-place",
        ),
        pytest.param(
            "Rapat Pleno Rekapitulasi Nasional",
            "KPU RI menggelar rapat pleno di kantor KPU, Jakarta.",
            None,
            id="jakarta-as-the-seat-in-a-lead",
        ),
        pytest.param("Pemilu di Jakarta Ditunda karena Banjir", "", "31", id="jakarta-in-a-title"),
        pytest.param("Nasib Malang Petugas KPPS", "", None, id="a-common-word"),
        pytest.param("Video Bima Arya Kampanyekan Paslon", "", None, id="a-person's-name"),
        pytest.param("DPR Ketok Palu RUU Pilkada", "", None, id="a-hammer"),
        pytest.param("Banjir di Malang Rendam TPS", "", "35", id="a-common-word-after-di"),
        pytest.param(
            "Bawaslu Palu Temukan Surat Suara", "", "72.71", id="a-common-word-after-a-body"
        ),
        pytest.param("Kota Batu Tunda Pilkada", "", "35.79", id="a-common-word-with-its-kind"),
        pytest.param("Kapal Tenggelam di Laut Natuna Utara", "", None, id="a-sea-is-no-region"),
        pytest.param("Ibu Kota Nusantara Belum Jadi Dapil", "", None, id="ibu-kota-is-no-kota"),
        pytest.param("kpu kota kediri tetapkan dpt", "", "35.71", id="a-text-without-capitals"),
        pytest.param(
            "Logistik Pemilu Tiba di Jawa Tengah",
            "Logistik diterima KPU Kota Semarang pagi ini.",
            "33.74",
            id="the-lead-narrows-the-title",
        ),
        pytest.param(
            "Logistik Pemilu Tiba di Jawa Tengah",
            "Logistik diterima KPU Kota Surabaya pagi ini.",
            "33",
            id="the-lead-cannot-leave-the-title's-region",
        ),
    ],
)
def test_region_named(title: str, lead: str, expected: str | None) -> None:
    assert region_named(title, lead) == expected


@pytest.mark.parametrize(
    ("source_region", "title", "expected"),
    [
        pytest.param(
            "35.71", "Bimtek PPS Kediri Digelar", "35.71", id="a-shared-name-settled-by-the-source"
        ),
        pytest.param(
            "35.71", "Pemilu di Jawa Timur Kondusif", "35.71", id="never-wider-than-the-source"
        ),
        pytest.param(
            "35.71",
            "Studi Banding ke KPU Kabupaten Blitar",
            "35.71",
            id="a-place-outside-the-source-is-not-read",
        ),
        pytest.param(
            "35.71", "Sosialisasi di Kecamatan Mojoroto", "35.71.01", id="a-kecamatan-of-the-source"
        ),
        pytest.param(
            "35",
            "Bawaslu Temukan Pelanggaran di Kabupaten Jember",
            "35.09",
            id="narrower-than-the-source",
        ),
        pytest.param("32", "Rapat Koordinasi Pengawasan", "32", id="the-source's-region-kept"),
        pytest.param(NATIONAL, "KPU Bantah Isu Pemilu Ditunda", NATIONAL, id="national-kept"),
    ],
)
def test_story_region_stays_within_the_source(
    source_region: str, title: str, expected: str
) -> None:
    assert story_region(title, "", source_region) == expected


def test_common_region_is_the_smallest_region_holding_all() -> None:
    assert common_region(["35.06", "35.71"]) == "35"
    assert common_region(["35.71.01", "35.71"]) == "35.71"
    assert common_region(["35.06", "33.74"]) == NATIONAL
    assert common_region(["35.06", NATIONAL]) == NATIONAL
    assert common_region([]) == NATIONAL


def test_the_lead_is_the_first_sentences_without_the_dateline() -> None:
    text = "KEDIRI, KOMPAS.com - KPU menggelar rapat. Rapat dihadiri saksi. Kalimat ketiga."
    assert lead_of(text) == "KPU menggelar rapat. Rapat dihadiri saksi."


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


REGION_SETS = sorted(BENCH_DATA.glob("region_*.tsv"))


def test_the_region_sets_are_present() -> None:
    assert {"region_set.tsv", "region_holdout.tsv"} <= {p.name for p in REGION_SETS}


@pytest.mark.parametrize("path", REGION_SETS, ids=lambda path: path.name)
def test_region_set_meets_quality_targets(path: Path) -> None:
    rows = _rows(path)
    got = [(story_region(r["title"], r["lead"], r["source_region"]), r) for r in rows]
    tagged = [(g, r) for g, r in got if g != r["source_region"]]
    wanted = [(g, r) for g, r in got if r["region"] != r["source_region"]]
    precision = sum(g == r["region"] for g, r in tagged) / len(tagged)
    recall = sum(g == r["region"] for g, r in wanted) / len(wanted)
    assert precision >= 0.97, f"precision {precision:.3f}"
    assert recall >= 0.9, f"recall {recall:.3f}"
