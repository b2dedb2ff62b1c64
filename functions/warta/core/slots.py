"""The digest clock: each subscriber's zone and hour, and which slots are due at a moment.

A slot is one hour of one zone for one edition: Slot(edition, zone, hour). An
edition is a Jakarta day, the day its stories file under (core.days), and a
subscriber receives it on their own next local day at their hour: the edition of
10 February reaches a WIB subscriber of 06:00 at 06:00 WIB on 11 February, a WIT
subscriber of 06:00 at 06:00 WIT, two hours earlier. Those mornings are ahead of
Jakarta's, so the edition is still the whole Jakarta day: by 06:00 in any
Indonesian zone that day has ended. Only at the first hours of WITA and WIT has
it not (00:00 WIT is 22:00 WIB), so a slot is never due before the Jakarta day
of its edition has ended: a WIT subscriber who asks for 00:00 or 01:00 gets the
edition at 02:00 WIT, one in WITA who asks for 00:00 at 01:00. Every story of
the edition is then in every subscriber's digest, and none is left out or
counted in two editions.

A slot is due from that moment for 24 hours (DUE_FOR), when the next edition's
slot of the same hour takes over: planning that missed its hour (a run that
failed, a machine switched off) is caught up at the next run within the day, and
at most one edition is due per zone and hour at any moment. Who already received
an edition is the sent ledger's to say, so a slot planned twice sends nobody a
second copy.

The zones Warta plans are Indonesia's three (DIGEST_ZONES). A subscriber's zone
is the one they chose among them, else the zone of the province of the first
region they follow that has one, else Jakarta's (every region, national only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from warta.core.days import JAKARTA, JAKARTA_NAME, jakarta_day
from warta.core.model import (
    ALL_REGIONS,
    DEFAULT_DIGEST_HOUR,
    NATIONAL,
    Subscriber,
    SubscriberStatus,
)
from warta.core.regions import WIB, WIT, WITA, time_zone

DIGEST_ZONES: tuple[str, ...] = (WIB.key, WITA.key, WIT.key)
"""The zones whose hours are planned: Indonesia's (WIB, WITA, WIT)."""
_ABBREVIATIONS = {zone.key: zone.abbreviation for zone in (WIB, WITA, WIT)}
HOURS = range(24)
DUE_FOR = timedelta(hours=24)
"""How long a slot stays due after its moment: until the next edition's slot of that hour."""


@cache
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def digest_zone(subscriber: Subscriber) -> str:
    """The zone of a subscriber's digest hour (see the module's docstring)."""
    if subscriber.zone in DIGEST_ZONES:
        return subscriber.zone
    for code in subscriber.regions:
        if code in (ALL_REGIONS, NATIONAL):
            continue
        try:
            return time_zone(code).key
        except ValueError:  # not a code of a province: nothing to say about its zone
            continue
    return JAKARTA_NAME


def digest_hour(subscriber: Subscriber) -> int:
    """The local hour of a subscriber's digest; the default one for an hour out of range."""
    hour = subscriber.digest_hour
    return hour if hour in HOURS else DEFAULT_DIGEST_HOUR


def slot_name(zone: str, hour: int) -> str:
    """How the stores index a zone and hour: 'Asia/Jakarta#06'."""
    return f"{zone}#{hour:02d}"


def digest_slot(subscriber: Subscriber) -> str | None:
    """The slot name of an active subscriber who wants the digest; None for anyone else,
    whom no planning reads."""
    if subscriber.status is not SubscriberStatus.ACTIVE or not subscriber.digest:
        return None
    return slot_name(digest_zone(subscriber), digest_hour(subscriber))


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """The recipients of one edition at one hour of one zone: one unit of planning."""

    edition: date
    zone: str
    hour: int

    @property
    def key(self) -> str:
        """The sent-ledger key of the slots of one edition in one zone ('2026-02-10:Asia/Jakarta');
        each hour is a line of its own under it (`line`), so they are claimed together."""
        return f"{self.edition.isoformat()}:{self.zone}"

    @property
    def line(self) -> str:
        return f"{self.hour:02d}"

    @property
    def name(self) -> str:
        return slot_name(self.zone, self.hour)

    @property
    def label(self) -> str:
        """For admins: '2026-02-10 at 06:00 WIT'."""
        abbreviation = _ABBREVIATIONS.get(self.zone, self.zone)
        return f"{self.edition.isoformat()} at {self.hour:02d}:00 {abbreviation}"

    def due_at(self) -> datetime:
        """The moment the slot becomes due (UTC): its hour on the day after its edition, in
        its zone, but not before that edition's Jakarta day has ended."""
        day = self.edition + timedelta(days=1)
        local = datetime.combine(day, time(self.hour), tzinfo=_zone(self.zone))
        ended = datetime.combine(day, time(0), tzinfo=JAKARTA)
        return max(local, ended).astimezone(UTC)

    def due(self, now: datetime) -> bool:
        start = self.due_at()
        return start <= now < start + DUE_FOR


def edition_slots(edition: date, zones: Iterable[str] = DIGEST_ZONES) -> list[Slot]:
    """Every slot of one edition: together they hold every recipient of it."""
    return [Slot(edition, zone, hour) for zone in zones for hour in HOURS]


def _candidates(now: datetime, zones: Iterable[str]) -> Iterator[Slot]:
    for zone in zones:
        local_day = now.astimezone(_zone(zone)).date()
        # A slot is due from the day after its edition, for a day: the editions of the
        # last two local days are the only ones that can be due now.
        for back in (2, 1):
            yield from edition_slots(local_day - timedelta(days=back), (zone,))


def due_slots(now: datetime, zones: Iterable[str] = DIGEST_ZONES) -> list[Slot]:
    """The slots due at `now`, in order: each to be planned once."""
    return sorted(s for s in _candidates(now, zones) if s.due(now))


def recent_slots(now: datetime, zones: Iterable[str] = DIGEST_ZONES) -> list[Slot]:
    """Every slot of the editions a planning may still be at work on: the Jakarta days of
    today and the two before (a slot stays due until the day after its edition's next
    day, and an admin may send today's edition at once)."""
    today = jakarta_day(now)
    return [
        slot
        for back in (2, 1, 0)
        for slot in edition_slots(today - timedelta(days=back), list(zones))
    ]
