"""SMS text: GSM-7 only, two segments at most, the source link always whole."""

from __future__ import annotations

import pytest

from warta.services.sms import SMS_LIMIT, septets, sms_text

LINK = "https://www.kpu.go.id/berita/klarifikasi-hoaks-surat-suara-tercoblos-2026"
PREFIX = "WARTA PEMILU: klarifikasi hoaks dari KPU RI."


def gsm7(text: str) -> bool:
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    "title",
    [
        "🚨🔥 HOAKS!!! Surat suara dicoblos 😡😡😡 " * 3,
        "Klarifikasi " + "sangat panjang " * 700,
        "KPU\u202e Bantah\u200b Isu\x1b[31m \ud800 Surat Suara\r\nBcc: x@y.z",
        "Bantahan {[~^|\\€]} " * 40,  # extension characters take two septets each
        "Ретракция 選挙 انتخابات Pemilu ✅",
    ],
)
def test_hostile_titles_fit_two_gsm7_segments_with_the_link(title: str) -> None:
    text = sms_text(f"{PREFIX} {LINK} {title}", link=LINK)

    assert gsm7(text), text
    assert septets(text) <= SMS_LIMIT
    assert LINK in text
    assert "\n" not in text and "\r" not in text


def test_link_survives_even_when_the_text_before_it_is_long() -> None:
    text = sms_text(f"{'Sumber resmi ' * 40} {LINK} judul", link=LINK)

    assert LINK in text
    assert septets(text) <= SMS_LIMIT


def test_accented_letters_are_written_with_their_base_letter() -> None:
    assert sms_text("Kōmisi Pemilihan Umum — ‘resmi’") == "Komisi Pemilihan Umum - 'resmi'"


def test_short_text_is_left_as_written() -> None:
    assert sms_text(f"{PREFIX} {LINK} Judul", link=LINK) == f"{PREFIX} {LINK} Judul"


def test_a_link_with_letters_outside_gsm7_arrives_whole_percent_encoded() -> None:
    link = "https://kpu.go.id/berita/klarifikasi-ñandú-😀"
    text = sms_text(f"{PREFIX} {link} Judul", link=link)

    assert "https://kpu.go.id/berita/klarifikasi-%C3%B1and%C3%BA-%F0%9F%98%80" in text
    assert gsm7(text)


def test_the_text_before_the_link_keeps_its_room_the_text_after_gets_the_rest() -> None:
    fact = "HOAKS. " + "KPU menegaskan surat suara masih tersegel di gudang. " * 3
    claim = "Klaim yang beredar: " + "surat suara tercoblos ditemukan " * 10

    text = sms_text(f"{fact} {LINK} {claim}", link=LINK)

    assert text.startswith(fact.strip())  # the fact whole, first
    assert LINK in text and "Klaim yang beredar: surat suara" in text
    assert text.endswith("...") and septets(text) <= SMS_LIMIT


def test_a_text_after_the_link_with_too_little_room_is_left_out() -> None:
    fact = "HOAKS. " + "KPU menegaskan surat suara masih tersegel di gudang dan aman. " * 4

    text = sms_text(f"{fact} {LINK} Klaim yang beredar: surat suara tercoblos", link=LINK)

    assert text.endswith(LINK)
    assert "Klaim" not in text and septets(text) <= SMS_LIMIT
