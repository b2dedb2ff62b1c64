from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.builders import CARDS, LISTING_PAGE, html_source

from warta.core.errors import ParseError
from warta.core.model import Authority, FetchResult, Item, Source
from warta.ingest.html_source import check_extract, compile_selector, parse_listing

SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)


def card(title: str, href: str, date: str = "Senin, 12 Februari 2024", summary: str = "") -> str:
    return (
        f'<div class="card"><div class="card-body"><h5><a href="{href}">{title}</a></h5>'
        f'<span class="date">{date}</span><p class="card-text">{summary}</p></div></div>'
    )


def page(*cards: str, head: str = '<meta charset="utf-8">') -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{''.join(cards)}</body></html>"


def parse(
    body: str | bytes,
    *,
    src: Source | None = None,
    url: str = LISTING_PAGE,
    content_type: str | None = "text/html; charset=utf-8",
) -> list[Item]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"content-type": content_type} if content_type else {}
    result = FetchResult(url=url, status=200, body=data, headers=headers)
    return parse_listing(src or html_source(), result, seen_at=SEEN)


# -- cards ---------------------------------------------------------------------------------


def test_cards_come_out_normalized_and_in_page_order() -> None:
    items = parse(
        page(
            card(
                "Rapat Pleno Rekapitulasi", "/berita/detail/1203", summary="Pleno <b>terbuka</b>."
            ),
            card(
                "Distribusi Logistik", "detail/1201?utm_source=wa#atas", "Sabtu, 10 Februari 2024"
            ),
        )
    )
    first, second = items
    assert (first.title, first.text) == ("Rapat Pleno Rekapitulasi", "Pleno terbuka.")
    assert first.url == "https://kab-kediri.kpu.go.id/berita/detail/1203"
    assert second.url == "https://kab-kediri.kpu.go.id/detail/1201"
    assert first.published_at == datetime(2024, 2, 11, 17, 0, tzinfo=UTC)
    assert second.published_at == datetime(2024, 2, 9, 17, 0, tzinfo=UTC)
    assert (first.source_id, first.authority, first.region) == (
        "kpu-kab-kediri",
        Authority.KPU,
        "35.06",
    )
    assert first.guid is None
    assert not first.election and not first.clarification


def test_a_list_in_kedirikota_style_with_time_and_zone_in_the_date() -> None:
    extract = {
        "item": "ul.list-berita > li",
        "title": "a.judul",
        "link": "a.judul",
        "date": "span.tanggal",
    }
    html = page(
        '<ul class="list-berita">'
        '<li><a class="judul" href="/berita/1">Wali Kota Ajak Warga ke TPS</a>'
        '<span class="tanggal">12 Feb 2024 | 09.30 WIB</span></li>'
        '<li><a class="judul" href="/berita/2">Posko Pengaduan</a>'
        '<span class="tanggal">9 Feb 2024 | 15.00 WIB</span></li></ul>'
        '<ul class="menu"><li><a class="judul" href="/lain">Bukan berita</a></li></ul>'
    )
    items = parse(html, src=html_source(extract), url="https://www.kedirikota.go.id/p/berita")
    assert [i.title for i in items] == ["Wali Kota Ajak Warga ke TPS", "Posko Pengaduan"]
    assert [i.published_at for i in items] == [
        datetime(2024, 2, 12, 2, 30, tzinfo=UTC),
        datetime(2024, 2, 9, 8, 0, tzinfo=UTC),
    ]
    assert items[0].url == "https://www.kedirikota.go.id/berita/1"


@pytest.mark.parametrize(
    ("date_html", "expected"),
    [
        ('<span class="date"><i class="fa fa-calendar"></i> Senin, 12 Februari 2024</span>', datetime(2024, 2, 11, 17, 0, tzinfo=UTC)),
        ('<span class="date"><time datetime="2024-02-12T09:30:00+07:00">Senin</time></span>', datetime(2024, 2, 12, 2, 30, tzinfo=UTC)),
        ('<span class="date" datetime="2024-02-12T09:30:00+08:00">Senin</span>', datetime(2024, 2, 12, 1, 30, tzinfo=UTC)),
        ('<span class="date">12 Februari</span>', datetime(2024, 2, 11, 17, 0, tzinfo=UTC)),
        ('<span class="date">2 hari yang lalu</span>', SEEN),
        ('<span class="date"></span>', SEEN),
        ("", SEEN),
        ('<span class="date">Senin, 12 Februari 2025</span>', SEEN),
    ],
)  # fmt: skip
def test_date_is_read_from_text_or_datetime_attribute_else_the_time_seen(
    date_html: str, expected: datetime
) -> None:
    html = page(f'<div class="card"><h5><a href="/b/1">Judul</a></h5>{date_html}</div>')
    [item] = parse(html)
    assert item.published_at == expected


def test_link_selector_on_an_element_without_href_uses_the_first_link_inside() -> None:
    extract = {"item": "article", "title": "h2", "link": "h2"}
    html = page(
        '<article><h2><a href="/berita/9">Judul</a> <a href="/lain">lain</a></h2></article>'
    )
    assert parse(html, src=html_source(extract))[0].url == "https://kab-kediri.kpu.go.id/berita/9"


def test_item_selector_that_is_itself_the_link_serves_as_title_and_link() -> None:
    extract = {"item": "a.judul", "title": "a.judul", "link": "a.judul"}
    html = page('<a class="judul" href="/b/1">Satu</a><a class="judul" href="/b/2">Dua</a>')
    items = parse(html, src=html_source(extract))
    assert [(i.title, i.url) for i in items] == [
        ("Satu", "https://kab-kediri.kpu.go.id/b/1"),
        ("Dua", "https://kab-kediri.kpu.go.id/b/2"),
    ]


@pytest.mark.parametrize("href", ["javascript:void(0)", "mailto:humas@kpu.go.id", "#", ""])
def test_a_link_that_is_not_a_web_page_points_at_the_listing(href: str) -> None:
    [item] = parse(page(card("Judul", href)))
    assert item.url in (LISTING_PAGE, LISTING_PAGE + "/")


def test_a_card_without_a_link_points_at_the_listing() -> None:
    html = page(
        '<div class="card"><h5>Tanpa tautan</h5><span class="date">12 Feb 2024</span></div>'
    )
    extract = {**CARDS, "title": "h5"}
    [item] = parse(html, src=html_source(extract))
    assert item.url == LISTING_PAGE


def test_links_resolve_against_the_source_url_when_the_page_was_read_from_a_file() -> None:
    [item] = parse(page(card("Judul", "detail/5")), url="berita/arsip.html")
    assert item.url == "https://kab-kediri.kpu.go.id/detail/5"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            '<base href="https://kab-kediri.kpu.go.id/web/">',
            "https://kab-kediri.kpu.go.id/web/detail/5",
        ),
        ('<base href="/arsip/">', "https://kab-kediri.kpu.go.id/arsip/detail/5"),
        ('<base href="javascript:alert(1)">', "https://kab-kediri.kpu.go.id/detail/5"),
    ],
)
def test_relative_links_follow_the_pages_own_base(base: str, expected: str) -> None:
    [item] = parse(page(card("Judul", "detail/5"), head=f'<meta charset="utf-8">{base}'))
    assert item.url == expected


def test_scripts_and_styles_never_reach_title_or_summary() -> None:
    html = page(
        card(
            "Judul<script>alert('x')</script><style>.a{}</style> Resmi",
            "/b/1",
            summary="Isi<script>track()</script> ringkas.",
        )
    )
    [item] = parse(html)
    assert (item.title, item.text) == ("Judul Resmi", "Isi ringkas.")


def test_without_a_summary_selector_the_text_is_empty() -> None:
    extract = {key: value for key, value in CARDS.items() if key != "summary"}
    [item] = parse(page(card("Judul", "/b/1", summary="Tidak dibaca")), src=html_source(extract))
    assert (item.title, item.text) == ("Judul", "")


def test_cards_without_a_title_are_skipped_and_repeats_come_out_once() -> None:
    html = page(
        card("Satu", "/b/1"),
        '<div class="card"><p>Iklan</p></div>',
        card("Satu", "/b/1"),
        card("Dua", "/b/2"),
    )
    items = parse(html)
    assert [i.title for i in items] == ["Satu", "Dua"]
    assert len({i.id for i in items}) == 2


def test_ids_are_stable_across_fetches_and_scoped_to_the_source() -> None:
    html = page(card("Satu", "/b/1"), card("Dua", "/b/2"))
    again = page(card("Baru", "/b/3"), card("Satu", "/b/1"), card("Dua", "/b/2"))
    first = {i.title: i.id for i in parse(html)}
    second = {i.title: i.id for i in parse(again)}
    assert first.items() <= second.items()
    other = {i.title: i.id for i in parse(html, src=html_source(id="kpu-mirror"))}
    assert set(first.values()).isdisjoint(other.values())


# -- charsets ------------------------------------------------------------------------------


TITLE = "Café “Pemilu” – Damai"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (page(card(TITLE, "/b/1")).encode("utf-8"), "text/html; charset=utf-8"),
        (page(card(TITLE, "/b/1"), head="").encode("utf-8"), "text/html"),
        (page(card(TITLE, "/b/1"), head="").encode("utf-8"), None),
        (page(card(TITLE, "/b/1"), head='<meta charset="windows-1252">').encode("cp1252"), "text/html"),
        (page(card(TITLE, "/b/1"), head='<meta charset="windows-1252">').encode("cp1252"), "text/html; charset=windows-1252"),
        (page(card(TITLE, "/b/1"), head='<meta charset="iso-8859-1">').encode("utf-8"), "text/html; charset=utf-8"),
        (page(card(TITLE, "/b/1"), head='<meta charset="utf-8">').encode("cp1252"), "text/html; charset=utf-8"),
        (page(card("Caf&eacute; &#8220;Pemilu&#8221; &ndash; Damai", "/b/1"), head="").encode("ascii"), None),
    ],
)  # fmt: skip
def test_the_http_charset_wins_then_valid_utf8_then_the_meta_charset(
    body: bytes, content_type: str | None
) -> None:
    [item] = parse(body, content_type=content_type)
    assert item.title == TITLE


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "html: not an HTML page"),
        (b"   \n", "html: not an HTML page"),
        (page('<article class="post"><h3><a href="/b">Judul</a></h3></article>'), "html: no element matches item selector 'div.card'"),
        (b'{"data": []}', "html: no element matches item selector 'div.card'"),
        (page('<div class="card"><p>Iklan</p></div>', '<div class="card"></div>'), "html: 2 elements match 'div.card' but none has a title at 'h5 a'"),
    ],
)  # fmt: skip
def test_a_page_that_is_not_the_listing_is_a_parse_error(body: str | bytes, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse(body)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("extract", "message"),
    [
        ({}, "extract needs 'item'"),
        ({"item": "div.card", "title": "h5 a"}, "extract needs 'link'"),
        ({"item": "div.card", "title": "", "link": "a"}, "extract needs 'title'"),
        ({**CARDS, "gambar": "img"}, "extract key 'gambar' is not one of"),
        ({**CARDS, "date": " "}, "extract 'date' must be a non-empty string"),
        ({**CARDS, "item": "div[class"}, "extract 'item': 'div[class' is not a CSS selector"),
        ({**CARDS, "title": "h5 a::text"}, "extract 'title': 'h5 a::text' is not a CSS selector"),
        ({**CARDS, "link": "//a[@href]"}, "extract 'link': '//a[@href]' is not a CSS selector"),
    ],
)  # fmt: skip
def test_an_unusable_extract_table_names_the_key(extract: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as checked:
        check_extract(extract)
    assert message in str(checked.value)
    with pytest.raises(ParseError) as raised:
        parse(page(card("Judul", "/b/1")), src=html_source(extract))
    assert str(raised.value).startswith("html: ")
    assert message in str(raised.value)


def test_selectors_compile_with_html_rules() -> None:
    # The html translator matches element names case-insensitively, as browsers do.
    selector = compile_selector("DIV.card > H5")
    assert "div" in selector.path.lower()
