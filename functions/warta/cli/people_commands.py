"""`warta subscribers add` and `warta officials add`: who receives digests and alerts."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from warta.cli.common import settings
from warta.core.errors import ConfigError
from warta.core.identity import normalize_email, subscriber_id
from warta.core.model import ALL_REGIONS, Official, Subscriber
from warta.core.validate import check_email, check_id, check_phone, check_region, check_text

if TYPE_CHECKING:
    from warta.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    subscribers = sub.add_parser("subscribers", help="manage digest subscribers")
    subscribers_sub = subscribers.add_subparsers(dest="action", required=True)
    add = subscribers_sub.add_parser("add", help="add an active subscriber")
    add.add_argument("email")
    add.add_argument("--region", action="append", help="region code to follow (repeatable)")
    add.set_defaults(func=cmd_subscribers_add)

    officials = sub.add_parser("officials", help="manage officials who receive alerts")
    officials_sub = officials.add_subparsers(dest="action", required=True)
    oadd = officials_sub.add_parser("add", help="add an official")
    oadd.add_argument("--id", required=True)
    oadd.add_argument("--name", required=True)
    oadd.add_argument("--role", required=True)
    oadd.add_argument("--region", required=True)
    oadd.add_argument("--email")
    oadd.add_argument("--phone")
    oadd.set_defaults(func=cmd_officials_add)


def cmd_subscribers_add(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    if "@" not in args.email:
        raise ConfigError(f"{args.email!r} is not an email address")
    check_email(args.email, "the subscriber's address")
    for region in args.region or []:
        check_region(region, "--region")
    with open_store(settings()) as store:
        store.put_subscriber(
            Subscriber(
                id=subscriber_id(args.email),
                email=normalize_email(args.email),
                regions=tuple(args.region or [ALL_REGIONS]),
                created_at=datetime.now(UTC),
            )
        )
    print(f"subscriber {subscriber_id(args.email)} added")
    return 0


def cmd_officials_add(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    if not args.email and not args.phone:
        raise ConfigError("an official needs --email or --phone")
    check_id(args.id, "--id")
    check_text(args.name, "--name")
    check_text(args.role, "--role")
    check_region(args.region, "--region")
    if args.email:
        check_email(args.email, "--email")
    if args.phone:
        check_phone(args.phone, "--phone")
    with open_store(settings()) as store:
        store.put_official(
            Official(
                id=args.id,
                name=args.name,
                role=args.role,
                region=args.region,
                email=normalize_email(args.email) if args.email else None,
                phone=args.phone,
            )
        )
    print(f"official {args.id} added")
    return 0
