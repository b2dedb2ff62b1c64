from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from warta.ingest.dates import dateline_date, parse_date

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


# -- datelines ----------------------------------------------------------------------

# Noon WIB (05:00 UTC): the day is the dateline's in both zones.
DATELINES = [
    ("Jakarta (13/2) - KPU menetapkan daftar calon tetap.", utc(2024, 2, 13, 5)),
    ("KEDIRI, (5/2) – Bawaslu menggelar apel siaga.", utc(2024, 2, 5, 5)),
    ("Surabaya, Senin (12/2/2024) - Rekapitulasi dimulai.", utc(2024, 2, 12, 5)),
    ("Surabaya, Senin (12/2/2023) - Rekapitulasi dimulai.", utc(2023, 2, 12, 5)),
    ("Jakarta, 13 Februari - KPU menetapkan.", utc(2024, 2, 13, 5)),
    ("Jakarta, 13 Februari 2023 - KPU menetapkan.", utc(2023, 2, 13, 5)),
    ("JAKARTA, 13 Feb. (ANTARA) — KPU menetapkan.", utc(2024, 2, 13, 5)),
    ("Kota Tanjung Pinang, Jum'at (9/2) - Debat digelar.", utc(2024, 2, 9, 5)),
    ("Senin (12/2) KPU menggelar rapat pleno.", utc(2024, 2, 12, 5)),
    ("Jakarta ( 13 / 2 ) - KPU menetapkan.", utc(2024, 2, 13, 5)),
    ("  Jakarta (13/2) - teks diawali spasi.", utc(2024, 2, 13, 5)),
    # a photo caption on the first line, the dateline on the next
    ("Foto: Dok. KPU\n\nJAKARTA (13/2) – KPU menetapkan.", utc(2024, 2, 13, 5)),
    # no year: this year, or last year when that is more than a day ahead
    ("Jakarta (21/3) - KPU menetapkan.", utc(2023, 3, 21, 5)),
    ("Jakarta, 21 Maret - KPU menetapkan.", utc(2023, 3, 21, 5)),
    ("Jakarta (14/2) - hari ini.", utc(2024, 2, 14, 5)),
]


@pytest.mark.parametrize(("text", "expected"), DATELINES)
def test_reads_the_dateline_day_at_noon_in_the_sources_zone(text: str, expected: datetime) -> None:
    parsed = dateline_date(text, default_tz="Asia/Jakarta", now=NOW)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


NOT_DATELINES = [
    "",
    "Sesuai pasal 21/3 UU Pemilu, KPU menetapkan.",
    "pasal (21/3) mengatur sengketa.",
    "(21/3) KPU menetapkan.",  # a date with nothing before it is no dateline
    "Rapat pada Senin (12/2) di kantor KPU.",  # mid-sentence: the event, not the item
    "Jakarta (ANTARA) - KPU pada Senin (12/2) menetapkan.",
    "Jakarta, 21 Maret adalah batas akhir pendaftaran.",  # no dash: a sentence
    "Jakarta 21 Maret - tanpa koma.",
    "Jakarta (21/3/24) - tahun dua angka.",
    "Jakarta (31/2) - tanggal mustahil.",
    "Jakarta (21/13) - bulan mustahil.",
    "Jakarta (21.3) - titik, bukan garis miring.",
    "x" * 120 + "\nJakarta (13/2) - terlalu jauh dari awal teks.",
    "Jakarta (1" + "3" * 200 + "/2) - angka panjang.",
]


@pytest.mark.parametrize("text", NOT_DATELINES)
def test_text_without_a_dateline_at_its_start_gives_none(text: str) -> None:
    assert dateline_date(text, default_tz="Asia/Jakarta", now=NOW) is None


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", utc(2024, 2, 13, 5)),
        ("Asia/Makassar", utc(2024, 2, 13, 4)),
        ("Asia/Jayapura", utc(2024, 2, 13, 3)),
    ],
)
def test_dateline_noon_is_in_the_sources_zone_and_keeps_the_day_in_utc(
    zone: str, expected: datetime
) -> None:
    parsed = dateline_date("Jayapura (13/2) - Logistik tiba.", default_tz=zone, now=NOW)
    assert parsed == expected
    assert parsed is not None and parsed.date() == expected.date()


def test_dateline_on_29_february_rolled_back_to_a_common_year_is_unreadable() -> None:
    assert (
        dateline_date("Jakarta (29/2) - x", default_tz="Asia/Jakarta", now=utc(2025, 2, 1)) is None
    )


def test_dateline_with_a_naive_now_takes_it_as_utc() -> None:
    naive = datetime(2024, 2, 14, 3, 0)
    assert dateline_date("Jakarta (21/3) - x", default_tz="Asia/Jakarta", now=naive) == utc(
        2023, 3, 21, 5
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 22:00 WIB: noon tomorrow is fourteen hours ahead, a clock ahead; kept.
        (utc(2024, 2, 14, 15), utc(2024, 2, 15, 5)),
        # 10:00 WIB: noon tomorrow is 26 hours ahead, past the slack; last year's.
        (utc(2024, 2, 14, 3), utc(2023, 2, 15, 5)),
    ],
)
def test_tomorrows_dateline_is_this_years_only_within_a_day_of_its_noon(
    now: datetime, expected: datetime
) -> None:
    assert dateline_date("Jakarta (15/2) - x", default_tz="Asia/Jakarta", now=now) == expected
