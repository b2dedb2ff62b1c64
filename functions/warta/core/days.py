"""Which day it is for Warta: digest editions and stories are Jakarta calendar days.

The one place that names the zone. Sources that write dates without an offset
carry their own zone (Source.timezone); this is only the day a story belongs to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
JAKARTA_NAME = "Asia/Jakarta"


def jakarta_day(now: datetime) -> date:
    """The Jakarta calendar day of a moment: the day a story files under."""
    return now.astimezone(JAKARTA).date()


def previous_edition(now: datetime) -> date:
    """The digest edition a morning run sends by default: yesterday in Jakarta."""
    return jakarta_day(now) - timedelta(days=1)


def recent_days(now: datetime, count: int = 2) -> list[date]:
    """The last `count` Jakarta days, oldest first, ending today."""
    today = jakarta_day(now)
    return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]
