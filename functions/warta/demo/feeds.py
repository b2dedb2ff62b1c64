"""Sample sources for the demo: feeds whose dates follow the time of the run.

A feed under events/feeds/ writes its dates as placeholders,

    {{date:FORMAT:OFFSET}}

where OFFSET is how long before the run the item was published (``-3h``,
``-90m``, ``-2d``; ``0`` for now) and FORMAT is the way the source writes dates:

    rfc822   Tue, 21 Mar 2023 09:30:00 +0700   (RSS 2.0, Jakarta offset)
    rfc3339  2023-03-21T09:30:00+07:00          (Atom)
    id       Selasa, 21 Maret 2023 09:30 WIB    (Indonesian month and day names)
    idshort  21 Mar 2023 09.30 WIB              (abbreviated month, dotted time)

so the demo shows a fresh digest on any day.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from warta.core.days import JAKARTA

# Written out here rather than taken from Babel: these are the spellings the
# sample feeds imitate, and they must not change with a Babel release.
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
_MONTHS_SHORT = (
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
)  # fmt: skip
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip

PLACEHOLDER = re.compile(r"\{\{date:(?P<fmt>[a-z0-9]+):(?P<offset>-?\d+[mhd]?|0)\}\}")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def _offset(text: str) -> timedelta:
    if text == "0":
        return timedelta(0)
    value, unit = int(text[:-1]), text[-1]
    return timedelta(**{_UNITS[unit]: value})


def format_sample_date(when: datetime, fmt: str) -> str:
    local = when.astimezone(JAKARTA).replace(second=0, microsecond=0)
    if fmt == "rfc822":
        return (
            f"{_EN_DAYS[local.weekday()]}, {local.day:02d} {_EN_MONTHS[local.month - 1]} "
            f"{local.year} {local:%H:%M:%S} +0700"
        )
    if fmt == "rfc3339":
        return local.isoformat()
    if fmt == "id":
        return (
            f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} "
            f"{local.year} {local:%H:%M} WIB"
        )
    if fmt == "idshort":
        return f"{local.day} {_MONTHS_SHORT[local.month - 1]} {local.year} {local:%H.%M} WIB"
    raise ValueError(f"unknown sample date format {fmt!r}")


def fill_dates(text: str, now: datetime) -> str:
    """Replace every date placeholder with a date relative to `now`."""

    def replace(match: re.Match[str]) -> str:
        return format_sample_date(now + _offset(match["offset"]), match["fmt"])

    return PLACEHOLDER.sub(replace, text)
