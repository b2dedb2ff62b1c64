"""The digests of an edition, rendered once: the day's stories by version, and an LRU.

A digest day's stories are read by every batch of its edition, thousands of them
at national scale. StoryVersions keeps what the last batch read and numbers it,
so a rendered digest is known by a small key (the version and the stories it
holds) instead of the stories themselves; Lru keeps the last digests asked for.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, TypeVar

from warta.core.model import Story

EDITIONS_KEPT = 128
"""Digests kept rendered, one per selection of a day's stories that its subscribers'
regions make (50 combinations of regions: 50 digests at most), and as many selections."""
STORIES_FRESH = timedelta(minutes=1)
"""How long the stories a batch read serve the next batches of that day before they are
read again: a story joined by another source or edited meanwhile reaches the digests
sent a minute later at most."""


@dataclass(frozen=True, slots=True)
class DayStories:
    """The stories of a digest day as a batch read them, and their version: the same
    number for as long as the day's stories stay exactly these."""

    stories: tuple[Story, ...]
    version: int


class StoryVersions:
    """Each day's stories as last read, numbered.

    Stories read less than STORIES_FRESH ago are used as they are. Read again, they
    are compared whole with the last ones (a story joined by another source, or
    edited, is another story): the same, and they keep their number; else they get
    a new one, and every digest rendered from the old ones stops being asked for.
    """

    DAYS_KEPT = 8

    def __init__(self, fresh: timedelta = STORIES_FRESH) -> None:
        self.fresh = fresh
        self._days: OrderedDict[date, tuple[DayStories, datetime]] = OrderedDict()
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def of(self, day: date, read: Callable[[], list[Story]], now: datetime) -> DayStories:
        """The day's stories, read with `read` unless those read last are still fresh."""
        with self._lock:
            known = self._days.get(day)
            if known is not None and now - known[1] < self.fresh:
                self._days.move_to_end(day)
                return known[0]
        stories = tuple(read())
        with self._lock:
            known = self._days.get(day)
            current = known[0] if known is not None else None
            if current is None or current.stories != stories:
                current = DayStories(stories, next(self._numbers))
            self._days[day] = (current, now)
            self._days.move_to_end(day)
            while len(self._days) > self.DAYS_KEPT:
                self._days.popitem(last=False)
            return current


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """The last `size` values asked for, each made once by the function given with it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = make()  # outside the lock: rendering takes a while
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value
