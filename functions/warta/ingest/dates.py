"""Dates as Indonesian official feeds write them, turned into aware UTC datetimes.

Written by hand with regular expressions: no library we know of reads
"Selasa, 21 Maret 2023 pukul 09.30 WIB", and the general-purpose guessers
(dateutil, feedparser's own) silently misread Indonesian month names or drop
WIB/WITA/WIT. Only the standard library and zoneinfo are used.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warta.core.days import JAKARTA, JAKARTA_NAME

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("januari", "january", "jan"),
        ("februari", "pebruari", "february", "feb", "peb"),
        ("maret", "march", "mar"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("agustus", "august", "agu", "agt", "ags", "agus", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_DAY_NAMES = (
    r"senin|selasa|rabu|kamis|jum(?:'|’|`)?at|sabtu|minggu|ahad"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
)
# Longest names first so "agustus" is not read as "agu" followed by junk.
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))

_ZONES: dict[str, timedelta] = {
    "wib": timedelta(hours=7),
    "wita": timedelta(hours=8),
    "wit": timedelta(hours=9),
    "utc": timedelta(0),
    "gmt": timedelta(0),
    "ut": timedelta(0),
    "z": timedelta(0),
}

_TIME = r"""
    (?:(?:,|-|\||/)\s*)?            # "21 Maret 2023, 09:30" / "... | 09:30"
    (?:(?:pukul|pkl\.?|jam)\s*)?
    (?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?
    \s*(?:\(?\s*(?P<zone>wita|wib|wit|utc|gmt|ut|z|[+-]\d{2}:?\d{2})\s*\)?)?
"""

_DAY_PREFIX = rf"(?:(?:{_DAY_NAMES})\s*,?\s*)?"

# "Selasa, 21 Maret 2023 pukul 09.30 WIB", "21 Agt 2023", "21 Mar 09.30"
_DAY_MONTH = re.compile(
    rf"""
    {_DAY_PREFIX}
    (?P<day>\d{{1,2}})\s*[-\s]\s*(?P<month>{_MONTH_NAMES})\.?
    (?:\s*[-\s]\s*(?P<year>\d{{4}}))?
    (?:\s*{_TIME})?
    """,
    re.IGNORECASE | re.VERBOSE,
)

# "March 21, 2023 09:30" (some English-language CMS templates)
_MONTH_DAY = re.compile(
    rf"""
    {_DAY_PREFIX}
    (?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}}),?
    (?:\s+(?P<year>\d{{4}}))?
    (?:\s*{_TIME})?
    """,
    re.IGNORECASE | re.VERBOSE,
)

# "21/03/2023 09:30", "21-03-2023" (day first: the Indonesian order)
_NUMERIC = re.compile(
    rf"""
    {_DAY_PREFIX}
    (?P<day>\d{{1,2}})(?P<sep>[/.-])(?P<month>\d{{1,2}})(?P=sep)(?P<year>\d{{4}})
    (?:\s*{_TIME})?
    """,
    re.IGNORECASE | re.VERBOSE,
)

# The shape of an RFC 822 date with an English month and a zone email.utils
# knows; anything else (WIB, dotted times) is left to the Indonesian patterns,
# because parsedate_tz would read an unknown zone as "no zone" without a word.
_RFC822 = re.compile(
    r"""
    (?:[a-z]{3},?\s*)?
    \d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{2,4}
    \s+\d{1,2}:\d{2}(?::\d{2})?
    (?:\s*(?P<zone>[+-]\d{4}|ut|utc|gmt|z|[ecmp][sd]t))?
    """,
    re.IGNORECASE | re.VERBOSE,
)

# The shape nearly every RSS feed writes, "Wed, 14 Feb 2024 09:45:00 +0700",
# read directly: the same values parsedate_tz gives for it, at a fraction of
# the cost. Two-digit-looking years and "-0000" (which RFC 5322 reads as "no
# zone") are left to the general path.
_RFC822_USUAL = re.compile(
    r"(?:[a-z]{3}, )?(\d{1,2}) ([a-z]{3}) ([1-9]\d{3}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})",
    re.IGNORECASE,
)
_RFC822_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")

# A year-less date may be at most this far ahead of `now` before it is taken
# to mean last year: feeds' clocks run a little ahead of ours.
_FUTURE_SLACK = timedelta(days=1)

# Longer than any date a feed writes; spares the patterns pathological input.
_MAX_LENGTH = 120


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return JAKARTA


@functools.lru_cache(maxsize=64)
def _fixed_zone(seconds: int) -> tzinfo | None:
    """The zone `seconds` ahead of UTC; None for an offset of a day or more, which no place has."""
    if abs(seconds) >= 24 * 3600:
        return None
    return timezone(timedelta(seconds=seconds))


def _offset_zone(token: str | None, default: tzinfo) -> tzinfo | None:
    if not token:
        return default
    token = token.lower()
    if token in _ZONES:
        return _fixed_zone(int(_ZONES[token].total_seconds()))
    sign = -1 if token[0] == "-" else 1
    digits = token[1:].replace(":", "")
    return _fixed_zone(sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60))


def _from_iso(raw: str, default: tzinfo) -> datetime | None:
    if not _ISO_START.match(raw):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default)


def _from_usual_rfc822(raw: str) -> datetime | None:
    match = _RFC822_USUAL.fullmatch(raw)
    if match is None:
        return None
    month = _RFC822_MONTHS.get(match[2].lower())
    sign, zone_hours, zone_minutes = match[7], int(match[8]), int(match[9])
    if month is None or (sign == "-" and zone_hours == zone_minutes == 0):
        return None
    offset = zone_hours * 3600 + zone_minutes * 60
    zone = _fixed_zone(-offset if sign == "-" else offset)
    if zone is None:
        return None
    try:
        return datetime(
            int(match[3]),
            month,
            int(match[1]),
            int(match[4]),
            int(match[5]),
            int(match[6]),
            tzinfo=zone,
        )
    except ValueError:
        return None


def _from_rfc822(raw: str, default: tzinfo) -> datetime | None:
    usual = _from_usual_rfc822(raw)
    if usual is not None:
        return usual
    match = _RFC822.fullmatch(raw)
    if match is None:
        return None
    parts = parsedate_tz(raw)
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    try:
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    # parsedate_tz reports a missing zone as offset 0; only a written zone counts.
    if match["zone"] is None or parts[9] is None:
        return naive.replace(tzinfo=default)
    zone = _fixed_zone(parts[9])
    return naive.replace(tzinfo=zone) if zone is not None else None


def _from_patterns(raw: str, default: tzinfo, now: datetime) -> datetime | None:
    for pattern in (_DAY_MONTH, _MONTH_DAY, _NUMERIC):
        match = pattern.fullmatch(raw)
        if match is None:
            continue
        month_text = match["month"]
        month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
        zone = _offset_zone(match["zone"], default)
        if zone is None:
            return None
        return _dated(
            int(match["year"]) if match["year"] else None,
            month,
            int(match["day"]),
            (int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0)),
            zone,
            now,
        )
    return None


def _dated(
    year: int | None,
    month: int,
    day: int,
    clock: tuple[int, int, int],
    zone: tzinfo,
    now: datetime,
) -> datetime | None:
    """The moment written, or None for an impossible one; without a year, the
    year of `now`, or the one before when that is more than a day ahead of `now`."""
    try:
        when = datetime(now.year if year is None else year, month, day, *clock, tzinfo=zone)
        if year is None and when > now + _FUTURE_SLACK:
            when = when.replace(year=when.year - 1)
    except ValueError:
        return None
    return when


def parse_date(
    raw: str, *, default_tz: str = JAKARTA_NAME, now: datetime | None = None
) -> datetime | None:
    """Read a feed's date; an aware UTC datetime, or None when it cannot be read.

    Dates without an offset are taken in `default_tz`; dates without a year in
    the year of `now` (default: the current time), or the year before when that
    would put them more than a day in the future.
    """
    text = " ".join(raw.split()) if raw else ""
    if not text or len(text) > _MAX_LENGTH:
        return None
    default = _zone(default_tz)
    reference = now if now is not None else datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    parsed = (
        _from_iso(text, default)
        or _from_rfc822(text, default)
        or _from_patterns(text, default, reference)
    )
    if parsed is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # the year 9999 behind UTC, or the year 1 ahead of it
        return None


# A news dateline at the start of a line: a place (up to four capitalised
# words) or a day name, perhaps both, then "(21/3)" / "(12/2/2024)", or a comma
# and "21 Maret [2024]" closed by a dash (an agency tag may sit before it).
# Anchored to a line start so "pasal 21/3" or "Senin (12/2) lalu" mid-sentence
# is never read; a line, not only the text's start, because a photo caption
# often comes first. Case matters for the place (a capitalised word is what
# tells a place from the start of a sentence such as "pasal (21/3)"), not for
# the day or month names.
_PLACE = r"[A-Z][A-Za-z.'’-]*(?:[ \t]+[A-Z][A-Za-z.'’-]*){0,3}"
_DATELINE = re.compile(
    rf"""
    ^[ \t]*
    (?:{_PLACE}|(?i:{_DAY_NAMES}))
    (?:[ \t]*,?[ \t]*(?i:{_DAY_NAMES}))?
    (?:
        [ \t]*,?[ \t]*
        \([ \t]*(?P<nday>\d{{1,2}})[ \t]*/[ \t]*(?P<nmonth>\d{{1,2}})
        (?:[ \t]*/[ \t]*(?P<nyear>\d{{4}}))?[ \t]*\)
      |
        [ \t]*,[ \t]*
        (?P<day>\d{{1,2}})[ \t]+(?P<month>(?i:{_MONTH_NAMES}))\.?(?:[ \t]+(?P<year>\d{{4}}))?
        [ \t]*(?:\([^()\n]{{1,30}}\)[ \t]*)?[-–—]
    )
    """,
    re.MULTILINE | re.VERBOSE,
)

# A dateline gives the day but not the hour. Noon in the source's zone is that
# day in UTC as well (05:00Z for WIB, 04:00Z WITA, 03:00Z WIT), so the day an
# item is stored, grouped and shown under is the same whichever zone reads it;
# midnight WIB would be 17:00Z of the day before. It is also never more than
# twelve hours from the true time.
_DATELINE_HOUR = (12, 0, 0)

# A dateline opens the article; searching further would read dates in its body.
_DATELINE_WINDOW = 120


def dateline_date(text: str, *, default_tz: str, now: datetime) -> datetime | None:
    """The day a news dateline at the start of `text` gives, at noon in
    `default_tz`, as an aware UTC datetime; None when there is none.

    Reads "Jakarta (21/3) - ...", "KEDIRI, (5/2) – ...", "Surabaya, Senin
    (12/2/2024) - ..." and "Jakarta, 21 Maret - ..." in the first
    120 characters. Without a year, the year of `now`, or the year
    before when that is more than a day ahead of `now`.
    """
    match = _DATELINE.search(text[:_DATELINE_WINDOW])
    if match is None:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if match["nday"]:
        day, month, year = int(match["nday"]), int(match["nmonth"]), match["nyear"]
    else:
        day, month, year = int(match["day"]), _MONTHS[match["month"].lower()], match["year"]
    when = _dated(int(year) if year else None, month, day, _DATELINE_HOUR, _zone(default_tz), now)
    return when.astimezone(UTC) if when is not None else None
