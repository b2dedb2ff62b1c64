from __future__ import annotations

from importlib import resources

import pytest

from warta.core.text.summarize import (
    MAX_CHARS,
    SentenceModel,
    clean_sentences,
    default_model,
    sentence_features,
    sentences_of,
    summarize,
)


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


def test_shipped_model_loads_and_favours_the_lead() -> None:
    model = default_model()
    assert model.weights["pos=0"] > model.weights["pos=7"]
    assert model.weights["title_r"] > 0
    assert 0 < model.redundancy <= 1
    assert "CC BY-SA 4.0" in str(model.meta["source"])


def test_shipped_model_file_stays_small() -> None:
    data = resources.files("warta.core.text").joinpath("data", "summarizer.json")
    assert len(data.read_bytes()) < 50_000


@pytest.mark.parametrize(
    "data",
    [{}, {"weights": [1.0]}, {"weights": {"bias": 1.0}, "redundancy": "tinggi"}],
)
def test_rejects_a_malformed_model(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="summarizer model"):
        SentenceModel.from_json(data)


_FIVE_PARAGRAPHS = (
    "Warga memadati pasar sejak pagi untuk berbelanja kebutuhan harian.\n\n"
    "Bawaslu menemukan alat peraga kampanye yang melanggar zonasi.\n\n"
    "Petugas mencatat lokasi alat peraga kampanye itu satu per satu.\n\n"
    "Cuaca cerah sepanjang hari dan lalu lintas lancar.\n\n"
    "Pedagang berharap pembeli terus berdatangan hingga sore."
)


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # Only the position counts, against the lead: the last three, in order.
        (
            {"rel": 1.0},
            "Petugas mencatat lokasi alat peraga kampanye itu satu per satu. "
            "Cuaca cerah sepanjang hari dan lalu lintas lancar. "
            "Pedagang berharap pembeli terus berdatangan hingga sore.",
        ),
        # Only overlap with the title counts: the sentences that repeat it come first.
        (
            {"title_r": 1.0, "rel": -0.1},
            "Warga memadati pasar sejak pagi untuk berbelanja kebutuhan harian. "
            "Bawaslu menemukan alat peraga kampanye yang melanggar zonasi. "
            "Petugas mencatat lokasi alat peraga kampanye itu satu per satu.",
        ),
    ],
)
def test_a_given_model_decides_which_sentences(weights: dict[str, float], expected: str) -> None:
    model = SentenceModel(weights=weights)
    title = "Bawaslu Temukan Alat Peraga Kampanye Melanggar Zonasi"
    assert summarize(title, _FIVE_PARAGRAPHS, model=model) == expected


def test_skips_a_quoted_question_that_opens_the_text() -> None:
    text = (
        '"Siapa yang akan menang?" tanya seorang warga di pasar.\n\n'
        "KPU Kota Kediri menetapkan 214.236 pemilih dalam DPT Pilkada 2024.\n\n"
        "Penetapan dilakukan dalam rapat pleno terbuka pada Rabu.\n\n"
        "Rapat dihadiri perwakilan partai politik dan Bawaslu.\n\n"
        "Acara ditutup dengan doa bersama."
    )
    summary = summarize("KPU Tetapkan DPT Pilkada 2024", text)
    assert summary == (
        "KPU Kota Kediri menetapkan 214.236 pemilih dalam DPT Pilkada 2024. "
        "Penetapan dilakukan dalam rapat pleno terbuka pada Rabu. "
        "Rapat dihadiri perwakilan partai politik dan Bawaslu."
    )


def test_sentences_know_their_paragraph_and_place_in_it() -> None:
    text = (
        "Baca juga: berita lain\n\n"
        "KPU menetapkan DPT. Jumlahnya naik.\n\n"
        "Foto: petugas KPU\n\n"
        "Rapat digelar Rabu."
    )
    places = [(s.index, s.paragraph, s.in_paragraph, s.text) for s in sentences_of(text)]
    assert places == [
        (0, 0, 0, "KPU menetapkan DPT."),
        (1, 0, 1, "Jumlahnya naik."),
        (2, 1, 0, "Rapat digelar Rabu."),
    ]


def test_features_describe_position_title_and_form() -> None:
    text = "KPU menetapkan 214.236 pemilih DPT.\n\nApa artinya bagi warga?"
    first, second = sentence_features("KPU DPT Pemilih", sentences_of(text))
    assert first["pos=0"] == first["par=0"] == first["inpar=0"] == 1.0
    assert (first["title_r"], first["title_p"]) == (1.0, 3 / 5)
    assert first["digits"] == 1 / 5
    assert first["w0=*"] == 1.0  # a content word opens it
    assert "question" not in first
    assert second["pos=1"] == second["par=1"] == second["question"] == second["rel"] == 1.0
    assert second["title_r"] == 0.0
    assert second["w0=apa"] == 1.0  # a function word opens it
