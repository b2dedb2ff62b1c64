"""Which day it is for Warta: digest editions and stories are Jakarta calendar days.

The one place that names the zone of days. Sources that write dates without an
offset carry their own zone (Source.timezone), and subscribers receive an edition
at an hour of their own zone (core.slots); this is only the day a story belongs to,
whose edition holds it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
JAKARTA_NAME = "Asia/Jakarta"


def jakarta_day(now: datetime) -> date:
    """The Jakarta calendar day of a moment: the day a story files under."""
    return now.astimezone(JAKARTA).date()


def recent_days(now: datetime, count: int = 2) -> list[date]:
    """The last `count` Jakarta days, oldest first, ending today."""
    today = jakarta_day(now)
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]
