"""The public forms read where they enter: what passes, and what each refusal says."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from warta.core.model import ALL_REGIONS, NATIONAL
from warta.services.signup import Choices, Client
from warta.web import forms
from warta.web.forms import FormError


def fields(*pairs: tuple[str, str]) -> forms.Fields:
    return forms.read_form(urlencode(pairs).encode())


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("ani@contoh.id", "ani@contoh.id"),
        ("  Ani.Rahma+warta@Contoh.Go.ID ", "ani.rahma+warta@contoh.go.id"),
    ],
)
def test_one_address_is_read_lower_cased(raw: str, address: str) -> None:
    assert forms.read_address(fields(("email", raw))) == address


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param("", "Tulis alamat email", id="empty"),
        pytest.param("ani", "tidak sah", id="no-at"),
        pytest.param("ani@", "tidak sah", id="no-domain"),
        pytest.param("ani@contoh", "tidak sah", id="no-dot"),
        pytest.param("a" * 65 + "@contoh.id", "tidak sah", id="local-part-overlong"),
        pytest.param("a" * 250 + "@contoh.id", "paling panjang 254", id="overlong"),
        pytest.param("ani@contoh.id, budi@contoh.id", "satu alamat", id="two-with-comma"),
        pytest.param("ani@contoh.id budi@contoh.id", "satu alamat", id="two-with-space"),
        pytest.param("ani@contoh.id;budi@contoh.id", "satu alamat", id="two-with-semicolon"),
        pytest.param("Ani <ani@contoh.id>", "satu alamat", id="display-name"),
        pytest.param('"a@b"@contoh.id', "satu alamat", id="quoted-at"),
        pytest.param("ani@kontoh.idé", "tidak sah", id="not-ascii"),
    ],
)
def test_a_bad_address_is_refused_in_indonesian(raw: str, problem: str) -> None:
    with pytest.raises(FormError) as refused:
        forms.read_address(fields(("email", raw)))

    assert problem in refused.value.problems["email"]


def test_a_repeated_field_is_refused() -> None:
    with pytest.raises(FormError, match="lebih dari sekali"):
        forms.read_address(fields(("email", "ani@contoh.id"), ("email", "budi@contoh.id")))


@pytest.mark.parametrize(
    "body",
    [
        b"email=ani%40contoh.id%0D%0ABcc%3A+budi%40contoh.id",
        b"email=ani%40contoh.id&kota=Kediri%0A",
        b"email=ani%40contoh.id&kota=%00",
        b"email=ani%40contoh.id\r\n",
    ],
    ids=["crlf-in-address", "lf-in-kota", "nul", "raw-crlf"],
)
def test_a_line_break_or_control_character_anywhere_refuses_the_form(body: bytes) -> None:
    with pytest.raises(FormError) as refused:
        forms.read_form(body)

    assert "baris baru" in refused.value.problems["formulir"]


def test_a_body_that_is_not_utf8_or_has_too_many_fields_is_refused() -> None:
    with pytest.raises(FormError):
        forms.read_form(b"email=\xff\xfe")
    with pytest.raises(FormError, match="terlalu banyak"):
        forms.read_form(b"&".join([b"provinsi=35"] * (forms.MAX_FIELDS + 1)))


@pytest.mark.parametrize(
    ("pairs", "choices"),
    [
        pytest.param([], Choices(regions=(ALL_REGIONS,)), id="no-questions-asked-defaults"),
        pytest.param(
            [("pilihan", "1")], Choices(regions=(ALL_REGIONS,), digest=False), id="nothing-ticked"
        ),
        pytest.param(
            [("cakupan", "semua"), ("pilihan", "1"), ("ringkasan", "1")],
            Choices(regions=(ALL_REGIONS,)),
            id="all",
        ),
        pytest.param(
            [
                ("cakupan", "nasional"),
                ("ringkasan", "1"),
                ("segera", "1"),
                ("jam", "0"),
                ("pilihan", "1"),
            ],
            Choices(regions=(NATIONAL,), urgent=True, digest_hour=0),
            id="national-only",
        ),
        pytest.param(
            [
                ("cakupan", "pilih"),
                ("provinsi", "35"),
                ("provinsi", "11"),
                ("jam", "23"),
                ("pilihan", "1"),
            ],
            Choices(regions=("35", "11"), digest=False, digest_hour=23),
            id="provinces",
        ),
        pytest.param(
            [("cakupan", "pilih"), ("kota", "Kota Kediri, kab. sleman"), ("ringkasan", "1")],
            Choices(regions=("35.71", "34.04")),
            id="kota-by-name",
        ),
        pytest.param(
            [("kota", "Jatim"), ("wilayah", "35.71.01"), ("provinsi", "35"), ("ringkasan", "1")],
            Choices(regions=("35", "35.71.01")),
            id="scope-implied-duplicates-merged",
        ),
    ],
)
def test_choices_are_read_from_boxes_names_and_the_hour(
    pairs: list[tuple[str, str]], choices: Choices
) -> None:
    assert forms.read_choices(fields(*pairs)) == choices


@pytest.mark.parametrize(
    ("pairs", "field", "problem"),
    [
        pytest.param([("provinsi", "99")], "provinsi", "tidak dikenal", id="unknown-province"),
        pytest.param([("provinsi", "35.71")], "provinsi", "tidak dikenal", id="kota-as-province"),
        pytest.param([("provinsi", "national")], "provinsi", "tidak dikenal", id="national-box"),
        pytest.param([("wilayah", "35.99")], "wilayah", "tidak dikenal", id="unknown-code"),
        pytest.param([("kota", "Atlantis")], "kota", "tidak dikenal", id="unknown-name"),
        pytest.param([("kota", "Kota Kedri")], "kota", "Maksud Anda Kota Kediri", id="typo"),
        pytest.param([("kota", "Kediri")], "kota", "Kabupaten Kediri, Kota Kediri", id="ambiguous"),
        pytest.param([("kota", "x" * 301)], "kota", "300", id="overlong-names"),
        pytest.param([("cakupan", "pilih")], "cakupan", "paling sedikit satu", id="none-chosen"),
        pytest.param(
            [("cakupan", "semua"), ("provinsi", "35")],
            "cakupan",
            "Wilayah pilihan saya",
            id="ticked-but-all",
        ),
        pytest.param([("cakupan", "planet")], "cakupan", "salah satu", id="unknown-scope"),
        pytest.param([("jam", "24")], "jam", "00 dan 23", id="hour-24"),
        pytest.param([("jam", "-1")], "jam", "00 dan 23", id="hour-negative"),
        pytest.param([("jam", "٣")], "jam", "00 dan 23", id="hour-arabic-digit"),
        pytest.param([("jam", "6"), ("jam", "7")], "jam", "lebih dari sekali", id="two-hours"),
    ],
)
def test_bad_choices_are_refused_by_field_in_indonesian(
    pairs: list[tuple[str, str]], field: str, problem: str
) -> None:
    with pytest.raises(FormError) as refused:
        forms.read_choices(fields(*pairs))

    assert problem in refused.value.problems[field]


def test_too_many_regions_are_refused() -> None:
    pairs = [("cakupan", "pilih")] + [("provinsi", code) for code in ("11", "12", "13")]
    names = ", ".join(f"Kabupaten {n}" for n in ("Sleman", "Bantul", "Kulon Progo"))
    assert len(forms.read_choices(fields(*pairs, ("kota", names))).regions) == 6
    many = [("wilayah", f"35.{n:02d}") for n in range(1, 30)] + [
        ("wilayah", f"33.{n:02d}") for n in range(1, 29)
    ]

    with pytest.raises(FormError, match="Paling banyak 40"):
        forms.read_choices(fields(("cakupan", "pilih"), *many))


def test_the_honeypot_tells_a_bot() -> None:
    assert forms.is_bot(fields(("email", "a@b.id"), (forms.HONEYPOT, "http://spam.example")))
    assert not forms.is_bot(fields(("email", "a@b.id"), (forms.HONEYPOT, "")))


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "network"),
    [
        ("203.0.113.77", None, 0, "203.0.113.0/24"),
        ("2001:db8:1:2:3::9", None, 0, "2001:db8:1::/48"),
        ("::ffff:203.0.113.77", None, 0, "203.0.113.0/24"),
        ("", None, 0, "unknown"),
        ("not an address", None, 0, "unknown"),
        # The client's own X-Forwarded-For is ignored unless a proxy is trusted...
        ("10.0.0.1", "198.51.100.4", 0, "10.0.0.0/24"),
        # ...and then only the entry the trusted proxy wrote counts, not what the client sent.
        ("10.0.0.1", "1.2.3.4, 198.51.100.4", 1, "198.51.100.0/24"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.4, 10.0.0.1", 2, "198.51.100.0/24"),
        # Fewer entries than proxies: the request skipped one; its X-Forwarded-For proves nothing.
        ("10.0.0.2", "198.51.100.4", 2, "10.0.0.0/24"),
    ],
)
def test_the_client_is_kept_as_its_network(
    remote: str, forwarded: str | None, proxies: int, network: str
) -> None:
    assert forms.client_of(remote, forwarded, proxies=proxies) == Client(network)
