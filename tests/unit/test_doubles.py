"""The shared doubles' own behaviour, where no contract suite covers it.

RecordingMailer, RecordingNotifier and RecordingQueue run in the contract suites
of their ports (tests/contract/); the clock and the fetcher are checked here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.doubles import NOW, FixedClock, ScriptedFetcher

from warta.core.errors import FetchError
from warta.core.model import Authority, FetchResult, Source

SOURCE = Source(
    id="kpu-ri", name="KPU RI", url="https://kpu.example.id/feed", authority=Authority.KPU
)


def test_the_clock_stands_still_until_moved() -> None:
    clock = FixedClock()

    assert clock.now() == clock() == NOW
    clock.advance(hours=25, minutes=30)
    assert clock.now() == NOW + timedelta(hours=25, minutes=30)
    clock.set(datetime(2024, 2, 14, 3, 0, tzinfo=UTC))
    assert clock() == datetime(2024, 2, 14, 3, 0, tzinfo=UTC)


def test_the_clock_refuses_a_time_without_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        FixedClock(datetime(2026, 11, 28, 10, 0))
    with pytest.raises(ValueError, match="timezone"):
        FixedClock().set(datetime(2026, 11, 28, 10, 0))


def test_the_fetcher_answers_in_script_order_and_records_each_request() -> None:
    ok = FetchResult(url=SOURCE.url, status=200, body=b"v1", etag='"v1"')
    fetcher = ScriptedFetcher([ok, FetchError("timeout", "read timed out")])

    assert fetcher.fetch(SOURCE) is ok
    with pytest.raises(FetchError, match="timeout"):
        fetcher.fetch(SOURCE, url="https://baru.example.id/feed", etag='"v1"')

    assert fetcher.requests == [
        {"url": SOURCE.url, "etag": None, "last_modified": None},
        {"url": "https://baru.example.id/feed", "etag": '"v1"', "last_modified": None},
    ]


def test_a_fetch_beyond_the_script_fails_the_test_unless_told_what_follows() -> None:
    with pytest.raises(AssertionError, match="no answer left"):
        ScriptedFetcher().fetch(SOURCE)

    offline = ScriptedFetcher(then=lambda source: FetchError("dns", f"{source.id}: no network"))
    for _ in range(3):
        with pytest.raises(FetchError, match="kpu-ri: no network"):
            offline.fetch(SOURCE)
    assert len(offline.requests) == 3
