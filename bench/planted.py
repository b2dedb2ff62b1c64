"""A planted set of Indonesian election news for judging story clustering.

Base stories come from template families (DPT, rekapitulasi, logistik, hoaks
gempa ...) with places, figures, dates and people drawn from lists. Some bases
are republished by two to four other sources with the edits newsrooms make
(a new dateline or intro, a sentence dropped or added, paragraphs reordered,
synonyms, typos, another title, "Baca juga" and credits). Template negatives
are twins of a base: the same template and wording with only the place, the
figures, the date or the people changed. Ground truth is the story id of each
item. Everything is drawn from one seed, so the set is the same on every run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from warta.core.model import Authority

# Real kabupaten and kota; pairs that share a name (Kota/Kabupaten Kediri) on purpose.
PLACES: tuple[tuple[str, str, str], ...] = (
    ("Kota", "Kediri", "Jawa Timur"),
    ("Kabupaten", "Kediri", "Jawa Timur"),
    ("Kota", "Malang", "Jawa Timur"),
    ("Kabupaten", "Malang", "Jawa Timur"),
    ("Kota", "Blitar", "Jawa Timur"),
    ("Kabupaten", "Blitar", "Jawa Timur"),
    ("Kota", "Madiun", "Jawa Timur"),
    ("Kabupaten", "Madiun", "Jawa Timur"),
    ("Kota", "Probolinggo", "Jawa Timur"),
    ("Kabupaten", "Probolinggo", "Jawa Timur"),
    ("Kota", "Pasuruan", "Jawa Timur"),
    ("Kabupaten", "Pasuruan", "Jawa Timur"),
    ("Kota", "Mojokerto", "Jawa Timur"),
    ("Kabupaten", "Mojokerto", "Jawa Timur"),
    ("Kota", "Surabaya", "Jawa Timur"),
    ("Kabupaten", "Sidoarjo", "Jawa Timur"),
    ("Kabupaten", "Jember", "Jawa Timur"),
    ("Kabupaten", "Banyuwangi", "Jawa Timur"),
    ("Kabupaten", "Tulungagung", "Jawa Timur"),
    ("Kabupaten", "Lamongan", "Jawa Timur"),
    ("Kabupaten", "Gresik", "Jawa Timur"),
    ("Kabupaten", "Bojonegoro", "Jawa Timur"),
    ("Kabupaten", "Nganjuk", "Jawa Timur"),
    ("Kabupaten", "Ponorogo", "Jawa Timur"),
    ("Kota", "Magelang", "Jawa Tengah"),
    ("Kabupaten", "Magelang", "Jawa Tengah"),
    ("Kota", "Tegal", "Jawa Tengah"),
    ("Kabupaten", "Tegal", "Jawa Tengah"),
    ("Kota", "Pekalongan", "Jawa Tengah"),
    ("Kabupaten", "Pekalongan", "Jawa Tengah"),
    ("Kota", "Semarang", "Jawa Tengah"),
    ("Kabupaten", "Semarang", "Jawa Tengah"),
    ("Kota", "Surakarta", "Jawa Tengah"),
    ("Kabupaten", "Klaten", "Jawa Tengah"),
    ("Kabupaten", "Boyolali", "Jawa Tengah"),
    ("Kabupaten", "Banyumas", "Jawa Tengah"),
    ("Kabupaten", "Cilacap", "Jawa Tengah"),
    ("Kabupaten", "Kudus", "Jawa Tengah"),
    ("Kabupaten", "Demak", "Jawa Tengah"),
    ("Kota", "Bogor", "Jawa Barat"),
    ("Kabupaten", "Bogor", "Jawa Barat"),
    ("Kota", "Bekasi", "Jawa Barat"),
    ("Kabupaten", "Bekasi", "Jawa Barat"),
    ("Kota", "Bandung", "Jawa Barat"),
    ("Kabupaten", "Bandung", "Jawa Barat"),
    ("Kabupaten", "Bandung Barat", "Jawa Barat"),
    ("Kota", "Cirebon", "Jawa Barat"),
    ("Kabupaten", "Cirebon", "Jawa Barat"),
    ("Kota", "Sukabumi", "Jawa Barat"),
    ("Kabupaten", "Sukabumi", "Jawa Barat"),
    ("Kota", "Tasikmalaya", "Jawa Barat"),
    ("Kabupaten", "Tasikmalaya", "Jawa Barat"),
    ("Kabupaten", "Cianjur", "Jawa Barat"),
    ("Kabupaten", "Garut", "Jawa Barat"),
    ("Kabupaten", "Karawang", "Jawa Barat"),
    ("Kota", "Depok", "Jawa Barat"),
    ("Kota", "Tangerang", "Banten"),
    ("Kabupaten", "Tangerang", "Banten"),
    ("Kota", "Tangerang Selatan", "Banten"),
    ("Kota", "Serang", "Banten"),
    ("Kabupaten", "Serang", "Banten"),
    ("Kabupaten", "Lebak", "Banten"),
    ("Kabupaten", "Pandeglang", "Banten"),
    ("Kota", "Jakarta Selatan", "DKI Jakarta"),
    ("Kota", "Jakarta Timur", "DKI Jakarta"),
    ("Kota", "Jakarta Barat", "DKI Jakarta"),
    ("Kota", "Jakarta Utara", "DKI Jakarta"),
    ("Kabupaten", "Sleman", "DI Yogyakarta"),
    ("Kabupaten", "Bantul", "DI Yogyakarta"),
    ("Kota", "Yogyakarta", "DI Yogyakarta"),
    ("Kota", "Medan", "Sumatera Utara"),
    ("Kabupaten", "Deli Serdang", "Sumatera Utara"),
    ("Kabupaten", "Karo", "Sumatera Utara"),
    ("Kota", "Padang", "Sumatera Barat"),
    ("Kota", "Solok", "Sumatera Barat"),
    ("Kabupaten", "Solok", "Sumatera Barat"),
    ("Kabupaten", "Agam", "Sumatera Barat"),
    ("Kota", "Palembang", "Sumatera Selatan"),
    ("Kabupaten", "Ogan Ilir", "Sumatera Selatan"),
    ("Kota", "Pekanbaru", "Riau"),
    ("Kabupaten", "Kampar", "Riau"),
    ("Kota", "Bandar Lampung", "Lampung"),
    ("Kabupaten", "Lampung Selatan", "Lampung"),
    ("Kota", "Banda Aceh", "Aceh"),
    ("Kabupaten", "Aceh Besar", "Aceh"),
    ("Kota", "Pontianak", "Kalimantan Barat"),
    ("Kabupaten", "Kubu Raya", "Kalimantan Barat"),
    ("Kota", "Banjarmasin", "Kalimantan Selatan"),
    ("Kabupaten", "Tanah Laut", "Kalimantan Selatan"),
    ("Kabupaten", "Tanah Bumbu", "Kalimantan Selatan"),
    ("Kota", "Samarinda", "Kalimantan Timur"),
    ("Kota", "Balikpapan", "Kalimantan Timur"),
    ("Kabupaten", "Kutai Kartanegara", "Kalimantan Timur"),
    ("Kota", "Makassar", "Sulawesi Selatan"),
    ("Kabupaten", "Gowa", "Sulawesi Selatan"),
    ("Kabupaten", "Bone", "Sulawesi Selatan"),
    ("Kota", "Manado", "Sulawesi Utara"),
    ("Kabupaten", "Minahasa", "Sulawesi Utara"),
    ("Kota", "Palu", "Sulawesi Tengah"),
    ("Kota", "Kendari", "Sulawesi Tenggara"),
    ("Kota", "Denpasar", "Bali"),
    ("Kabupaten", "Badung", "Bali"),
    ("Kabupaten", "Gianyar", "Bali"),
    ("Kota", "Mataram", "Nusa Tenggara Barat"),
    ("Kota", "Bima", "Nusa Tenggara Barat"),
    ("Kabupaten", "Bima", "Nusa Tenggara Barat"),
    ("Kota", "Kupang", "Nusa Tenggara Timur"),
    ("Kabupaten", "Kupang", "Nusa Tenggara Timur"),
    ("Kota", "Ambon", "Maluku"),
    ("Kota", "Ternate", "Maluku Utara"),
    ("Kota", "Jayapura", "Papua"),
    ("Kabupaten", "Jayapura", "Papua"),
    ("Kota", "Sorong", "Papua Barat Daya"),
    ("Kabupaten", "Sorong", "Papua Barat Daya"),
)

KECAMATAN = (
    "Mojoroto",
    "Pesantren",
    "Ngasem",
    "Pare",
    "Kandangan",
    "Wates",
    "Kepanjen",
    "Lowokwaru",
    "Klojen",
    "Sukun",
    "Blimbing",
    "Cibinong",
    "Cileungsi",
    "Jonggol",
    "Tanah Abang",
    "Menteng",
    "Gambir",
    "Coblong",
    "Sukajadi",
    "Cicendo",
    "Batununggal",
    "Kebayoran Baru",
    "Cilandak",
    "Pasar Minggu",
    "Jatinegara",
    "Tembalang",
    "Banyumanik",
    "Gayamsari",
    "Depok",
    "Mlati",
    "Gamping",
    "Kasihan",
    "Sewon",
    "Medan Baru",
    "Medan Johor",
    "Rappocini",
    "Tamalate",
    "Panakkukang",
    "Denpasar Selatan",
    "Kuta Utara",
    "Ubud",
    "Sukolilo",
    "Rungkut",
    "Wonokromo",
    "Genteng",
    "Tegalsari",
    "Karangploso",
    "Singosari",
    "Dau",
    "Lawang",
    "Purwokerto Selatan",
    "Kroya",
    "Majenang",
    "Jati",
    "Bae",
    "Mejobo",
)

FIRST = (
    "Ahmad",
    "Budi",
    "Siti",
    "Dewi",
    "Agus",
    "Rina",
    "Hendra",
    "Nur",
    "Eko",
    "Sri",
    "Bambang",
    "Yuliana",
    "Rizal",
    "Fitri",
    "Joko",
    "Wahyu",
    "Lestari",
    "Imam",
    "Nanang",
    "Ninik",
    "Andi",
    "Maria",
    "Yohanes",
    "I Made",
    "Ni Luh",
    "Teuku",
    "Cut",
    "Dimas",
    "Ratna",
    "Hasan",
)
LAST = (
    "Santoso",
    "Wijaya",
    "Hidayat",
    "Saputra",
    "Rahmawati",
    "Pratama",
    "Kurniawan",
    "Nugroho",
    "Setiawan",
    "Lubis",
    "Siregar",
    "Harahap",
    "Wibowo",
    "Susanto",
    "Qosim",
    "Sunarmi",
    "Hutapea",
    "Mahendra",
    "Syahputra",
    "Permana",
    "Fauzi",
    "Hakim",
    "Utami",
    "Anggraini",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip

MEDIA = (
    ("antaranews", "ANTARA"),
    ("detik", "detikcom"),
    ("kompas", "Kompas.com"),
    ("tribun", "Tribunnews"),
    ("suara", "Suara.com"),
    ("beritajatim", "beritajatim.com"),
    ("radar", "Radar"),
    ("rri", "RRI"),
)


def rupiah_number(n: int) -> str:
    """214236 as Indonesian writes it: 214.236."""
    return f"{n:,}".replace(",", ".")


@dataclass(frozen=True)
class PlantedItem:
    id: str
    story: str
    """Ground truth: items of one story share it."""
    source: str
    authority: Authority
    title: str
    text: str
    kind: str
    """"base", "republished:<edits>" or "twin:<what differs>"."""
    family: str


class Slots:
    """Everything that may differ between two stories of one template.

    Each kind of slot draws from its own generator, so a twin can change the
    place alone and keep every figure, or the reverse.
    """

    def __init__(self, seeds: dict[str, int]) -> None:
        self.seeds = dict(seeds)
        self._rng = {k: random.Random(v) for k, v in seeds.items()}  # noqa: S311
        self._cache: dict[tuple[str, str], object] = {}

    def _memo(self, kind: str, key: str, make: Callable[[random.Random], object]) -> object:
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = make(self._rng[kind])
        return self._cache[(kind, key)]

    def place(self, key: str = "p") -> tuple[str, str, str]:
        return self._memo("place", key, lambda r: r.choice(PLACES))  # type: ignore[return-value]

    def kecamatan(self, key: str = "k") -> str:
        return self._memo("place", "kec" + key, lambda r: r.choice(KECAMATAN))  # type: ignore[return-value]

    def num(self, key: str, lo: int, hi: int) -> int:
        return self._memo("number", key, lambda r: r.randint(lo, hi))  # type: ignore[return-value]

    def dec(self, key: str, lo: float, hi: float) -> str:
        return self._memo("number", key, lambda r: f"{r.uniform(lo, hi):.1f}".replace(".", ","))  # type: ignore[return-value]

    def person(self, key: str) -> str:
        return self._memo("name", key, lambda r: f"{r.choice(FIRST)} {r.choice(LAST)}")  # type: ignore[return-value]

    def date(self, key: str = "d") -> tuple[str, int, str, int]:
        """(day name, day of month, month name, month number)."""

        def make(r: random.Random) -> tuple[str, int, str, int]:
            month = r.randint(1, 12)
            return r.choice(DAYS), r.randint(1, 28), MONTHS[month - 1], month

        return self._memo("date", key, make)  # type: ignore[return-value]


@dataclass
class Draft:
    titles: list[str]
    """The base's own title first, then wordings other sources use."""
    paragraphs: list[list[str]]
    authority: Authority
    dateline_city: str
    family: str = ""
    synonyms: dict[str, str] = field(default_factory=dict)


def _place_name(p: tuple[str, str, str]) -> str:
    return f"{p[0]} {p[1]}"


def _dpt(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    men, women = s.num("men", 40_000, 900_000), s.num("women", 40_000, 900_000)
    total = men + women
    tps = s.num("tps", 300, 4_000)
    ketua = s.person("ketua")
    day, dom, month, _ = s.date()
    kind = t.choice(("Pilkada 2024", "Pemilu 2024", "Pemilihan Gubernur dan Bupati 2024"))
    units = t.choice(("kecamatan", "distrik"))
    n_units = s.num("units", 3, 40)
    titles = [
        f"KPU {pn} Tetapkan DPT {kind} Sebanyak {rupiah_number(total)} Pemilih",
        f"{kind}, DPT {pn} Ditetapkan {rupiah_number(total)} Orang",
        f"{rupiah_number(total)} Warga {pn} Masuk DPT {kind}",
    ]
    paras = [
        [
            t.choice(
                (
                    f"Komisi Pemilihan Umum (KPU) {pn} menetapkan daftar pemilih tetap (DPT) untuk {kind} sebanyak {rupiah_number(total)} pemilih dalam rapat pleno terbuka, {day} ({dom}/{s.date()[3]}).",
                    f"KPU {pn} resmi menetapkan DPT {kind} sebanyak {rupiah_number(total)} pemilih melalui rapat pleno terbuka yang digelar pada {day}, {dom} {month}.",
                )
            )
        ],
        [
            f"Ketua KPU {pn} {ketua} mengatakan jumlah itu terdiri atas {rupiah_number(men)} pemilih laki-laki dan {rupiah_number(women)} pemilih perempuan yang tersebar di {n_units} {units}.",
            t.choice(
                (
                    f"Pemilih tersebut akan menyalurkan hak pilihnya di {rupiah_number(tps)} tempat pemungutan suara (TPS).",
                    f"KPU menyiapkan {rupiah_number(tps)} TPS untuk melayani seluruh pemilih tersebut.",
                )
            ),
        ],
        [
            t.choice(
                (
                    '"Jumlah DPT ini sudah melalui proses pencocokan dan penelitian oleh petugas pemutakhiran data pemilih di lapangan selama satu bulan," kata '
                    + ketua.split()[0]
                    + ".",
                    '"Data ini hasil kerja keras pantarlih yang mendatangi rumah warga satu per satu," ujar '
                    + ketua.split()[0]
                    + ".",
                )
            ),
            "Ia menambahkan, seluruh data pemilih telah diverifikasi bersama Dinas Kependudukan dan Pencatatan Sipil serta diawasi oleh Bawaslu setempat.",
        ],
        [
            t.choice(
                (
                    "KPU juga mengimbau masyarakat untuk mengecek nama mereka melalui laman cekdptonline.kpu.go.id atau datang langsung ke kantor kelurahan masing-masing.",
                    "Masyarakat yang belum terdaftar diminta segera melapor ke panitia pemungutan suara di desa atau kelurahan masing-masing.",
                )
            ),
            "Pemilih yang belum terdaftar masih dapat menggunakan hak pilihnya dengan membawa KTP elektronik ke TPS sesuai alamat.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


def _hoax_gempa(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p) if t.random() < 0.7 else p[1]
    mag = s.dec("mag", 5.0, 7.4)
    depth = s.num("depth", 10, 90)
    day, dom, month, _ = s.date()
    label = t.choice(("[HOAKS]", "[SALAH]", "HOAKS:"))
    titles = [
        f"{label} Gempa Magnitudo {mag} Guncang {pn} saat Pemungutan Suara",
        f"Cek Fakta: Tidak Benar Gempa M{mag} di {pn} Batalkan Pencoblosan",
        f"{label} Pesan Berantai Gempa {mag} SR di {pn}, TPS Dipindahkan",
    ]
    paras = [
        [
            t.choice(
                (
                    f"Beredar pesan berantai di WhatsApp yang menyebut gempa bermagnitudo {mag} mengguncang {pn} pada hari pemungutan suara sehingga seluruh TPS dipindahkan.",
                    f"Sebuah unggahan di media sosial mengklaim gempa magnitudo {mag} melanda {pn} dan KPU memindahkan lokasi pemungutan suara.",
                )
            ),
            f"Pesan itu juga menyebut pusat gempa berada di kedalaman {depth} kilometer.",
        ],
        [
            t.choice(
                (
                    f"Faktanya, BMKG tidak mencatat gempa dengan kekuatan tersebut di wilayah {pn} pada {day}, {dom} {month}.",
                    f"Berdasarkan penelusuran, Badan Meteorologi, Klimatologi, dan Geofisika (BMKG) tidak pernah merilis informasi gempa magnitudo {mag} di {pn}.",
                )
            ),
            f"KPU {_place_name(p)} memastikan pemungutan suara berjalan sesuai jadwal dan tidak ada TPS yang dipindahkan.",
        ],
        [
            t.choice(
                (
                    "Dengan demikian, informasi tersebut masuk kategori konten palsu atau hoaks.",
                    "Informasi tersebut tidak benar dan termasuk disinformasi yang dapat mengganggu jalannya pemilu.",
                )
            ),
            "Masyarakat diimbau memeriksa kebenaran informasi melalui kanal resmi BMKG dan KPU sebelum menyebarkannya.",
        ],
    ]
    return Draft(titles, paras, Authority.FACTCHECK, "Jakarta")


def _rekap(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    kec = s.kecamatan()
    a, b, c = s.num("a", 2_000, 60_000), s.num("b", 2_000, 60_000), s.num("c", 500, 30_000)
    invalid = s.num("inv", 100, 3_000)
    ketua = s.person("ppk")
    day, dom, month, _ = s.date()
    level = t.choice(
        ("pemilihan bupati", "pemilihan wali kota", "pemilihan gubernur", "pemilihan presiden")
    )
    titles = [
        f"Rekapitulasi PPK {kec}: Paslon 01 Raih {rupiah_number(a)} Suara",
        f"PPK Kecamatan {kec} Rampungkan Rekapitulasi Suara {level.title()}",
        f"Hasil Rekap Kecamatan {kec}, {_place_name(p)}: 01 {rupiah_number(a)}, 02 {rupiah_number(b)}",
    ]
    paras = [
        [
            t.choice(
                (
                    f"Panitia Pemilihan Kecamatan (PPK) {kec}, {_place_name(p)}, merampungkan rekapitulasi hasil penghitungan suara {level} pada {day} ({dom}/{s.date()[3]}).",
                    f"Rapat pleno rekapitulasi hasil penghitungan suara {level} tingkat Kecamatan {kec} di {_place_name(p)} selesai digelar {day}, {dom} {month}.",
                )
            )
        ],
        [
            f"Pasangan calon nomor urut 01 memperoleh {rupiah_number(a)} suara, nomor urut 02 memperoleh {rupiah_number(b)} suara, dan nomor urut 03 memperoleh {rupiah_number(c)} suara.",
            f"Adapun jumlah suara tidak sah tercatat sebanyak {rupiah_number(invalid)} suara.",
        ],
        [
            t.choice(
                (
                    f'"Rekapitulasi berjalan lancar dan disaksikan seluruh saksi pasangan calon serta Panwaslu Kecamatan," kata Ketua PPK {kec} {ketua}.',
                    f"Ketua PPK {kec} {ketua} menyebut tidak ada keberatan yang diajukan saksi selama rapat pleno berlangsung.",
                )
            ),
            "Hasil rekapitulasi tingkat kecamatan selanjutnya dibawa ke rapat pleno KPU kabupaten/kota.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


def _logistik(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    boxes = s.num("boxes", 1_000, 20_000)
    ballots = s.num("ballots", 100_000, 3_000_000)
    kec = s.num("kec", 5, 40)
    officer = s.person("kasubag")
    day, dom, month, _ = s.date()
    titles = [
        f"KPU {pn} Distribusikan {rupiah_number(boxes)} Kotak Suara ke {kec} Kecamatan",
        f"Logistik Pemilu Mulai Dikirim, {rupiah_number(ballots)} Surat Suara Disebar di {pn}",
        f"Distribusi Logistik Pemilu di {pn} Dikawal Polisi",
    ]
    paras = [
        [
            t.choice(
                (
                    f"KPU {pn} mulai mendistribusikan logistik pemungutan suara ke {kec} kecamatan pada {day}, {dom} {month}.",
                    f"Sebanyak {rupiah_number(boxes)} kotak suara dan {rupiah_number(ballots)} lembar surat suara mulai dikirim KPU {pn} ke gudang PPK, {day} ({dom}/{s.date()[3]}).",
                )
            ),
            f"Logistik yang dikirim meliputi {rupiah_number(boxes)} kotak suara, {rupiah_number(ballots)} lembar surat suara, bilik suara, tinta, dan formulir.",
        ],
        [
            t.choice(
                (
                    f"Kepala Subbagian Logistik KPU {pn} {officer} mengatakan pengiriman dikawal aparat kepolisian dan diawasi Bawaslu.",
                    f'"Kami pastikan seluruh logistik tiba di PPK paling lambat H-3 pemungutan suara," kata {officer}, Kasubbag Logistik KPU {pn}.',
                )
            ),
            t.choice(
                (
                    "Untuk daerah yang sulit dijangkau, pengiriman dilakukan lebih awal agar tidak terlambat.",
                    "Wilayah kepulauan dan pegunungan mendapat prioritas pengiriman karena aksesnya sulit.",
                )
            ),
        ],
        [
            "Sebelum dikirim, seluruh surat suara telah melalui proses penyortiran dan pelipatan oleh petugas.",
            f"Surat suara yang rusak sebanyak {rupiah_number(s.num('rusak', 100, 5_000))} lembar telah dicatat dan dimusnahkan.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


def _bawaslu_asn(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    cases = s.num("cases", 3, 60)
    official = s.person("kordiv")
    day, dom, month, _ = s.date()
    titles = [
        f"Bawaslu {pn} Temukan {cases} Dugaan Pelanggaran Netralitas ASN",
        f"{cases} ASN di {pn} Diduga Tidak Netral Jelang Pilkada",
        f"Netralitas ASN di {pn} Disorot Bawaslu",
    ]
    paras = [
        [
            t.choice(
                (
                    f"Badan Pengawas Pemilu (Bawaslu) {pn} menemukan {cases} dugaan pelanggaran netralitas aparatur sipil negara (ASN) selama tahapan kampanye.",
                    f"Bawaslu {pn} mencatat {cases} kasus dugaan ASN tidak netral sejak masa kampanye dimulai hingga {day}, {dom} {month}.",
                )
            ),
            t.choice(
                (
                    "Pelanggaran itu antara lain berupa unggahan dukungan kepada pasangan calon di media sosial dan kehadiran dalam kegiatan kampanye.",
                    "Bentuk pelanggaran yang ditemukan meliputi foto bersama calon dengan pose jari dan ajakan memilih di grup percakapan.",
                )
            ),
        ],
        [
            f"Koordinator Divisi Penanganan Pelanggaran Bawaslu {pn} {official} mengatakan seluruh temuan telah diteruskan ke Badan Kepegawaian Negara.",
            '"ASN wajib menjaga netralitas. Kami tidak akan ragu menindak siapa pun yang terbukti melanggar," ujarnya.',
        ],
        [
            "Bawaslu juga membuka posko pengaduan bagi masyarakat yang menemukan dugaan pelanggaran pemilu di lingkungannya.",
        ],
    ]
    return Draft(titles, paras, Authority.BAWASLU, p[1])


def _dkpp(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    who = s.person("teradu")
    case_no = s.num("perkara", 100, 350)
    chair = s.person("ketua_majelis")
    sanction = t.choice(("peringatan keras", "pemberhentian tetap", "peringatan"))
    titles = [
        f"DKPP Jatuhkan Sanksi {sanction.title()} kepada Ketua KPU {pn}",
        f"Langgar Kode Etik, Ketua KPU {pn} {who} Disanksi DKPP",
        f"Putusan DKPP: {who} Dijatuhi Sanksi {sanction.title()}",
    ]
    paras = [
        [
            f"Dewan Kehormatan Penyelenggara Pemilu (DKPP) menjatuhkan sanksi {sanction} kepada Ketua KPU {pn} {who} dalam sidang pembacaan putusan perkara nomor {case_no}-PKE-DKPP/X/2024.",
            t.choice(
                (
                    "Teradu terbukti melanggar kode etik karena tidak cermat dalam menetapkan daftar calon.",
                    "Teradu dinilai tidak profesional karena bertemu dengan salah satu pasangan calon di luar agenda resmi.",
                )
            ),
        ],
        [
            f'"Menjatuhkan sanksi {sanction} kepada Teradu {who} selaku Ketua KPU {pn} sejak putusan ini dibacakan," kata Ketua Majelis {chair}.',
            "DKPP meminta KPU RI melaksanakan putusan tersebut paling lama tujuh hari sejak dibacakan.",
        ],
        [
            "Dalam perkara yang sama, DKPP merehabilitasi nama baik empat anggota KPU lainnya karena tidak terbukti melanggar.",
        ],
    ]
    return Draft(titles, paras, Authority.DKPP, "Jakarta")


def _debat(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    day, dom, month, _ = s.date()
    venue = t.choice(
        ("Gedung Serbaguna", "Hotel Grand Mercure", "Pendopo Kabupaten", "Gedung DPRD")
    )
    order = t.choice(("pertama", "kedua", "ketiga"))
    moderator = s.person("moderator")
    titles = [
        f"Debat Publik {order.title()} Pilkada {pn} Digelar {dom} {month}",
        f"KPU {pn} Siapkan Debat {order.title()} Calon Kepala Daerah",
        f"Jadwal Debat Pilkada {pn}: {day}, {dom} {month} di {venue}",
    ]
    paras = [
        [
            f"KPU {pn} akan menggelar debat publik {order} pasangan calon kepala daerah pada {day}, {dom} {month}, di {venue}.",
            t.choice(
                (
                    "Debat akan disiarkan langsung oleh televisi lokal dan kanal YouTube KPU.",
                    "Masyarakat dapat menyaksikan debat melalui siaran langsung di media sosial resmi KPU.",
                )
            ),
        ],
        [
            t.choice(
                (
                    "Tema debat kali ini adalah peningkatan pelayanan publik dan pembangunan ekonomi daerah.",
                    "Debat akan mengangkat tema kesejahteraan masyarakat, pendidikan, dan kesehatan.",
                )
            ),
            f"Debat akan dipandu oleh {moderator} dengan panelis dari kalangan akademisi.",
        ],
        [
            "Setiap pasangan calon hanya boleh membawa paling banyak 100 pendukung ke lokasi debat.",
            "KPU berharap debat menjadi ruang bagi pemilih untuk menilai visi dan misi para calon.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


def _partisipasi(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    pct = s.dec("pct", 55, 89)
    target = s.num("target", 70, 85)
    voters = s.num("voters", 80_000, 2_500_000)
    titles = [
        f"Partisipasi Pemilih di {pn} Capai {pct} Persen",
        f"KPU {pn}: Tingkat Partisipasi Pemilih {pct} Persen",
        f"Partisipasi Pemilih {pn} {pct} Persen, Lampaui Target",
    ]
    paras = [
        [
            f"KPU {pn} mencatat tingkat partisipasi pemilih pada pemungutan suara tahun ini mencapai {pct} persen dari {rupiah_number(voters)} pemilih dalam DPT.",
            t.choice(
                (
                    f"Angka itu melampaui target nasional sebesar {target} persen.",
                    f"KPU sebelumnya menargetkan partisipasi pemilih sebesar {target} persen.",
                )
            ),
        ],
        [
            t.choice(
                (
                    "Menurut KPU, sosialisasi yang masif ke sekolah, kampus, dan komunitas menjadi kunci naiknya partisipasi.",
                    "Komisioner KPU menyebut partisipasi tertinggi tercatat di wilayah perdesaan.",
                )
            ),
            "KPU akan mengevaluasi wilayah dengan partisipasi rendah untuk pemilihan berikutnya.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


def _sosialisasi(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    schools = s.num("schools", 5, 80)
    students = s.num("students", 500, 15_000)
    head = s.person("kadis")
    prefix = "Pemkot" if p[0] == "Kota" else "Pemkab"
    titles = [
        f"{prefix} {p[1]} Gelar Sosialisasi Pemilih Pemula di {schools} SMA",
        f"{rupiah_number(students)} Pelajar di {pn} Ikuti Sosialisasi Pemilu",
        f"Diskominfo {pn} Ajak Pemilih Pemula Tolak Hoaks Pemilu",
    ]
    paras = [
        [
            f"Pemerintah {pn} melalui Dinas Komunikasi dan Informatika menggelar sosialisasi pemilih pemula di {schools} SMA dan SMK.",
            f"Kegiatan itu diikuti sekitar {rupiah_number(students)} pelajar yang akan memberikan suara untuk pertama kali dalam pemilu.",
        ],
        [
            t.choice(
                (
                    f"Kepala Diskominfo {pn} {head} mengatakan pemilih pemula rentan terpapar hoaks dan politik uang.",
                    f'"Pemilih muda harus cerdas memilah informasi dan tidak mudah termakan hoaks," kata Kepala Diskominfo {head}.',
                )
            ),
            t.choice(
                (
                    "Dalam sosialisasi itu, pelajar juga diajari cara mengecek nama di DPT dan tata cara mencoblos.",
                    "Peserta mendapat simulasi pemungutan suara lengkap dengan bilik dan kotak suara.",
                )
            ),
        ],
    ]
    return Draft(titles, paras, Authority.PEMDA, p[1])


def _hoax_surat_suara(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    count = s.num("lembar", 1_000, 70_000)
    where = t.choice(("gudang logistik", "rumah warga", "sebuah truk"))
    titles = [
        f"[HOAKS] Video {rupiah_number(count)} Surat Suara Tercoblos di {pn}",
        f"KPU {pn} Bantah Isu Surat Suara Sudah Dicoblos",
        f"Cek Fakta: Video Surat Suara Tercoblos di {pn} Bukan Kecurangan",
    ]
    paras = [
        [
            f"Beredar video yang memperlihatkan ribuan surat suara yang sudah tercoblos di {where} di {pn}.",
            f"Narasi dalam video menyebut sebanyak {rupiah_number(count)} surat suara telah dicoblos untuk salah satu pasangan calon.",
        ],
        [
            f"KPU {pn} menegaskan video tersebut tidak benar.",
            t.choice(
                (
                    "Surat suara dalam video adalah surat suara rusak yang telah disortir petugas dan diberi tanda silang.",
                    "Video itu merupakan rekaman simulasi pemungutan suara yang digelar KPU beberapa waktu lalu.",
                )
            ),
        ],
        [
            "Masyarakat diminta tidak menyebarkan video tersebut dan melaporkan konten serupa kepada Bawaslu.",
        ],
    ]
    return Draft(titles, paras, Authority.FACTCHECK, p[1])


def _kemendagri(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    pj = s.person("pj")
    budget = s.num("hibah", 10, 400)
    day, dom, month, _ = s.date()
    role = "Pj Wali Kota" if p[0] == "Kota" else "Pj Bupati"
    titles = [
        f"Kemendagri Minta {role} {p[1]} Segera Cairkan Dana Hibah Pilkada",
        f"Dana Hibah Pilkada {pn} Rp{budget} Miliar Belum Cair, Kemendagri Turun Tangan",
        f"Mendagri Tegur {role} {p[1]} soal Hibah Pilkada",
    ]
    paras = [
        [
            f"Kementerian Dalam Negeri meminta {role} {p[1]} {pj} segera mencairkan dana hibah penyelenggaraan Pilkada sebesar Rp{budget} miliar.",
            t.choice(
                (
                    "Hingga kini pencairan baru mencapai 40 persen dari nilai yang tertuang dalam naskah perjanjian hibah daerah.",
                    "Keterlambatan pencairan dinilai dapat mengganggu tahapan pemilihan yang sedang berjalan.",
                )
            ),
        ],
        [
            f"Direktur Jenderal Bina Keuangan Daerah menyampaikan hal itu dalam rapat koordinasi di Jakarta, {day}, {dom} {month}.",
            "Kemendagri juga mengingatkan kepala daerah agar menjaga netralitas ASN selama tahapan pilkada.",
        ],
    ]
    return Draft(titles, paras, Authority.KEMENDAGRI, "Jakarta")


def _pantarlih(t: random.Random, s: Slots) -> Draft:
    p = s.place()
    pn = _place_name(p)
    officers = s.num("pantarlih", 500, 9_000)
    households = s.num("kk", 50_000, 900_000)
    day, dom, month, _ = s.date()
    titles = [
        f"{rupiah_number(officers)} Pantarlih di {pn} Mulai Coklit Data Pemilih",
        f"KPU {pn} Lantik {rupiah_number(officers)} Petugas Pantarlih",
        f"Coklit Serentak Dimulai, Pantarlih {pn} Datangi Rumah Warga",
    ]
    paras = [
        [
            f"Sebanyak {rupiah_number(officers)} petugas pemutakhiran data pemilih (pantarlih) di {pn} mulai melakukan pencocokan dan penelitian (coklit) pada {day}, {dom} {month}.",
            f"Mereka akan mendatangi {rupiah_number(households)} kepala keluarga selama satu bulan ke depan.",
        ],
        [
            t.choice(
                (
                    "Warga diminta menyiapkan KTP elektronik dan kartu keluarga saat petugas datang.",
                    "Petugas akan menempelkan stiker di rumah warga yang telah selesai dicoklit.",
                )
            ),
            "KPU mengingatkan warga agar memastikan petugas yang datang membawa surat tugas dan tanda pengenal resmi.",
        ],
    ]
    return Draft(titles, paras, Authority.KPU, p[1])


FAMILIES: dict[str, Callable[[random.Random, Slots], Draft]] = {
    "dpt": _dpt,
    "hoaks-gempa": _hoax_gempa,
    "rekapitulasi": _rekap,
    "logistik": _logistik,
    "bawaslu-asn": _bawaslu_asn,
    "dkpp": _dkpp,
    "debat": _debat,
    "partisipasi": _partisipasi,
    "sosialisasi": _sosialisasi,
    "hoaks-surat-suara": _hoax_surat_suara,
    "kemendagri-hibah": _kemendagri,
    "pantarlih": _pantarlih,
}

# Words newsrooms swap when they rewrite a release; applied to whole words.
SYNONYMS = {
    "mengatakan": "menyampaikan",
    "menyebut": "mengungkapkan",
    "sebanyak": "berjumlah",
    "mengimbau": "menghimbau",
    "masyarakat": "warga",
    "diminta": "diimbau",
    "menetapkan": "mengesahkan",
    "resmi": "secara resmi",
    "mulai": "telah mulai",
    "seluruh": "semua",
    "akan": "bakal",
    "juga": "pun",
    "tersebut": "itu",
    "selama": "sepanjang",
    "pada": "di hari",
    "ujarnya": "katanya",
    "menegaskan": "memastikan",
    "menemukan": "mendapati",
}

# Background sentences releases carry besides their news; shared by all
# families, so unrelated stories overlap a little as real ones do.
BACKGROUND = (
    "Pemungutan suara serentak dijadwalkan berlangsung pada 27 November 2024 di seluruh wilayah Indonesia.",
    "Penyelenggara pemilu diminta bekerja secara profesional, transparan, dan akuntabel di setiap tahapan.",
    "Seluruh tahapan diawasi oleh Bawaslu beserta jajaran pengawas di tingkat kecamatan dan desa.",
    "Masyarakat dapat melaporkan dugaan pelanggaran melalui posko pengaduan atau aplikasi resmi pengawas pemilu.",
    "Koordinasi dengan pemerintah daerah, TNI, dan Polri terus dilakukan untuk menjamin keamanan tahapan.",
    "Informasi resmi mengenai tahapan pemilihan dapat diakses melalui laman dan media sosial resmi penyelenggara.",
    "Penyelenggara juga menyiapkan layanan khusus bagi pemilih penyandang disabilitas dan lanjut usia.",
    "Anggaran penyelenggaraan pemilihan bersumber dari dana hibah pemerintah daerah yang telah disepakati.",
    "Petugas di lapangan telah mendapatkan bimbingan teknis agar memahami aturan terbaru.",
    "Partai politik dan tim kampanye diminta ikut menjaga suasana yang kondusif selama tahapan berlangsung.",
    "Penyebaran informasi palsu melalui media sosial menjadi salah satu tantangan dalam pemilihan kali ini.",
    "Peran media massa dinilai penting untuk menyampaikan informasi yang akurat kepada pemilih.",
    "Evaluasi menyeluruh akan dilakukan setelah seluruh tahapan pemilihan selesai dilaksanakan.",
    "Pemilih diimbau datang ke TPS sesuai jadwal yang tertera pada surat pemberitahuan.",
    "Tokoh agama dan tokoh masyarakat diajak menyosialisasikan pentingnya menggunakan hak pilih.",
    "Penyelenggara menegaskan komitmennya menjaga integritas dan kemandirian dalam setiap keputusan.",
    "Rapat koordinasi digelar secara berkala untuk memastikan tidak ada kendala di lapangan.",
    "Sejumlah kendala teknis yang muncul pada pemilihan sebelumnya telah diantisipasi sejak awal.",
    "Kerja sama dengan perguruan tinggi dilakukan untuk memperkuat pendidikan pemilih.",
    "Penyelenggara berharap angka partisipasi pemilih tahun ini meningkat dibandingkan pemilihan sebelumnya.",
)


def _with_background(draft: Draft, rng: random.Random) -> None:
    """Adds one or two paragraphs of background before the draft's last one."""
    picked = rng.sample(BACKGROUND, k=rng.randint(3, 5))
    cut = rng.randint(1, len(picked) - 1)
    for para in reversed((picked[:cut], picked[cut:])):
        draft.paragraphs.insert(len(draft.paragraphs) - 1, list(para))


INTROS = (
    "Rapat pleno berlangsung di aula kantor setempat dan dihadiri perwakilan partai politik.",
    "Hal itu disampaikan dalam keterangan tertulis yang diterima redaksi.",
    "Informasi ini menjadi perhatian warga menjelang hari pemungutan suara.",
    "Tahapan pemilihan di daerah itu terus berjalan sesuai jadwal yang ditetapkan.",
    "Kabar tersebut ramai diperbincangkan di media sosial dalam beberapa hari terakhir.",
)
OUTROS = (
    "Sementara itu, Bawaslu setempat menyatakan akan terus mengawasi setiap tahapan.",
    "Pihak kepolisian menyatakan siap mengamankan seluruh tahapan pemilihan.",
    "Sejumlah pengamat menilai langkah tersebut penting untuk menjaga kepercayaan publik.",
    "Pemerintah daerah mendukung penuh penyelenggaraan pemilihan yang jujur dan adil.",
)


def _typo(word: str, rng: random.Random) -> str:
    # Names are copied, not retyped: typos land in common words.
    if len(word) < 5 or not word.isalpha() or not word.islower():
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _sentences_edit(sentences: list[str], rng: random.Random, rate: float) -> list[str]:
    out = []
    for sentence in sentences:
        words = sentence.split(" ")
        for i, word in enumerate(words):
            bare = word.strip(",.\"'")
            if bare in SYNONYMS and rng.random() < rate:
                words[i] = word.replace(bare, SYNONYMS[bare])
            elif rng.random() < rate / 15:
                words[i] = _typo(word, rng)
        out.append(" ".join(words))
    return out


def republish(
    base: PlantedItem, draft: Draft, rng: random.Random, others: list[str]
) -> tuple[str, str, str, Authority, list[str]]:
    """Another source's version of a base: (source, title, text, authority, edits)."""
    source, site = rng.choice(MEDIA)
    authority = Authority.MEDIA
    if rng.random() < 0.25:
        source, site, authority = "kpu-ri", "kpu.go.id", Authority.KPU
        if draft.authority is Authority.KPU:
            source, site, authority = "bawaslu-prov", "bawaslu.go.id", Authority.BAWASLU
    paragraphs = [list(p) for p in draft.paragraphs]
    edits = rng.sample(
        ["intro", "drop", "add", "reorder", "reword", "truncate", "number"],
        k=rng.randint(2, 4),
    )
    if "drop" in edits:
        flat = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p)) if (i, j) != (0, 0)]
        if flat:
            i, j = rng.choice(flat)
            del paragraphs[i][j]
    if "reorder" in edits and len(paragraphs) > 2:
        i, j = rng.sample(range(1, len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    if "add" in edits:
        paragraphs.append([rng.choice(OUTROS)])
    if "truncate" in edits and len(paragraphs) > 2:
        paragraphs = paragraphs[: rng.randint(2, len(paragraphs) - 1)]
    if "intro" in edits:
        paragraphs.insert(0, [rng.choice(INTROS)])
    rate = 0.35 if "reword" in edits else 0.08
    paragraphs = [_sentences_edit(p, rng, rate) for p in paragraphs if p]
    text_paras = [" ".join(p) for p in paragraphs]
    if "number" in edits:
        # A figure written in words: "1.252.601" becomes "1,25 juta".
        for k, para in enumerate(text_paras):
            for token in para.split():
                bare = token.strip(",.()")
                if bare.count(".") >= 2 and bare.replace(".", "").isdigit():
                    value = int(bare.replace(".", "")) / 1_000_000
                    text_paras[k] = para.replace(
                        bare, f"{value:.2f}".replace(".", ",") + " juta", 1
                    )
                    break
            else:
                continue
            break
    city = draft.dateline_city
    dateline = rng.choice(
        (
            f"{city.upper()} - ",
            f"{city} ({site}) - ",
            f"{city}, {site} - " if "." in site else f"{city.upper()}, {site.upper()} - ",
            "",
        )
    )
    text_paras[0] = dateline + text_paras[0]
    if rng.random() < 0.6:
        at = rng.randint(1, len(text_paras))
        text_paras.insert(at, f"Baca juga: {rng.choice(others)}")
    tail = rng.choice(
        (
            f"Pewarta: {rng.choice(FIRST)} {rng.choice(LAST)}\nEditor: {rng.choice(FIRST)} {rng.choice(LAST)}",
            "(ant/rd)",
            "Ikuti berita terkini dari kami di Google News dan saluran WhatsApp.",
            "",
        )
    )
    if tail:
        text_paras.append(tail)
    alternatives = draft.titles[1:] or draft.titles
    title = rng.choice(alternatives) if rng.random() < 0.75 else base.title
    if rng.random() < 0.3:
        title = _sentences_edit([title], rng, 0.3)[0]
    return source, title, "\n\n".join(text_paras), authority, sorted(edits)


TWIN_CHANGES = ("place", "number", "place+number", "name+place", "date+number")


def _seeds(rng: random.Random) -> dict[str, int]:
    return {k: rng.getrandbits(48) for k in ("place", "number", "name", "date")}


def planted_set(
    seed: int = 20240214, bases: int = 420, republish_share: float = 0.5, twin_share: float = 0.35
) -> list[PlantedItem]:
    """The items in arrival order (shuffled: any version of a story may come first)."""
    rng = random.Random(seed)  # noqa: S311
    drafts: list[tuple[PlantedItem, Draft]] = []
    names = list(FAMILIES)
    for n in range(bases):
        family = names[n % len(names)]
        template_seed = rng.getrandbits(48)
        seeds = _seeds(rng)
        versions = [("base", seeds)]
        if rng.random() < twin_share:
            change = rng.choice(TWIN_CHANGES)
            fresh = _seeds(rng)
            twin = dict(seeds)
            for kind in change.split("+"):
                twin[kind] = fresh[kind]
            versions.append((f"twin:{change}", twin))
        for v, (kind, slot_seeds) in enumerate(versions):
            draft = FAMILIES[family](random.Random(template_seed), Slots(slot_seeds))  # noqa: S311
            _with_background(draft, random.Random(template_seed + 1))  # noqa: S311
            if any(
                draft.titles[0] == d.titles[0] and draft.paragraphs == d.paragraphs
                for _, d in drafts[-3:]
            ):
                continue  # the twin drew the same values: not a different story
            draft.family = family
            story = f"s{n:04d}-{v}"
            source = {
                Authority.KPU: "kpu",
                Authority.BAWASLU: "bawaslu",
                Authority.DKPP: "dkpp",
                Authority.FACTCHECK: "cekfakta",
                Authority.PEMDA: "pemda",
                Authority.KEMENDAGRI: "kemendagri",
            }[draft.authority]
            item = PlantedItem(
                id=f"{source}:{story}",
                story=story,
                source=source,
                authority=draft.authority,
                title=draft.titles[0],
                text="\n\n".join(" ".join(p) for p in draft.paragraphs),
                kind=kind,
                family=family,
            )
            drafts.append((item, draft))
    all_titles = [item.title for item, _ in drafts]
    items = [item for item, _ in drafts]
    for item, draft in drafts:
        if rng.random() >= republish_share:
            continue
        used = {item.source}
        for k in range(rng.randint(1, 3)):
            source, title, text, authority, edits = republish(item, draft, rng, all_titles)
            if source in used:
                source = f"{source}-{k}"
            used.add(source)
            items.append(
                PlantedItem(
                    id=f"{source}:{item.story}:{k}",
                    story=item.story,
                    source=source,
                    authority=authority,
                    title=title,
                    text=text,
                    kind="republished:" + "+".join(edits),
                    family=item.family,
                )
            )
    rng.shuffle(items)
    return items
