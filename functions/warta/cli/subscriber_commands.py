"""`warta subscribers`: add, list, show and remove the people who get the daily digest.

Every command works on the store WARTA_STORE names: the local SQLite file, or
a deployed stack's DynamoDB table. Addresses are printed on the admin's own
terminal, never logged.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from warta.cli.common import settings
from warta.core.errors import ConfigError, WartaError
from warta.core.identity import normalize_email, subscriber_id
from warta.core.model import ALL_REGIONS, Consent, Subscriber, SubscriberStatus
from warta.core.validate import check_email, check_region, printable

if TYPE_CHECKING:
    from warta.cli.common import Subparsers
    from warta.core.ports import Store

STATUSES = tuple(status.value for status in SubscriberStatus)


def register(sub: Subparsers) -> None:
    subscribers = sub.add_parser(
        "subscribers",
        help="manage digest subscribers",
        description="The commands work on the local store, or on a deployed stack's DynamoDB "
        "table with WARTA_STORE=dynamodb:TABLE. A subscriber is named by id (sub-...) or address.",
    )
    actions = subscribers.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add",
        help="add an active subscriber (with their consent: the admin records it as given)",
    )
    add.add_argument("email")
    add.add_argument("--region", action="append", help="region code to follow (repeatable)")
    add.add_argument(
        "--resubscribe",
        action="store_true",
        help="make an unsubscribed subscriber active again (they asked for it)",
    )
    add.set_defaults(func=cmd_add)

    listing = actions.add_parser(
        "list", help="list subscribers, page by page from the store, with their addresses"
    )
    listing.add_argument(
        "--status", choices=STATUSES, help="only this status (default: every status, in turn)"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    listing.set_defaults(func=cmd_list)

    show = actions.add_parser("show", help="show one subscriber, their choices and consent")
    show.add_argument("subscriber", metavar="ID|EMAIL")
    show.set_defaults(func=cmd_show)

    remove = actions.add_parser("remove", help="delete a subscriber's record")
    remove.add_argument("subscriber", metavar="ID|EMAIL")
    remove.add_argument(
        "--keep", action="store_true", help="keep the record, marked unsubscribed, instead"
    )
    remove.set_defaults(func=cmd_remove)


def subscriber_key(given: str) -> str:
    """A subscriber's id from what an admin typed: the id itself, or their address."""
    if "@" in given:
        return subscriber_id(check_email(given, "the subscriber's address"))
    return given


def _not_found(given: str) -> WartaError:
    # An address is not repeated back: the message may end up in a log.
    return WartaError(
        "no subscriber with that address" if "@" in given else f"no subscriber {printable(given)}"
    )


def all_subscribers(store: Store, status: SubscriberStatus) -> Iterator[Subscriber]:
    """Every subscriber with one status, a page at a time."""
    cursor: str | None = None
    while True:
        page = store.subscribers_page(status, cursor=cursor)
        yield from page.items
        cursor = page.cursor
        if cursor is None:
            return


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _consent(consent: Consent | None) -> dict[str, str | None] | None:
    return None if consent is None else {"at": _when(consent.at), "source": consent.source}


def as_json(subscriber: Subscriber) -> str:
    return json.dumps(
        {
            "id": subscriber.id,
            "email": subscriber.email,
            "status": subscriber.status.value,
            "regions": list(subscriber.regions),
            "name": subscriber.name,
            "created_at": _when(subscriber.created_at),
            "digest": subscriber.digest,
            "urgent": subscriber.urgent,
            "digest_hour": subscriber.digest_hour,
            "zone": subscriber.zone,
            "signed_up": _consent(subscriber.signed_up),
            "confirmed": _consent(subscriber.confirmed),
            "suppressed_reason": subscriber.suppressed_reason,
        },
        ensure_ascii=False,
    )


def cmd_add(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    if "@" not in args.email:
        raise ConfigError(f"{args.email!r} is not an email address")
    check_email(args.email, "the subscriber's address")
    for region in args.region or []:
        check_region(region, "--region")
    now = datetime.now(UTC)
    key = subscriber_id(args.email)
    with open_store(settings()) as store:
        existing = store.get_subscriber(key)
        if existing is not None and existing.status is SubscriberStatus.SUPPRESSED:
            # A hard bounce or a complaint: mailing it again risks the sending account.
            raise ConfigError(
                f"subscriber {key} is suppressed ({existing.suppressed_reason or 'bounce'}):"
                " Warta will not mail that address again; remove it first if it was a mistake"
            )
        if (
            existing is not None
            and existing.status is SubscriberStatus.UNSUBSCRIBED
            and not args.resubscribe
        ):
            raise ConfigError(
                f"subscriber {key} unsubscribed; add --resubscribe if they asked to come back"
            )
        consent = Consent(at=now, source="cli")
        if existing is None:
            subscriber = Subscriber(
                id=key,
                email=normalize_email(args.email),
                regions=tuple(args.region or [ALL_REGIONS]),
                created_at=now,
                signed_up=consent,
                confirmed=consent,
                updated_at=now,
            )
        else:
            # Their other choices and their history stay as they were.
            subscriber = replace(
                existing,
                status=SubscriberStatus.ACTIVE,
                regions=tuple(args.region) if args.region else existing.regions,
                confirmed=existing.confirmed
                if existing.status is SubscriberStatus.ACTIVE
                else consent,
                updated_at=now,
            )
        store.put_subscriber(subscriber)
    print(f"subscriber {key} " + ("added" if existing is None else "updated"))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    statuses = [SubscriberStatus(args.status)] if args.status else list(SubscriberStatus)
    count = 0
    with open_store(settings(), read_only=True) as store:
        for status in statuses:
            for subscriber in all_subscribers(store, status):
                if args.json:
                    print(as_json(subscriber))
                else:
                    if count == 0:
                        print(f"{'id':<24} {'status':<12} {'regions':<20} email")
                    regions = ",".join(subscriber.regions)
                    print(
                        f"{subscriber.id:<24} {status.value:<12} {regions:<20} "
                        f"{printable(subscriber.email)}"
                    )
                count += 1
    if count == 0 and not args.json:
        print("no subscriber" + (f" with status {args.status}" if args.status else ""))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from warta.core.regions import region_name
    from warta.wiring import open_store

    with open_store(settings(), read_only=True) as store:
        subscriber = store.get_subscriber(subscriber_key(args.subscriber))
    if subscriber is None:
        raise _not_found(args.subscriber)

    def consent(value: Consent | None) -> str:
        return "-" if value is None else f"{_when(value.at)} via {value.source}"

    rows = (
        ("id", subscriber.id),
        ("email", subscriber.email),
        ("name", subscriber.name or "-"),
        ("status", subscriber.status.value),
        ("regions", ", ".join(f"{r} ({region_name(r)})" for r in subscriber.regions)),
        ("digest", f"{'yes' if subscriber.digest else 'no'}, at {subscriber.digest_hour}:00"),
        ("zone", subscriber.zone or "that of their region"),
        ("urgent", "yes" if subscriber.urgent else "no"),
        ("created", _when(subscriber.created_at) or "-"),
        ("signed up", consent(subscriber.signed_up)),
        ("confirmed", consent(subscriber.confirmed)),
        ("suppressed", subscriber.suppressed_reason or "-"),
        ("deliveries", ", ".join(subscriber.deliveries) or "-"),
    )
    for label, value in rows:
        print(f"{label + ':':<12}{printable(value)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    key = subscriber_key(args.subscriber)
    with open_store(settings(), read_only=True) as store:
        if args.keep:
            subscriber = store.get_subscriber(key)
            if subscriber is not None:
                store.put_subscriber(
                    replace(
                        subscriber,
                        status=SubscriberStatus.UNSUBSCRIBED,
                        updated_at=datetime.now(UTC),
                    )
                )
            done = subscriber is not None
        else:
            done = store.delete_subscriber(key)
    if not done:
        raise _not_found(args.subscriber)
    print(f"subscriber {key} {'unsubscribed' if args.keep else 'removed'}")
    return 0
