"""What each AWS step does around its service call: hand work on, count, fail loudly.

A step raises when its unit of work must be tried again (an alert or digest
send that failed, a queue that refused), so SQS redelivers that one record;
the sent ledger makes the retry send only what is still missing. A source
whose fetch failed is not such a case: its failure is recorded in the store,
which schedules the next attempt with backoff, and a redelivery would only
bypass that.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from warta.core.errors import ConfigError, SendError
from warta.core.model import CorrectionBatch
from warta.handlers._observe import count

if TYPE_CHECKING:
    from warta.core.model import AlertBatch, DigestBatch, Source
    from warta.services.alerts import Deadline
    from warta.wiring import App

logger = logging.getLogger(__name__)

ALERT_GRACE = timedelta(minutes=15)
"""An urgent story queued this recently is left to the alert queue, which may still deliver it."""
DIGEST_GRACE = timedelta(hours=1)
"""A digest slot planned this recently is left to the digest queue and its retries."""


def schedule(app: App, sources: Mapping[str, Source]) -> dict[str, Any]:
    """Queue every due source, queue again any alert that was lost, check the sources' health."""
    due = app.fanout.queue_sources(sources.values())
    requeued = app.fanout.requeue_lost_alerts(ALERT_GRACE)
    resumed = app.fanout.resume_digests(DIGEST_GRACE)
    health = app.health.check(sources.values())
    count("SourcesDue", len(due))
    count("AlertsRequeued", requeued)
    count("DigestsResumed", len(resumed))
    count("SourceProblems", len(health.problems))
    return {
        "sources": len(sources),
        "due": len(due),
        "requeued_alerts": requeued,
        "resumed_digests": [f"{s.edition.isoformat()} {s.name}" for s in resumed],
        "problems": len(health.problems),
    }


def ingest(app: App, sources: Mapping[str, Source], source_id: str) -> None:
    source = sources.get(source_id)
    if source is None:
        raise ConfigError(f"source {source_id!r} is not in the sources file")
    report = app.ingest.source(source)
    logger.info(
        "source taken in",
        extra={
            "status": report.status,
            "items": report.items,
            "new_items": report.new_items,
            "new_stories": len(report.new_stories),
            "urgent_stories": len(report.urgent_stories),
            "error": report.error,
            "skipped": report.skipped,
        },
    )
    count("ItemsNew", report.new_items)
    count("StoriesNew", len(report.new_stories))
    count("SourcesFailed", int(report.error is not None))
    # Only this run sees these stories become urgent; should the queue refuse
    # them, the next schedule's sweep (requeue_lost_alerts) queues them again.
    # Updates and cancels of alerts go the same way, as do corrections of digest stories.
    app.fanout.queue_alerts(report.alerts_due)
    app.fanout.queue_corrections(report.corrections)
    count("StoriesUrgent", len(report.urgent_stories))
    count("AlertUpdates", len(report.chain_updates))
    count("Corrections", len(report.corrections))


def deadline(context: Any) -> Deadline:
    """The time of this invocation, from its Lambda context; read at the invocation's start,
    what is left then is about the function's timeout."""
    from warta.services.alerts import Deadline

    def remaining() -> float:
        return float(context.get_remaining_time_in_millis()) / 1000

    return Deadline(total=remaining(), remaining=remaining)


def alert(app: App, work: str | AlertBatch | CorrectionBatch, deadline: Deadline) -> None:
    """Plan an urgent story (`work` is its id) into batches of officials, or send one batch;
    or plan or send a correction."""
    if isinstance(work, CorrectionBatch):
        correction(app, work, deadline)
        return
    if isinstance(work, str):
        plan = app.fanout.plan_alerts(work, deadline)
        logger.info(
            "story's alert planned",
            extra={
                "batches": plan.batches,
                "officials": plan.officials,
                "subscribers": plan.subscribers,
                "skipped": plan.skipped,
            },
        )
        count("AlertBatches", plan.batches)
        return
    report = app.alerts.send_batch(work, deadline)
    if report.remainder is not None:
        # Out of time before the batch's end: the rest goes back on the queue as a
        # batch of its own, and this record is done (nothing failed, nothing to retry).
        app.fanout.queue_alert_batches([report.remainder])
    logger.info(
        "alert batch sent",
        extra={
            "batch": work.number,
            "officials": report.officials,
            "subscribers": report.subscribers,
            "emails": report.emails,
            "sms": report.sms,
            "already": report.already,
            "failed": report.failed,
            "handed_back": report.remainder.size if report.remainder else 0,
            "skipped": report.skipped,
        },
    )
    count("AlertsSent", report.emails + report.sms)
    count("AlertsFailed", report.failed)
    count("ClaimsTakenOver", report.resumed)
    count("AlertBatchesHandedBack", int(report.remainder is not None))
    if report.failed:
        raise SendError(f"{report.failed} alert(s) of story {work.story_id} failed; retry")
    if report.busy:
        # Another invocation holds these claims under lease (or died holding
        # them): fail the record, so SQS delivers it again after its visibility
        # timeout, by when the lease has run out or the holder has finished.
        raise SendError(
            f"{report.busy} alert(s) of story {work.story_id} are held; retry", temporary=True
        )


def correction(app: App, work: CorrectionBatch, deadline: Deadline) -> None:
    """Plan a story's correction into batches of subscribers, or send one batch."""
    if not work.plan:
        batches = app.fanout.plan_corrections(work.story_id, deadline)
        logger.info("correction planned", extra={"batches": batches})
        count("CorrectionBatches", batches)
        return
    report = app.correction_mail.send_batch(work, deadline)
    if report.remainder is not None:
        app.fanout.queue_correction_batches([report.remainder])
    logger.info(
        "correction batch sent",
        extra={
            "batch": work.number,
            "subscribers": report.subscribers,
            "sent": report.sent,
            "in_digest": report.in_digest,
            "already": report.already,
            "failed": report.failed,
            "skipped": report.skipped,
        },
    )
    count("CorrectionsSent", report.sent)
    count("ClaimsTakenOver", report.resumed)
    if report.failed or report.busy:
        raise SendError(
            f"{report.failed + report.busy} correction(s) of story {work.story_id} not sent; retry",
            temporary=not report.failed,
        )


def plan_digest(app: App, day: date | None) -> dict[str, Any]:
    """Queue one message per batch of each digest slot due now (the subscribers of one hour
    of one zone, core.slots) not planned yet; or, when the event names an edition, of
    every slot of it at once."""
    if day is not None:
        batches = app.fanout.plan_digest(day)
        count("DigestBatches", batches)
        return {"day": day.isoformat(), "batches": batches}
    planning = app.fanout.plan_due_digests()
    count("DigestBatches", planning.batches)
    count("DigestSlotsPlanned", len(planning.planned))
    return {
        "slots": [f"{slot.edition.isoformat()} {slot.name}" for slot, n in planning.planned if n],
        "empty": sum(1 for _, n in planning.planned if not n),
        "batches": planning.batches,
        "held": [f"{slot.edition.isoformat()} {slot.name}" for slot in planning.held],
    }


def index_digest_slots(app: App) -> dict[str, Any]:
    """Give subscriber rows an older Warta wrote the index keys of their digest slot.

    Only the DynamoDB store has such rows (SQLite's migration gave them theirs);
    with any other store there is nothing to do.
    """
    index = getattr(app.store, "index_digest_slots", None)
    written = int(index()) if callable(index) else 0
    count("SubscribersIndexed", written)
    return {"indexed": written}


def send_digest(app: App, batch: DigestBatch, deadline: Deadline) -> None:
    """Send one digest batch within the invocation's time, handing back what it cannot reach."""
    from warta.services.digest_time import send_in_time

    timed = send_in_time(app.digest, batch, deadline)
    report = timed.report
    if timed.remainder is not None:
        # Out of time before the batch's end: the rest goes back on the queue as a batch of
        # its own (services.digest_time says when it still records the batch done).
        app.fanout.queue_digest_batches([timed.remainder])
    logger.info(
        "digest batch sent",
        extra={
            "recipients": report.recipients,
            "sent": report.sent,
            "already": report.already,
            "failed": report.failed,
            "empty": report.empty,
            "handed_back": len(timed.remainder.subscriber_ids) if timed.remainder else 0,
        },
    )
    count("DigestsSent", report.sent)
    count("DigestsFailed", report.failed)
    count("ClaimsTakenOver", report.resumed)
    count("DigestBatchesHandedBack", int(timed.remainder is not None))
    if report.failed:
        raise SendError(f"{report.failed} digest(s) of batch {batch.number} failed; retry")
    if report.busy:
        raise SendError(
            f"{report.busy} digest(s) of batch {batch.number} are held; retry", temporary=True
        )
