from __future__ import annotations

import pytest

from warta.core.text.summarize import MAX_CHARS, clean_sentences, summarize


def test_takes_the_lead_sentences_in_original_order() -> None:
    text = (
        "KPU Kota Kediri menetapkan DPT Pilkada 2024 sebanyak 214.236 pemilih.\n\n"
        "Penetapan dilakukan dalam rapat pleno terbuka di kantor KPU pada Rabu.\n\n"
        "Ketua KPU mengatakan jumlah itu terdiri atas pemilih laki-laki dan perempuan.\n\n"
        "Rapat dihadiri perwakilan partai politik dan Bawaslu setempat.\n\n"
        "Acara ditutup dengan doa bersama seluruh peserta rapat."
    )
    summary = summarize("KPU Kota Kediri Tetapkan DPT Pilkada 2024", text)
    assert summary == (
        "KPU Kota Kediri menetapkan DPT Pilkada 2024 sebanyak 214.236 pemilih. "
        "Penetapan dilakukan dalam rapat pleno terbuka di kantor KPU pada Rabu. "
        "Ketua KPU mengatakan jumlah itu terdiri atas pemilih laki-laki dan perempuan."
    )


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Baca juga: KPU siapkan logistik pemilu di seluruh kecamatan",
        "BACA JUGA: Bawaslu temukan pelanggaran kampanye di pasar",
        "Foto: Petugas KPPS menghitung surat suara di TPS 05 Mojoroto",
        "Ilustrasi: kotak suara pemilu yang disiapkan di gudang logistik",
        "(ant)",
        "(ant/rd)",
        "Pewarta: Budi Santoso",
        "Editor: Siti Aminah",
        "Jakarta (ANTARA) -",
        "KEDIRI -",
        "Ikuti berita terkini dari kami di Google News dan saluran WhatsApp",
    ],
)
def test_skips_boilerplate_sentences(boilerplate: str) -> None:
    text = (
        "KPU menetapkan jadwal kampanye pemilu untuk seluruh peserta.\n\n"
        f"{boilerplate}\n\n"
        "Kampanye dimulai pada akhir bulan dan berlangsung selama tujuh puluh lima hari."
    )
    summary = summarize("", text)
    assert boilerplate not in summary
    assert summary.startswith("KPU menetapkan jadwal kampanye")


@pytest.mark.parametrize(
    "dateline",
    ["Jakarta (ANTARA) - ", "Jakarta, Kompas.com - ", "Jakarta, kpu.go.id – ", "KEDIRI - "],
)
def test_cuts_dateline_from_first_sentence(dateline: str) -> None:
    text = dateline + "Bawaslu menemukan dugaan politik uang di tiga kecamatan."
    assert clean_sentences(text) == ["Bawaslu menemukan dugaan politik uang di tiga kecamatan."]


def test_skips_sentence_too_similar_to_a_chosen_one() -> None:
    text = (
        "Bawaslu Kota Kediri menemukan dugaan politik uang di Kecamatan Mojoroto.\n\n"
        "Bawaslu Kota Kediri menemukan dugaan politik uang di Kecamatan Mojoroto, kata dia.\n\n"
        "Temuan itu dilaporkan warga melalui layanan pengaduan daring.\n\n"
        "Pengawas kini memeriksa tiga orang saksi dari kelurahan setempat."
    )
    summary = summarize("Bawaslu Temukan Politik Uang", text)
    assert summary.count("menemukan dugaan politik uang") == 1
    assert "Temuan itu dilaporkan warga" in summary


def test_prefers_a_later_sentence_that_repeats_the_title() -> None:
    text = (
        "Suasana kantor kecamatan pagi itu ramai oleh warga yang mengurus dokumen.\n\n"
        "Beberapa warga mengeluhkan antrean panjang di loket pelayanan.\n\n"
        "Petugas menambah loket untuk mempercepat pelayanan warga.\n\n"
        "Sementara itu, Bawaslu menemukan alat peraga kampanye yang melanggar aturan zonasi."
    )
    summary = summarize("Bawaslu Temukan Alat Peraga Kampanye Melanggar Zonasi", text)
    assert "Bawaslu menemukan alat peraga kampanye" in summary


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Bawaslu menerima laporan warga.", 1),
        ("Bawaslu menerima laporan warga. Petugas memeriksa saksi.", 2),
        (
            "Bawaslu menerima laporan warga. Petugas memeriksa saksi. "
            "Hasilnya diumumkan pekan depan. Warga diminta bersabar.",
            3,
        ),
    ],
)
def test_returns_up_to_three_sentences(text: str, count: int) -> None:
    summary = summarize("Judul", text)
    assert summary.count(".") == count


def test_max_sentences_limits_the_summary() -> None:
    text = "Bawaslu menerima laporan warga. Petugas memeriksa saksi. Hasilnya diumumkan kemudian."
    summary = summarize("Judul", text, max_sentences=2)
    assert summary == "Bawaslu menerima laporan warga. Petugas memeriksa saksi."


def test_near_identical_sentences_still_give_two_when_nothing_else_is_left() -> None:
    text = "Rapat pleno KPU digelar. Rapat pleno KPU digelar lagi."
    assert summarize("Rapat", text) == text


@pytest.mark.parametrize("text", ["", "   ", "Baca juga: berita lain\n\n(ant)"])
def test_falls_back_to_title_without_usable_text(text: str) -> None:
    assert summarize("KPU  Tetapkan DPT Pilkada", text) == "KPU Tetapkan DPT Pilkada"


def test_drops_trailing_sentences_beyond_the_length_cap() -> None:
    long_sentence = "Komisi Pemilihan Umum menjelaskan tahapan " + "pemutakhiran data " * 14
    text = "\n\n".join(f"{long_sentence.strip()} bagian {i}." for i in range(1, 5))
    summary = summarize("Tahapan", text)
    assert len(summary) <= MAX_CHARS
    assert summary.startswith(f"{long_sentence.strip()} bagian 1.")
    assert summary.endswith(".")


def test_keeps_a_single_long_first_sentence_whole() -> None:
    sentence = "Rapat pleno " + "membahas rekapitulasi suara " * 25 + "berakhir."
    summary = summarize("Rapat", sentence + " Kalimat berikutnya ada di sini.")
    assert summary == sentence
