"""Alerts: the moment an official source clarifies an election hoax, tell the officials concerned.

A story's alert is planned into batches of the officials it concerns (plan),
and each batch is sent on its own (send_batch): on AWS every batch is its own
invocation, so a national clarification, which goes to every official, is
many small units of work rather than one that could outrun its function's
timeout. A batch is sized to take half its function's time at the account's
send rates (batch_size_for), and it watches the time its invocation has left
(Deadline): when that runs short it stops before the next official and hands
back those it has not reached as a batch of their own (AlertReport.remainder).

Subscribers who asked for urgent clarifications (Subscriber.urgent) of a
region the story concerns (core.regions.wanted) get the alert by email too,
in batches of their own planned after the officials'; only ACTIVE ones, read
again when their batch is sent.

An alert is the first message of a chain (core.chain, services.lifecycle):
updates follow when another official source confirms the story, its summary
changes or its region widens, and a cancel when its source withdraws or
corrects the item. Planning the story again sends each recipient, on each
channel, every message of the chain they are owed, in order, each email
naming the ones before it (In-Reply-To, References): the recipients of an
update are those who received the chain, and one who never had the alert gets
nothing of a cancelled chain. Each message keeps the story as it stood when
it was made, so whoever receives it later reads the same. Updates are urgent:
no quiet hours hold them back.

Each official gets each message once per channel (email, SMS), whatever retries,
takeovers or hand-backs happen, through the sent ledger. Each batch of a
planning records itself done (BATCH_DONE) once every one of its officials has
had every message; when the last batch of the latest planning is done, the
story is marked alerted (ALERTED). The sweeps (services.fanout) plan again any
urgent story still without that mark, so a crash anywhere loses no alert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from warta.config.settings import MAX_ALERT_BATCH
from warta.core.chain import Chain, ChainMessage, Reason, Step, message_key
from warta.core.links import RecipientKind
from warta.core.model import AlertBatch, Official, Story, Subscriber, SubscriberStatus
from warta.core.ports import Renderer, Store
from warta.core.regions import concerns, wanted
from warta.services.compose import Edition, render_edition
from warta.services.delivery import Delivery, Outcome, Recipient, message_id, tally
from warta.services.lifecycle import Lifecycle
from warta.services.sms import SMS_LIMIT, sms_text

T = TypeVar("T")

__all__ = [
    "SMS_LIMIT",
    "AlertPlan",
    "AlertReport",
    "Alerts",
    "Deadline",
    "InTime",
    "batch_size_for",
    "sms_text",
]

EMAIL_KIND = "alert-email"
SMS_KIND = "alert-sms"
SUBSCRIBER_KIND = "alert-subscriber"
"""Sent-ledger kind of a subscriber's alert email (subscriber and official ids may look alike)."""
ALERTED = "alert-done"
"""Sent-ledger kind that marks a story whose alert reached every official concerned."""
ALERTED_RECIPIENT = "officials"
PLANNED = "alert-plan"
"""Sent-ledger kind that records the latest planning of a story's alert: "batches:plan"."""
BATCH_DONE = "alert-batch"
"""Sent-ledger kind that marks one batch of one planning as sent to all its officials."""

DEFAULT_BATCH = 100
"""Officials per batch where no function timeout bounds a run (one machine)."""
EMAIL_RATE = 14.0
"""Emails per second SES takes from a new production account (its sandbox takes 1)."""
SMS_RATE = 20.0
"""SMS per second SNS takes from an account by default."""
SENDERS = 2
"""Alert invocations that run at once: the alert queue's MaximumConcurrency in
infra/template.yaml. They share the account's rates."""
STORE_SECONDS = 0.05
"""One official's store round trips: a read, then a claim and a completion per channel."""
BATCH_SHARE = 0.5
"""The share of its function's time a batch is sized to take; the rest is room for throttles."""
RESERVE_SHARE = 1 / 3
"""A batch stops before the next official once less than this share of its function's time
is left: room for one official whose two sends are both throttled to the end of botocore's
retries and then of their own backoff (adapters.aws.Backoff), about 18 s, and for handing
back the rest."""


def batch_size_for(seconds: float | None) -> int:
    """Officials per batch for a function that runs `seconds` (None: no limit, one machine).

    Each official costs an email and an SMS at the account's rates, shared by
    the SENDERS invocations running at once, and its store round trips; a batch
    is sized to take BATCH_SHARE of the time. An account whose rates differ
    from the defaults sets WARTA_ALERT_BATCH instead.
    """
    if seconds is None:
        return DEFAULT_BATCH
    per_official = SENDERS / EMAIL_RATE + SENDERS / SMS_RATE + STORE_SECONDS
    return max(1, min(MAX_ALERT_BATCH, int(seconds * BATCH_SHARE / per_official)))


def batch_key(story_id: str, plan: str) -> str:
    return f"{story_id}:{plan}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """The time of the invocation a step runs in: `total` seconds at its start (on Lambda,
    about its function's timeout), and `remaining()`, the seconds left now."""

    total: float
    remaining: Callable[[], float]

    def too_close(self, slowest: float) -> bool:
        """Whether the next official might not be done in time: less than RESERVE_SHARE of
        the total is left, or less than twice what the slowest official so far took."""
        return self.remaining() < max(self.total * RESERVE_SHARE, 2 * slowest)


class InTime(Generic[T]):
    """The recipients of a batch, one by one, while `deadline` leaves time for the next:
    iterating stops before the first one that might not be done in time, and `rest`
    holds those not reached (empty when all were). Without a deadline, all of them."""

    def __init__(self, items: tuple[T, ...], deadline: Deadline | None) -> None:
        self.items = items
        self.deadline = deadline
        self.rest: tuple[T, ...] = ()

    def __iter__(self) -> Iterator[T]:
        deadline = self.deadline
        slowest = 0.0
        for n, item in enumerate(self.items):
            if deadline is None:
                yield item
                continue
            if deadline.too_close(slowest):
                self.rest = self.items[n:]
                return
            started = deadline.remaining()
            yield item  # the caller sends to this one before the loop comes back here
            slowest = max(slowest, started - deadline.remaining())


@dataclass(slots=True)
class AlertPlan:
    """What planning one story's alert queued."""

    story_id: str
    batches: int = 0
    officials: int = 0
    subscribers: int = 0
    skipped: str | None = None


@dataclass(slots=True)
class AlertReport:
    story_id: str
    number: int = 0
    """The batch reported on (0 also for a whole story alerted at once)."""
    officials: int = 0
    subscribers: int = 0
    emails: int = 0
    sms: int = 0
    already: int = 0
    busy: int = 0
    """Held by another sender's claim under lease: to be tried again later."""
    resumed: int = 0
    """Sent after taking over a dead sender's claim (counted in emails or sms too)."""
    failed: int = 0
    updates: int = 0
    """Updates and cancels of the chain among the messages sent (counted in emails or sms)."""
    skipped: str | None = None
    remainder: AlertBatch | None = None
    """The officials of the batch not reached before its deadline: to be queued as a batch."""

    @property
    def complete(self) -> bool:
        """Every official of the batch (or story) has had every message of this alert."""
        return self.skipped is None and not self.failed and not self.busy and self.remainder is None

    def add(self, other: AlertReport) -> None:
        """Count another batch of the same story in this report."""
        for name in (
            "officials",
            "subscribers",
            "emails",
            "sms",
            "already",
            "busy",
            "resumed",
            "failed",
            "updates",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped = self.skipped or other.skipped
        self.remainder = self.remainder or other.remainder


class Alerts:
    def __init__(
        self,
        *,
        store: Store,
        delivery: Delivery,
        renderer: Renderer,
        page_size: int = 100,
        batch_size: int | None = None,
        lifecycle: Lifecycle | None = None,
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.renderer = renderer
        self.page_size = page_size
        self.batch_size = batch_size
        """Officials per batch as the admin set it (WARTA_ALERT_BATCH); None to derive it."""
        self.lifecycle = lifecycle or Lifecycle(store=store)

    def size_for(self, deadline: Deadline | None) -> int:
        """Officials per batch for batches run under deadlines like this one."""
        return self.batch_size or batch_size_for(deadline.total if deadline else None)

    def render(self, story: Story, audience: str = "official") -> tuple[Edition, str]:
        email = render_edition(
            self.renderer,
            subject="alert_subject.txt",
            text="alert.txt",
            html="alert.html",
            story=story,
            audience=audience,
        )
        sms = sms_text(
            self.renderer.render("alert_sms.txt", story=story),
            link=story.sources[0].url if story.sources else None,
        )
        return email, sms

    def render_message(
        self, chain: Chain, message: ChainMessage, audience: str = "official"
    ) -> tuple[Edition, str]:
        """One message of the chain as email and SMS, for officials or subscribers."""
        if message.step is Step.ALERT:
            return self.render(message.story, audience)
        before = [m for m in chain.messages if m.number < message.number]
        previous = before[-1].story if before else message.story
        name = "alert_cancel" if message.step is Step.CANCEL else "alert_update"
        archive_url = self.archive_url(message.story.id)
        context = {
            "story": message.story,
            "previous": previous,
            "message": message,
            "reasons": [r.value for r in message.reasons],
            "new_sources": [
                s
                for s in message.story.sources
                if s.source_id not in {p.source_id for p in previous.sources}
            ],
            "archive_url": archive_url,
        }
        email = render_edition(
            self.renderer,
            subject=f"{name}_subject.txt",
            text=f"{name}.txt",
            html=f"{name}.html",
            audience=audience,
            **context,
        )
        # A withdrawn item's own page is gone: the cancel links to the story's archive page;
        # an update to its newest source, the one that confirmed it, or to its first.
        if message.step is Step.CANCEL or not message.story.sources:
            link = archive_url
        elif Reason.CONFIRMED in message.reasons:
            link = message.story.sources[-1].url
        else:
            link = message.story.sources[0].url
        sms = sms_text(self.renderer.render(f"{name}_sms.txt", **context), link=link)
        return email, sms

    def archive_url(self, story_id: str) -> str:
        return f"{self.delivery.letterhead.public_url.rstrip('/')}/cerita/{story_id}/"

    def urgent_story(self, story_id: str) -> tuple[Story | None, str | None]:
        """The story when it is one to alert about, else None and why not."""
        story = self.store.get_story(story_id)
        if story is None:
            return None, "unknown story"
        if not story.urgent:
            return None, "not urgent"
        return story, None

    def plan(self, story: Story, plan: str = "", *, size: int) -> Iterator[AlertBatch]:
        """The officials the story concerns, then the subscribers who asked for its region's
        urgent clarifications, in batches of `size`, streamed page by page."""
        number = 0
        for ids in _chunked(self._officials_for(story), size):
            yield AlertBatch(story.id, ids, number, plan)
            number += 1
        for ids in _chunked(self._subscribers_for(story), size):
            yield AlertBatch(story.id, (), number, plan, subscriber_ids=ids)
            number += 1

    def _officials_for(self, story: Story) -> Iterator[str]:
        cursor: str | None = None
        while True:
            page = self.store.officials_page(cursor=cursor, limit=self.page_size)
            for official in page.items:
                if concerns(story.region, (official.region,)):
                    yield official.id
            cursor = page.cursor
            if cursor is None:
                return

    def _subscribers_for(self, story: Story) -> Iterator[str]:
        cursor: str | None = None
        while True:
            page = self.store.subscribers_page(
                SubscriberStatus.ACTIVE, cursor=cursor, limit=self.page_size
            )
            for subscriber in page.items:
                if _wants_alert(subscriber, story):
                    yield subscriber.id
            cursor = page.cursor
            if cursor is None:
                return

    def send_batch(self, batch: AlertBatch, deadline: Deadline | None = None) -> AlertReport:
        """Alert the officials of one batch, stopping in time before `deadline`."""
        report = AlertReport(batch.story_id, batch.number)
        story, report.skipped = self.urgent_story(batch.story_id)
        if story is None:
            return report
        if batch.subscriber_ids:
            self._alert_subscribers(batch, story, deadline, report)
        else:
            self._alert_officials(batch, story, deadline, report)
        if batch.plan and report.complete:
            self.store.complete_send(
                BATCH_DONE,
                batch_key(batch.story_id, batch.plan),
                str(batch.number),
                message_id="done",
                now=self.delivery.clock.now(),
            )
            self.finish(batch.story_id, batch.plan)
        return report

    def _alert_officials(
        self, batch: AlertBatch, story: Story, deadline: Deadline | None, report: AlertReport
    ) -> None:
        chain = _Rendered(self, self.lifecycle.of(story), "official")
        officials = InTime(batch.official_ids, deadline)
        for official_id in officials:
            official = self.store.get_official(official_id)
            # An official may have left, or moved to another region, since the planning.
            if official and official.active and concerns(story.region, (official.region,)):
                report.officials += 1
                self._alert(official, chain, report)
        if officials.rest:
            report.remainder = replace(batch, official_ids=officials.rest)

    def _alert_subscribers(
        self, batch: AlertBatch, story: Story, deadline: Deadline | None, report: AlertReport
    ) -> None:
        chain = _Rendered(self, self.lifecycle.of(story), "subscriber")
        # Read again at send time: one may have left, changed their choices or been
        # suppressed since the planning, and only ACTIVE subscribers are ever mailed.
        found = self.store.get_subscribers(batch.subscriber_ids)
        subscribers = InTime(batch.subscriber_ids, deadline)
        for subscriber_id in subscribers:
            subscriber = found.get(subscriber_id)
            if subscriber is not None and _wants_alert(subscriber, story):
                report.subscribers += 1
                to = Recipient(RecipientKind.SUBSCRIBER, subscriber.id, subscriber.email)
                self._follow(chain, SUBSCRIBER_KIND, subscriber.id, report, "emails", to=to)
        if subscribers.rest:
            report.remainder = replace(batch, subscriber_ids=subscribers.rest)

    def finish(self, story_id: str, plan: str | None = None) -> bool:
        """Mark the story alerted if every batch of its latest planning is done (and that
        planning is `plan`, when given); True when it is marked now.

        A batch of an older planning leaves the decision to the latest one, whose
        batches send to the same officials, or skip them as already sent.
        """
        planned = self.store.get_send(PLANNED, story_id, ALERTED_RECIPIENT)
        if planned is None or planned.sent_at is None:
            return False
        batches, _, latest = (planned.message_id or "0:").partition(":")
        if plan is not None and plan != latest:
            return False
        key = batch_key(story_id, latest)
        # From the last batch back: batches mostly finish in the order they were
        # queued, so all but the last batch to finish stop at their first look.
        for number in reversed(range(int(batches))):
            if self.store.get_send(BATCH_DONE, key, str(number)) is None:
                return False
        self.mark_alerted(story_id, latest)
        return True

    def mark_alerted(self, story_id: str, plan: str = "") -> None:
        # The mark the sweeps look for: no official is still owed this alert, nor any
        # message of its chain made before `plan` (the planning whose batches are done).
        self.store.complete_send(
            ALERTED,
            story_id,
            ALERTED_RECIPIENT,
            message_id=plan or "done",
            now=self.delivery.clock.now(),
        )

    def story(self, story_id: str) -> AlertReport:
        """Alert every official the story concerns here and now, batch after batch.

        For a one-off in this process (tests, a console); the cycle and the AWS
        functions go through the alert queue instead (services.fanout).
        """
        report = AlertReport(story_id)
        story, report.skipped = self.urgent_story(story_id)
        if story is None:
            return report
        for batch in self.plan(story, size=self.size_for(None)):
            report.add(self.send_batch(batch))
        if report.complete:
            self.mark_alerted(story_id)
        return report

    def _alert(self, official: Official, chain: _Rendered, report: AlertReport) -> None:
        if official.email:
            to = Recipient(RecipientKind.OFFICIAL, official.id, official.email)
            self._follow(chain, EMAIL_KIND, official.id, report, "emails", to=to)
        if official.phone:
            self._follow(chain, SMS_KIND, official.id, report, "sms", phone=official.phone)

    def _follow(
        self,
        chain: _Rendered,
        kind: str,
        recipient_id: str,
        report: AlertReport,
        counter: str,
        *,
        to: Recipient | None = None,
        phone: str | None = None,
    ) -> None:
        """Send one recipient, on one channel (its ledger kind), each message of the chain
        they are owed, in order: a message only once the one before it went out."""
        story_id = chain.chain.story_id
        if chain.chain.cancelled and self.store.get_send(kind, story_id, recipient_id) is None:
            return  # never alerted: a withdrawn clarification is not news to them
        sent: list[str] = []
        for message in chain.chain.messages:
            key = message_key(story_id, message.number)
            email, sms = chain.rendered(message)
            if to is not None:
                outcome = self.delivery.email(
                    email,
                    kind="alert",
                    ledger_kind=kind,
                    key=key,
                    to=to,
                    references=tuple(sent),
                )
            elif phone is not None:
                outcome = self.delivery.sms(
                    sms, kind=kind, key=key, recipient_id=recipient_id, phone=phone
                )
            else:
                return
            tally(report, outcome, counter)
            if outcome not in (Outcome.SENT, Outcome.RESUMED, Outcome.ALREADY):
                return  # the next message waits for this one
            if message.step is not Step.ALERT and outcome is not Outcome.ALREADY:
                report.updates += 1
            sent.append(message_id(kind, key, recipient_id, self.delivery.letterhead.domain))


class _Rendered:
    """A chain whose messages are rendered once per batch, on first use, for one audience."""

    def __init__(self, alerts: Alerts, chain: Chain, audience: str) -> None:
        self.alerts = alerts
        self.chain = chain
        self.audience = audience
        self._done: dict[int, tuple[Edition, str]] = {}

    def rendered(self, message: ChainMessage) -> tuple[Edition, str]:
        if message.number not in self._done:
            self._done[message.number] = self.alerts.render_message(
                self.chain, message, self.audience
            )
        return self._done[message.number]


def _wants_alert(subscriber: Subscriber, story: Story) -> bool:
    return (
        subscriber.status is SubscriberStatus.ACTIVE
        and subscriber.urgent
        and wanted(story.region, subscriber.regions)
    )


def _chunked(ids: Iterator[str], size: int) -> Iterator[tuple[str, ...]]:
    pending: list[str] = []
    for recipient_id in ids:
        pending.append(recipient_id)
        if len(pending) == size:
            yield tuple(pending)
            pending = []
    if pending:
        yield tuple(pending)
