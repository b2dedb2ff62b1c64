"""The digest clock as tables: each subscriber's zone, when each slot is due, and which slots
are due at a moment (core.slots)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from warta.core.model import ALL_REGIONS, NATIONAL, Subscriber, SubscriberStatus
from warta.core.slots import (
    DIGEST_ZONES,
    Slot,
    digest_slot,
    digest_zone,
    due_slots,
    edition_slots,
    recent_slots,
)

JKT, MKS, JAP = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
E = date(2026, 2, 10)  # an edition: the stories of Jakarta's 10 February


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 2, day, hour, minute, tzinfo=UTC)


def subscriber(*regions: str, **fields: object) -> Subscriber:
    return Subscriber(id="sub-1", email="a@contoh.id", regions=regions, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("who", "zone"),
    [
        (subscriber(ALL_REGIONS), JKT),
        (subscriber(NATIONAL), JKT),
        (subscriber("35.71"), JKT),  # Kota Kediri, Jawa Timur: WIB
        (subscriber("51"), MKS),  # Bali: WITA
        (subscriber("73.71.01"), MKS),  # a kecamatan of Makassar
        (subscriber("91.01"), JAP),  # Papua: WIT
        (subscriber(NATIONAL, "81"), JAP),  # national first: the first region with a province
        (subscriber("51", "91"), MKS),  # several zones: the first region's
        (subscriber("35", zone=JAP), JAP),  # a zone chosen outright wins
        (subscriber("35", zone="Europe/Amsterdam"), JKT),  # one Warta does not plan: the region's
        (subscriber("bukan-kode"), JKT),
    ],
)
def test_a_subscribers_zone_is_chosen_else_their_regions_else_jakartas(
    who: Subscriber, zone: str
) -> None:
    assert digest_zone(who) == zone


def test_only_an_active_subscriber_who_wants_the_digest_has_a_slot() -> None:
    assert digest_slot(subscriber("91", digest_hour=7)) == "Asia/Jayapura#07"
    assert digest_slot(subscriber("91", digest=False)) is None
    for status in SubscriberStatus:
        if status is not SubscriberStatus.ACTIVE:
            assert digest_slot(subscriber("91", status=status)) is None
    assert digest_slot(subscriber("91", digest_hour=24)) == "Asia/Jayapura#06"  # the default


@pytest.mark.parametrize(
    ("slot", "due_at"),
    [
        # The next morning at the hour, in the slot's own zone.
        (Slot(E, JKT, 6), utc(10, 23)),  # 06:00 WIB on the 11th
        (Slot(E, MKS, 6), utc(10, 22)),  # 06:00 WITA
        (Slot(E, JAP, 6), utc(10, 21)),  # 06:00 WIT
        (Slot(E, JKT, 0), utc(10, 17)),  # midnight in Jakarta: the edition's day has ended
        (Slot(E, JKT, 23), utc(11, 16)),
        # Never before the edition's Jakarta day has ended (00:00 WIB = 17:00 UTC).
        (Slot(E, JAP, 0), utc(10, 17)),  # 00:00 WIT is 22:00 WIB: waits until 02:00 WIT
        (Slot(E, JAP, 1), utc(10, 17)),
        (Slot(E, JAP, 2), utc(10, 17)),
        (Slot(E, JAP, 3), utc(10, 18)),
        (Slot(E, MKS, 0), utc(10, 17)),  # 00:00 WITA is 23:00 WIB: waits until 01:00 WITA
        (Slot(E, MKS, 1), utc(10, 17)),
    ],
)
def test_a_slot_is_due_at_its_hour_on_the_next_day_once_jakartas_day_has_ended(
    slot: Slot, due_at: datetime
) -> None:
    assert slot.due_at() == due_at
    assert not slot.due(due_at - timedelta(microseconds=1))
    assert slot.due(due_at)
    assert slot.due(due_at + timedelta(hours=23, minutes=59))
    assert not slot.due(due_at + timedelta(hours=24))  # the next edition's slot is due then


@pytest.mark.parametrize(
    "now",
    [utc(10, 16, 59), utc(10, 17), utc(10, 21, 30), utc(11, 0), utc(11, 16, 59), utc(11, 23, 59)],
)
def test_at_any_moment_each_zone_and_hour_has_exactly_one_edition_due(now: datetime) -> None:
    due = due_slots(now)
    assert sorted((s.zone, s.hour) for s in due) == sorted(
        (zone, hour) for zone in DIGEST_ZONES for hour in range(24)
    )
    assert due == sorted(due)


def test_the_slots_due_follow_the_clock_of_each_zone() -> None:
    # 21:30 UTC on the 10th: 04:30 WIB, 05:30 WITA, 06:30 WIT on the 11th.
    due = {(s.zone, s.hour): s.edition for s in due_slots(utc(10, 21, 30))}

    assert due[(JAP, 6)] == E  # 06:00 WIT has come: the 10th's edition
    assert due[(JAP, 7)] == E - timedelta(days=1)  # not yet: still the 9th's, for a day
    assert due[(MKS, 5)] == E
    assert due[(MKS, 6)] == E - timedelta(days=1)
    assert due[(JKT, 4)] == E
    assert due[(JKT, 5)] == E - timedelta(days=1)


def test_recent_slots_cover_every_hour_of_today_and_the_two_days_before() -> None:
    slots = recent_slots(utc(11, 3))  # 10:00 WIB on the 11th
    editions = {s.edition for s in slots}
    assert editions == {E - timedelta(days=1), E, E + timedelta(days=1)}
    assert len(slots) == 3 * len(edition_slots(E)) == 3 * 3 * 24
    assert all(s in slots for s in due_slots(utc(11, 3)))


def test_slots_of_one_edition_and_zone_share_a_ledger_key_one_line_an_hour() -> None:
    slot = Slot(E, JAP, 6)
    assert (slot.key, slot.line, slot.name) == (
        "2026-02-10:Asia/Jayapura",
        "06",
        "Asia/Jayapura#06",
    )
    assert slot.label == "2026-02-10 at 06:00 WIT"
