from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warta.core.errors import ParseError
from warta.core.model import Authority, FetchResult, Item, Source
from warta.ingest.rss import parse_feed

SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)
SOURCE = Source(
    id="uji",
    name="Sumber Uji",
    url="https://contoh.go.id/feed",
    authority=Authority.BAWASLU,
    region="35.71",
)
RSS_TYPE = "application/rss+xml; charset=utf-8"


def parse(
    body: str | bytes,
    *,
    source: Source = SOURCE,
    url: str = "https://contoh.go.id/feed",
    content_type: str | None = RSS_TYPE,
    seen_at: datetime = SEEN,
) -> list[Item]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"content-type": content_type} if content_type else {}
    result = FetchResult(url=url, status=200, body=data, headers=headers)
    return parse_feed(source, result, seen_at=seen_at)


def rss(items: str, channel: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Uji</title><link>https://contoh.go.id/</link>
<description>Umpan uji</description>{channel}
{items}
</channel></rss>"""


# -- the shape of items ------------------------------------------------------------


def test_rss2_items_come_out_normalized_and_in_feed_order() -> None:
    items = parse(
        rss(
            """
<item><title>Kedua terbaru</title><link>https://contoh.go.id/b?utm_source=rss#x</link>
  <guid isPermaLink="false">contoh-2</guid><pubDate>Wed, 14 Feb 2024 09:00:00 +0700</pubDate>
  <description>&lt;p&gt;Isi kedua.&lt;/p&gt;</description></item>
<item><title>Pertama</title><link>https://contoh.go.id/a</link>
  <guid isPermaLink="false">contoh-1</guid><pubDate>Tue, 13 Feb 2024 09:00:00 +0700</pubDate>
  <description>Isi pertama.</description></item>
"""
        )
    )
    assert [i.title for i in items] == ["Kedua terbaru", "Pertama"]
    first = items[0]
    assert first.url == "https://contoh.go.id/b"
    assert first.text == "Isi kedua."
    assert first.guid == "contoh-2"
    assert first.published_at == datetime(2024, 2, 14, 2, 0, tzinfo=UTC)
    assert first.source_id == "uji"
    assert first.authority is Authority.BAWASLU
    assert first.region == "35.71"
    assert (first.election, first.clarification) == (False, False)


def test_content_encoded_is_preferred_over_the_description_teaser() -> None:
    [item] = parse(
        rss(
            """<item><title>T</title><link>https://contoh.go.id/a</link>
<description>Teaser singkat [&#8230;]</description>
<content:encoded><![CDATA[<p>Paragraf satu.</p><p>Paragraf dua.</p>]]></content:encoded>
</item>"""
        )
    )
    assert item.text == "Paragraf satu.\n\nParagraf dua."


def test_description_is_used_when_there_is_no_content() -> None:
    [item] = parse(
        rss(
            "<item><title>T</title><link>https://contoh.go.id/a</link>"
            "<description><![CDATA[<p>Satu.</p><p>Dua.</p>]]></description></item>"
        )
    )
    assert item.text == "Satu.\n\nDua."


def test_atom_feed_with_relative_link_resolved_against_the_final_url() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>DKPP</title><id>tag:x,2024:f</id>
<updated>2024-02-14T09:00:00+07:00</updated>
<entry><title type="text">Putusan</title><link rel="alternate" href="/berita/7"/>
<id>tag:x,2024:7</id><published>2024-02-14T09:00:00+07:00</published>
<updated>2024-02-14T10:00:00+07:00</updated>
<summary type="text">Ringkasan 5 &lt; 6.

Paragraf kedua.</summary></entry>
</feed>"""
    [item] = parse(
        atom, url="https://baru.dkpp.go.id/feed/atom", content_type="application/atom+xml"
    )
    assert item.url == "https://baru.dkpp.go.id/berita/7"
    assert item.guid == "tag:x,2024:7"
    assert item.published_at == datetime(2024, 2, 14, 2, 0, tzinfo=UTC)  # published, not updated
    assert item.text == "Ringkasan 5 < 6.\n\nParagraf kedua."


def test_rss1_rdf_feed_with_dc_date() -> None:
    rdf = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://contoh.go.id/"><title>Uji</title><link>https://contoh.go.id/</link>
<description>x</description></channel>
<item rdf:about="https://contoh.go.id/a"><title>Satu</title><link>https://contoh.go.id/a</link>
<description>Isi.</description><dc:date>2024-02-13T10:00:00+07:00</dc:date></item>
</rdf:RDF>"""
    [item] = parse(rdf, content_type="application/rdf+xml")
    assert item.title == "Satu"
    assert item.published_at == datetime(2024, 2, 13, 3, 0, tzinfo=UTC)


def test_rss091_with_its_public_doctype_is_read() -> None:
    body = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Lama</title><link>https://contoh.go.id/</link>
<description>x</description><language>id</language>
<item><title>Berita lama</title><link>https://contoh.go.id/lama</link><description>Isi.</description></item>
</channel></rss>"""
    [item] = parse(body, content_type="text/xml")
    assert item.title == "Berita lama"


def test_the_charset_declared_by_the_server_is_honoured() -> None:
    body = rss("<item><title>Kafé Pemilu</title><link>https://contoh.go.id/a</link></item>")
    body = body.replace(' encoding="UTF-8"', "")
    [item] = parse(
        body.encode("iso-8859-1"), content_type="application/rss+xml; charset=iso-8859-1"
    )
    assert item.title == "Kafé Pemilu"


def test_a_sloppy_feed_that_still_has_entries_is_used() -> None:
    sloppy = rss(
        "<item><title>KPU & Bawaslu&nbsp;Rapat</title><link>https://contoh.go.id/a</link>"
        "<description><p>Tidak ditutup</description></item>"
    )
    [item] = parse(sloppy)
    assert "KPU & Bawaslu" in item.title


# -- not a feed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<!DOCTYPE html><html><head><title>Beranda</title></head>"
         "<body><p>Selamat datang<br></p></body></html>", "text/html; charset=utf-8"),
        ("<html><head><title>Beranda</title></head><body><p>Halo</p></body></html>", "text/html"),
        ('{"berita": [{"judul": "x"}]}', "application/json"),
        ("", RSS_TYPE),
        ("bukan xml sama sekali", "text/plain"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_a_feed_is_a_parse_error(body: str, content_type: str) -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse(body, content_type=content_type)


def test_a_bytes_body_naming_a_local_file_is_not_opened(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss("<item><title>Dari berkas</title></item>"), encoding="utf-8")
    with pytest.raises(ParseError):
        parse(str(feed).encode(), content_type=None)


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<rss version="2.0"><channel><title>&lol2;</title>
<item><title>&lol2;</title></item></channel></rss>"""


@pytest.mark.parametrize(
    "body",
    [
        LAUGHS.encode(),
        LAUGHS.encode("utf-16"),
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "x" [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>',
        # a comment holding "<tag" text must not end the search early
        b'<?xml version="1.0"?><!-- <a> --><?pi <b> ?><!DOCTYPE rss [<!ENTITY % p "x">]>'
        b'<rss version="2.0"><channel><title>t</title></channel></rss>',
    ],
)
def test_a_document_declaring_entities_is_refused(body: bytes) -> None:
    with pytest.raises(ParseError, match="document declares XML entities"):
        parse(body)


# -- dates ------------------------------------------------------------------------


def dated(pub: str, source: Source = SOURCE) -> datetime:
    [item] = parse(rss(f"<item><title>T</title><pubDate>{pub}</pubDate></item>"), source=source)
    return item.published_at


def test_indonesian_dates_use_the_sources_zone_when_they_carry_none() -> None:
    makassar = Source(
        id="wita", name="W", url="https://x.go.id/", authority=Authority.PEMDA,
        timezone="Asia/Makassar",
    )  # fmt: skip
    assert dated("Selasa, 13 Februari 2024 09:30", makassar) == datetime(
        2024, 2, 13, 1, 30, tzinfo=UTC
    )
    assert dated("Selasa, 13 Februari 2024 09:30 WIB", makassar) == datetime(
        2024, 2, 13, 2, 30, tzinfo=UTC
    )


def test_a_date_only_feedparser_reads_falls_back_to_its_utc_value() -> None:
    assert dated("Sun Jan  4 16:29:06 2004") == datetime(2004, 1, 4, 16, 29, 6, tzinfo=UTC)


@pytest.mark.parametrize("pub", ["", "kemarin sore", "segera"])
def test_a_missing_or_unreadable_date_is_the_time_the_item_was_seen(pub: str) -> None:
    assert dated(pub) == SEEN


def test_a_date_far_in_the_future_is_replaced_by_the_time_seen() -> None:
    assert dated("Sun, 14 Feb 2027 09:00:00 +0700") == SEEN
    near = dated("Wed, 14 Feb 2024 12:00:00 +0700")  # two hours ahead: a clock, kept
    assert near == SEEN + timedelta(hours=2)


def test_an_item_without_pubdate_is_dated_by_its_dateline_at_noon_wib() -> None:
    seen = datetime(2024, 3, 25, 2, 0, tzinfo=UTC)  # Senin, 25 Maret 2024 09:00 WIB
    body = rss(
        "<item><title>Penetapan Hasil Pemilu</title>"
        "<description>Jakarta (21/3) - KPU menetapkan hasil Pemilu 2024.</description></item>"
    )
    [item] = parse(body, seen_at=seen)
    # 21 March of the fetch year, 12:00 WIB: the same day in UTC and in WIB.
    assert item.published_at == datetime(2024, 3, 21, 5, 0, tzinfo=UTC)


def dated_by_text(text: str, pub: str = "", source: Source = SOURCE) -> datetime:
    pub_date = f"<pubDate>{pub}</pubDate>" if pub else ""
    body = rss(f"<item><title>T</title>{pub_date}<description>{text}</description></item>")
    [item] = parse(body, source=source)
    return item.published_at


def test_a_readable_pubdate_wins_over_the_dateline() -> None:
    when = dated_by_text("Jakarta (12/2) - KPU menetapkan.", "Tue, 13 Feb 2024 09:30:00 +0700")
    assert when == datetime(2024, 2, 13, 2, 30, tzinfo=UTC)


def test_an_unreadable_pubdate_gives_way_to_the_dateline() -> None:
    when = dated_by_text("KEDIRI, (12/2) – Bawaslu menggelar apel.", "kemarin sore")
    assert when == datetime(2024, 2, 12, 5, 0, tzinfo=UTC)


def test_the_dateline_hour_is_noon_in_the_sources_zone() -> None:
    makassar = Source(
        id="wita", name="W", url="https://x.go.id/", authority=Authority.PEMDA,
        timezone="Asia/Makassar",
    )  # fmt: skip
    when = dated_by_text("Makassar, Senin (12/2/2024) - Logistik tiba.", source=makassar)
    assert when == datetime(2024, 2, 12, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "Sesuai pasal 21/3 UU Pemilu, KPU menetapkan.",
        "Rapat pada Senin (12/2) di kantor KPU.",
        "Jakarta, 21 Maret adalah batas akhir pendaftaran.",
    ],
)
def test_numbers_that_are_no_dateline_leave_the_time_seen(text: str) -> None:
    assert dated_by_text(text) == SEEN


# -- hostile and incomplete entries ----------------------------------------------


def test_scripts_and_iframes_never_reach_titles_or_text() -> None:
    items = parse(
        rss(
            """<item><title>Judul &lt;script&gt;alert('xss')&lt;/script&gt; Aman</title>
<link>https://contoh.go.id/a</link>
<description><![CDATA[<p>Awal.</p><script>alert('xss')</script>
<iframe src="https://x.invalid/embed">teks cadangan iframe</iframe>
<p onclick="alert('xss')">Akhir.</p><!-- <p>komentar</p> -->]]></description></item>"""
        )
    )
    [item] = items
    assert item.title == "Judul Aman"
    assert item.text == "Awal.\n\nAkhir."


def test_a_javascript_link_is_never_used() -> None:
    [item] = parse(
        rss(
            "<item><title>T</title><link>javascript:alert(1)</link><description>x</description></item>"
        )
    )
    assert item.url == "https://contoh.go.id/"  # the channel's link


def test_a_malformed_link_does_not_spoil_the_feed() -> None:
    items = parse(
        rss(
            "<item><title>Rusak</title><link>http://[::1/rusak</link></item>"
            "<item><title>Baik</title><link>https://contoh.go.id/baik</link></item>"
        )
    )
    assert [i.url for i in items] == ["https://contoh.go.id/", "https://contoh.go.id/baik"]


def test_a_guid_that_is_a_url_stands_in_for_a_missing_link() -> None:
    [item] = parse(
        rss(
            '<item><title>T</title><guid isPermaLink="false">https://contoh.go.id/?p=9</guid>'
            "</item>"
        )
    )
    assert item.url == "https://contoh.go.id/?p=9"


def test_entries_without_title_and_text_are_skipped() -> None:
    items = parse(
        rss(
            "<item><link>https://contoh.go.id/kosong</link></item>"
            "<item><title>  </title><description>  </description></item>"
            "<item><title>Ada</title></item>"
        )
    )
    assert [i.title for i in items] == ["Ada"]


def test_an_entry_with_only_text_gets_a_title_from_its_text() -> None:
    long = "Kalimat pembuka yang cukup panjang " * 5
    [short_item, long_item] = parse(
        rss(
            "<item><description>Isi tanpa judul.</description><link>https://contoh.go.id/1</link></item>"
            f"<item><description>{long}</description><link>https://contoh.go.id/2</link></item>"
        )
    )
    assert short_item.title == "Isi tanpa judul."
    assert long_item.title.endswith("…")
    assert len(long_item.title) <= 91


# -- identity ---------------------------------------------------------------------


def test_counter_and_repeated_guids_do_not_make_ids_collide() -> None:
    items = parse(
        rss(
            """
<item><title>A</title><guid>1</guid><link>https://contoh.go.id/a</link></item>
<item><title>B</title><guid>2</guid><link>https://contoh.go.id/b</link></item>
<item><title>C</title><guid isPermaLink="false">sama</guid><link>https://contoh.go.id/c</link></item>
<item><title>D</title><guid isPermaLink="false">sama</guid><link>https://contoh.go.id/d</link></item>
<item><title>E</title><guid isPermaLink="false">unik</guid><link>https://contoh.go.id/e</link></item>
"""
        )
    )
    assert len({i.id for i in items}) == 5
    assert [i.guid for i in items] == ["1", "2", "sama", "sama", "unik"]


def test_a_counter_guid_keeps_its_id_when_the_feed_renumbers() -> None:
    before = parse(
        rss("<item><title>A</title><guid>1</guid><link>https://contoh.go.id/a</link></item>")
    )
    after = parse(
        rss(
            "<item><title>Baru</title><guid>1</guid><link>https://contoh.go.id/baru</link></item>"
            "<item><title>A</title><guid>2</guid><link>https://contoh.go.id/a</link></item>"
        )
    )
    assert before[0].id == after[1].id
    assert before[0].id != after[0].id


def test_entries_without_guid_or_link_are_told_apart_by_their_content() -> None:
    items = parse(rss("<item><title>A</title></item><item><title>B</title></item>"))
    assert len({i.id for i in items}) == 2


def test_the_same_entry_listed_twice_yields_one_item() -> None:
    entry = "<item><title>A</title><link>https://contoh.go.id/a</link><description>x</description></item>"
    assert len(parse(rss(entry + entry))) == 1


def test_ids_are_scoped_to_the_source() -> None:
    body = rss("<item><title>A</title><guid>tag:x,2024:1</guid></item>")
    other = Source(id="lain", name="Lain", url="https://lain.go.id/", authority=Authority.KPU)
    assert parse(body)[0].id != parse(body, source=other)[0].id
