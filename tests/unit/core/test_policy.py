from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from warta.core.model import SourceState
from warta.core.policy import (
    MAX_BACKOFF,
    MAX_FRESHNESS,
    MAX_RETRY_AFTER,
    Problem,
    SourceProblem,
    failure_wait,
    fresh_for,
    next_poll,
    quiet_after,
    retry_after_wait,
    source_problem,
)

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


# -- server-asked waits ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 120 ", timedelta(seconds=120)),
        ("0", timedelta(0)),
        ("Sat, 28 Nov 2026 04:00:00 GMT", timedelta(hours=1)),  # an HTTP date, an hour ahead
        ("Sat, 28 Nov 2026 02:00:00 GMT", timedelta(0)),  # a date already past: try now
        ("999999999", MAX_RETRY_AFTER),  # hostile: capped, never silenced for good
        ("Mon, 28 Dec 2026 03:00:00 GMT", MAX_RETRY_AFTER),  # a month ahead: capped too
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
        (90.5, timedelta(seconds=90.5)),  # seconds a fetcher parsed already
        (10**9, MAX_RETRY_AFTER),
        (-1, None),
        (float("nan"), None),
    ],
)
def test_retry_after_is_seconds_or_a_date_capped_and_garbage_ignored(
    header: str | float | None, expected: timedelta | None
) -> None:
    assert retry_after_wait(header, NOW) == expected


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (429, "600", timedelta(minutes=10)),
        (503, "600", timedelta(minutes=10)),
        (500, "600", None),  # Retry-After means nothing on a 500
        (None, "600", None),  # no answer at all (timeout)
        (503, None, None),
    ],
)
def test_retry_after_only_counts_on_429_and_503(
    status: int | None, header: str | None, expected: timedelta | None
) -> None:
    assert failure_wait(status, header, NOW) == expected


@pytest.mark.parametrize(
    ("cache_control", "age", "expected"),
    [
        ("max-age=3600", None, timedelta(hours=1)),
        ("public, max-age=3600", None, timedelta(hours=1)),
        ("MAX-AGE=3600, must-revalidate", None, timedelta(hours=1)),
        ('max-age="3600"', None, timedelta(hours=1)),
        ("max-age=3600", "600", timedelta(minutes=50)),  # a cache already held it 10 minutes
        ("max-age=3600", "7200", None),  # stale on arrival
        ("max-age=3600", "garbage", timedelta(hours=1)),
        ("max-age=31536000", None, MAX_FRESHNESS),  # a year: capped
        ("max-age=0", None, None),
        ("max-age=-60", None, None),
        ("max-age=abc", None, None),
        ("max-age=60, max-age=120", None, None),  # conflicting: invalid, ignored
        ("max-age=60, max-age=60", None, timedelta(minutes=1)),
        ("s-maxage=3600", None, None),  # for shared caches, not for us
        ("no-cache, max-age=3600", None, None),
        ("max-age=3600, no-store", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_max_age_holds_the_next_poll_within_a_cap(
    cache_control: str | None, age: str | None, expected: timedelta | None
) -> None:
    assert fresh_for(cache_control, age) == expected


@pytest.mark.parametrize(
    ("errors", "at_least", "expected"),
    [
        (0, None, timedelta(minutes=30)),
        (0, timedelta(minutes=10), timedelta(minutes=30)),  # never sooner than the rhythm
        (0, timedelta(hours=2), timedelta(hours=2)),  # max-age of 2 h: not before it expires
        (1, timedelta(hours=3), timedelta(hours=3)),  # Retry-After beats a shorter backoff
        (4, timedelta(minutes=5), MAX_BACKOFF),  # a shorter Retry-After does not cut the backoff
        (0, timedelta(seconds=-60), timedelta(minutes=30)),
    ],
)
def test_server_wait_only_pushes_the_next_poll_later(
    errors: int, at_least: timedelta | None, expected: timedelta
) -> None:
    assert next_poll(NOW, 30, errors, jitter=0, at_least=at_least) == NOW + expected


def test_jitter_never_cuts_a_server_wait() -> None:
    rng = random.Random(3)
    waits = [
        next_poll(NOW, 60, 0, jitter=0.5, rng=rng, at_least=timedelta(minutes=60)) - NOW
        for _ in range(100)
    ]
    assert min(waits) == timedelta(minutes=60)


# -- health ------------------------------------------------------------------------------


def _state(**fields: object) -> SourceState:
    return replace(SourceState("kpu-ri"), **fields)  # type: ignore[arg-type]


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("state", "poll_minutes", "expected"),
    [
        (None, 30, None),
        (_state(last_new_item_at=NOW - HOUR), 30, None),
        (_state(failing_since=NOW - 23 * HOUR), 30, None),  # not yet long enough
        (
            _state(failing_since=NOW - 24 * HOUR),
            30,
            SourceProblem(Problem.FAILING, NOW - 24 * HOUR),
        ),
        (
            _state(failing_since=NOW - 30 * DAY, last_new_item_at=NOW - 40 * DAY),
            30,
            SourceProblem(Problem.FAILING, NOW - 30 * DAY),  # failing, not also quiet
        ),
        (
            _state(disabled=True, failing_since=NOW - HOUR),
            30,
            SourceProblem(Problem.GONE, NOW - HOUR),  # gone is told at once
        ),
        (_state(disabled=True), 30, SourceProblem(Problem.GONE, None)),
        (_state(last_new_item_at=NOW - 6 * DAY), 30, None),
        (_state(last_new_item_at=NOW - 7 * DAY), 30, SourceProblem(Problem.QUIET, NOW - 7 * DAY)),
        # polled daily: quiet only after ten polls without news
        (_state(last_new_item_at=NOW - 8 * DAY), 24 * 60, None),
        (
            _state(last_new_item_at=NOW - 10 * DAY),
            24 * 60,
            SourceProblem(Problem.QUIET, NOW - 10 * DAY),
        ),
        (_state(last_success_at=NOW - 30 * DAY), 30, None),  # clock not started: no verdict
    ],
)
def test_source_problem(
    state: SourceState | None, poll_minutes: int, expected: SourceProblem | None
) -> None:
    got = source_problem(
        state, NOW, poll_minutes=poll_minutes, failing_after=24 * HOUR, quiet=7 * DAY
    )
    assert got == expected


@pytest.mark.parametrize(
    ("poll_minutes", "expected"),
    [(30, 7 * DAY), (60, 7 * DAY), (24 * 60, 10 * DAY), (7 * 24 * 60, 70 * DAY)],
)
def test_quiet_is_a_week_or_ten_polls_whichever_is_longer(
    poll_minutes: int, expected: timedelta
) -> None:
    assert quiet_after(poll_minutes, 7 * DAY) == expected
