from __future__ import annotations

import csv
from pathlib import Path

import pytest

from warta.core.model import Authority
from warta.core.text.classify import classify, is_clarification, is_election

MEDIA = Authority.MEDIA
BENCH_DATA = Path(__file__).resolve().parents[3] / "bench" / "data"


@pytest.mark.parametrize(
    ("title", "text", "authority", "expected"),
    [
        # election bodies are election news by source
        ("Rapat Koordinasi Internal Sekretariat", "", Authority.KPU, True),
        ("Apel Pagi Pegawai", "", Authority.BAWASLU, True),
        ("Sidang Kode Etik", "", Authority.DKPP, True),
        # terms, with affixes, acronyms and hashtags
        ("Caleg Berkampanye di Pasar Setono Betek", "", MEDIA, True),
        ("Pemkot Siapkan Gudang Logistik Pilkada", "", Authority.PEMDA, True),
        ("Ratusan Petugas KPPS Dilantik Serentak", "", MEDIA, True),
        ("Bawaslu Temukan Dugaan Politik Uang", "", MEDIA, True),
        ("ASN Diingatkan Soal Netralitas ASN", "", Authority.KEMENDAGRI, True),
        ("Masa Tenang Dimulai Hari Ini", "", MEDIA, True),
        ("Sirekap Sempat Tidak Bisa Diakses", "", MEDIA, True),
        ("Warga Diminta Cek Nama di Daftar Pemilih", "", MEDIA, True),
        ("Ribuan Surat Suara Rusak Dimusnahkan", "", MEDIA, True),
        ("Paslon Nomor Urut 2 Sampaikan Visi", "", MEDIA, True),
        ("Rekapitulasi Suara Tingkat Kecamatan Selesai", "", MEDIA, True),
        ("Jalan Santai Meriahkan #Pemilu2024", "", MEDIA, True),
        ("kpu tetapkan dpt pilkada", "", MEDIA, True),
        ("Warga Antusias Datangi TPS", "Pemungutan suara berjalan lancar sejak pagi.", MEDIA, True),
        ("Harga Beras Naik", "Beras diborong PDIP untuk kampanye.", MEDIA, True),
        # weak terms need company
        ("Koalisi Partai Politik Menguat", "", MEDIA, False),
        ("Pemilihan Duta Wisata Kabupaten", "", MEDIA, False),
        ("Aplikasi APK Undangan Pernikahan Menguras Rekening", "", MEDIA, False),
        ("Kampanye Iklan Produk Baru Diluncurkan", "", MEDIA, False),
        # traps and look-alikes
        ("Paduan Suara SMA 1 Juara Lomba", "", MEDIA, False),
        ("Kampanye Gizi Seimbang di Posyandu", "", Authority.PEMDA, False),
        ("Kampanye Imunisasi Campak Digelar di Sekolah", "", Authority.PEMDA, False),
        ("Calon Jemaah Haji Ikuti Manasik", "", Authority.PEMDA, False),
        ("Warga Keluhkan TPS Sampah Penuh", "", Authority.PEMDA, False),
        ("Imunisasi DPT untuk Balita Gratis", "", Authority.PEMDA, False),
        ("PPKM Darurat Diperpanjang", "", MEDIA, False),
        ("Harga Cabai Naik Jelang Lebaran", "", MEDIA, False),
    ],
)
def test_is_election(title: str, text: str, authority: Authority, expected: bool) -> None:
    assert is_election(title, text, authority) is expected


CLARIFICATIONS = [
    # verdict labels
    "[HOAKS] Surat Suara Pemilu 2024 Sudah Tercoblos di Kontainer",
    "[SALAH] KPU Hapus 5 Juta Pemilih dari DPT",
    "[SALAH]: Demo Tolak Hasil Pemilu Berujung Ricuh",
    "[DISINFORMASI] Video Kotak Suara Dibakar Massa",
    "[MISINFORMASI] Foto Antrean Panjang di TPS Luar Negeri",
    "[KLARIFIKASI] Bawaslu Tidak Pernah Keluarkan Surat Edaran Penundaan",
    "[PENIPUAN] Tautan Pendaftaran Petugas KPPS Berhadiah",
    "[FITNAH] Ketua KPU Terima Suap Rp10 Miliar",
    "[MANIPULASI] Video Capres Menolak Hadiri Debat",
    "[Hoaks] Bansos Dihentikan Jika Tidak Memilih Paslon Tertentu",
    "Video Petugas Coblos Sisa Surat Suara [SALAH]",
    "【HOAKS】 Surat Undangan Memilih Bisa Diunduh Lewat Aplikasi",
    "#3 [HOAKS] Akun Instagram Mengatasnamakan Ketua Bawaslu",
    "Hoaks! Surat suara pilpres dicetak di luar negeri",
    "Keliru, Klaim Pemilih Disabilitas Tidak Boleh Didampingi",
    "Menyesatkan, Grafik Real Count yang Beredar di WhatsApp",
    "Cek Fakta: Tidak Benar KPU Batalkan Pencalonan Cawapres",
    "Cek Fakta: [HOAKS] Video Petugas KPPS Coblos Sendiri Surat Suara",
    # mojibake around or inside the label
    "\ufffd\ufffd[HOAKS] Pesan Berantai Pemilu Diundur ke 2025",
    "[HOAKS]\ufffd Sirekap Dikendalikan dari Luar Negeri",
    "[HO\ufffdAKS] Pemilih Wajib Bawa Meterai ke TPS",
    "[SALAH] \ufffdKECURANGAN PEMILU YANG DITUTUPI\ufffd",
    # unlabelled rebuttals
    "KPU Bantah Isu Surat Suara Tercoblos di Malaysia",
    "Tidak Benar, Pemilu 2024 Diundur",
    "Bawaslu: Kabar Pengawas TPS Tidak Dibayar Adalah Hoaks",
    "KPU Luruskan Informasi Soal Jadwal Pencoblosan",
    "KPU Pastikan Informasi Penambahan TPS Tidak Benar",
    "Bawaslu Klarifikasi Video Viral Pengerahan Massa",
    "DKPP Tepis Kabar Pemecatan Seluruh Komisioner",
    "KPU Minta Warga Jangan Percaya Pesan Berantai Soal Kartu Pemilih",
    "Informasi Pergeseran Tanggal Pencoblosan Dipastikan Hoaks",
    "Kabar Surat Suara Rusak Massal, KPU: Hoaks",
]

NOT_CLARIFICATIONS = [
    # about hoaxes, not rebutting one
    "Bawaslu Gelar Webinar Cegah Hoaks Jelang Pilkada",
    "Literasi Digital Lawan Hoaks Pemilu",
    "Deklarasi Anti Hoaks di Kabupaten Kediri",
    "Bawaslu Ajak Masyarakat Tangkal Hoaks",
    "Bawaslu Gelar Deklarasi Tolak Money Politik, Hoax, dan SARA",
    "Forum Multipihak Penanganan Disinformasi Pemilu",
    "Polisi Tangkap Penyebar Hoaks Surat Suara Tercoblos",
    "Polisi Bekuk Pembuat Surat Hoax Presiden",
    "Waspada Hoaks Jelang Masa Tenang",
    "Bahaya Hoaks bagi Demokrasi",
    "Mengenal Jenis-jenis Hoaks Pemilu",
    "Seminar Nasional: Hoaks dan Masa Depan Demokrasi",
    "Hoaks Pemilu Meningkat Jelang Pencoblosan",
    "Kominfo Turunkan 200 Konten Hoaks Pemilu",
    "Cara Membedakan Berita Benar dan Tidak Benar",
    # confirming or non-verdict labels
    "[BENAR] KPU Buka Pendaftaran Petugas KPPS",
    "[FAKTA] Pemungutan Suara Digelar 14 Februari 2024",
    "[SATIRE] Kotak Suara Bisa Bicara",
    "[SATIRE] Capres Janji Gratiskan Bensin Seumur Hidup",
    # investigations and routine news
    "Bawaslu Panggil Kades untuk Klarifikasi Dugaan Pelanggaran Netralitas",
    "Sidang DKPP Dengarkan Klarifikasi Teradu",
    "KPU Gelar Rapat Pleno Rekapitulasi Suara",
    "Salah Satu Caleg Mundur dari Pencalonan",
    "KPU Sosialisasikan Tahapan Pilkada kepada Pemilih Pemula",
    "Demo Ricuh Dalam Video Ini Desak Hak Angket",
    "Bawaslu Awasi Kampanye di Media Sosial",
]


@pytest.mark.parametrize("title", CLARIFICATIONS)
def test_recognises_rebuttal_title(title: str) -> None:
    assert is_clarification(title, "", Authority.FACTCHECK) is True


@pytest.mark.parametrize("title", NOT_CLARIFICATIONS)
def test_does_not_mistake_title_for_rebuttal(title: str) -> None:
    assert is_clarification(title, "", Authority.KPU) is False


@pytest.mark.parametrize(
    ("title", "text", "authority", "expected"),
    [
        pytest.param(
            "Soal Video Viral Kotak Suara Dibuka Paksa, Ini Penjelasan KPU",
            "KPU Kota Kediri meluruskan informasi yang beredar di media sosial.",
            Authority.KPU,
            True,
            id="title-cue-and-rebuttal-in-text",
        ),
        pytest.param(
            "Isu Pemilu Ditunda Mencuat di Media Sosial",
            "Sejumlah warganet membahas isu tersebut sejak kemarin.",
            MEDIA,
            False,
            id="title-cue-without-rebuttal",
        ),
        pytest.param(
            "Penjelasan KPU Kabupaten Blitar",
            "Informasi tersebut tidak benar dan menyesatkan.",
            Authority.KPU,
            True,
            id="official-text-says-outright-false",
        ),
        pytest.param(
            "Penjelasan Ketua Partai",
            "Informasi tersebut tidak benar dan menyesatkan.",
            MEDIA,
            False,
            id="media-text-without-title-cue",
        ),
        pytest.param(
            "Tokoh Bersumpah Tidak Tahu Menahu",
            "Ia datang untuk memberikan klarifikasi kepada penyidik.",
            MEDIA,
            False,
            id="klarifikasi-in-text-alone",
        ),
        pytest.param(
            "Bawaslu Gelar Webinar Literasi Hoaks",
            "Narasumber menegaskan bahwa kabar itu hoaks.",
            Authority.BAWASLU,
            False,
            id="about-hoax-title-overrules-text",
        ),
    ],
)
def test_text_adds_evidence_for_unlabelled_titles(
    title: str, text: str, authority: Authority, expected: bool
) -> None:
    assert is_clarification(title, text, authority) is expected


def test_classify_returns_both_flags() -> None:
    assert classify("[HOAKS] Surat Suara Tercoblos", "", MEDIA) == (True, True)
    assert classify("Harga Cabai Naik", "", MEDIA) == (False, False)


@pytest.mark.parametrize(
    ("title", "text", "authority", "expected"),
    [
        # new lexicon entries, with their look-alikes
        ("Satpol PP Tertibkan APK yang Dipasang di Pohon", "", Authority.PEMDA, True),
        ("Unduh APK Mod Game Berisiko Curi Data", "", MEDIA, False),
        ("Pemkot Luncurkan Aplikasi Pengaduan Versi APK", "", Authority.PEMDA, False),
        ("Pelantikan Bupati dan Wakil Bupati Terpilih Digelar Februari", "", MEDIA, True),
        ("Ketua RT Terpilih Gelar Syukuran", "", MEDIA, False),
        ("Tiga Kandidat Wali Kota Adu Gagasan", "", MEDIA, True),
        ("Kandidat Pelatih Timnas Mengerucut ke Dua Nama", "", MEDIA, False),
        ("Pj Bupati Imbau Kades Tak Ikut Kampanye", "", MEDIA, True),
        ("Pemkot Kampanyekan Gerakan Hemat Energi", "", Authority.PEMDA, False),
        ("Calon Tunggal Lawan Kotak Kosong di 37 Daerah", "", MEDIA, True),
        ("Partisipasi Pemilih Capai 82 Persen", "", MEDIA, True),
        ("Rakor Pengamanan Tahapan Pemilihan Serentak", "", Authority.PEMDA, True),
        # votes and elections that are not Indonesia's
        ("Majelis Umum PBB Gelar Pemungutan Suara Resolusi Gaza", "", MEDIA, False),
        ("Trump Menangi Pilpres Amerika Serikat", "", MEDIA, False),
        ("Jepang Gelar Pemilu Majelis Rendah", "", MEDIA, False),
        ("Pemilu Raya Mahasiswa Diwarnai Protes", "", MEDIA, False),
        ("WNI Ikuti Pemilu di Jepang Lewat Pos", "", MEDIA, True),
    ],
)
def test_election_lexicon_entries_and_traps(
    title: str, text: str, authority: Authority, expected: bool
) -> None:
    assert is_election(title, text, authority) is expected


@pytest.mark.parametrize(
    ("title", "authority", "expected"),
    [
        # verdicts: Tempo's "Tidak Terbukti" rebuts, a leading "Benar," confirms
        ("Tidak Terbukti, Klaim Ada 54 Juta Pemilih Siluman", Authority.FACTCHECK, True),
        ("Benar, Pemilih Pindahan Bisa Urus Formulir A5", Authority.FACTCHECK, False),
        ("Sebagian Benar, Klaim Partisipasi Tertinggi", Authority.FACTCHECK, False),
        # a fact-check column debunks unless a label confirms or the item is an event
        ("Cek Fakta: Video Kotak Suara Dibakar Ternyata Kejadian 2019", MEDIA, True),
        ("Cek fakta, Video Bakar Kotak Suara di Sampang", MEDIA, True),
        ("[Cek Fakta] Tidak Benar Bawaslu Larang Warga Merekam", MEDIA, True),
        ("Hoaks atau Fakta: Pemilu Hanya Diikuti Satu Pasangan?", MEDIA, True),
        ("Cek Fakta: Benar, KPU Buka Rekrutmen PPK", MEDIA, False),
        ("Cek Fakta: Media Gelar Pelatihan Verifikasi untuk Mahasiswa", MEDIA, False),
        ("Komdigi Ajak Masyarakat Cek Fakta Sebelum Berbagi", Authority.KOMDIGI, False),
        # a denial counts when an official body makes it
        ("Bawaslu Tampik Tudingan Tidak Netral", MEDIA, True),
        ("KPU Sanggah Informasi Kotak Suara Mudah Rusak", MEDIA, True),
        ("Polri Bantah Isu Penculikan Anak Jelang Pencoblosan", MEDIA, True),
        ("Bantah Isu Penundaan, Ketua KPU Tunjukkan Jadwal", MEDIA, True),
        ("Caleg Bantah Bagikan Amplop Saat Masa Tenang", MEDIA, False),
        ("Ketua Partai Bantah Isu Perpecahan Koalisi", MEDIA, False),
        ("Kuasa Hukum Paslon Bantah Dalil Pemohon di Sidang MK", MEDIA, False),
        ("Terdakwa Bantah Terima Uang dari Caleg", MEDIA, False),
        # ... or when the body's own site says it without naming itself
        ("Bantah Kabar Pengawas Diberhentikan Massal", Authority.BAWASLU, True),
        # a claim, then a verdict on it, said by a body or asserted
        ("Ketua KPU: Isu Pemilu Ditunda Tidak Berdasar", MEDIA, True),
        ("Komdigi Pastikan Video Ledakan di TPS Hasil Rekayasa AI", MEDIA, True),
        ("Kemendagri: Draf Penundaan Pilkada yang Beredar Bukan Dokumen Resmi", MEDIA, True),
        ("Waspada Akun Facebook Palsu Mengatasnamakan Bupati", Authority.PEMDA, True),
        ("Hoaks Surat Suara Tercoblos, KPU Pastikan Logistik Aman", MEDIA, True),
        ("Survei Mafindo: Video Pendek Jadi Medium Utama Hoaks", MEDIA, False),
        ("Komdigi Identifikasi 203 Isu Hoaks Pemilu", Authority.KOMDIGI, False),
        # words of a rebuttal in another sense
        ("Prosedur Penghitungan Tidak Benar, Bawaslu Rekomendasikan PSU", Authority.BAWASLU, False),
        ("Ketua KPU Ajak Penyelenggara Luruskan Niat", Authority.KPU, False),
        ("Jangan Mudah Percaya Janji Manis Saat Kampanye", Authority.PEMDA, False),
        ("KPU Imbau Warga Tidak Percaya Pesan Berantai Soal Kartu Pemilih", MEDIA, True),
        ("KPU Minta Warga Abaikan Pesan Berantai Soal Meterai", MEDIA, True),
        ("Pemilih Pemula Rentan Terpapar Hoaks", Authority.PEMDA, False),
        ("Polisi Sita Ratusan Lembar Uang Palsu", MEDIA, False),
        # "klarifikasi" of a claim, never a summons or a verification step
        ("Komdigi Klarifikasi Isu Pemblokiran Media Sosial", Authority.KOMDIGI, True),
        ("DKPP Klarifikasi Pemberitaan Putusan Pemberhentian", Authority.DKPP, True),
        ("Cek Fakta: Klarifikasi Lembaga soal Contoh", MEDIA, True),
        ("KPU Lakukan Verifikasi dan Klarifikasi Faktual Dukungan", Authority.KPU, False),
        ("KPU Minta Klarifikasi Partai Terkait Data Ganda", Authority.KPU, False),
        ("Terlapor Mangkir dari Klarifikasi Bawaslu", Authority.BAWASLU, False),
        ("Pakar: Klarifikasi Pemerintah Sering Terlambat", MEDIA, False),
        # about hoaxes: arrests, trials, statistics, events
        ("Penyebar Video Hoaks Kotak Suara Ditetapkan Tersangka", MEDIA, False),
        ("Hoaks Surat Suara Kembali Beredar, Polisi Selidiki Penyebarnya", MEDIA, False),
        ("Komunitas Pemuda Deklarasikan Pilkada Damai Tanpa Hoaks", MEDIA, False),
        ("Diskominfo Ajak Pelajar Kenali Ciri Berita Palsu", Authority.PEMDA, False),
    ],
)
def test_rebuttal_rule_families(title: str, authority: Authority, expected: bool) -> None:
    assert is_clarification(title, "", authority) is expected


@pytest.mark.parametrize(
    ("title", "text", "authority", "expected"),
    [
        pytest.param(
            "Timses Tepis Tudingan Kampanye Hitam",
            "Timses menyebut tudingan itu tidak berdasar.",
            MEDIA,
            False,
            id="party-denial-not-rescued-by-text",
        ),
        pytest.param(
            "Viral Surat Edaran Libur Nasional Saat Pilkada, Ini Faktanya",
            "Kemnaker memastikan surat edaran yang beredar palsu.",
            MEDIA,
            True,
            id="claim-that-circulates-called-false",
        ),
        pytest.param(
            "Benarkah Pemilih Bisa Mencoblos Tanpa Terdaftar di DPT? Ini Faktanya",
            "Pemilih yang belum terdaftar tetap dapat memilih dengan KTP elektronik.",
            Authority.KPU,
            False,
            id="question-answered-yes",
        ),
        pytest.param(
            "Siaran Pers Bawaslu Nomor 12 Tahun 2024",
            "Bawaslu menyatakan informasi yang menyebut pengawas TPS ditarik seluruhnya"
            " tidak benar.",
            Authority.BAWASLU,
            True,
            id="official-asserts-claim-false-within-a-sentence",
        ),
        pytest.param(
            "Siaran Pers Bawaslu Nomor 13 Tahun 2024",
            "Bawaslu menyatakan informasi pemilih sudah lengkap. Laporan itu tidak benar"
            " menurut saksi.",
            Authority.BAWASLU,
            False,
            id="assertion-does-not-reach-across-sentences",
        ),
        pytest.param(
            "Penjelasan KPU Kabupaten Blitar",
            "Rapat koordinasi membahas anggaran. " * 60 + "Informasi tersebut tidak benar.",
            Authority.KPU,
            False,
            id="only-the-lead-of-a-long-text-is-read",
        ),
    ],
)
def test_text_evidence_rules(title: str, text: str, authority: Authority, expected: bool) -> None:
    assert is_clarification(title, text, authority) is expected


def _labelled(path: Path) -> tuple[str, list[tuple[Authority, str, str, bool]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    label = "is_clarification" if "is_clarification" in rows[0] else "is_election"
    return label, [
        (Authority(r["authority"]), r["title"], r["summary"], r[label] == "1") for r in rows
    ]


LABELLED_SETS = sorted(
    path for path in BENCH_DATA.glob("*.tsv") if not path.name.startswith("region_")
)  # the region sets label places, not classes: tests/unit/text/test_text_places.py


def test_labelled_sets_are_present() -> None:
    names = {path.name for path in LABELLED_SETS}
    assert {"clarification_set.tsv", "relevance_set.tsv"} <= names


@pytest.mark.parametrize("path", LABELLED_SETS, ids=lambda path: path.name)
def test_labelled_set_meets_quality_targets(path: Path) -> None:
    label, rows = _labelled(path)
    if label == "is_election":
        wrong = [r[1] for r in rows if is_election(r[1], r[2], r[0]) is not r[3]]
        assert 1 - len(wrong) / len(rows) >= 0.95, wrong
        return
    got = [(is_clarification(title, text, a), expected) for a, title, text, expected in rows]
    tp = sum(1 for g, e in got if g and e)
    predicted = sum(1 for g, _ in got if g)
    actual = sum(1 for _, e in got if e)
    assert tp / predicted >= 0.97, f"precision {tp / predicted:.3f}"
    assert tp / actual >= 0.9, f"recall {tp / actual:.3f}"
