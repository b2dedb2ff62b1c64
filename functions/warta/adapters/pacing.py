"""Sending at the provider's pace: each sender keeps to its share of the account's rate.

SES takes at most its account's maximum send rate (emails a second) and SNS its SMS
rate, from everything the account sends at once. Each sender (one invocation of the
alert or digest function on AWS, or the one-machine run) keeps to its share of it,
the rate divided by how many may send at once (warta.wiring works that out), so the
whole fleet stays within the rate and throttling is the exception, not the pace: a
send throttled anyway is tried again inside the call (adapters.aws.retry_throttled).

The pace is a token bucket that holds one token: calls start 1/rate seconds apart (a
step), never in bursts. A send the provider throttled is tried again only at a step of
its own (warta.wiring hands the pacer to the adapter's backoff), so every call to the
provider, first or again, keeps the pace, and no second of one sender holds more than
its share and one more send. Threads sharing a sender share its pace. The rate is asked for at the
first send, not when the sender is built: wiring an App connects to nothing, and a
rate read from the provider (adapters.ses_quota) is read once per container.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TypeVar

from warta.core.ports import Mailer, Notifier

log = logging.getLogger(__name__)

T = TypeVar("T")

Rate = Callable[[], float | None]
"""Sends a second this sender may make; None (or 0) for no limit."""


@dataclass(frozen=True, slots=True)
class Timer:
    """The time a pacer reads and waits on: a monotonic clock in seconds, and sleep."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class Pacer:
    """Spaces calls `1 / rate` seconds apart (the rate asked for once, at the first call)."""

    def __init__(self, rate: Rate | float | None, *, timer: Timer | None = None) -> None:
        self._rate_of: Rate = rate if callable(rate) else (lambda: rate)
        self._interval: float | None = None
        self._next = -math.inf
        self._timer = timer or Timer()
        self._lock = threading.Lock()

    @property
    def interval(self) -> float:
        """Seconds between two calls (0 for no limit)."""
        if self._interval is None:
            rate = self._rate_of()
            if rate is not None and not (rate > 0 and math.isfinite(rate)):
                raise ValueError(f"a send rate must be a positive number, not {rate!r}")
            self._interval = 1 / rate if rate else 0.0
            log.info("sending at most %s a second", f"{rate:g}" if rate else "without limit")
        return self._interval

    def wait(self) -> float:
        """Wait until the next call may go; returns the seconds waited."""
        with self._lock:
            interval = self.interval
            if not interval:
                return 0.0
            now = self._timer.now()
            # The next free moment is reserved under the lock; the wait is outside it, so
            # threads sharing the pacer each wait for a moment of their own.
            at = max(now, self._next)
            self._next = at + interval
        if at > now:
            self._timer.sleep(at - now)
        return at - now

    def pace(self, call: Callable[[], T]) -> T:
        """`call()` at this pace."""
        self.wait()
        return call()


class PacedMailer:
    """A Mailer that keeps `pacer`'s pace in front of another."""

    def __init__(self, mailer: Mailer, pacer: Pacer) -> None:
        self.mailer = mailer
        self.pacer = pacer

    def send(self, message: EmailMessage) -> str:
        return self.pacer.pace(lambda: self.mailer.send(message))

    def send_raw(self, recipient: str, data: bytes) -> str:
        return self.pacer.pace(lambda: self.mailer.send_raw(recipient, data))


class PacedNotifier:
    """A Notifier that keeps `pacer`'s pace in front of another."""

    def __init__(self, notifier: Notifier, pacer: Pacer) -> None:
        self.notifier = notifier
        self.pacer = pacer

    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        return self.pacer.pace(lambda: self.notifier.notify(phone, text, key=key))
