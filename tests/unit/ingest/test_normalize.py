from __future__ import annotations

import pytest

from warta.ingest.normalize import canonical_url, clean_title, html_to_text, item_id

# -- canonical_url -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("https://www.kpu.go.id/berita/", None, "https://www.kpu.go.id/berita/"),
        ("HTTPS://WWW.KPU.GO.ID/Berita/Baca", None, "https://www.kpu.go.id/Berita/Baca"),
        ("https://kpu.go.id:443/a", None, "https://kpu.go.id/a"),
        ("http://kpu.go.id:80/a", None, "http://kpu.go.id/a"),
        ("http://kpu.go.id:8080/a", None, "http://kpu.go.id:8080/a"),
        ("https://kpu.go.id/a#komentar", None, "https://kpu.go.id/a"),
        ("https://kpu.go.id", None, "https://kpu.go.id/"),
        ("  https://kpu.go.id/a  ", None, "https://kpu.go.id/a"),
        (
            "https://kpu.go.id/a?utm_source=rss&utm_medium=rss&UTM_Campaign=x",
            None,
            "https://kpu.go.id/a",
        ),
        (
            "https://kpu.go.id/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&_ga=5&ref_src=twsrc",
            None,
            "https://kpu.go.id/a",
        ),
        # other parameters keep their order and their encoding
        (
            "https://kpu.go.id/?p=12345&utm_source=rss&lang=id&q=a+b%2Fc",
            None,
            "https://kpu.go.id/?p=12345&lang=id&q=a+b%2Fc",
        ),
        # "ref" is a generic name some CMSs route on: kept
        ("https://kpu.go.id/a?ref=berita", None, "https://kpu.go.id/a?ref=berita"),
        ("https://kpu.go.id/a?utm_source=x#top", None, "https://kpu.go.id/a"),
        # relative links against the feed's address
        ("/berita/1", "https://dkpp.go.id/feed/atom", "https://dkpp.go.id/berita/1"),
        ("berita/1", "https://dkpp.go.id/feed/atom", "https://dkpp.go.id/feed/berita/1"),
        ("../a?x=1#f", "https://dkpp.go.id/feed/atom", "https://dkpp.go.id/a?x=1"),
        ("//cdn.dkpp.go.id/a", "https://dkpp.go.id/", "https://cdn.dkpp.go.id/a"),
        ("https://kpu.go.id/a", "https://dkpp.go.id/", "https://kpu.go.id/a"),
    ],
)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_canonical_url_leaves_an_unparseable_url_alone() -> None:
    assert canonical_url(" http://[::1/a ") == "http://[::1/a"


def test_canonical_url_lower_cases_ipv6_hosts() -> None:
    assert canonical_url("http://[2001:DB8::1]:80/a") == "http://[2001:db8::1]/a"


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://Kpu.go.id:80/a?utm_source=x&p=1#f")
    assert canonical_url(once) == once


# -- clean_title -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[HOAKS] Video Kotak Suara Dibakar", "[HOAKS] Video Kotak Suara Dibakar"),
        ("  [SALAH]\n Pengumuman   KPU  ", "[SALAH] Pengumuman KPU"),
        ("<b>Hoaks!</b> Surat Suara <i>Tercoblos</i>", "Hoaks! Surat Suara Tercoblos"),
        ("Aman &amp; Layak &#8211; Kemendagri", "Aman & Layak – Kemendagri"),
        ("Judul<script>alert('xss')</script> Bersih", "Judul Bersih"),
        ("Nilai a < b", "Nilai a < b"),
        ("", ""),
    ],
)
def test_clean_title(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


# -- html_to_text ----------------------------------------------------------------


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    html = "<p>Paragraf satu.</p>\n<p>Paragraf <b>dua</b>.</p><h2>Judul</h2><div>Blok</div>"
    assert html_to_text(html) == "Paragraf satu.\n\nParagraf dua.\n\nJudul\n\nBlok"


def test_line_breaks_and_list_items_become_lines() -> None:
    html = "<p>Baris satu<br>baris dua</p><ul>\n<li>satu</li>\n<li>dua</li>\n</ul>"
    assert html_to_text(html) == "Baris satu\nbaris dua\n\nsatu\ndua"


@pytest.mark.parametrize(
    "html",
    [
        "<p>Aman</p><script>alert('xss')</script><p>Bersih</p>",
        "<p>Aman</p><style>p { color: red }</style><p>Bersih</p>",
        "<p>Aman</p><noscript>aktifkan javascript</noscript><p>Bersih</p>",
        "<p>Aman</p><iframe src='https://x.invalid'>teks iframe</iframe><p>Bersih</p>",
        "<p>Aman</p><!-- komentar <p>iklan</p> --><p>Bersih</p>",
        "<p>Aman</p><SCRIPT type='text/javascript'>document.write('x')</SCRIPT><p>Bersih</p>",
        "<p>Aman</p><script>var s = '</p><p>';</script><p>Bersih</p>",
    ],
)
def test_scripts_styles_embeds_and_comments_leave_no_text(html: str) -> None:
    assert html_to_text(html) == "Aman\n\nBersih"


def test_script_text_never_appears_even_in_malformed_html() -> None:
    text = html_to_text("<div><p>Isi <script>alert('xss')<p>lagi</div></p><b>tebal")
    assert "alert" not in text
    assert "<script" not in text
    assert "Isi" in text


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("", ""),
        ("   \n ", ""),
        ("teks biasa tanpa tag", "teks biasa tanpa tag"),
        (
            "Satu &amp; dua &quot;tiga&quot; &#8211; empat&nbsp;lima",
            'Satu & dua "tiga" – empat lima',
        ),
        ("<p>tidak ditutup<div>blok", "tidak ditutup\n\nblok"),
        ("</p></div>sisa", "sisa"),
        ("<!-- hanya komentar -->", ""),
        ('<?xml version="1.0" encoding="iso-8859-1"?><p>deklarasi</p>', "deklarasi"),
        ("<html><head><title>Judul Halaman</title></head><body><p>Isi</p></body></html>", "Isi"),
        ("<p>  spasi \t\n  berlebih  </p>", "spasi berlebih"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("nul\x00byte", "nulbyte"),
    ],
)
def test_html_to_text_handles_fragments_and_odd_input(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


# -- item_id ---------------------------------------------------------------------


def test_a_real_guid_is_the_identity() -> None:
    first, how = item_id("kpu-ri", "https://www.kpu.go.id/?p=12388", "https://a/1", "T", "x")
    second, _ = item_id("kpu-ri", "https://www.kpu.go.id/?p=12388", "https://a/2", "U", "y")
    assert how == "guid"
    assert first == second  # link and text may change; the GUID holds


@pytest.mark.parametrize("guid", ["1", "42", " 7 ", "000123"])
def test_a_counter_guid_is_not_trusted(guid: str) -> None:
    _, how = item_id("kemendagri", guid, "https://kemendagri.go.id/b/1", "T", "x")
    assert how == "url"


def test_a_guid_repeated_within_one_fetch_is_not_trusted() -> None:
    _, how = item_id(
        "bawaslu-ri",
        "berita",
        "https://bawaslu.go.id/b/1",
        "T",
        "x",
        duplicate_guids={"berita"},
    )
    assert how == "url"


def test_without_guid_the_canonical_url_is_the_identity() -> None:
    plain, how = item_id("bawaslu-ri", None, "https://bawaslu.go.id/b/1", "T", "x")
    tracked, _ = item_id(
        "bawaslu-ri", "", "HTTPS://Bawaslu.go.id/b/1?utm_source=rss#atas", "Judul lain", "y"
    )
    assert how == "url"
    assert plain == tracked


def test_a_url_repeated_within_one_fetch_is_not_trusted() -> None:
    _, how = item_id(
        "pemkot-kediri",
        None,
        "https://kedirikota.go.id/",
        "T",
        "x",
        duplicate_urls={"https://kedirikota.go.id/"},
    )
    assert how == "hash"


def test_without_guid_or_url_title_and_text_are_hashed() -> None:
    first, how = item_id("cek-fakta", "3", None, "[HOAKS] Judul", "Isi  berita")
    same, _ = item_id("cek-fakta", None, "", "[hoaks]  judul", "isi berita")
    other, _ = item_id("cek-fakta", None, None, "[HOAKS] Judul", "Isi berita lain")
    assert how == "hash"
    assert first == same  # case and spacing do not make a new item
    assert first != other


def test_ids_are_scoped_to_their_source() -> None:
    kemendagri, _ = item_id("kemendagri", "1", None, "Judul", "Isi")
    cekfakta, _ = item_id("cek-fakta", "1", None, "Judul", "Isi")
    by_guid_a, _ = item_id("a", "tag:x,2024:1", None, "", "")
    by_guid_b, _ = item_id("b", "tag:x,2024:1", None, "", "")
    assert kemendagri != cekfakta
    assert by_guid_a != by_guid_b


def test_ids_are_short_hex() -> None:
    identity, _ = item_id("kpu-ri", "x", None, "", "")
    assert len(identity) == 20
    int(identity, 16)
