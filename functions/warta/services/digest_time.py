"""A digest batch sent within its invocation's time: piece by piece, the rest handed back.

On AWS a digest batch goes out at the share of the account's send rate each sender
keeps to (adapters.pacing), and SES may still throttle a send, which is tried again
inside the call: a batch can take longer than planned. So the send step sends it a
piece at a time, and once too little of its invocation's time is left for another
piece (services.alerts.Deadline, as an alert batch does) it stops and hands back the
recipients not reached as a batch of their own, to be queued again.

Whether a batch counts as sent (its line of Digest's BATCH_DONE kind, which the
digest sweep counts) is decided here, not per piece: only once its last recipient
has been reached with nothing failed and nothing held by another sender. The rest
handed back keeps the batch's planning and number when all went well so far, so the
piece that ends it records the batch done; after a failure it goes without them, and
the batch is recorded done by its own record, which SQS delivers again whole (the
ledger skips everyone already sent).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from warta.core.model import DigestBatch
from warta.services.alerts import Deadline
from warta.services.digest import BATCH_DONE, BatchReport, Digest, batch_key

PIECE = 25
"""Recipients sent between two looks at the time left: a few seconds of sends at a
sender's share of SES's rate, and little work repeated per piece (the day's stories,
the piece's subscribers)."""


@dataclass(slots=True)
class TimedBatch:
    report: BatchReport
    """The sum of the pieces sent."""
    remainder: DigestBatch | None = None
    """The recipients not reached before the deadline: to be queued as a batch."""


def _add(total: BatchReport, part: BatchReport) -> None:
    for f in fields(BatchReport):
        value = getattr(part, f.name)
        if isinstance(value, int) and f.name != "number":
            setattr(total, f.name, getattr(total, f.name) + value)
    total.stories.update(part.stories)


def send_in_time(
    digest: Digest, batch: DigestBatch, deadline: Deadline, *, piece: int = PIECE
) -> TimedBatch:
    """Send one digest batch, stopping before the next piece once `deadline` is too close."""
    done = TimedBatch(BatchReport(batch.day, batch.number))
    ids = batch.subscriber_ids
    slowest = 0.0
    for start in range(0, len(ids), piece):
        if start and deadline.too_close(slowest):
            clean = not done.report.failed and not done.report.busy
            done.remainder = replace(
                batch,
                subscriber_ids=ids[start:],
                plan=batch.plan if clean else "",
            )
            return done
        began = deadline.remaining()
        # Without its planning, a piece records nothing of the batch: that is decided below.
        _add(
            done.report,
            digest.send_batch(replace(batch, subscriber_ids=ids[start : start + piece], plan="")),
        )
        slowest = max(slowest, began - deadline.remaining())
    if batch.plan and not done.report.failed and not done.report.busy:
        digest.store.complete_send(
            BATCH_DONE,
            batch_key(batch.day, batch.plan),
            str(batch.number),
            message_id="done",
            now=digest.delivery.clock.now(),
        )
    return done
