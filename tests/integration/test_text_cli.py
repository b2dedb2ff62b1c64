from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from tests.builders import in_another_regency

from warta.cli.text_filters import classify_lines, cluster_lines, summarize_lines
from warta.core.model import Authority
from warta.core.text.classify import classify
from warta.core.text.places import region_named
from warta.core.text.summarize import summarize

Filter = Callable[..., int]

RELEASE_TITLE = "KPU Kota Kediri Tetapkan DPT Pilkada 2024 Sebanyak 214.236 Pemilih"
RELEASE = (
    "Kediri (ANTARA) - Komisi Pemilihan Umum (KPU) Kota Kediri menetapkan daftar pemilih tetap "
    "(DPT) untuk Pemilihan Kepala Daerah 2024 sebanyak 214.236 pemilih dalam rapat pleno "
    "terbuka di Kediri, Jawa Timur, Rabu.\n\n"
    "Ketua KPU Kota Kediri Ninik Sunarmi mengatakan jumlah itu terdiri atas 105.117 pemilih "
    "laki-laki dan 109.119 pemilih perempuan yang tersebar di 46 kelurahan dan tiga kecamatan.\n\n"
    '"Jumlah DPT ini sudah melalui proses pencocokan dan penelitian oleh petugas pemutakhiran '
    'data pemilih di lapangan selama satu bulan," kata Ninik.\n\n'
    "KPU juga mengimbau masyarakat untuk mengecek nama mereka melalui laman cekdptonline "
    "atau datang langsung ke kantor kelurahan masing-masing. Jumlah tempat pemungutan suara "
    "yang disiapkan sebanyak 512 TPS."
)
REPUBLISHED_TITLE = "Pilkada 2024, DPT Kota Kediri Ditetapkan 214.236 Orang"
REPUBLISHED = (
    "Rapat pleno penetapan DPT digelar Rabu pagi.\n\n"
    + RELEASE.replace("Kediri (ANTARA) - Komisi", "KOTA KEDIRI - Komisi").replace(
        "mengimbau", "menghimbau"
    )
    + "\n\nBaca juga: Bawaslu Kota Kediri awasi kampanye di pasar"
)
OTHER_TITLE = "KPU Kabupaten Kediri Tetapkan DPT Pilkada 2024 Sebanyak 1.252.601 Pemilih"
OTHER = in_another_regency(RELEASE)


def run(filter_: Filter, records: list[Any] | str) -> tuple[int, list[dict[str, Any]], str]:
    """Runs a filter on JSON lines (or raw text); returns status, output objects, stderr."""
    if isinstance(records, str):
        text = records
    else:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    out, err = io.StringIO(), io.StringIO()
    status = filter_(io.StringIO(text), out, err=err)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_summarize_adds_the_summary_and_keeps_every_field() -> None:
    records = [
        {"title": RELEASE_TITLE, "text": RELEASE, "url": "https://kpu.example/1"},
        {"title": OTHER_TITLE, "text": OTHER},
    ]
    status, lines, err = run(summarize_lines, records)
    assert (status, err) == (0, "")
    assert lines == [
        {**records[0], "summary": summarize(RELEASE_TITLE, RELEASE)},
        {**records[1], "summary": summarize(OTHER_TITLE, OTHER)},
    ]
    assert "214.236" in lines[0]["summary"]


@pytest.mark.parametrize(
    ("title", "summary", "source"),
    [
        ("KPU Bantah Isu Surat Suara Sudah Dicoblos", "Video itu tidak benar.", "kpu"),
        (
            "[HOAKS] Gempa Guncang Cianjur saat Pemungutan Suara",
            "BMKG: tidak ada gempa.",
            "factcheck",
        ),
        ("Harga Cabai Rawit Naik", "Pedagang menyebut pasokan berkurang.", "media"),
        ("Pemkot Gelar Sosialisasi Pemilih Pemula", "Diikuti 500 pelajar SMA.", "pemda"),
    ],
)
def test_classify_answers_as_the_pipeline_does(title: str, summary: str, source: str) -> None:
    status, lines, _ = run(classify_lines, [{"title": title, "summary": summary, "source": source}])
    election, clarification = classify(title, summary, Authority(source))
    assert status == 0
    assert lines == [
        {
            "title": title,
            "summary": summary,
            "source": source,
            "election": election,
            "clarification": clarification,
            "region": region_named(title, summary),
        }
    ]


def test_classify_names_the_region_the_text_names_within_the_sources() -> None:
    records = [
        {
            "title": "[HOAKS] Surat Suara Tercoblos di Kabupaten Kediri",
            "summary": "",
            "source": "factcheck",
        },
        {"title": "[HOAKS] Surat Suara Tercoblos di Kediri", "summary": "", "source": "factcheck"},
        {"title": "Bimtek PPS Kediri", "summary": "", "source": "kpu", "source_region": "35.71"},
        {"title": "KPU Bantah Isu Pemilu Ditunda", "summary": "", "source": "kpu"},
        {"title": "Rapat Pleno", "summary": "", "source": "kpu", "source_region": "35.99"},
    ]
    status, lines, err = run(classify_lines, records)
    assert [line.get("region") for line in lines] == ["35.06", "35", "35.71", None, None]
    assert status == 1
    assert "line 5: unknown source_region '35.99'" in err


def test_classify_tells_a_rebuttal_from_other_news() -> None:
    _, lines, _ = run(
        classify_lines,
        [
            {"title": "KPU Bantah Isu Surat Suara Sudah Dicoblos", "summary": "", "source": "kpu"},
            {"title": "Harga Cabai Rawit Naik", "summary": "Pasokan berkurang.", "source": "media"},
        ],
    )
    assert [(x["election"], x["clarification"]) for x in lines] == [(True, True), (False, False)]


def test_cluster_puts_a_republished_release_in_the_first_items_story() -> None:
    records = [
        {"id": "kpu-1", "title": RELEASE_TITLE, "text": RELEASE, "source": "kpu-kediri"},
        {"id": "kab-1", "title": OTHER_TITLE, "text": OTHER, "source": "kpu-kab-kediri"},
        {"id": "antara-7", "title": REPUBLISHED_TITLE, "text": REPUBLISHED, "source": "antara"},
        {"id": 42, "title": "Harga Cabai Rawit Naik", "text": "Pasokan berkurang.", "source": "x"},
    ]
    status, lines, err = run(cluster_lines, records)
    assert (status, err) == (0, "")
    assert [line["story"] for line in lines] == ["kpu-1", "kab-1", "kpu-1", 42]
    assert lines[2] == {**records[2], "story": "kpu-1"}


def test_cluster_keeps_no_state_between_batches() -> None:
    first = [{"id": "a", "title": RELEASE_TITLE, "text": RELEASE, "source": "kpu"}]
    second = [{"id": "b", "title": REPUBLISHED_TITLE, "text": REPUBLISHED, "source": "antara"}]
    assert run(cluster_lines, first)[1][0]["story"] == "a"
    assert run(cluster_lines, second)[1][0]["story"] == "b"


GOOD_SUMMARIZE = {"title": "KPU Tetapkan DPT", "text": "KPU menetapkan DPT. Rapat digelar Rabu."}
GOOD_CLASSIFY = {"title": "KPU Tetapkan DPT", "summary": "KPU menetapkan DPT.", "source": "kpu"}
GOOD_CLUSTER = {
    "id": "a",
    "title": "KPU Tetapkan DPT",
    "text": "KPU menetapkan DPT.",
    "source": "kpu",
}


@pytest.mark.parametrize(
    ("filter_", "good", "bad_line", "error"),
    [
        (summarize_lines, GOOD_SUMMARIZE, "{not json", "not JSON"),
        (summarize_lines, GOOD_SUMMARIZE, "", "not JSON"),
        (summarize_lines, GOOD_SUMMARIZE, '["title", "text"]', "not a JSON object"),
        (summarize_lines, GOOD_SUMMARIZE, '{"title": "T"}', "missing field 'text'"),
        (
            summarize_lines,
            GOOD_SUMMARIZE,
            '{"title": 3, "text": "x"}',
            "field 'title' must be a string",
        ),
        (
            classify_lines,
            GOOD_CLASSIFY,
            '{"title": "T", "summary": "S", "source": "polri"}',
            "unknown source 'polri'",
        ),
        (classify_lines, GOOD_CLASSIFY, '{"title": "T", "summary": "S"}', "missing field 'source'"),
        (
            cluster_lines,
            GOOD_CLUSTER,
            '{"title": "T", "text": "x", "source": "s"}',
            "missing field 'id'",
        ),
        (
            cluster_lines,
            GOOD_CLUSTER,
            '{"id": [1], "title": "T", "text": "x", "source": "s"}',
            "field 'id' must be a string or an integer",
        ),
        (
            cluster_lines,
            GOOD_CLUSTER,
            '{"id": "a", "title": "T", "text": "x", "source": "s"}',
            "repeated id 'a'",
        ),
        (
            cluster_lines,
            GOOD_CLUSTER,
            '{"id": "b", "title": "T", "text": "x"}',
            "missing field 'source'",
        ),
    ],
)
def test_bad_line_answers_in_place_and_the_rest_goes_on(
    filter_: Filter, good: dict[str, Any], bad_line: str, error: str
) -> None:
    later = {**good, "id": "z"} if "id" in good else good
    text = json.dumps(good) + "\n" + bad_line + "\n" + json.dumps(later) + "\n"
    status, lines, err = run(filter_, text)
    assert status == 1
    assert len(lines) == 3
    assert lines[1]["line"] == 2 and lines[1]["error"].startswith(error)
    assert set(lines[1]) == {"error", "line"}
    assert "error" not in lines[0] and "error" not in lines[2]
    assert err.startswith("line 2: " + error) and err.count("\n") == 1


def test_empty_input_writes_nothing_and_succeeds() -> None:
    assert run(summarize_lines, "") == (0, [], "")


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("summarize_lines", [GOOD_SUMMARIZE, "oops", GOOD_SUMMARIZE]),
        ("cluster_lines", [GOOD_CLUSTER, "oops", {**GOOD_CLUSTER, "id": "b"}]),
    ],
)
def test_filter_as_a_process_keeps_stdout_aligned_and_exits_1(
    name: str, records: list[dict[str, str] | str]
) -> None:
    program = f"import sys; from warta.cli.text_filters import {name}; sys.exit({name}(sys.stdin, sys.stdout))"
    stdin = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    result = subprocess.run(
        [sys.executable, "-c", program],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
    )
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1
    assert len(out) == 3
    assert out[1] == {"error": out[1]["error"], "line": 2}
    assert "error" not in out[0] and "error" not in out[2]
    assert result.stderr.startswith("line 2: not JSON")
