"""The sources file: what an admin writes, and the messages a mistake gets."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import warta.config.sources
from warta.config.sources import load_sources, parse_extract, parse_sources
from warta.core.errors import ConfigError
from warta.core.model import Authority, SourceKind

BUNDLED = Path(warta.config.sources.__file__).with_name("sources.toml")


def one(body: str) -> str:
    return '[[source]]\nname = "Uji"\nauthority = "kpu"\n' + textwrap.dedent(body)


def docstring_toml() -> str:
    """The indented TOML examples of the module docstring, as one document."""
    doc = warta.sources.__doc__ or ""
    blocks = re.findall(r"((?:^    .*\n|^\n)+)", doc, flags=re.MULTILINE)
    return "\n".join(textwrap.dedent(block) for block in blocks if "[[source]]" in block)


def test_the_examples_in_the_module_docstring_are_a_valid_sources_file() -> None:
    sources = {s.id: s for s in parse_sources(docstring_toml(), "docstring")}
    assert [s.kind for s in sources.values()] == [SourceKind.RSS, SourceKind.JSON, SourceKind.HTML]
    assert sources["kpu-ri"].extract == {}
    assert sources["kemendagri-blog"].extract == {
        "items": "data.data",
        "title": "title",
        "url": "https://www.kemendagri.go.id/blog/{slug}",
        "date": "published_at",
        "text": "content",
        "guid": "id",
    }
    assert sources["kpu-kab-kediri"].extract["item"] == "div.card"
    assert sources["kpu-kab-kediri"].region == "35.06"


def test_the_bundled_sources_file_loads() -> None:
    sources = load_sources(BUNDLED)
    assert sources
    assert len({s.id for s in sources}) == len(sources)


def test_a_minimal_rss_source_takes_the_defaults() -> None:
    [source] = parse_sources(one('id = "uji"\nurl = "https://contoh.go.id/feed"\n'), "f.toml")
    assert source.kind is SourceKind.RSS
    assert source.authority is Authority.KPU
    assert (source.region, source.timezone, source.poll_minutes) == ("national", "Asia/Jakarta", 30)
    assert source.enabled and source.extract == {} and source.allow_addresses == ()


@pytest.mark.parametrize(
    "table",
    [
        '[source.extract]\nitems = "data.data"\ntitle = "title"\nurl = "link"\n',
        'extract = { items = "data.data", title = "title", url = "link" }\n',
        'extract.items = "data.data"\nextract.title = "title"\nextract.url = "link"\n',
    ],
)
def test_extract_may_be_a_sub_table_an_inline_table_or_dotted_keys(table: str) -> None:
    text = one(f'id = "uji"\nurl = "https://contoh.go.id/api"\nkind = "json"\n{table}')
    [source] = parse_sources(text, "f.toml")
    assert source.extract == {"items": "data.data", "title": "title", "url": "link"}


def test_extract_values_are_trimmed() -> None:
    text = one(
        'id = "uji"\nurl = "https://contoh.go.id/berita"\nkind = "html"\n'
        'extract = { item = " div.card ", title = "h5 a", link = "h5 a" }\n'
    )
    assert parse_sources(text, "f.toml")[0].extract["item"] == "div.card"


def test_each_source_of_a_file_is_checked_against_its_own_kind() -> None:
    text = (
        one('id = "umpan"\nurl = "https://contoh.go.id/feed"\n')
        + one(
            'id = "api"\nurl = "https://contoh.go.id/api"\nkind = "json"\n'
            'extract = { items = ".", title = "t", url = "u" }\n'
        )
        + one(
            'id = "laman"\nurl = "https://contoh.go.id/berita"\nkind = "html"\n'
            'extract = { item = "li", title = "a", link = "a" }\n'
        )
    )
    assert [s.kind for s in parse_sources(text, "f.toml")] == list(SourceKind)


# -- mistakes and their messages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # extract, per kind
        ('kind = "rss"\nextract = { items = "data" }\n', "f.toml: source #1 (uji): a rss source takes no extract table"),
        ('kind = "json"\n', "f.toml: source #1 (uji): json extract needs 'items'"),
        ('kind = "json"\nextract = { items = "data.data", url = "link" }\n', "(uji): json extract needs 'title'"),
        ('kind = "json"\nextract = { items = "data.data", title = "title" }\n', "(uji): json extract needs 'url'"),
        ('kind = "json"\nextract = { items = "d", title = "t", url = "u", isi = "x" }\n', "(uji): json extract key 'isi' is not one of: items, title, url, date, text, guid"),
        ('kind = "json"\nextract = { items = "d", title = "t", url = "https://x.go.id/{slug" }\n', "(uji): json url template"),
        ('kind = "html"\n', "(uji): html extract needs 'item'"),
        ('kind = "html"\nextract = { item = "div.card", title = "h5 a" }\n', "(uji): html extract needs 'link'"),
        ('kind = "html"\nextract = { item = "div.card", link = "a" }\n', "(uji): html extract needs 'title'"),
        ('kind = "html"\nextract = { item = "div[", title = "h5", link = "a" }\n', "(uji): html extract 'item': 'div[' is not a CSS selector"),
        ('kind = "html"\nextract = { item = "li", title = "a", link = "a", ringkasan = "p" }\n', "(uji): html extract key 'ringkasan' is not one of"),
        ('kind = "html"\nextract = { item = "li", title = 1, link = "a" }\n', "(uji): extract must be a table of strings"),
        ('kind = "html"\nextract = "li a"\n', "(uji): extract must be a table of strings"),
        # the rest of a source
        ('kind = "atom"\n', "(uji): kind 'atom' is not one of: rss, json, html"),
        ('region = "jatim"\n', "(uji): region 'jatim' is neither 'national' nor a Kemendagri code"),
        ('timezone = "WIB"\n', "(uji): unknown timezone 'WIB'"),
        ("poll_minutes = 0\n", "(uji): poll_minutes must be a whole number of minutes"),
        ('enabled = "ya"\n', "(uji): enabled must be true or false"),
        ('allow_addresses = "127.0.0.1"\n', "(uji): allow_addresses must be a list"),
        ('selector = "div"\n', "f.toml: source #1: unknown field(s) selector"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_source_and_what_is_wrong(body: str, message: str) -> None:
    text = one(f'id = "uji"\nurl = "https://contoh.go.id/x"\n{body}')
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[source]\n", "f.toml: not valid TOML"),
        ('source = "x"\n', "f.toml: sources are written as [[source]] tables"),
        (one('id = "Uji Besar"\nurl = "https://contoh.go.id/x"\n'), "(Uji Besar): id must be lower-case"),
        (one('url = "https://contoh.go.id/x"\n'), "f.toml: source #1: id is required"),
        (one('id = "uji"\nurl = "ftp://contoh.go.id/x"\n'), "(uji): url must start with http:// or https://"),
        (one('id = "uji"\nurl = "https://a.go.id/"\n') + one('id = "uji"\nurl = "https://b.go.id/"\n'), "source id 'uji' appears twice"),
    ],
)  # fmt: skip
def test_file_level_mistakes_are_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml")
    assert message in str(raised.value)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read sources file .*nope\.toml"):
        load_sources(tmp_path / "nope.toml")


def test_substitutions_fill_the_url() -> None:
    text = one('id = "uji"\nurl = "http://{demo}/feed.xml"\nallow_addresses = ["127.0.0.1"]\n')
    [source] = parse_sources(text, "f.toml", {"demo": "127.0.0.1:8025"})
    assert source.url == "http://127.0.0.1:8025/feed.xml"
    assert source.allow_addresses == ("127.0.0.1",)


def test_parse_extract_checks_a_table_given_on_the_command_line() -> None:
    pairs = {"items": "data.data", "title": "title", "url": "link"}
    assert parse_extract("preview", SourceKind.JSON, pairs) == pairs
    with pytest.raises(ConfigError, match=r"^preview: html extract needs 'item'"):
        parse_extract("preview", SourceKind.HTML, {"title": "a"})
