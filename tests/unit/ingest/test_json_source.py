from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.builders import API, json_source

from warta.core.errors import ParseError
from warta.core.model import Authority, FetchResult, Item, Source
from warta.ingest.json_source import check_extract, parse_json

SEEN = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)


def post(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 9412,
        "title": "Mendagri Minta Netralitas ASN",
        "slug": "mendagri-minta-netralitas-asn",
        "content": "<p>Isi siaran pers.</p>",
        "published_at": "2024-02-12 09:30:00",
    }
    base.update(fields)
    return base


def paged(*posts: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"current_page": 1, "data": list(posts), "last_page": 9}}


def parse(
    document: Any,
    *,
    src: Source | None = None,
    url: str = API,
    content_type: str | None = "application/json",
) -> list[Item]:
    body = document if isinstance(document, bytes) else json.dumps(document).encode("utf-8")
    headers = {"content-type": content_type} if content_type else {}
    result = FetchResult(url=url, status=200, body=body, headers=headers)
    return parse_json(src or json_source(), result, seen_at=SEEN)


# -- the mapping ---------------------------------------------------------------------------


def test_a_kemendagri_page_comes_out_normalized() -> None:
    items = parse(paged(post(), post(id=9409, slug="dukcapil", title="Dukcapil", content="x")))
    first = items[0]
    assert [i.title for i in items] == ["Mendagri Minta Netralitas ASN", "Dukcapil"]
    assert first.url == "https://www.kemendagri.go.id/blog/mendagri-minta-netralitas-asn"
    assert first.text == "Isi siaran pers."
    assert first.published_at == datetime(2024, 2, 12, 2, 30, tzinfo=UTC)
    assert first.source_id == "kemendagri"
    assert first.authority is Authority.KEMENDAGRI
    assert first.guid == "9412"
    assert not first.election and not first.clarification


@pytest.mark.parametrize(
    ("extract", "document", "expected_url"),
    [
        ({"url": "link"}, {"link": "https://contoh.go.id/a?utm_source=api#top"}, "https://contoh.go.id/a"),
        ({"url": "link"}, {"link": "/blog/relatif"}, "https://www.kemendagri.go.id/blog/relatif"),
        ({"url": "meta.href"}, {"meta": {"href": "https://contoh.go.id/b"}}, "https://contoh.go.id/b"),
        ({"url": "https://contoh.go.id/{category.slug}/{id}"}, {"id": 7, "category": {"slug": "rilis"}}, "https://contoh.go.id/rilis/7"),
        ({"url": "https://contoh.go.id/blog/{slug}"}, {"slug": "pemilu damai 2024"}, "https://contoh.go.id/blog/pemilu%20damai%202024"),
        ({"url": "https://contoh.go.id/blog/{slug}"}, {"slug": "sosialisasi-pemilu-ramah-difabel"}, "https://contoh.go.id/blog/sosialisasi-pemilu-ramah-difabel"),
        ({"url": "{path}"}, {"path": "https://contoh.go.id/c?id=1&x=2"}, "https://contoh.go.id/c?id=1&x=2"),
    ],
)  # fmt: skip
def test_url_is_a_field_or_a_template_of_fields(
    extract: dict[str, str], document: dict[str, Any], expected_url: str
) -> None:
    mapping = {"items": "posts", "title": "title", **extract}
    items = parse({"posts": [{"title": "Judul", **document}]}, src=json_source(mapping))
    assert [i.url for i in items] == [expected_url]


@pytest.mark.parametrize(
    "document",
    [
        {"slug": None},
        {"slug": ""},
        {"slug": {"nested": "x"}},
        {},
    ],
)
def test_a_template_with_a_missing_field_points_at_the_source_not_a_broken_link(
    document: dict[str, Any],
) -> None:
    items = parse(paged({"title": "Judul", "content": "Isi", **document}))
    assert items[0].url == API


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "mailto:humas@contoh.go.id", "data:text/html,x", "  "]
)
def test_a_link_that_is_not_a_web_page_is_not_used(link: str) -> None:
    mapping = {"items": "posts", "title": "title", "url": "link"}
    items = parse({"posts": [{"title": "Judul", "link": link}]}, src=json_source(mapping))
    assert items[0].url == API


@pytest.mark.parametrize(
    ("items_path", "document"),
    [
        (".", [{"title": "A"}, {"title": "B"}]),
        ("posts", {"posts": [{"title": "A"}, {"title": "B"}]}),
        ("data.0.posts", {"data": [{"posts": [{"title": "A"}, {"title": "B"}]}]}),
        ("a.b.c", {"a": {"b": {"c": [{"title": "A"}, "not an object", 3, {"title": "B"}]}}}),
    ],
)
def test_the_items_path_is_dotted_with_list_indexes(items_path: str, document: Any) -> None:
    mapping = {"items": items_path, "title": "title", "url": "link"}
    assert [i.title for i in parse(document, src=json_source(mapping))] == ["A", "B"]


def test_nested_field_paths_read_wordpress_rendered_values() -> None:
    mapping = {
        "items": ".",
        "title": "title.rendered",
        "url": "link",
        "text": "content.rendered",
        "date": "date_gmt",
        "guid": "guid.rendered",
    }
    document = [
        {
            "title": {"rendered": "Patroli &#8211; Masa Tenang"},
            "link": "https://contoh.bawaslu.go.id/berita/patroli/",
            "content": {"rendered": "<p>Satu.</p><p>Dua.</p>"},
            "date_gmt": "2024-02-12T02:30:00",
            "guid": {"rendered": "https://contoh.bawaslu.go.id/?p=5120"},
        }
    ]
    [item] = parse(document, src=json_source(mapping, timezone="UTC"))
    assert item.title == "Patroli – Masa Tenang"
    assert item.text == "Satu.\n\nDua."
    assert item.published_at == datetime(2024, 2, 12, 2, 30, tzinfo=UTC)
    assert item.guid == "https://contoh.bawaslu.go.id/?p=5120"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-02-12 09:30:00", datetime(2024, 2, 12, 2, 30, tzinfo=UTC)),
        ("2024-02-12T09:30:00+08:00", datetime(2024, 2, 12, 1, 30, tzinfo=UTC)),
        ("Senin, 12 Februari 2024 09.30 WIB", datetime(2024, 2, 12, 2, 30, tzinfo=UTC)),
        (1707705000, datetime(2024, 2, 12, 2, 30, tzinfo=UTC)),
        (1707705000000, datetime(2024, 2, 12, 2, 30, tzinfo=UTC)),
        (None, SEEN),
        ("", SEEN),
        ("segera", SEEN),
        (True, SEEN),
        ({"date": "2024-02-12"}, SEEN),
        ("2024-03-20 09:00:00", SEEN),  # a month ahead of the fetch: a broken clock
        (10**30, SEEN),
    ],
)
def test_dates_are_strings_or_unix_timestamps_else_the_time_seen(
    raw: Any, expected: datetime
) -> None:
    [item] = parse(paged(post(published_at=raw)))
    assert item.published_at == expected


def test_dates_without_offset_use_the_source_timezone() -> None:
    [item] = parse(paged(post()), src=json_source(timezone="Asia/Jayapura"))
    assert item.published_at == datetime(2024, 2, 12, 0, 30, tzinfo=UTC)


def test_text_is_plain_without_scripts_and_title_stands_in_when_text_is_missing() -> None:
    items = parse(
        paged(
            post(content="<p>Isi <b>penting</b>.</p><script>track()</script>"),
            post(id="b-2", slug="dua", title="Hanya Judul", content=None),
        )
    )
    assert items[0].text == "Isi penting."
    assert (items[1].title, items[1].text) == ("Hanya Judul", "")


def test_an_item_without_title_takes_its_first_line_of_text() -> None:
    [item] = parse(paged(post(title="", content="<p>Rapat pleno digelar hari ini.</p>")))
    assert item.title == "Rapat pleno digelar hari ini."


def test_entries_with_neither_title_nor_text_are_dropped() -> None:
    items = parse(paged(post(), post(id="kosong", slug="kosong", title=None, content="")))
    assert len(items) == 1


def test_an_empty_list_is_a_quiet_source_not_an_error() -> None:
    assert parse(paged()) == []


# -- identity ------------------------------------------------------------------------------


def test_ids_are_stable_across_fetches_and_page_order() -> None:
    a, b = post(id="a-1", slug="a"), post(id="b-2", slug="b", title="B")
    first = {i.title: i.id for i in parse(paged(a, b))}
    again = {i.title: i.id for i in parse(paged(b, a))}
    assert first == again


def test_a_post_listed_twice_comes_out_once() -> None:
    assert len(parse(paged(post(), post(), post(id=1, slug="lain", title="Lain")))) == 2


def test_numeric_ids_are_counters_so_identity_comes_from_the_link() -> None:
    one = parse(paged(post(id=1)))[0]
    renumbered = parse(paged(post(id=2)))[0]
    assert one.id == renumbered.id


def test_equal_posts_in_two_sources_get_different_ids() -> None:
    ours = parse(paged(post()))[0]
    theirs = parse(paged(post()), src=json_source(id="kemendagri-mirror"))[0]
    assert ours.id != theirs.id


# -- bytes and charsets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode(), "application/json"),
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode(), None),
        (b"\xef\xbb\xbf" + '{"p": [{"t": "Café “Pemilu”"}]}'.encode(), "application/json"),
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode("cp1252"), "application/json; charset=utf-8"),
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode("cp1252"), 'application/json; charset="windows-1252"'),
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode("utf-16"), "application/json; charset=utf-16"),
        ('{"p": [{"t": "Café “Pemilu”"}]}'.encode(), "application/json; charset=no-such-charset"),
    ],
)  # fmt: skip
def test_the_declared_charset_is_respected_and_utf8_is_the_default(
    body: bytes, content_type: str | None
) -> None:
    mapping = {"items": "p", "title": "t", "url": "u"}
    [item] = parse(body, src=json_source(mapping), content_type=content_type)
    assert item.title == "Café “Pemilu”"


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not JSON: the body is empty"),
        (b"  \n", "not JSON: the body is empty"),
        (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "not JSON: Expecting value"),
        (b'{"data": {"data": [', "not JSON:"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not JSON"),
        (b'{"data": {"posts": []}}', "json: items path 'data.data' not found"),
        (b'{"data": []}', "json: items path 'data.data' not found"),
        (b'{"data": {"data": {"1": {"title": "x"}}}}', "json: items path 'data.data' is not a list"),
        (b'{"data": {"data": "none"}}', "json: items path 'data.data' is not a list"),
        (b'{"data": {"data": [{"judul": "x"}, {"judul": "y"}]}}', "json: none of the 2 items has a title at 'title'"),
    ],
)  # fmt: skip
def test_what_is_not_a_usable_document_is_a_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        parse(body)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("extract", "message"),
    [
        ({}, "extract needs 'items'"),
        ({"items": "data", "title": "title"}, "extract needs 'url'"),
        ({"items": "data", "title": " ", "url": "u"}, "extract needs 'title'"),
        ({"items": "data", "title": "t", "url": "u", "body": "content"}, "extract key 'body' is not one of"),
        ({"items": "data", "title": "t", "url": "u", "date": ""}, "extract 'date' must be a non-empty string"),
        ({"items": "data", "title": ".", "url": "u"}, "extract 'title' must name a field"),
        ({"items": "data", "title": "t", "url": "https://x.go.id/{slug"}, "url template"),
        ({"items": "data", "title": "t", "url": "https://x.go.id/{}"}, "url template"),
        ({"items": "data", "title": "t", "url": "https://x.go.id/{slug!r}"}, "url template"),
        ({"items": "data", "title": "t", "url": "https://x.go.id/{slug:>10}"}, "url template"),
    ],
)  # fmt: skip
def test_an_unusable_extract_table_names_the_key(extract: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as checked:
        check_extract(extract)
    assert message in str(checked.value)
    with pytest.raises(ParseError) as raised:
        parse(paged(post()), src=json_source(extract))
    assert str(raised.value).startswith("json: ")
    assert message in str(raised.value)
