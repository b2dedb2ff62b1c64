from __future__ import annotations

import pytest

from warta.core.text.split import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "KPU menetapkan DPT. Rapat berjalan lancar.",
            ["KPU menetapkan DPT.", "Rapat berjalan lancar."],
            id="plain-periods",
        ),
        pytest.param(
            "Acara dibuka oleh Dr. Hasyim dan Prof. Budi. Semua hadir.",
            ["Acara dibuka oleh Dr. Hasyim dan Prof. Budi.", "Semua hadir."],
            id="does-not-split-after-title-abbreviation",
        ),
        pytest.param(
            "Hadir Drs. H. Ahmad Rahman, S.Sos., M.Si. dan Hj. Siti, S.H., M.H. di acara itu.",
            ["Hadir Drs. H. Ahmad Rahman, S.Sos., M.Si. dan Hj. Siti, S.H., M.H. di acara itu."],
            id="does-not-split-after-degrees",
        ),
        pytest.param(
            "Sambutan Ir. Joko disampaikan. Kemudian A. Rahman membaca doa.",
            ["Sambutan Ir. Joko disampaikan.", "Kemudian A. Rahman membaca doa."],
            id="does-not-split-after-initial",
        ),
        pytest.param(
            "Gudang di Jl. Merdeka No. 5 Kec. Mojoroto Kel. Bandar Kab. Kediri penuh. "
            "Logistik aman.",
            [
                "Gudang di Jl. Merdeka No. 5 Kec. Mojoroto Kel. Bandar Kab. Kediri penuh.",
                "Logistik aman.",
            ],
            id="does-not-split-after-address-abbreviations",
        ),
        pytest.param(
            "Sesuai UU. Nomor 7 tahun 2017, dana Rp. 5 juta a.n. Budi dicairkan tgl. 5 Mei. "
            "Selesai.",
            [
                "Sesuai UU. Nomor 7 tahun 2017, dana Rp. 5 juta a.n. Budi dicairkan tgl. 5 Mei.",
                "Selesai.",
            ],
            id="does-not-split-after-legal-and-money-abbreviations",
        ),
        pytest.param(
            "DPT Kota Kediri 214.236 pemilih, Kabupaten 1.252.601 pemilih. Rapat pukul 09.30 WIB.",
            [
                "DPT Kota Kediri 214.236 pemilih, Kabupaten 1.252.601 pemilih.",
                "Rapat pukul 09.30 WIB.",
            ],
            id="does-not-split-inside-numbers",
        ),
        pytest.param(
            "Partisipasi naik 3,5 persen. Itu rekor.",
            ["Partisipasi naik 3,5 persen.", "Itu rekor."],
            id="keeps-decimal-comma",
        ),
        pytest.param(
            "Disiapkan kertas, tinta, dll. yang dikirim besok. "
            "Surat suara, kotak, dsb. Semua siap.",
            [
                "Disiapkan kertas, tinta, dll. yang dikirim besok.",
                "Surat suara, kotak, dsb.",
                "Semua siap.",
            ],
            id="dll-ends-sentence-only-before-capital",
        ),
        pytest.param(
            "Paragraf pertama tanpa titik\n\nParagraf kedua juga",
            ["Paragraf pertama tanpa titik", "Paragraf kedua juga"],
            id="blank-line-always-ends-sentence",
        ),
        pytest.param(
            "Benarkah pemilu diundur? Tidak! KPU memastikan jadwal tetap.",
            ["Benarkah pemilu diundur?", "Tidak!", "KPU memastikan jadwal tetap."],
            id="question-and-exclamation",
        ),
        pytest.param(
            '"Apakah sudah siap?" tanya Ketua KPU. "Kami siap." Lalu rapat dimulai.',
            ['"Apakah sudah siap?" tanya Ketua KPU.', '"Kami siap."', "Lalu rapat dimulai."],
            id="closing-quote-stays-with-sentence",
        ),
        pytest.param(
            "Logistik tiba (sesuai jadwal.) Distribusi dimulai.",
            ["Logistik tiba (sesuai jadwal.)", "Distribusi dimulai."],
            id="closing-parenthesis-stays-with-sentence",
        ),
        pytest.param(
            "Kami menunggu... Akhirnya hasil keluar. Dia ragu… lalu setuju.",
            ["Kami menunggu...", "Akhirnya hasil keluar.", "Dia ragu… lalu setuju."],
            id="ellipsis-ends-sentence-only-before-capital",
        ),
        pytest.param(
            "Rapat selesai.Kemudian peserta pulang.",
            ["Rapat selesai.", "Kemudian peserta pulang."],
            id="splits-period-glued-to-next-sentence",
        ),
        pytest.param(
            "Cek di laman cekdptonline.kpu.go.id sekarang. Mudah.",
            ["Cek di laman cekdptonline.kpu.go.id sekarang.", "Mudah."],
            id="does-not-split-inside-domain",
        ),
        pytest.param(
            "Berita utama hari ini.\nBaca juga: KPU siapkan logistik\nFoto: dok KPU",
            ["Berita utama hari ini.", "Baca juga: KPU siapkan logistik", "Foto: dok KPU"],
            id="line-break-before-capital-ends-sentence",
        ),
        pytest.param(
            "Ketua KPU,\nHasyim, hadir.",
            ["Ketua KPU, Hasyim, hadir."],
            id="line-break-after-comma-joins",
        ),
        pytest.param(
            "kpu tetapkan dpt. rapat pleno digelar.",
            ["kpu tetapkan dpt.", "rapat pleno digelar."],
            id="lowercase-text-still-splits",
        ),
        pytest.param("", [], id="empty"),
        pytest.param("   \n\n  ", [], id="whitespace-only"),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_collapses_whitespace_inside_sentence() -> None:
    assert split_sentences("KPU   menetapkan\t DPT.") == ["KPU menetapkan DPT."]
