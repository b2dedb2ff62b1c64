"""The shapes outside text must have: ids, region codes, addresses, numbers, URLs."""

from __future__ import annotations

import math

import pytest

from warta.core.errors import ConfigError
from warta.core.validate import (
    check_email,
    check_id,
    check_mailbox,
    check_number,
    check_phone,
    check_region,
    check_text,
    has_control,
    is_host,
    is_id,
    is_region,
    printable,
    shown,
    url_problem,
    without_userinfo,
)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("kpu-ri", True),
        ("k", True),
        ("9", True),
        ("kpu_kab.kediri-2", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("-kpu", False),
        (".kpu", False),
        ("_kpu", False),
        ("KPU", False),
        ("kpu ri", False),
        ("kpu/ri", False),
        ("kpu\n", False),
        ("kpu\x00", False),
        ("kpü", False),
        ("kpu\u0661", False),  # an Arabic-Indic digit: \d would take it, the pattern does not
        (42, False),
        (None, False),
    ],
)
def test_ids(value: object, ok: bool) -> None:
    assert is_id(value) is ok
    if ok:
        assert check_id(value, "--id") == value
    else:
        with pytest.raises(ConfigError, match=r"^--id must be lower-case letters"):
            check_id(value, "--id")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("national", True),
        ("35", True),
        ("35.71", True),
        ("35.71.01", True),
        ("3", False),
        ("357", False),
        ("35.7", False),
        ("35.71.1", False),
        ("35.71.01.100", False),
        ("35.71.01.1001.1", False),
        ("35.", False),
        (".35", False),
        ("35\n", False),
        (" 35", False),
        ("National", False),
        ("nasional", False),
        ("\u0663\u0665", False),  # Arabic-Indic "35"
        ("", False),
        (35, False),
        (35.71, False),
    ],
)
def test_region_codes(value: object, ok: bool) -> None:
    assert is_region(value) is ok
    if ok:
        assert check_region(value, "--region") == value
    else:
        with pytest.raises(ConfigError, match=r"^--region .* is neither 'national' nor"):
            check_region(value, "--region")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ani@contoh.id", "ani@contoh.id"),
        ("  Ani@Contoh.ID ", "ani@contoh.id"),
        ("ani.wulan+pemilu@kpu.go.id", "ani.wulan+pemilu@kpu.go.id"),
        ("warta@localhost", "warta@localhost"),
    ],
)
def test_one_bare_address_is_taken_lower_cased(value: str, expected: str) -> None:
    assert check_email(value, "email") == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "ani",
        "ani@",
        "@kpu.go.id",
        "ani@contoh.id, budi@contoh.id",
        "ani@contoh.id budi@contoh.id",
        "ani@contoh.id;budi@contoh.id",
        "Ani <ani@contoh.id>",  # a name where only an address is taken
        "ani@contoh.id\r\nBcc: budi@contoh.id",
        "ani@contoh.id\n",
        "ani@contoh.id\x00",
        "ani\u202e@contoh.id",
        "ani@@contoh.id",
        "ani@contoh@id",
        "a b@contoh.id",
        "ani@contoh.id)<budi@contoh.id>",
        '"ani@contoh.id"@contoh.id',
        None,
        42,
    ],
)
def test_anything_but_one_bare_address_is_refused_without_echoing_it(value: object) -> None:
    with pytest.raises(ConfigError) as raised:
        check_email(value, "people.toml: subscriber #1: email")
    message = str(raised.value)
    assert message.startswith("people.toml: subscriber #1: email ")
    assert "\n" not in message and "\r" not in message
    if isinstance(value, str) and value.strip():
        assert value.strip() not in message


@pytest.mark.parametrize(
    ("value", "name", "addr_spec"),
    [
        ("Warta Pemilu <warta@localhost>", "Warta Pemilu", "warta@localhost"),
        ('"Warta, Pemilu" <warta@contoh.id>', "Warta, Pemilu", "warta@contoh.id"),
        ("warta@contoh.id", "", "warta@contoh.id"),
        ("<warta@contoh.id>", "", "warta@contoh.id"),
    ],
)
def test_a_mailbox_may_carry_a_display_name(value: str, name: str, addr_spec: str) -> None:
    address = check_mailbox(value, "WARTA_SENDER")
    assert (address.display_name, address.addr_spec) == (name, addr_spec)


@pytest.mark.parametrize(
    "value",
    [
        '"kpu@kpu.go.id" <warta@elsewhere.example>',  # a name dressed as an address
        "KPU <kpu@kpu.go.id> <warta@elsewhere.example>",
        "Warta <warta@contoh.id>, Admin <admin@contoh.id>",
        "Warta <warta@contoh.id>\r\nBcc: x@contoh.id",
        "Warta\u202e <warta@contoh.id>",
        "Warta <warta@contoh.id> trailing",
        "Warta <warta>",
        "Warta",
    ],
)
def test_mailbox_tricks_are_refused(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^WARTA_SENDER "):
        check_mailbox(value, "WARTA_SENDER")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("+6281234567890", True),
        ("+62812345", True),
        ("081234567890", False),
        ("+62 812 3456 7890", False),
        ("+0812345678", False),
        ("+62812345678901234", False),
        ("+62812345678\n", False),
        (6281234567890, False),
    ],
)
def test_phone_numbers_are_e164(value: object, ok: bool) -> None:
    if ok:
        assert check_phone(value, "phone") == value
    else:
        with pytest.raises(ConfigError, match=r"^phone must be a phone number in E\.164") as raised:
            check_phone(value, "phone")
        assert str(value) not in str(raised.value)


@pytest.mark.parametrize(
    ("value", "kwargs", "error"),
    [
        (5, {"minimum": 1, "maximum": 10, "whole": True}, None),
        (0.5, {"minimum": 0, "maximum": 10, "whole": False, "above_minimum": True}, None),
        (10, {"minimum": 1, "maximum": 10, "whole": True}, None),
        (0, {"minimum": 1, "maximum": 10, "whole": True}, "N must be at least 1"),
        (-3, {"minimum": 1, "maximum": 10, "whole": True}, "N must be at least 1"),
        (11, {"minimum": 1, "maximum": 10, "whole": True}, "N must be at most 10"),
        (10**400, {"minimum": 1, "maximum": 10, "whole": True}, "N must be at most 10"),
        (0.0, {"minimum": 0, "maximum": 3600, "whole": False, "above_minimum": True},
         "N must be more than 0"),
        (math.nan, {"minimum": 0, "maximum": 3600, "whole": False}, "N must be a finite number"),
        (math.inf, {"minimum": 0, "maximum": 3600, "whole": False}, "N must be a finite number"),
        (-math.inf, {"minimum": 0, "maximum": 3600, "whole": False}, "N must be a finite number"),
        (2.5, {"minimum": 1, "maximum": 10, "whole": True}, "N must be a whole number"),
        (True, {"minimum": 0, "maximum": 10, "whole": True}, "N must be a whole number"),
        ("5", {"minimum": 1, "maximum": 10, "whole": True}, "N must be a whole number"),
        (104857601, {"minimum": 1, "maximum": 104857600, "whole": True},
         "N must be at most 104857600"),
    ],
)  # fmt: skip
def test_numbers_are_finite_and_bounded(
    value: object, kwargs: dict[str, object], error: str | None
) -> None:
    if error is None:
        assert check_number(value, "N", **kwargs) == value  # type: ignore[arg-type]
    else:
        with pytest.raises(ConfigError) as raised:
            check_number(value, "N", **kwargs)  # type: ignore[arg-type]
        assert str(raised.value).startswith(error)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://kpu.go.id/berita/feed", None),
        ("http://127.0.0.1:8025", None),
        ("http://[::1]:8025/x", None),
        ("https://pemilu.contoh.id:443/x?y=1", None),
        ("https://bawaslu.go.id/", None),
        ("https://münchen.example/", None),
        ("ftp://kpu.go.id/feed", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("kpu.go.id/feed", "must start with http:// or https://"),
        ("http:/kpu.go.id/feed", "must start with http:// or https://"),
        ("https://", "must name a host"),
        ("https:///feed", "must name a host"),
        ("https://kpu.go.id:99999/", "has a port that is not a number from 1 to 65535"),
        ("https://kpu.go.id:abc/", "has a port that is not a number from 1 to 65535"),
        ("https://kpu.go.id:0/", "has a port that is not a number from 1 to 65535"),
        ("https://[::1/", "is not a URL"),
        ("https://[::g]/", "is not a URL"),
        ("https://kpu!.go.id/", "has a host that is not a valid host name or IP address"),
        ("https://kpu_.go.id/", "has a host that is not a valid host name or IP address"),
        ("https://kpu..go.id/", "has a host that is not a valid host name or IP address"),
        ("https://-kpu.go.id/", "has a host that is not a valid host name or IP address"),
        ("https://admin:rahasia@kpu.go.id/", "must not carry a user name or password"),
        ("https://admin@kpu.go.id/", "must not carry a user name or password"),
        ("https://kpu.go.id/\r\nX: y", "must not contain spaces, line breaks or control characters"),
        ("https://kpu.go.id/ berita", "must not contain spaces, line breaks or control characters"),
        ("https://kpu.go.id/\x1b[31m", "must not contain spaces, line breaks or control characters"),
        (" https://kpu.go.id/", "must not contain spaces, line breaks or control characters"),
    ],
)  # fmt: skip
def test_url_problems(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://admin:rahasia@kpu.go.id/feed", "https://kpu.go.id/feed"),
        ("https://admin@kpu.go.id:8443/feed?x=1", "https://kpu.go.id:8443/feed?x=1"),
        ("https://kpu.go.id/a@b", "https://kpu.go.id/a@b"),
        ("https://kpu.go.id/feed", "https://kpu.go.id/feed"),
        ("https://admin:rahasia@[::1/", "[::1/"),
    ],
)
def test_without_userinfo(url: str, expected: str) -> None:
    assert without_userinfo(url) == expected
    assert "rahasia" not in without_userinfo(url)


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("kpu.go.id", True),
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("smtp.contoh.id.", True),
        ("", False),
        ("smtp contoh", False),
        ("smtp.contoh.id/x", False),
        ("smtp:25", False),
        ("-smtp.contoh.id", False),
        ("a" * 64 + ".id", False),
    ],
)
def test_hosts(text: str, host: bool) -> None:
    assert is_host(text) is host


@pytest.mark.parametrize(
    ("text", "control"),
    [
        ("Dewi Lestari", False),
        ("Staf Humas KPU Kota Kediri", False),
        ("Kabupaten Kepulauan Seribu", False),
        ("a\tb", True),
        ("a\nb", True),
        ("a\rb", True),
        ("a\x00b", True),
        ("a\x1b[2Jb", True),
        ("a\x7fb", True),
        ("a\u0085b", True),
        ("a\u2028b", True),
        ("a\u202eb", True),
        ("a\u200bb", True),
    ],
)
def test_control_characters(text: str, control: bool) -> None:
    assert has_control(text) is control


def test_text_is_one_trimmed_line_within_a_length() -> None:
    assert check_text("  Dewi Lestari ", "name") == "Dewi Lestari"
    for bad, message in (
        ("", "name is required"),
        ("   ", "name is required"),
        (None, "name is required"),
        ("Dewi\nBcc: x", "name must be one line without control characters"),
        ("x" * 201, "name must be at most 200 characters"),
    ):
        with pytest.raises(ConfigError, match=f"^{message}"):
            check_text(bad, "name")


def test_refused_values_are_quoted_on_one_short_line() -> None:
    assert shown("a\nb") == "'a\\nb'"
    assert len(shown("x" * 1000)) == 80
    assert printable("/srv/warta") == "/srv/warta"
    assert printable("/srv/warta\n") == "'/srv/warta\\n'"
