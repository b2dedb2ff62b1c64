"""Time in a fetch: the budget it may spend, and how long it took."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from warta.core.model import FetchResult


class Deadline:
    """What is left of a fetch's total budget, handed out one socket operation at a time."""

    def __init__(self, budget: float, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._end = clock() + budget
        self.budget_bound = False
        """Whether the last timeout handed out was cut short by the budget."""

    def timeout(self, per_operation: float) -> float:
        left = self._end - self._clock()
        if left <= 0:
            self.budget_bound = True
            raise TimeoutError("fetch budget exhausted")
        self.budget_bound = left < per_operation
        return min(per_operation, left)

    def timeout_reason(self) -> str:
        return "budget_exceeded" if self.budget_bound else "timeout"


def timed(clock: Callable[[], float], fetch: Callable[[], FetchResult]) -> FetchResult:
    """The result of `fetch()`, with the milliseconds it took by `clock` as its elapsed_ms."""
    started = clock()
    result = fetch()
    return replace(result, elapsed_ms=(clock() - started) * 1000)
