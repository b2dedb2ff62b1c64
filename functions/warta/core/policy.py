"""Scheduling and health policies: pure functions, tested as tables with a fixed clock."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from warta.core.model import SourceState

MAX_BACKOFF = timedelta(hours=6)
"""However long a source has failed, it is tried again at least this often."""

MAX_RETRY_AFTER = timedelta(hours=24)
"""The longest a server's Retry-After is obeyed: a hostile or broken header
must not silence a source for good."""

MAX_FRESHNESS = MAX_BACKOFF
"""The longest a Cache-Control max-age holds back the next poll. Shorter than
MAX_RETRY_AFTER because max-age is a caching hint, not a request to stay away,
and a clarification of a hoax should not wait a day behind a CDN default."""

RETRY_AFTER_STATUSES = frozenset({429, 503})
"""Statuses whose Retry-After asks a client to slow down (RFC 9110 §10.2.3, RFC 6585)."""

QUIET_POLLS = 10
"""A source polled rarely is only called quiet after this many of its polls bring nothing."""


def next_poll(
    now: datetime,
    poll_minutes: int,
    error_count: int,
    *,
    jitter: float = 0.1,
    rng: random.Random | None = None,
    at_least: timedelta | None = None,
) -> datetime:
    """When to poll a source next.

    The usual rhythm after a success; after errors the wait doubles per
    consecutive error, capped at MAX_BACKOFF so a broken source is never
    silenced for good. Jitter spreads sources that share a schedule so they
    do not all hit their servers in the same second. `at_least` is a wait
    the server asked for (already capped by retry_after_wait or fresh_for):
    it can only push the poll later, never earlier, and jitter never cuts it.
    """
    base = timedelta(minutes=poll_minutes)
    if error_count > 0:
        base = min(base * (2 ** min(error_count, 16)), max(MAX_BACKOFF, base))
    spread = (rng or random).uniform(-jitter, jitter) if jitter else 0.0
    when = now + base * (1 + spread)
    if at_least is not None and at_least > timedelta(0):
        when = max(when, now + at_least)
    return when


def retry_after_wait(value: str | float | None, now: datetime) -> timedelta | None:
    """How long a Retry-After header asks us to wait, capped at MAX_RETRY_AFTER.

    The header is either whole seconds or an HTTP date (RFC 9110 §10.2.3).
    A date in the past means "now" (zero); garbage means no request at all.
    A number is taken as seconds already parsed by the fetcher.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value < float("inf"):  # also refuses NaN
            return None
        return min(timedelta(seconds=value), MAX_RETRY_AFTER)
    value = value.strip()
    if value.isdigit():
        # isdigit() admits no sign, so a negative number is garbage, not a wait.
        wait = timedelta(seconds=min(int(value), int(MAX_RETRY_AFTER.total_seconds())))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000" in an HTTP date still means UTC
            when = when.replace(tzinfo=UTC)
        wait = max(when - now, timedelta(0))
    return min(wait, MAX_RETRY_AFTER)


def failure_wait(
    status: int | None, retry_after: str | float | None, now: datetime
) -> timedelta | None:
    """The wait a failed fetch's server asked for, when its status gives Retry-After meaning."""
    if status not in RETRY_AFTER_STATUSES:
        return None
    return retry_after_wait(retry_after, now)


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([^\",\s]*)\"?\s*(?=,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)


def fresh_for(cache_control: str | None, age: str | None = None) -> timedelta | None:
    """How long a successful answer stays fresh (RFC 9111 §4.2), capped at MAX_FRESHNESS.

    max-age minus the Age a cache in between has already held it. no-cache,
    no-store, a missing or garbled max-age, or one given twice with different
    values (RFC 9111 §4.2.1 calls that invalid) mean no hold on the next poll.
    """
    if not cache_control or _NO_CACHE.search(cache_control):
        return None
    values = {m.strip() for m in _MAX_AGE.findall(cache_control)}
    if len(values) != 1:
        return None
    (raw,) = values
    if not raw.isdigit():
        return None
    seconds = min(int(raw), int(MAX_FRESHNESS.total_seconds()))
    held = age.strip() if age else ""
    if held.isdigit():
        seconds -= min(int(held), seconds)
    return timedelta(seconds=seconds) if seconds > 0 else None


# -- health ------------------------------------------------------------------------


class Problem:
    """Reasons a source needs an admin's attention, most serious first."""

    GONE = "gone"
    FAILING = "failing"
    QUIET = "quiet"


@dataclass(frozen=True, slots=True)
class SourceProblem:
    reason: str
    """One of Problem's values."""
    since: datetime | None
    """Start of the episode: a new episode (after a recovery) is a new problem.
    None only for a source disabled before Warta kept the start of its failures."""


def quiet_after(poll_minutes: int, quiet: timedelta) -> timedelta:
    """How long without a new item before a source counts as quiet.

    Its usual rhythm, simply defined: the longer of the `quiet` setting and
    QUIET_POLLS of its polls. Publishing rhythms differ too much between a
    national body and a kabupaten office to learn one from a few items, and a
    source quiet for a week in an election year deserves a look either way.
    """
    return max(quiet, timedelta(minutes=poll_minutes) * QUIET_POLLS)


def source_problem(
    state: SourceState | None,
    now: datetime,
    *,
    poll_minutes: int,
    failing_after: timedelta,
    quiet: timedelta,
) -> SourceProblem | None:
    """The one problem to tell admins about, or None while the source is healthy.

    Gone (disabled after 410) outranks failing, which outranks quiet: a source
    that cannot be fetched is quiet as a consequence, not as a second problem.
    """
    if state is None:
        return None
    if state.disabled:
        # Never `now`: the start names the episode, so it must not change between checks.
        return SourceProblem(Problem.GONE, state.failing_since)
    if state.failing_since is not None:
        if now - state.failing_since >= failing_after:
            return SourceProblem(Problem.FAILING, state.failing_since)
        return None
    if state.last_new_item_at is not None and (
        now - state.last_new_item_at >= quiet_after(poll_minutes, quiet)
    ):
        return SourceProblem(Problem.QUIET, state.last_new_item_at)
    return None
