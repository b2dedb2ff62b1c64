"""Scheduling policies: pure functions, tested as tables with a fixed clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)
"""However long a source has failed, it is tried again at least this often."""


def next_poll(
    now: datetime,
    poll_minutes: int,
    error_count: int,
    *,
    jitter: float = 0.1,
    rng: random.Random | None = None,
) -> datetime:
    """When to poll a source next.

    The usual rhythm after a success; after errors the wait doubles per
    consecutive error, capped at MAX_BACKOFF so a broken source is never
    silenced for good. Jitter spreads sources that share a schedule so they
    do not all hit their servers in the same second.
    """
    base = timedelta(minutes=poll_minutes)
    if error_count > 0:
        base = min(base * (2 ** min(error_count, 16)), max(MAX_BACKOFF, base))
    spread = (rng or random).uniform(-jitter, jitter) if jitter else 0.0
    return now + base * (1 + spread)
