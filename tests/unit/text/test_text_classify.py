from __future__ import annotations

import pytest

from warta.core.model import Authority
from warta.core.text.classify import classify, is_clarification, is_election

MEDIA = Authority.MEDIA


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
