"""Subscribers and officials from a TOML file (the demo's people, or an admin's import).

    [[subscriber]]
    email = "nama@contoh.id"
    name = "Nama"                  # optional
    regions = ["national", "35.71"]  # optional; without it, every region's stories

    [[official]]
    id = "kpu-kota-kediri-humas"   # lower-case letters, digits, '-', '_', '.'
    name = "Nama"
    role = "Staf Humas KPU Kota Kediri"
    region = "35.71"               # 'national' or a Kemendagri code
    email = "humas@contoh.id"      # an email, a phone number, or both
    phone = "0812-3456-7890"       # an Indonesian mobile: 08..., +62 8... or 62 8...

Every field is checked as the file is read; a mistake names the person by
their place in the file (never by address or number) and the field.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from warta.core.errors import ConfigError
from warta.core.identity import subscriber_id
from warta.core.model import ALL_REGIONS, Official, Subscriber, SubscriberStatus
from warta.core.ports import Store
from warta.core.validate import (
    check_email,
    check_id,
    check_mobile,
    check_region,
    check_table,
    check_text,
    printable,
)

MAX_REGIONS = 100
"""More regions than a person could follow is a mistake in the file."""

_SUBSCRIBER_FIELDS = frozenset({"email", "name", "regions"})
_OFFICIAL_FIELDS = frozenset({"id", "name", "role", "region", "email", "phone"})


def _subscriber(raw: Any, where: str, now: datetime) -> Subscriber:
    raw = check_table(raw, where, _SUBSCRIBER_FIELDS)
    if raw.get("email") is None:
        raise ConfigError(f"{where}: email is required")
    email = check_email(raw["email"], f"{where}: email")
    regions = raw.get("regions")
    if regions is not None and (
        not isinstance(regions, list) or not regions or len(regions) > MAX_REGIONS
    ):
        raise ConfigError(f"{where}: regions must be a non-empty list of region codes")
    name = raw.get("name")
    return Subscriber(
        id=subscriber_id(email),
        email=email,
        status=SubscriberStatus.ACTIVE,
        # No regions listed: every region's stories, as the file's comment says.
        regions=(ALL_REGIONS,)
        if regions is None
        else tuple(check_region(r, f"{where}: regions") for r in regions),
        name=None if name is None else check_text(name, f"{where}: name"),
        created_at=now,
    )


def _official(raw: Any, where: str) -> Official:
    raw = check_table(raw, where, _OFFICIAL_FIELDS)
    for required in ("id", "name", "role", "region"):
        if not isinstance(raw.get(required), str):
            raise ConfigError(f"{where}: {required} is required")
    email, phone = raw.get("email"), raw.get("phone")
    if not email and not phone:
        raise ConfigError(f"{where}: an official needs an email or a phone number")
    return Official(
        id=check_id(raw["id"], f"{where}: id"),
        name=check_text(raw["name"], f"{where}: name"),
        role=check_text(raw["role"], f"{where}: role"),
        region=check_region(raw["region"], f"{where}: region"),
        email=check_email(email, f"{where}: email") if email else None,
        phone=check_mobile(phone, f"{where}: phone") if phone else None,
    )


def load_people(path: Path, now: datetime) -> tuple[list[Subscriber], list[Official]]:
    shown_path = printable(str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {shown_path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {shown_path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {shown_path}: {exc}") from None
    tables: dict[str, list[Any]] = {}
    for key in ("subscriber", "official"):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise ConfigError(f"{shown_path}: people are written as [[{key}]] tables")
        tables[key] = entries
    subscribers = [
        _subscriber(raw, f"{shown_path}: subscriber #{n}", now)
        for n, raw in enumerate(tables["subscriber"], start=1)
    ]
    officials = [
        _official(raw, f"{shown_path}: official #{n}")
        for n, raw in enumerate(tables["official"], start=1)
    ]
    return subscribers, officials


def seed_people(store: Store, path: Path, now: datetime) -> int:
    """Add the file's people who are not in the store yet; returns how many were added."""
    subscribers, officials = load_people(path, now)
    added = 0
    for subscriber in subscribers:
        if store.get_subscriber(subscriber.id) is None:
            store.put_subscriber(subscriber)
            added += 1
    for official in officials:
        # A known official keeps their record, even when an admin deactivated them.
        if store.get_official(official.id) is None:
            store.put_official(official)
            added += 1
    return added
