"""`warta sent`: whether one message went to one recipient, from the sent ledger."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from warta.cli.common import settings
from warta.cli.subscriber_commands import subscriber_key
from warta.core.validate import printable

if TYPE_CHECKING:
    from warta.cli.common import Subparsers

KINDS = ("digest", "alert-email", "alert-sms", "health")
"""The ledger's kinds of message (services.digest, services.alerts, services.health)."""


def register(sub: Subparsers) -> None:
    sent = sub.add_parser(
        "sent",
        help="whether one message (a day's digest, a story's alert) went to one recipient",
        description="Looks a message up in the sent ledger: the digest of a day (--key "
        "2026-02-10) for a subscriber, or the alert on a story (--key STORY_ID) for an "
        "official. The ledger is kept by message, so it answers for one message and one "
        "recipient at a time; a list of everything sent to someone would need an index the "
        "store does not keep. Ledger lines expire after WARTA_LEDGER_RETENTION_DAYS. Exit "
        "status 1 when nothing is recorded.",
    )
    sent.add_argument(
        "recipient", metavar="RECIPIENT", help="a subscriber's id or address, or an official's id"
    )
    sent.add_argument("--key", required=True, help="the digest day (YYYY-MM-DD) or the story id")
    sent.add_argument("--kind", choices=KINDS, help="default: every kind")
    sent.set_defaults(func=cmd_sent)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def cmd_sent(args: argparse.Namespace) -> int:
    from warta.wiring import open_store

    recipient = subscriber_key(args.recipient)
    found = 0
    with open_store(settings(), read_only=True) as store:
        for kind in [args.kind] if args.kind else KINDS:
            record = store.get_send(kind, args.key, recipient)
            if record is None:
                continue
            found += 1
            print(
                f"{record.kind} {record.key} to {record.recipient_id}: {record.status.value}; "
                f"claimed {_when(record.claimed_at)}, sent {_when(record.sent_at)}, "
                f"provider's message id {record.message_id or '-'}"
            )
    if not found:
        kinds = args.kind or "message of any kind"
        print(f"no {kinds} {printable(args.key)} recorded for {printable(recipient)}")
    return 0 if found else 1
