"""Claim, verdict and fact of a clarification (core/text/claims.py), and who states the fact."""

from __future__ import annotations

import pytest
from tests.builders import story, story_source

from warta.core.model import Authority
from warta.core.text._data import data_sections
from warta.core.text.claims import (
    MAX_CLAIM,
    Verdict,
    check_claim,
    check_story,
    speaker_label,
)

FACT_CHECK = (
    "Sebuah video yang memperlihatkan tumpukan kotak suara terbakar beredar di WhatsApp "
    "dengan narasi bahwa gudang logistik KPU sengaja dibakar. Hasil penelusuran menunjukkan "
    "video tersebut adalah rekaman kebakaran gudang barang bekas pada 2019. Kesimpulan: "
    "video itu adalah konten yang menyesatkan dan masuk kategori hoaks."
)
PRESS_RELEASE = (
    "KPU Kota Kediri membantah kabar yang menyebut ribuan surat suara sudah tercoblos "
    "ditemukan di gudang logistik. KPU Kota Kediri memastikan kabar itu hoaks. Ketua KPU "
    "menegaskan surat suara masih tersegel dalam kotak dan dijaga aparat. Masyarakat diimbau "
    "tidak menyebarkan informasi yang belum jelas sumbernya."
)


def test_a_labelled_title_is_the_claim_and_its_label_the_verdict() -> None:
    check = check_claim("[HOAKS] Video Kotak Suara Dibakar di Gudang KPU", text=FACT_CHECK)

    assert check.verdict is Verdict.HOAKS  # the label decides, not the conclusion's wording
    assert check.claim == "Video Kotak Suara Dibakar di Gudang KPU"
    assert check.fact == (
        "Hasil penelusuran menunjukkan video tersebut adalah rekaman kebakaran gudang "
        "barang bekas pada 2019."
    )


def test_a_press_release_gives_its_claim_in_the_rebuttal_sentence() -> None:
    check = check_claim("KPU Bantah Isu Surat Suara Tercoblos", text=PRESS_RELEASE)

    assert check.claim == "Ribuan surat suara sudah tercoblos ditemukan di gudang logistik"
    # The verdict alone ("... itu hoaks") and the appeal to the public are not the fact.
    assert check.fact == (
        "Ketua KPU menegaskan surat suara masih tersegel dalam kotak dan dijaga aparat."
    )
    assert check.verdict is Verdict.HOAKS


def test_a_title_that_states_the_fact_leaves_the_claim_to_the_text() -> None:
    check = check_claim(
        "[KLARIFIKASI] Video Demo Ricuh di DPR pada 2019, Bukan Maret 2024",
        text=(
            "Beredar video demonstrasi ricuh dengan klaim terjadi pada Maret 2024. "
            "Setelah ditelusuri, video itu merupakan dokumentasi demonstrasi pada 2019. "
            "Video lama itu diunggah ulang dengan konteks yang salah."
        ),
    )

    assert check.claim == "Video demonstrasi ricuh dengan klaim terjadi pada Maret 2024"
    assert check.fact == (
        "Setelah ditelusuri, video itu merupakan dokumentasi demonstrasi pada 2019."
    )
    assert check.verdict is Verdict.KONTEKS_KELIRU


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[SALAH] Pemilu Diundur", Verdict.SALAH),
        ("Keliru, Video Perayaan Kemenangan", Verdict.SALAH),
        ("Hoaks! Surat Suara Tercoblos", Verdict.HOAKS),
        ("[DISINFORMASI] Pemilu Diundur", Verdict.HOAKS),
        ("[MISLEADING] Grafik Partisipasi", Verdict.MENYESATKAN),
        ("[KONTEN YANG DIMANIPULASI] Video Ketua Bawaslu", Verdict.MANIPULASI),
        ("[KONTEKS YANG SALAH] Foto Surat Suara", Verdict.KONTEKS_KELIRU),
        ("#1 [PENIPUAN] Tautan Pendaftaran KPPS", Verdict.PENIPUAN),
        ("Cek Fakta: Tidak Benar Link Pendaftaran Saksi", Verdict.SALAH),
        # Without a label, the most specific cue of the title: an impostor, not a hoax.
        ("Waspada Akun WhatsApp Palsu Mengatasnamakan Wali Kota", Verdict.PENIPUAN),
        ("Pemprov Pastikan Video Gubernur Kampanye adalah Editan", Verdict.MANIPULASI),
        ("Dukcapil: Informasi KTP-el Wajib Diperbarui Hoaks", Verdict.HOAKS),
        # A rebuttal that names no verdict says the claim is not true.
        ("KPU Luruskan Kabar Libur Diperpanjang", Verdict.SALAH),
    ],
)
def test_the_verdict_is_normalized(title: str, expected: Verdict) -> None:
    assert check_claim(title).verdict is expected


def test_every_label_of_the_rules_file_names_a_verdict() -> None:
    sections = data_sections("claims.txt")
    labels = {name: lines for name, lines in sections.items() if name.startswith("label-")}

    assert {name.removeprefix("label-") for name in labels} == {
        v.value.lower().replace("_", "-") for v in Verdict
    }
    for name, lines in labels.items():
        verdict = Verdict(name.removeprefix("label-").upper().replace("-", "_"))
        for line in lines:
            assert check_claim(f"[{line}] Surat Suara Tercoblos").verdict is verdict, line


def test_a_verdict_word_inside_the_claim_does_not_decide() -> None:
    # "salah satu" is no verdict, and the claim sentence's own "palsu" is the claim's word.
    check = check_claim(
        "KPU Luruskan Informasi Salah Satu Paslon Mundur",
        text=(
            "Beredar pesan bahwa tanda tangan palsu dipakai salah satu pasangan calon untuk "
            "mundur. KPU menegaskan tidak ada pasangan calon yang mengundurkan diri."
        ),
    )

    assert check.verdict is Verdict.SALAH
    assert check.fact == "KPU menegaskan tidak ada pasangan calon yang mengundurkan diri."


def test_without_a_claim_sentence_the_fact_is_one_someone_states() -> None:
    # The first sentence reports the claim in words no rule knows; leading with it would
    # repeat the claim as if it were the fact.
    check = check_claim(
        "Bawaslu Sumut: Video Serangan Fajar Direkam pada Pilkada 2020",
        text=(
            "Video pembagian uang kepada warga ramai dibagikan di Facebook. Bawaslu "
            "menyatakan video itu direkam pada Pilkada 2020."
        ),
    )

    assert check.fact == "Bawaslu menyatakan video itu direkam pada Pilkada 2020."


def test_the_summary_is_read_when_there_is_no_text() -> None:
    check = check_claim(
        "KPU Bantah Isu Surat Suara Tercoblos",
        summary="Beredar kabar bahwa surat suara tercoblos. KPU menegaskan surat suara aman.",
    )

    assert check.claim == "Surat suara tercoblos"
    assert check.fact == "KPU menegaskan surat suara aman."


def test_a_long_claim_is_cut_on_a_word() -> None:
    words = " ".join(f"kata{n}" for n in range(100))

    claim = check_claim(f"[HOAKS] {words}").claim

    assert claim is not None and len(claim) <= MAX_CLAIM and claim.endswith("…")
    assert claim[:-1].split()[-1] in words.split()


def test_nothing_to_read_still_gives_a_verdict() -> None:
    check = check_claim("", "", "")

    assert (check.verdict, check.claim, check.fact) == (Verdict.SALAH, None, None)


@pytest.mark.parametrize(
    ("authority", "label"),
    [
        (Authority.KPU, "Sumber resmi"),
        (Authority.BAWASLU, "Sumber resmi"),
        (Authority.DKPP, "Sumber resmi"),
        (Authority.KEMENDAGRI, "Sumber resmi"),
        (Authority.KOMDIGI, "Sumber resmi"),
        (Authority.PEMDA, "Sumber resmi"),
        (Authority.FACTCHECK, "Pemeriksa fakta"),
        (Authority.MEDIA, "Media"),
    ],
)
def test_only_election_bodies_and_government_are_official(authority: Authority, label: str) -> None:
    assert speaker_label(authority) == label
    assert set(Authority) == {
        Authority.KPU, Authority.BAWASLU, Authority.DKPP, Authority.KEMENDAGRI,
        Authority.KOMDIGI, Authority.PEMDA, Authority.FACTCHECK, Authority.MEDIA,
    }, "a new authority needs a label here"  # fmt: skip


def test_an_official_body_states_the_fact_before_a_fact_checker() -> None:
    checker = story_source("cekfakta", "Cek Fakta", authority=Authority.FACTCHECK, item_id="c1")
    kpu = story_source("kpu-ri", "KPU RI", item_id="k1")
    bawaslu = story_source("bawaslu-ri", "Bawaslu RI", authority=Authority.BAWASLU, item_id="b1")
    clarified = story(urgent=True, title="[HOAKS] Surat Suara", sources=(checker, kpu, bawaslu))

    checked = check_story(clarified)

    assert checked.speaker_label == "Sumber resmi"
    assert checked.speaker_names == "KPU RI dan Bawaslu RI"
    only_checker = check_story(story(urgent=True, title="[HOAKS] X", sources=(checker,)))
    assert (only_checker.speaker_label, only_checker.speaker_names) == (
        "Pemeriksa fakta",
        "Cek Fakta",
    )


def test_without_a_fact_sentence_the_message_says_who_judged_the_claim_how() -> None:
    checked = check_story(story(urgent=True, title="[HOAKS] Surat Suara Tercoblos", summary=""))

    assert checked.check.fact is None
    assert checked.fact == "KPU RI menyatakan informasi yang beredar hoaks."
    assert checked.claim == "Surat Suara Tercoblos"
