"""Large synthetic feeds for the benchmarks, made in memory so no megabytes are committed.

The shape follows what Indonesian official sites publish through WordPress:
RSS 2.0 with content:encoded HTML bodies of several paragraphs, a short
description teaser, dc:creator, categories, a `?p=N` GUID and RFC 822 dates at
+0700. The text is Indonesian, assembled from a fixed vocabulary by a seeded
generator, so every run parses the same bytes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

WIB = timezone(timedelta(hours=7))

_SUBJECTS = (
    "Komisi Pemilihan Umum (KPU)", "Bawaslu Provinsi", "Panitia Pemilihan Kecamatan",
    "KPU Kabupaten Sukamaju", "Panwaslu Kecamatan", "Kementerian Dalam Negeri",
    "Dinas Komunikasi dan Informatika", "DKPP", "Pemerintah Kota Kediri",
    "Kelompok Penyelenggara Pemungutan Suara (KPPS)",
)  # fmt: skip
_VERBS = (
    "menetapkan", "mengumumkan", "menegaskan", "meminta", "mengimbau", "menyiapkan",
    "memeriksa", "menerima", "membantah", "menjelaskan", "mengawasi", "menyerahkan",
)  # fmt: skip
_OBJECTS = (
    "jadwal rekapitulasi hasil penghitungan suara", "daftar pemilih tetap",
    "logistik pemilu ke seluruh TPS", "laporan dugaan pelanggaran kampanye",
    "surat suara yang rusak dan cacat", "hasil pleno terbuka tingkat kecamatan",
    "bimbingan teknis bagi petugas KPPS", "informasi hoaks yang beredar di media sosial",
    "pengaduan masyarakat tentang politik uang", "distribusi kotak suara",
)  # fmt: skip
_TAILS = (
    "di hadapan saksi peserta pemilu", "sesuai Peraturan KPU Nomor 5 Tahun 2024",
    "paling lambat pekan depan", "bersama aparat keamanan setempat",
    "melalui kanal resmi penyelenggara pemilu", "di seluruh kabupaten dan kota",
    "agar tidak menimbulkan keresahan", "sebelum hari pemungutan suara",
)  # fmt: skip
_PEOPLE = ("Sekar Widyaningrum", "Bambang Sutrisno", "Rina Marlina", "Agus Salim", "Dewi Lestari")
_CATEGORIES = (
    "Berita", "Pemilu 2024", "Rekapitulasi", "Siaran Pers", "Pengawasan", "Hoaks",
    "Logistik", "Daftar Pemilih", "Kampanye",
)  # fmt: skip
_CREATORS = ("Humas KPU RI", "Humas Bawaslu", "Admin", "Redaksi Diskominfo")


def _sentence(rng: random.Random) -> str:
    text = (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
    )
    if rng.random() < 0.3:
        text += f", kata {rng.choice(_PEOPLE)}"
    return text + "."


def _paragraph(rng: random.Random, first: bool) -> str:
    sentences = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
    if first:
        # The WordPress dateline, with the entities WordPress writes for dashes and quotes.
        return f"<p><strong>Jakarta, kpu.go.id</strong> &#8211; {sentences}</p>"
    roll = rng.random()
    if roll < 0.15:
        person = rng.choice(_PEOPLE)
        return f"<p>&#8220;{sentences}&#8221; ujar {person}.</p>"
    if roll < 0.25:
        items = "".join(f"<li>{_sentence(rng)}</li>" for _ in range(rng.randint(2, 4)))
        return f"<ul>{items}</ul>"
    if roll < 0.32:
        link = f"https://www.kpu.go.id/berita/baca/{rng.randint(1000, 99999)}/"
        return f'<p>{sentences} Selengkapnya <a href="{link}">di sini</a>.</p>'
    return f"<p>{sentences}</p>"


def _item(rng: random.Random, number: int, published: datetime) -> str:
    title = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS).capitalize()} {rng.choice(_OBJECTS)}"
    slug = "-".join(title.lower().replace("(", "").replace(")", "").split())[:80]
    paragraphs = [_paragraph(rng, i == 0) for i in range(rng.randint(3, 8))]
    body = "\n".join(paragraphs)
    categories = "\n".join(
        f"\t\t<category><![CDATA[{name}]]></category>"
        for name in rng.sample(_CATEGORIES, rng.randint(2, 4))
    )
    teaser = escape(_sentence(rng)) + " [&#8230;]"
    return f"""\t<item>
\t\t<title>{escape(title)}</title>
\t\t<link>https://www.kpu.go.id/berita/baca/{number}/{slug}</link>
\t\t<dc:creator><![CDATA[{rng.choice(_CREATORS)}]]></dc:creator>
\t\t<pubDate>{format_datetime(published)}</pubDate>
{categories}
\t\t<guid isPermaLink="false">https://www.kpu.go.id/?p={number}</guid>
\t\t<description><![CDATA[{teaser}]]></description>
\t\t<content:encoded><![CDATA[{body}]]></content:encoded>
\t\t<slash:comments>0</slash:comments>
\t</item>
"""


def wordpress_feed(items: int, *, seed: int = 2024, newest: datetime | None = None) -> bytes:
    """A WordPress-like RSS 2.0 document of `items` items, newest first, as UTF-8 bytes."""
    rng = random.Random(seed)  # noqa: S311 - sample text, not secrets
    newest = (newest or datetime(2024, 2, 14, 3, 0, tzinfo=UTC)).astimezone(WIB)
    newest = newest.replace(microsecond=0)
    entries = [
        _item(rng, 100_000 - n, newest - timedelta(minutes=17 * n + rng.randint(0, 16)))
        for n in range(items)
    ]
    head = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\t>
<channel>
\t<title>Komisi Pemilihan Umum RI</title>
\t<atom:link href="https://www.kpu.go.id/feed" rel="self" type="application/rss+xml" />
\t<link>https://www.kpu.go.id</link>
\t<description>Berita dan Informasi Komisi Pemilihan Umum Republik Indonesia</description>
\t<lastBuildDate>{format_datetime(newest)}</lastBuildDate>
\t<language>id-ID</language>
\t<generator>https://wordpress.org/?v=6.4.3</generator>
"""
    return (head + "".join(entries) + "</channel>\n</rss>\n").encode("utf-8")
