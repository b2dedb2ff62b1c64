"""The daily digest: plan an edition into batches of recipients, then send one batch.

plan() streams subscribers page by page and never holds them all; each batch
is independent, so on AWS every batch is its own invocation. Within a batch,
recipients who follow the same regions form a segment whose digest is
rendered once; only the signed unsubscribe link differs per recipient.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from warta.core.links import RecipientKind
from warta.core.model import DigestBatch, Story, Subscriber, SubscriberStatus
from warta.core.ports import Renderer, Store
from warta.core.regions import wanted
from warta.services.compose import Edition, render_edition
from warta.services.delivery import Delivery, Outcome, Recipient, tally

KIND = "digest"
BATCH_DONE = "digest-batch"
"""Sent-ledger kind that marks one batch of one planning of an edition as sent."""


def batch_key(day: date, plan: str) -> str:
    return f"{day.isoformat()}:{plan}"


@dataclass(slots=True)
class BatchReport:
    day: date
    number: int
    recipients: int = 0
    sent: int = 0
    already: int = 0
    busy: int = 0
    """Held by another sender's claim under lease: to be tried again later."""
    resumed: int = 0
    """Sent after taking over a dead sender's claim (counted in sent too)."""
    failed: int = 0
    empty: int = 0
    """Recipients with no story for their regions that day: no mail is better than an empty one."""
    segments: int = 0
    stories: set[str] = field(default_factory=set)


def order_stories(stories: list[Story]) -> list[Story]:
    """Urgent clarifications first, then the stories confirmed by most sources, then newest."""
    return sorted(
        stories,
        key=lambda s: (not s.urgent, -len(s.sources), -s.published_at.timestamp(), s.id),
    )


class Digest:
    def __init__(
        self,
        *,
        store: Store,
        delivery: Delivery,
        renderer: Renderer,
        batch_size: int = 100,
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.renderer = renderer
        self.batch_size = batch_size

    def plan(self, day: date, plan: str = "") -> Iterator[DigestBatch]:
        cursor: str | None = None
        number = 0
        while True:
            page = self.store.subscribers_page(
                SubscriberStatus.ACTIVE, cursor=cursor, limit=self.batch_size
            )
            if page.items:
                yield DigestBatch(day, tuple(s.id for s in page.items), number, plan)
                number += 1
            cursor = page.cursor
            if cursor is None:
                return

    def render(self, day: date, stories: list[Story]) -> Edition:
        return render_edition(
            self.renderer,
            subject="digest_subject.txt",
            text="digest.txt",
            html="digest.html",
            day=day,
            stories=stories,
            urgent_count=sum(1 for s in stories if s.urgent),
        )

    def send_batch(self, batch: DigestBatch) -> BatchReport:
        report = BatchReport(batch.day, batch.number)
        stories = self.store.stories_of_day(batch.day)
        segments: dict[tuple[str, ...], list[Subscriber]] = defaultdict(list)
        found = self.store.get_subscribers(batch.subscriber_ids)
        for subscriber_id in batch.subscriber_ids:
            subscriber = found.get(subscriber_id)
            # Someone may have unsubscribed between plan and send.
            if subscriber is None or subscriber.status is not SubscriberStatus.ACTIVE:
                continue
            if not subscriber.digest:
                continue
            report.recipients += 1
            segments[tuple(sorted(subscriber.regions))].append(subscriber)
        for regions, subscribers in segments.items():
            chosen = order_stories([s for s in stories if wanted(s.region, regions)])
            if not chosen:
                report.empty += len(subscribers)
                continue
            report.segments += 1
            report.stories.update(s.id for s in chosen)
            rendered = self.render(batch.day, chosen)
            for subscriber in subscribers:
                tally(report, self._send(batch.day, subscriber, rendered))
        if batch.plan and not report.failed and not report.busy:
            # The mark the digest sweep counts: this batch of that planning is done.
            self.store.complete_send(
                BATCH_DONE,
                batch_key(batch.day, batch.plan),
                str(batch.number),
                message_id="done",
                now=self.delivery.clock.now(),
            )
        return report

    def _send(self, day: date, subscriber: Subscriber, rendered: Edition) -> Outcome:
        return self.delivery.email(
            rendered,
            kind=KIND,
            key=day.isoformat(),
            to=Recipient(RecipientKind.SUBSCRIBER, subscriber.id, subscriber.email),
        )
