from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warta.ingest.dates import parse_date

NOW = datetime(2024, 2, 14, 3, 0, tzinfo=UTC)  # Rabu, 14 Februari 2024 10:00 WIB


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


READABLE = [
    # RFC 822, as RSS 2.0 writes it
    ("Tue, 21 Mar 2023 09:30:00 +0700", utc(2023, 3, 21, 2, 30)),
    ("Tue, 21 Mar 2023 09:30:00 GMT", utc(2023, 3, 21, 9, 30)),
    ("Tue, 21 Mar 2023 09:30:00 -0500", utc(2023, 3, 21, 14, 30)),
    ("Tue, 21 Mar 2023 09:30 +0800", utc(2023, 3, 21, 1, 30)),
    ("21 Mar 2023 09:30:00", utc(2023, 3, 21, 2, 30)),  # no zone: the source's zone
    ("Tue, 21 Mar 23 09:30:00 +0700", utc(2023, 3, 21, 2, 30)),
    # RFC 3339 / ISO 8601, as Atom writes it
    ("2023-03-21T09:30:00+07:00", utc(2023, 3, 21, 2, 30)),
    ("2023-03-21T02:30:00Z", utc(2023, 3, 21, 2, 30)),
    ("2023-03-21T09:30:00", utc(2023, 3, 21, 2, 30)),
    ("2023-03-21 09:30:00+08:00", utc(2023, 3, 21, 1, 30)),
    ("2023-03-21", utc(2023, 3, 20, 17, 0)),
    # Indonesian month and day names, WIB/WITA/WIT
    ("Selasa, 21 Maret 2023 09:30 WIB", utc(2023, 3, 21, 2, 30)),
    ("21 Mar 2023 09.30 WIB", utc(2023, 3, 21, 2, 30)),
    ("Jum'at, 9 Februari 2024 pukul 14.00 WITA", utc(2024, 2, 9, 6, 0)),
    ("Jumat, 9 Februari 2024 14:00 WIT", utc(2024, 2, 9, 5, 0)),
    ("Ahad, 11 Februari 2024 19:05 WIB", utc(2024, 2, 11, 12, 5)),
    ("Minggu, 11 Februari 2024 | 19:05 WIB", utc(2024, 2, 11, 12, 5)),
    ("Senin, 12 Februari 2024, 08:15 WIB", utc(2024, 2, 12, 1, 15)),
    ("SELASA, 21 MARET 2023 09:30 WIB", utc(2023, 3, 21, 2, 30)),
    ("21 Maret 2023 09:30:15 WIB", utc(2023, 3, 21, 2, 30, 15)),
    ("21 Maret 2023 09:30 +0800", utc(2023, 3, 21, 1, 30)),
    ("21 Maret 2023 09:30", utc(2023, 3, 21, 2, 30)),
    ("21 Maret 2023", utc(2023, 3, 20, 17, 0)),
    ("Kamis, 1 Agustus 2024 pkl. 13.00 WIB", utc(2024, 8, 1, 6, 0)),
    # every Indonesian abbreviation that differs from English
    ("9 Agu 2024 08:00 WIB", utc(2024, 8, 9, 1, 0)),
    ("9 Agt 2024 08:00 WIB", utc(2024, 8, 9, 1, 0)),
    ("9 Ags 2024 08:00 WIB", utc(2024, 8, 9, 1, 0)),
    ("15 Mei 2024 10:00 WIB", utc(2024, 5, 15, 3, 0)),
    ("1 Okt 2023 10:00 WIB", utc(2023, 10, 1, 3, 0)),
    ("25 Des 2023 10:00 WIB", utc(2023, 12, 25, 3, 0)),
    ("25 Nopember 2023 10:00 WIB", utc(2023, 11, 25, 3, 0)),
    # English abbreviations with an Indonesian zone
    ("3 Oct 2023 10:00 WIB", utc(2023, 10, 3, 3, 0)),
    ("March 21, 2023 09:30", utc(2023, 3, 21, 2, 30)),
    # day first, numeric
    ("21/03/2023 09:30", utc(2023, 3, 21, 2, 30)),
    ("21/03/2023", utc(2023, 3, 20, 17, 0)),
    ("21-03-2023 pukul 09.30 WIB", utc(2023, 3, 21, 2, 30)),
    ("Rabu, 14/02/2024 - 10:15 WIB", utc(2024, 2, 14, 3, 15)),
    # no year: this year, or last year when that would be in the future
    ("13 Februari 10:00 WIB", utc(2024, 2, 13, 3, 0)),
    ("21 Desember 10:00 WIB", utc(2023, 12, 21, 3, 0)),
    ("14 Februari 23:00 WIB", utc(2024, 2, 14, 16, 0)),  # later today: a clock ahead
    # surrounding and repeated whitespace
    ("  Selasa,\n 21  Maret 2023   09:30 WIB ", utc(2023, 3, 21, 2, 30)),
]


@pytest.mark.parametrize(("raw", "expected"), READABLE)
def test_reads_feed_dates_into_utc(raw: str, expected: datetime) -> None:
    parsed = parse_date(raw, now=NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


UNREADABLE = [
    "",
    "   ",
    "kemarin",
    "2 jam yang lalu",
    "Selasa",
    "30 Februari 2024 10:00 WIB",
    "32 Maret 2024",
    "21 Maret 2023 25:00 WIB",
    "21 Foo 2023 10:00",
    "21/13/2023",
    "Tue, 21 Mar 2023 09:30:00 +0700 tambahan",
    "<script>alert(1)</script>",
    "21 " * 200 + "Maret 2023",
]


@pytest.mark.parametrize("raw", UNREADABLE)
def test_unreadable_dates_give_none(raw: str) -> None:
    assert parse_date(raw, now=NOW) is None


@pytest.mark.parametrize(
    ("raw", "zone", "expected"),
    [
        ("21 Maret 2023 09:30", "Asia/Makassar", utc(2023, 3, 21, 1, 30)),
        ("2023-03-21T09:30:00", "Asia/Jayapura", utc(2023, 3, 21, 0, 30)),
        ("21 Mar 2023 09:30:00", "UTC", utc(2023, 3, 21, 9, 30)),
        # a written zone wins over the source's zone
        ("21 Maret 2023 09:30 WIB", "Asia/Jayapura", utc(2023, 3, 21, 2, 30)),
    ],
)
def test_dates_without_offset_use_the_sources_zone(raw: str, zone: str, expected: datetime) -> None:
    assert parse_date(raw, default_tz=zone, now=NOW) == expected


def test_year_less_date_on_29_february_rolled_back_to_a_common_year_is_unreadable() -> None:
    now = utc(2025, 2, 1)
    assert parse_date("29 Februari 10:00 WIB", now=now) is None


def test_year_less_dates_default_to_the_current_year() -> None:
    parsed = parse_date("1 Januari 10:00 WIB")
    assert parsed is not None
    assert parsed.year in (datetime.now(UTC).year, datetime.now(UTC).year - 1)


@pytest.mark.parametrize(
    "raw",
    [
        "Wed, 14 Feb 2024 09:45:00 +2400",
        "Wed, 14 Feb 2024 09:45:00 +9999",
        "14 Feb 2024 09:45 +24:00",
        "Fri, 31 Dec 9999 23:00:00 -0500",
        "9999-12-31T23:00:00-05:00",
    ],
)
def test_impossible_offsets_and_out_of_range_dates_are_unreadable(raw: str) -> None:
    assert parse_date(raw, now=NOW) is None
