"""The people verbs of `warta`: subscribers, officials, and what was sent to them.

Each group lives in its own module; every command works on the store
WARTA_STORE names (the local SQLite file, or a deployed stack's DynamoDB table).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warta.cli import official_commands, sent_command, subscriber_commands

if TYPE_CHECKING:
    from warta.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    for module in (subscriber_commands, official_commands, sent_command):
        module.register(sub)
