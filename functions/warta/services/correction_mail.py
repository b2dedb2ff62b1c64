"""The correction email: planned into batches of subscribers, one batch sent at a time.

Like an alert (services.alerts), a correction goes through the alert queue: a
message asks for the correction of a story to be planned, the planning queues
one message per batch of active subscribers, and each batch is sent on its
own. Whether a subscriber received the story in a digest is read when their
batch is sent (services.corrections), so the planning is only a walk through
the subscribers. A subscriber who takes corrections in the digest is counted
here and corrected there.

Each batch of a planning records itself done (BATCH_DONE); when every batch of
the latest planning is, the correction is marked done (DONE). The sweep
(services.fanout) plans again a correction of the last days without that mark.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from warta.core.links import RecipientKind
from warta.core.model import CorrectionBatch, Subscriber, SubscriberStatus
from warta.core.ports import Renderer, Store
from warta.services.alerts import Deadline, InTime
from warta.services.compose import Edition, render_edition
from warta.services.corrections import KIND, Correction, Corrections
from warta.services.delivery import Delivery, Outcome, Recipient, message_id, tally

DIGEST_KIND = "digest"
"""The digest's ledger kind (services.digest.KIND): a correction names the digest that
carried the story by that message's Message-ID."""
PLANNED = "correction-plan"
"""Sent-ledger kind recording the latest planning of a story's correction: "batches:plan"."""
BATCH_DONE = "correction-batch"
"""Sent-ledger kind marking one batch of one planning as sent (key "<story>:<plan>")."""
DONE = "correction-done"
"""Sent-ledger kind marking a correction whose every batch was sent."""
RECIPIENT = "subscribers"


@dataclass(slots=True)
class CorrectionReport:
    story_id: str
    number: int = 0
    subscribers: int = 0
    """Subscribers of the batch who received the story in a digest."""
    sent: int = 0
    already: int = 0
    busy: int = 0
    resumed: int = 0
    failed: int = 0
    in_digest: int = 0
    """Subscribers who will find the correction leading their next digest instead."""
    skipped: str | None = None
    remainder: CorrectionBatch | None = None

    @property
    def complete(self) -> bool:
        return not self.failed and not self.busy and self.remainder is None


class CorrectionMail:
    def __init__(
        self,
        *,
        corrections: Corrections,
        delivery: Delivery,
        renderer: Renderer,
        page_size: int = 100,
    ) -> None:
        self.corrections = corrections
        self.store: Store = corrections.store
        self.delivery = delivery
        self.renderer = renderer
        self.page_size = page_size

    def plan(self, story_id: str, plan: str, *, size: int) -> Iterator[CorrectionBatch]:
        """The active subscribers in batches of `size`, streamed page by page."""
        cursor: str | None = None
        number = 0
        while True:
            page = self.store.subscribers_page(
                SubscriberStatus.ACTIVE, cursor=cursor, limit=self.page_size
            )
            ids = [s.id for s in page.items]
            for start in range(0, len(ids), size):
                yield CorrectionBatch(story_id, tuple(ids[start : start + size]), number, plan)
                number += 1
            cursor = page.cursor
            if cursor is None:
                return

    def render(self, correction: Correction) -> Edition:
        return render_edition(
            self.renderer,
            subject="correction_subject.txt",
            text="correction.txt",
            html="correction.html",
            story=correction.story,
            clarification=correction.clarification,
        )

    def send_batch(
        self, batch: CorrectionBatch, deadline: Deadline | None = None
    ) -> CorrectionReport:
        """Email the correction to the subscribers of the batch who received the story and
        take corrections by email; count those who take them in the digest."""
        report = CorrectionReport(batch.story_id, batch.number)
        correction = self.corrections.correction(batch.story_id)
        if correction is None:
            report.skipped = "no correction"
            return report
        edition: Edition | None = None
        # Read again at send time: one may have left or changed their choices meanwhile.
        found = self.store.get_subscribers(batch.subscriber_ids)
        segments: dict[str, frozenset[str]] = {}
        subscribers = InTime(batch.subscriber_ids, deadline)
        for subscriber_id in subscribers:
            subscriber = found.get(subscriber_id)
            if (
                subscriber is not None
                and subscriber.status is SubscriberStatus.ACTIVE
                and self.corrections.received(subscriber.id, correction.story, segments)
            ):
                report.subscribers += 1
                if not self.corrections.by_email(subscriber):
                    report.in_digest += 1
                else:
                    edition = edition or self.render(correction)
                    tally(report, self._email(subscriber, correction, edition))
        if subscribers.rest:
            report.remainder = replace(batch, subscriber_ids=subscribers.rest)
        if batch.plan and report.complete:
            now = self.delivery.clock.now()
            key = f"{batch.story_id}:{batch.plan}"
            self.store.complete_send(BATCH_DONE, key, str(batch.number), message_id="done", now=now)
            self.finish(batch.story_id, batch.plan)
        return report

    def _email(self, subscriber: Subscriber, correction: Correction, edition: Edition) -> Outcome:
        # The correction follows, in the reader's mailbox, the digest that carried the story.
        digest = message_id(
            DIGEST_KIND,
            correction.story.day.isoformat(),
            subscriber.id,
            self.delivery.letterhead.domain,
        )
        return self.delivery.email(
            edition,
            kind=KIND,
            key=correction.story.id,
            to=Recipient(RecipientKind.SUBSCRIBER, subscriber.id, subscriber.email),
            references=(digest,),
        )

    def finish(self, story_id: str, plan: str | None = None) -> bool:
        """Mark the correction done if every batch of its latest planning is (and that
        planning is `plan`, when given); True when it is marked now."""
        planned = self.store.get_send(PLANNED, story_id, RECIPIENT)
        if planned is None or planned.sent_at is None:
            return False
        batches, _, latest = (planned.message_id or "0:").partition(":")
        if plan is not None and plan != latest:
            return False
        key = f"{story_id}:{latest}"
        for number in reversed(range(int(batches))):
            if self.store.get_send(BATCH_DONE, key, str(number)) is None:
                return False
        self.store.complete_send(
            DONE, story_id, RECIPIENT, message_id=latest, now=self.delivery.clock.now()
        )
        return True
