from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from warta.core.policy import MAX_BACKOFF, next_poll

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("poll_minutes", "errors", "expected"),
    [
        (30, 0, timedelta(minutes=30)),
        (30, 1, timedelta(minutes=60)),
        (30, 2, timedelta(minutes=120)),
        (30, 3, timedelta(minutes=240)),
        (30, 4, MAX_BACKOFF),  # 480 min would exceed the cap
        (30, 50, MAX_BACKOFF),  # never silenced for good, and no overflow
        (720, 1, timedelta(minutes=720)),  # a slow source is not polled faster after an error
    ],
)
def test_backoff_doubles_per_error_up_to_the_cap(
    poll_minutes: int, errors: int, expected: timedelta
) -> None:
    assert next_poll(NOW, poll_minutes, errors, jitter=0) == NOW + expected


def test_jitter_stays_within_its_fraction() -> None:
    rng = random.Random(7)
    waits = {next_poll(NOW, 60, 0, jitter=0.1, rng=rng) - NOW for _ in range(200)}
    assert min(waits) >= timedelta(minutes=54)
    assert max(waits) <= timedelta(minutes=66)
    assert len(waits) > 100  # the jitter actually spreads sources apart
