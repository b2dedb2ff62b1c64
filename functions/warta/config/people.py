"""Subscribers and officials from a TOML file (the demo's people, or an admin's import)."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from warta.core.errors import ConfigError
from warta.core.identity import normalize_email, subscriber_id
from warta.core.model import NATIONAL, Official, Subscriber, SubscriberStatus
from warta.core.ports import Store


def _subscriber(raw: dict[str, Any], where: str, now: datetime) -> Subscriber:
    email = raw.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ConfigError(f"{where}: email is required")
    regions = raw.get("regions", [NATIONAL])
    if not isinstance(regions, list) or not regions:
        raise ConfigError(f"{where}: regions must be a non-empty list")
    return Subscriber(
        id=subscriber_id(email),
        email=normalize_email(email),
        status=SubscriberStatus.ACTIVE,
        regions=tuple(str(r) for r in regions),
        name=raw.get("name"),
        created_at=now,
    )


def _official(raw: dict[str, Any], where: str) -> Official:
    for required in ("id", "name", "role", "region"):
        if not isinstance(raw.get(required), str):
            raise ConfigError(f"{where}: {required} is required")
    if not raw.get("email") and not raw.get("phone"):
        raise ConfigError(f"{where}: an official needs an email or a phone number")
    return Official(
        id=raw["id"],
        name=raw["name"],
        role=raw["role"],
        region=raw["region"],
        email=normalize_email(raw["email"]) if raw.get("email") else None,
        phone=raw.get("phone"),
    )


def load_people(path: Path, now: datetime) -> tuple[list[Subscriber], list[Official]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    subscribers = [
        _subscriber(raw, f"{path}: subscriber #{n}", now)
        for n, raw in enumerate(data.get("subscriber", []), start=1)
    ]
    officials = [
        _official(raw, f"{path}: official #{n}")
        for n, raw in enumerate(data.get("official", []), start=1)
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
