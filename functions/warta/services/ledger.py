"""Sending through the ledger: each message of a kind goes to a recipient once.

The claim comes before the send. Of two runs racing for the same message
(a retried Lambda, two overlapping cron runs) only the one whose conditional
write wins may send; the other sees the claim and skips. A failed send gives
its claim back so a later run can try again. What is given up is the crash
between a successful send and complete_send: that message stays claimed and
is not sent twice, which is the side we choose to err on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

from warta.core.errors import SendError
from warta.core.ports import Clock, Store

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY = "already"
    FAILED = "failed"


def send_once(
    store: Store,
    clock: Clock,
    *,
    kind: str,
    key: str,
    recipient_id: str,
    send: Callable[[], str],
) -> Outcome:
    if not store.claim_send(kind, key, recipient_id, now=clock.now()):
        return Outcome.ALREADY
    try:
        message_id = send()
    except SendError as exc:
        store.release_send(kind, key, recipient_id)
        # The recipient is named by id only: addresses never go into logs.
        logger.warning(
            "send failed",
            extra={
                "kind": kind,
                "key": key,
                "recipient_id": recipient_id,
                "error": str(exc),
                "temporary": exc.temporary,
            },
        )
        return Outcome.FAILED
    except BaseException:
        store.release_send(kind, key, recipient_id)
        raise
    store.complete_send(kind, key, recipient_id, message_id=message_id, now=clock.now())
    return Outcome.SENT
