"""Text written by a hostile publisher comes out of every parser clean, and one bad entry
is skipped alone.

Every source kind ends in records.assemble, which makes each entry safe
(core.safe_text.clean) and refuses links that are not clean http(s) URLs;
these tests feed the same hostile text through the RSS, JSON and HTML parsers
and check what comes out, and that an entry whose reading raises is left out
with its reason while its neighbours are kept.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import Any

import pytest

from warta.core.errors import ParseError
from warta.core.model import Authority, FetchResult, Item, Source, SourceKind
from warta.core.parsed import ParsedItems, skipped_entries
from warta.ingest import json_source, rss
from warta.ingest.parsers import parse

SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)
BASE = "https://contoh.go.id"

ENCODED_WORD = "=?utf-8?q?KPU=0D=0ABcc:_korban@contoh.id=0D=0AReply-To:_a@b.c?="
UNSUBSCRIBE = "https://warta.invalid/__unsubscribe__"

# What no stored text may hold, whatever the parser.
FORBIDDEN = [chr(c) for c in range(0x20) if chr(c) != "\n"] + [
    "\x7f", "\x85", "\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff",
    "\u2028", "\u2029",
]  # fmt: skip


def rss_source(**overrides: Any) -> Source:
    return Source(
        id="uji-rss",
        name="Uji RSS",
        url=f"{BASE}/feed",
        authority=Authority.KPU,
        **overrides,
    )


def json_source_(extract: dict[str, str] | None = None) -> Source:
    return Source(
        id="uji-json",
        name="Uji JSON",
        url=f"{BASE}/api",
        authority=Authority.KPU,
        kind=SourceKind.JSON,
        extract=extract or {"items": "data", "title": "title", "url": "link", "text": "body"},
    )


def html_source() -> Source:
    return Source(
        id="uji-html",
        name="Uji HTML",
        url=f"{BASE}/berita",
        authority=Authority.KPU,
        kind=SourceKind.HTML,
        extract={"item": "div.card", "title": "h5 a", "link": "h5 a", "summary": "p"},
    )


def read(source: Source, body: bytes, content_type: str) -> ParsedItems:
    result = FetchResult(
        url=source.url, status=200, body=body, headers={"content-type": content_type}
    )
    items = parse(source, result, seen_at=SEEN)
    assert isinstance(items, ParsedItems)
    return items


def rss_feed(*entries: tuple[str, str, str], encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document; each entry is (title, link, description) written as given."""
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>{description}</description></item>"
        for title, link, description in entries
    )
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel><title>Uji</title><link>{BASE}/</link>'
        f"{items}</channel></rss>"
    )
    return document.encode(encoding)


def json_feed(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"data": list(entries)}).encode("ascii")


def html_page(*entries: tuple[str, str, str]) -> bytes:
    """A listing; each entry is (title, href, summary), written as given (markup allowed)."""
    cards = "".join(
        f'<div class="card"><h5><a href="{href}">{title}</a></h5><p>{summary}</p></div>'
        for title, href, summary in entries
    )
    return f"<html><body>{cards}</body></html>".encode()


def assert_clean(item: Item) -> None:
    for field in (item.title, item.text, item.guid or "", item.url):
        for char in FORBIDDEN:
            assert char not in field, f"{char!r} in {field!r}"
        assert not any("\ud800" <= c <= "\udfff" for c in field), repr(field)
        assert unicodedata.is_normalized("NFC", field)
    assert "\n" not in item.title
    assert item.url.startswith((BASE + "/", "http://", "https://"))
    assert not any(c.isspace() for c in item.url)
    # Whatever a store or a mail encoder does with it, it encodes.
    for field in (item.title, item.text, item.url):
        field.encode("utf-8")


# -- one hostile text, every kind ----------------------------------------------------------

HOSTILE_TITLES = {
    "controls": ("KPU\x00 Bantah\x1b[31m Isu\x07 Hoaks", "KPU Bantah[31m Isu Hoaks"),
    "bidi": ("KPU \u202eBantah\u202c Isu \u2066Hoaks\u2069", "KPU Bantah Isu Hoaks"),
    "zero-width": ("K\u200bP\u200dU Ban\ufefftah Isu", "KPU Bantah Isu"),
    "line breaks": ("KPU Bantah\r\nBcc: korban@contoh.id\r\nIsu", "KPU Bantah Bcc: korban@contoh.id Isu"),
    "encoded word": (ENCODED_WORD, ENCODED_WORD),
    "decomposed": ("Pemilu Cafe\u0301", "Pemilu Café"),
    "emoji": ("KPU Bantah Isu 🗳️🚫", "KPU Bantah Isu 🗳️🚫"),
}  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), HOSTILE_TITLES.values(), ids=HOSTILE_TITLES)
@pytest.mark.parametrize("kind", ["rss", "json", "html"])
def test_a_hostile_title_is_kept_as_clean_text_by_every_kind(
    kind: str, raw: str, expected: str
) -> None:
    body_text = f"Isi berita.\x1b\u202e {raw}\n\nParagraf kedua."
    if kind == "rss":
        # Characters XML cannot carry raw are written as the loose parser reads them.
        items = read(
            rss_source(),
            rss_feed((escape(raw), f"{BASE}/1", escape(body_text))),
            "application/rss+xml",
        )
    elif kind == "json":
        items = read(
            json_source_(),
            json_feed({"title": raw, "link": f"{BASE}/1", "body": body_text}),
            "application/json",
        )
    else:
        items = read(
            html_source(),
            html_page((escape(raw), f"{BASE}/1", escape(body_text))),
            "text/html; charset=utf-8",
        )

    assert len(items) == 1, items.skipped
    assert items.skipped == []
    item = items[0]
    assert item.title == expected
    assert item.url == f"{BASE}/1"
    assert_clean(item)


def test_an_encoded_word_is_never_decoded_anywhere_in_an_item() -> None:
    items = read(
        rss_source(),
        rss_feed((ENCODED_WORD, f"{BASE}/1", ENCODED_WORD)),
        "application/rss+xml",
    )

    assert items[0].title == ENCODED_WORD
    assert items[0].text == ENCODED_WORD
    assert "Bcc" not in items[0].title.replace("Bcc:_", "")


def test_body_text_keeps_its_paragraphs_and_loses_its_controls() -> None:
    body = "<p>Paragraf\x1b satu\u200b.</p><p>Paragraf\r\ndua\x00.</p>"
    items = read(
        json_source_(),
        json_feed({"title": "Judul", "link": f"{BASE}/1", "body": body}),
        "application/json",
    )

    assert items[0].text == "Paragraf satu.\n\nParagraf dua."


# -- characters that are no characters ---------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "&#xD800;",
        "&#xdfff;",
        "&#X000DBFF;",
        "&#55296;",
        "&#0057343;",
        "&#x110000;",
        "&#1114112;",
        "&#x1000000000000000000000;",
        "&#" + "9" * 5000 + ";",
    ],
    ids=lambda r: r[:12],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_a_reference_to_no_character_in_a_feed_becomes_a_replacement_character(
    reference: str, encoding: str
) -> None:
    body = rss_feed(
        (f"KPU {reference} Bantah Isu", f"{BASE}/1", f"Isi {reference} berita."),
        (f"Bawaslu Awasi {reference}", f"{BASE}/2", "Isi berita kedua."),
        encoding=encoding,
    )

    items = read(rss_source(), body, "application/rss+xml")

    assert [i.title for i in items] == ["KPU \ufffd Bantah Isu", "Bawaslu Awasi \ufffd"]
    assert items[0].text == "Isi \ufffd berita."
    for item in items:
        assert_clean(item)


def test_a_lone_surrogate_in_json_text_becomes_a_replacement_character() -> None:
    body = (
        b'{"data": [{"title": "KPU \\ud800 Bantah", "link": "https://contoh.go.id/1",'
        b' "body": "Isi \\udfff berita", "id": "g-\\ud800"}]}'
    )
    src = json_source_(
        {"items": "data", "title": "title", "url": "link", "text": "body", "guid": "id"}
    )

    items = read(src, body, "application/json")

    assert (items[0].title, items[0].text, items[0].guid) == (
        "KPU \ufffd Bantah",
        "Isi \ufffd berita",
        "g-\ufffd",
    )
    assert_clean(items[0])


def test_a_lone_surrogate_in_a_json_url_template_field_is_quoted_as_a_replacement_character() -> (
    None
):
    body = b'{"data": [{"title": "KPU Bantah", "slug": "kpu-\\ud800-bantah"}]}'
    src = json_source_({"items": "data", "title": "title", "url": f"{BASE}/berita/{{slug}}"})

    items = read(src, body, "application/json")

    assert items[0].url == f"{BASE}/berita/kpu-%EF%BF%BD-bantah"


def test_a_noncharacter_and_a_lone_surrogate_in_an_html_listing_are_replaced() -> None:
    items = read(
        html_source(),
        html_page(("KPU &#xD800; Bantah &#xFFFE;", f"{BASE}/1", "Isi &#55296;.")),
        "text/html; charset=utf-8",
    )

    assert (items[0].title, items[0].text) == ("KPU \ufffd Bantah \ufffd", "Isi \ufffd.")


# -- links -------------------------------------------------------------------------------

BAD_LINKS = {
    "line break": f"{BASE}/berita/1\r\nBcc: korban@contoh.id",
    "tab inside": f"{BASE}/berita/\t1",
    "space inside": f"{BASE}/berita/kpu bantah",
    "zero-width": f"{BASE}/berita/\u200b1",
    "bidi": f"{BASE}/berita/\u202e1",
    "escape": f"{BASE}/berita/\x1b1",
    "javascript": "javascript:alert(1)",
    "mailto": "mailto:korban@contoh.id",
    "data": "data:text/html,<b>x</b>",
}


@pytest.mark.parametrize("link", BAD_LINKS.values(), ids=BAD_LINKS)
@pytest.mark.parametrize("kind", ["rss", "json", "html"])
def test_an_item_whose_link_is_not_a_clean_web_url_points_at_its_source(
    kind: str, link: str
) -> None:
    if kind == "rss":
        items = read(
            rss_source(), rss_feed(("KPU Bantah Isu", escape(link), "Isi.")), "application/rss+xml"
        )
        fallback = f"{BASE}/"  # the feed's own <link>
    elif kind == "json":
        items = read(
            json_source_(),
            json_feed({"title": "KPU Bantah Isu", "link": link, "body": "Isi."}),
            "application/json",
        )
        fallback = f"{BASE}/api"
    else:
        items = read(
            html_source(),
            html_page(("KPU Bantah Isu", escape(link, quote=True), "Isi.")),
            "text/html; charset=utf-8",
        )
        fallback = f"{BASE}/berita"

    assert [i.url for i in items] == [fallback]
    assert_clean(items[0])


def test_links_padded_with_white_space_as_pretty_printed_feeds_write_them_are_kept() -> None:
    items = read(
        rss_source(),
        rss_feed(("KPU Bantah Isu", f"\n      {BASE}/berita/1\n    ", "Isi.")),
        "application/rss+xml",
    )

    assert items[0].url == f"{BASE}/berita/1"


def test_a_feed_whose_own_link_is_unfit_falls_back_to_the_address_it_was_fetched_from() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Uji</title>'
        b"<link>https://contoh.go.id/ a b</link>"
        b"<item><title>KPU Bantah Isu</title><link>javascript:x</link></item>"
        b"</channel></rss>"
    )

    items = read(rss_source(), body, "application/rss+xml")

    assert items[0].url == f"{BASE}/feed"


def test_link_shaped_text_stays_text_and_an_unsubscribe_address_as_a_link_is_just_a_link() -> None:
    items = read(
        json_source_(),
        json_feed(
            {
                "title": f"Klik {UNSUBSCRIBE} sekarang",
                "link": UNSUBSCRIBE,
                "body": f'<a href="{UNSUBSCRIBE}">berhenti</a> {UNSUBSCRIBE}?token=x',
            }
        ),
        "application/json",
    )

    item = items[0]
    assert item.title == f"Klik {UNSUBSCRIBE} sekarang"
    assert item.text == f"berhenti {UNSUBSCRIBE}?token=x"
    assert item.url == UNSUBSCRIBE
    assert_clean(item)


# -- one bad entry -----------------------------------------------------------------------


def test_an_entry_whose_reading_raises_is_skipped_with_its_reason_and_the_rest_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real: Callable[[Any], str] = rss._entry_text

    def breaks_on_the_second(entry: Any) -> str:
        if "kedua" in (dict.get(entry, "title") or ""):
            raise KeyError("\x1b[2Jcontent\ud800")
        return real(entry)

    monkeypatch.setattr(rss, "_entry_text", breaks_on_the_second)
    body = rss_feed(
        ("Berita pertama", f"{BASE}/1", "Satu."),
        ("Berita kedua", f"{BASE}/2", "Dua."),
        ("Berita ketiga", f"{BASE}/3", "Tiga."),
    )

    items = read(rss_source(), body, "application/rss+xml")

    assert [i.title for i in items] == ["Berita pertama", "Berita ketiga"]
    assert items.skipped == ["entry 2: KeyError: '\\x1b[2Jcontent\\ud800'"]
    assert skipped_entries(items) == items.skipped


@pytest.mark.parametrize("kind", ["json", "html"])
def test_a_json_or_html_entry_whose_reading_raises_is_skipped_alone(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warta.ingest import records

    real = records.html_to_text

    def breaks(text: str) -> str:
        if "meledak" in text:
            raise RuntimeError("parser\r\nfault")
        return real(text)

    monkeypatch.setattr(records, "html_to_text", breaks)
    if kind == "json":
        items = read(
            json_source_(),
            json_feed(
                {"title": "Satu", "link": f"{BASE}/1", "body": "ok"},
                {"title": "Dua", "link": f"{BASE}/2", "body": "meledak"},
            ),
            "application/json",
        )
    else:
        items = read(
            html_source(),
            html_page(("Satu", f"{BASE}/1", "ok"), ("Dua", f"{BASE}/2", "meledak")),
            "text/html; charset=utf-8",
        )

    assert [i.title for i in items] == ["Satu"]
    assert items.skipped == ["entry 2: RuntimeError: parser fault"]


def test_a_document_whose_every_entry_fails_is_a_parse_error_naming_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def breaks(entry: Any, path: str | None) -> str:
        raise TypeError("bad field")

    monkeypatch.setattr(json_source, "_field", breaks)

    with pytest.raises(ParseError, match=r"entry 1: TypeError: bad field"):
        read(
            json_source_(),
            json_feed({"title": "Satu", "link": f"{BASE}/1"}),
            "application/json",
        )


def test_a_timestamp_too_large_for_a_float_dates_the_item_when_it_was_seen() -> None:
    body = (
        b'{"data": [{"title": "KPU Bantah", "link": "https://contoh.go.id/1", "at": 1'
        + (b"0" * 400)
        + b"}]}"
    )
    src = json_source_({"items": "data", "title": "title", "url": "link", "date": "at"})

    items = read(src, body, "application/json")

    assert items[0].published_at == SEEN
    assert items.skipped == []


def test_a_very_long_title_is_kept_whole_and_clean() -> None:
    title = ("Pemilu " * 1500)[:10_000]
    items = read(
        json_source_(),
        json_feed({"title": title, "link": f"{BASE}/1", "body": "Isi."}),
        "application/json",
    )

    assert items[0].title == title.strip()
    assert_clean(items[0])
