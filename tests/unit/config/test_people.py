"""The people file: every subscriber and official checked as it is read, named by place, never by address."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warta.config.people
from warta.config.files import events_dir
from warta.config.people import load_people
from warta.core.errors import ConfigError
from warta.core.identity import subscriber_id

NOW = datetime(2026, 11, 28, tzinfo=UTC)
OFFICIAL = (
    '[[official]]\nid = "kpu-kediri"\nname = "Sri"\nrole = "Ketua KPU"\nregion = "35.71"\n'
    'email = "sri@kpu.example.id"\nphone = "+6281234567890"\n'
)


def people(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_people_load() -> None:
    subscribers, officials = load_people(events_dir() / "demo" / "people.toml", NOW)
    assert subscribers and officials
    assert all(s.id == subscriber_id(s.email) for s in subscribers)


def test_the_example_in_the_module_docstring_loads(tmp_path: Path) -> None:
    doc = warta.config.people.__doc__ or ""
    example = "\n".join(line[4:] for line in doc.splitlines() if line.startswith("    "))
    example = re.sub(r"\s+#.*", "", example)
    subscribers, officials = load_people(people(tmp_path, example), NOW)
    assert [s.regions for s in subscribers] == [("national", "35.71")]
    assert [(o.id, o.region, o.phone) for o in officials] == [
        ("kpu-kota-kediri-humas", "35.71", "+6281234567890")
    ]


def test_addresses_are_trimmed_and_lower_cased(tmp_path: Path) -> None:
    path = people(tmp_path, '[[subscriber]]\nemail = " Ani@Contoh.ID "\nname = " Ani "\n')
    [subscriber], _ = load_people(path, NOW)
    assert (subscriber.email, subscriber.name, subscriber.regions) == (
        "ani@contoh.id",
        "Ani",
        ("*",),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[subscriber]]\nemail = "ani@contoh.id, budi@contoh.id"\n', "subscriber #1: email must be exactly one email address"),
        ('[[subscriber]]\nemail = "Ani <ani@contoh.id>"\n', "subscriber #1: email must be exactly one email address"),
        ('[[subscriber]]\nemail = "ani@contoh.id\\r\\nBcc: budi@contoh.id"\n', "subscriber #1: email must not contain control characters"),
        ('[[subscriber]]\nemail = "ani"\n', "subscriber #1: email must be exactly one email address"),
        ("[[subscriber]]\nemail = 7\n", "subscriber #1: email must be exactly one email address"),
        ('[[subscriber]]\nname = "Ani"\n', "subscriber #1: email is required"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nregions = ["jatim"]\n', "subscriber #1: regions 'jatim' is neither 'national' nor a Kemendagri code"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nregions = [35]\n', "subscriber #1: regions 35 is neither"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nregions = []\n', "subscriber #1: regions must be a non-empty list"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nregions = "35"\n', "subscriber #1: regions must be a non-empty list"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nname = "Ani\\u001b[2J"\n', "subscriber #1: name must be one line without control characters"),
        ('[[subscriber]]\nemail = "ani@contoh.id"\nkota = "Kediri"\n', "subscriber #1: unknown field(s) kota"),
        ("subscriber = 1\n", "people are written as [[subscriber]] tables"),
        ("subscriber = [1]\n", "subscriber #1: must be a table"),
        (OFFICIAL.replace('"kpu-kediri"', '"KPU Kediri"'), "official #1: id must be lower-case letters"),
        (OFFICIAL.replace('"kpu-kediri"', '"kpu\\nkediri"'), "official #1: id must be lower-case letters"),
        (OFFICIAL.replace('"35.71"', '"35.7"'), "official #1: region '35.7' is neither"),
        (OFFICIAL.replace('"35.71"', '"35.71 "'), "official #1: region '35.71 ' is neither"),
        (OFFICIAL.replace('"+6281234567890"', '"031 734 5678"'), "official #1: phone is not a mobile number"),
        (OFFICIAL.replace('"+6281234567890"', '"+1 202 555 0143"'), "official #1: phone is not an Indonesian number"),
        (OFFICIAL.replace('"sri@kpu.example.id"', '"sri@kpu.example.id, x@y.id"'), "official #1: email must be exactly one email address"),
        (OFFICIAL.replace('"Sri"', '"Sri\\r\\nBcc: x"'), "official #1: name must be one line"),
        (OFFICIAL.replace('"Ketua KPU"', '""'), "official #1: role is required"),
        (OFFICIAL.replace('name = "Sri"\n', ""), "official #1: name is required"),
        (OFFICIAL.replace('email = "sri@kpu.example.id"\nphone = "+6281234567890"\n', ""), "official #1: an official needs an email or a phone number"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_person_by_place_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_people(people(tmp_path, text), NOW)
    error = str(raised.value)
    assert error.startswith(str(tmp_path / "people.toml") + ": ")
    assert message in error
    assert "\n" not in error and "\r" not in error
    for address in (
        "ani@contoh.id",
        "budi@contoh.id",
        "sri@kpu.example.id",
        "734 5678",
        "555 0143",
    ):
        assert address not in error


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'[[subscriber]]\nemail = "ani@contoh.id"\nname = "An\xe9"\n', "not UTF-8 text (byte 49)"),
        (
            b"[[subscriber]\n",
            "Expected ']]' at the end of an array declaration (at line 1, column 13)",
        ),
    ],
)
def test_an_unreadable_file_is_one_line_naming_it(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "people.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_people(path, NOW)
    assert str(raised.value) == f"cannot read {path}: {problem}"


def test_a_missing_file_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_people(tmp_path / "nope.toml", NOW)
    assert str(raised.value) == f"cannot read {tmp_path / 'nope.toml'}: No such file or directory"
