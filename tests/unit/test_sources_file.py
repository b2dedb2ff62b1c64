"""The sources file: what an admin writes, and the messages a mistake gets."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from tests.builders import EXTRACT

import warta.config.sources
from warta.config.sources import load_sources, parse_extract, parse_sources
from warta.core.errors import ConfigError
from warta.core.model import Authority, SourceKind
from warta.ingest.address_guard import address_allowed

BUNDLED = Path(warta.config.sources.__file__).with_name("sources.toml")


def one(body: str) -> str:
    return '[[source]]\nname = "Uji"\nauthority = "kpu"\n' + textwrap.dedent(body)


def docstring_toml() -> str:
    """The indented TOML examples of the module docstring, as one document."""
    doc = warta.config.sources.__doc__ or ""
    blocks = re.findall(r"((?:^    .*\n|^\n)+)", doc, flags=re.MULTILINE)
    return "\n".join(textwrap.dedent(block) for block in blocks if "[[source]]" in block)


def test_the_examples_in_the_module_docstring_are_a_valid_sources_file() -> None:
    sources = {s.id: s for s in parse_sources(docstring_toml(), "docstring")}
    assert [s.kind for s in sources.values()] == [SourceKind.RSS, SourceKind.JSON, SourceKind.HTML]
    assert sources["kpu-ri"].extract == {}
    assert sources["kemendagri-blog"].extract == EXTRACT
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


# -- every field checked where it enters ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("poll_minutes = nan\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = inf\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = -inf\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = 1e400\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = -5\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = 30.0\n", "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = true\n", "(uji): poll_minutes must be a whole number of minutes"),
        ('poll_minutes = "30"\n', "(uji): poll_minutes must be a whole number of minutes"),
        ("poll_minutes = 10081\n", "(uji): poll_minutes must be a whole number of minutes, from 1 to 10080"),
        ("poll_minutes = 99999999999999999999999\n", "(uji): poll_minutes must be a whole number"),
        ('region = "35.7"\n', "(uji): region '35.7' is neither 'national' nor a Kemendagri code"),
        ('region = "35.71.01.100"\n', "(uji): region '35.71.01.100' is neither"),
        ('region = "35\\n"\n', "(uji): region '35\\n' is neither"),
        ('region = "National"\n', "(uji): region 'National' is neither"),
        ("region = 35\n", "(uji): region 35 is neither"),
        ("region = 35.71\n", "(uji): region 35.71 is neither"),
        ('timezone = "../../etc/passwd"\n', "(uji): unknown timezone '../../etc/passwd'"),
        ('timezone = "Asia/Jakarta\\n"\n', "(uji): unknown timezone 'Asia/Jakarta\\n'"),
        ("timezone = 7\n", "(uji): unknown timezone 7"),
        ('allow_addresses = ["localhost"]\n', "(uji): allow_addresses entry 'localhost' is not an IP address or network"),
        ('allow_addresses = ["10.0.0.300"]\n', "(uji): allow_addresses entry '10.0.0.300' is not"),
        ('allow_addresses = ["10.0.0.0/33"]\n', "(uji): allow_addresses entry '10.0.0.0/33' is not"),
        ('allow_addresses = ["127.0.0.1", ""]\n', "(uji): allow_addresses entry '' is not"),
        ('allow_addresses = ["10.0.0.1\\n"]\n', "(uji): allow_addresses entry '10.0.0.1\\n' is not"),
        ("allow_addresses = [1]\n", "(uji): allow_addresses must be a list of addresses"),
        ('name = "KPU\\r\\nBcc: x@contoh.id"\n', "(uji): name must be one line without control characters"),
        ('name = "   "\n', "source #1: name is required"),
    ],
)  # fmt: skip
def test_each_field_is_checked_and_named(body: str, message: str) -> None:
    text = '[[source]]\nid = "uji"\nurl = "https://contoh.go.id/x"\nauthority = "kpu"\n'
    text += body if body.startswith("name") else 'name = "Uji"\n' + body
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value) and "\r" not in str(raised.value)


@pytest.mark.parametrize(
    ("source_id", "message"),
    [
        ("-uji", "(-uji): id must be lower-case letters, digits, '-', '_' or '.'"),
        ("uji/../x", "(uji/../x): id must be"),
        ("a" * 65, "id must be"),
        ("uji\\n", "('uji\\n'): id must be"),
        ("uji besar", "(uji besar): id must be"),
        ("ují", "(ují): id must be"),
    ],
)
def test_ids_outside_the_pattern_are_refused(source_id: str, message: str) -> None:
    text = one(f'id = "{source_id}"\nurl = "https://contoh.go.id/x"\n')
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("source_id", ["u", "9", "kpu_ri", "kpu.kab-kediri", "a" * 64])
def test_ids_inside_the_pattern_are_taken(source_id: str) -> None:
    [source] = parse_sources(one(f'id = "{source_id}"\nurl = "https://contoh.go.id/x"\n'), "f")
    assert source.id == source_id


def test_allow_addresses_takes_addresses_and_networks() -> None:
    text = one(
        'id = "uji"\nurl = "https://contoh.go.id/x"\n'
        'allow_addresses = ["10.1.2.3", "fd00::1", "10.1.0.0/16", "fd00::/8"]\n'
    )
    [source] = parse_sources(text, "f.toml")
    assert source.allow_addresses == ("10.1.2.3", "fd00::1", "10.1.0.0/16", "fd00::/8")
    # What the file lets through is what the fetch guard lets through.
    for address, allowed in [
        ("10.1.2.3", True),
        ("10.1.200.7", True),
        ("fd12::5", True),
        ("10.2.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
    ]:
        assert address_allowed(address, source.allow_addresses) is allowed, address


@pytest.mark.parametrize(
    ("url", "substitutions", "message"),
    [
        ("kpu.go.id/feed", {}, "(uji): url must start with http:// or https://"),
        ("//kpu.go.id/feed", {}, "(uji): url must start with http:// or https://"),
        ("file:///etc/passwd", {}, "(uji): url must start with http:// or https://"),
        ("javascript:alert(1)", {}, "(uji): url must start with http:// or https://"),
        ("kpu.go.id/{path}", {"path": "feed"}, "(uji): url must start with http:// or https://"),
        ("{demo}/feeds/kpu.xml", {}, "(uji): url must start with http:// or https://"),
        ("{demo}/feeds/kpu.xml", {"demo": "127.0.0.1:8025"}, "(uji): url placeholder {demo} is not filled with an http:// or https:// address"),
        ("{demo}/feeds/kpu.xml", {"demo": "ftp://127.0.0.1"}, "(uji): url placeholder {demo} is not filled with"),
        ("https://{host}/feed", {}, "(uji): url placeholder {host} is not filled in"),
        ("https://{demo}/{lain}", {"demo": "kpu.go.id"}, "(uji): url placeholder {lain} is not filled in"),
        ("https://kpu.go.id/{", {}, "(uji): url placeholder is not filled in"),
        ("{demo}/feeds/kpu.xml", {"demo": "http://"}, "(uji): url must name a host: 'http:///feeds/kpu.xml'"),
        ("{demo}:99999/feed", {"demo": "http://127.0.0.1"}, "(uji): url has a port that is not a number from 1 to 65535"),
        ("https://kpu.go.id/ berita", {}, "(uji): url must not contain spaces"),
        ("https://kpu.go.id/berita\\r\\n", {}, "(uji): url must not contain spaces, line breaks or control characters"),
        ("https://kpu.go.id:0/feed", {}, "(uji): url has a port that is not a number"),
    ],
)  # fmt: skip
def test_source_urls_are_checked_before_and_after_filling_placeholders(
    url: str, substitutions: dict[str, str], message: str
) -> None:
    text = one(f'id = "uji"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml", substitutions)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "substitutions"),
    [
        ("https://akses:rahasia@kpu.go.id/feed", {}),
        ("https://akses@kpu.go.id/feed", {}),
        ("{demo}/feed", {"demo": "http://akses:rahasia@127.0.0.1:8025"}),
        ("https://{cred}@kpu.go.id/feed", {"cred": "akses:rahasia"}),
    ],
)
def test_a_url_with_credentials_is_refused_without_showing_them(
    url: str, substitutions: dict[str, str]
) -> None:
    text = one(f'id = "uji"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml", substitutions)
    assert "(uji): url must not carry a user name or password" in str(raised.value)
    assert "akses" not in str(raised.value) and "rahasia" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "substitutions", "expected"),
    [
        ("{demo}/feeds/kpu.xml", {"demo": "http://127.0.0.1:8025"}, "http://127.0.0.1:8025/feeds/kpu.xml"),
        ("HTTPS://kpu.go.id/feed", {}, "HTTPS://kpu.go.id/feed"),
        ("https://{host}/feed", {"host": "kpu.go.id"}, "https://kpu.go.id/feed"),
        ("http://[::1]:8025/feed", {}, "http://[::1]:8025/feed"),
    ],
)  # fmt: skip
def test_good_urls_and_templates_are_taken(
    url: str, substitutions: dict[str, str], expected: str
) -> None:
    [source] = parse_sources(one(f'id = "uji"\nurl = "{url}"\n'), "f.toml", substitutions)
    assert source.url == expected


def test_a_file_that_is_not_utf8_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_bytes(b'[[source]]\nid = "uji"\nname = "Bawaslu \xff"\n')
    with pytest.raises(ConfigError) as raised:
        load_sources(path)
    assert str(raised.value) == f"cannot read sources file {path}: not UTF-8 text (byte 38)"


def test_a_folder_named_as_the_sources_file_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_sources(tmp_path)
    assert str(raised.value) == f"cannot read sources file {tmp_path}: Is a directory"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source = [1]\n", "f.toml: source #1: a source is a [[source]] table"),
        (
            one('id = "uji"\nurl = "https://contoh.go.id/x"\n"a\\nb" = 1\n'),
            "unknown field(s) 'a\\nb'",
        ),
    ],
)
def test_odd_tables_are_named_on_one_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_sources(text, "f.toml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
