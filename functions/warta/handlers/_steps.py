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
from typing import Any

from warta.core.errors import ConfigError, SendError
from warta.core.model import DigestBatch, Source
from warta.handlers._messages import batch_message, source_message, story_message
from warta.handlers._observe import count
from warta.services.ingest import due_sources
from warta.wiring import App

logger = logging.getLogger(__name__)

QUEUE_CHUNK = 10
"""Digest batches handed to the queue at a time while the plan streams subscribers."""

QUEUED = "alert-queued"
"""Sent-ledger kind that marks an urgent story whose alerts reached the alert queue."""
QUEUE_RECIPIENT = "alert-queue"


def _queue_alerts(app: App, story_ids: list[str]) -> None:
    if not story_ids:
        return
    app.fanout.alerts.send([story_message(s) for s in story_ids])
    now = app.clock.now()
    for story_id in story_ids:
        app.store.complete_send(QUEUED, story_id, QUEUE_RECIPIENT, message_id="queued", now=now)


def requeue_lost_alerts(app: App) -> int:
    """Queue again the alerts of urgent stories that never reached the alert queue.

    Ingest is the only run that sees a story become urgent. When the queue
    refuses it, or the function dies between recording its items and queueing
    the alert, the retry finds the items seen and the alert would be lost:
    this sweep, run with every schedule, finds such stories of today and
    yesterday (Jakarta) by the missing mark. Queueing twice is harmless: the
    alerts step sends each official only what the ledger has not seen.
    """
    today = app.settings.today(app.clock.now())
    lost = [
        story.id
        for day in (today - timedelta(days=1), today)
        for story in app.store.stories_of_day(day)
        if story.urgent and app.store.get_send(QUEUED, story.id, QUEUE_RECIPIENT) is None
    ]
    _queue_alerts(app, lost)
    return len(lost)


def schedule(app: App, sources: Mapping[str, Source]) -> dict[str, Any]:
    """Queue every due source, queue again any alert that was lost, check the sources' health."""
    due = due_sources(sources.values(), app.store, app.clock.now())
    app.fanout.ingest.send([source_message(s.id) for s in due])
    requeued = requeue_lost_alerts(app)
    health = app.health.check(sources.values())
    count("SourcesDue", len(due))
    count("AlertsRequeued", requeued)
    count("SourceProblems", len(health.problems))
    return {
        "sources": len(sources),
        "due": len(due),
        "requeued_alerts": requeued,
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
    _queue_alerts(app, list(dict.fromkeys(report.urgent_stories)))
    count("StoriesUrgent", len(report.urgent_stories))


def alert(app: App, story_id: str) -> None:
    report = app.alerts.story(story_id)
    logger.info(
        "story alerted",
        extra={
            "officials": report.officials,
            "emails": report.emails,
            "sms": report.sms,
            "already": report.already,
            "failed": report.failed,
            "skipped": report.skipped,
        },
    )
    count("AlertsSent", report.emails + report.sms)
    count("AlertsFailed", report.failed)
    if report.failed:
        raise SendError(f"{report.failed} alert(s) of story {story_id} failed; retry")


def plan_digest(app: App, day: date | None) -> dict[str, Any]:
    """Queue one message per batch of the day's edition (yesterday in Jakarta by default)."""
    day = day or app.settings.today(app.clock.now()) - timedelta(days=1)
    pending: list[dict[str, Any]] = []
    batches = 0
    for batch in app.digest.plan(day):
        pending.append(batch_message(batch))
        batches += 1
        if len(pending) == QUEUE_CHUNK:
            app.fanout.digest.send(pending)
            pending = []
    app.fanout.digest.send(pending)
    count("DigestBatches", batches)
    return {"day": day.isoformat(), "batches": batches}


def send_digest(app: App, batch: DigestBatch) -> None:
    report = app.digest.send_batch(batch)
    logger.info(
        "digest batch sent",
        extra={
            "recipients": report.recipients,
            "sent": report.sent,
            "already": report.already,
            "failed": report.failed,
            "empty": report.empty,
        },
    )
    count("DigestsSent", report.sent)
    count("DigestsFailed", report.failed)
    if report.failed:
        raise SendError(f"{report.failed} digest(s) of batch {batch.number} failed; retry")
