"""One full Warta cycle in one process: ingest, alerts, digest.

On AWS the same steps run as separate invocations fanned out through SQS;
here the fan-out goes through in-memory queues that the cycle drains one step
after another, which is what `warta demo` and `warta run` do on a single
machine. The same Fanout service decides what is queued in both places, the
lost-alert sweep included.

Whatever goes wrong with one source, one story's alert or one digest batch
is reported as that one's failure and the run goes on to the others; the
report counts every such failure, so `warta run` can exit non-zero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from warta.core.model import AlertBatch, CorrectionBatch, DigestBatch, Source
from warta.core.parsed import reason
from warta.core.ports import LocalQueue
from warta.services.alerts import AlertReport, Alerts
from warta.services.correction_mail import CorrectionMail, CorrectionReport
from warta.services.digest import BatchReport, Digest
from warta.services.fanout import Fanout
from warta.services.health import Health, HealthReport, describe
from warta.services.ingest import Ingest, IngestReport
from warta.services.messages import read_alert, read_batch, read_source_id

Progress = Callable[[str], None]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class CycleReport:
    ingest: list[IngestReport] = field(default_factory=list)
    alerts: list[AlertReport] = field(default_factory=list)
    corrections: list[CorrectionReport] = field(default_factory=list)
    digest: list[BatchReport] = field(default_factory=list)
    health: HealthReport | None = None

    @property
    def sources_fetched(self) -> int:
        return sum(1 for r in self.ingest if r.error is None and r.skipped is None)

    @property
    def sources_failed(self) -> int:
        return sum(1 for r in self.ingest if r.error is not None)

    @property
    def new_items(self) -> int:
        return sum(r.new_items for r in self.ingest)

    @property
    def new_stories(self) -> int:
        return sum(len(r.new_stories) for r in self.ingest)

    @property
    def urgent_stories(self) -> int:
        return len({s for r in self.ingest for s in r.urgent_stories})

    @property
    def alerts_sent(self) -> int:
        return sum(a.emails + a.sms for a in self.alerts)

    @property
    def alert_updates(self) -> int:
        """Updates and cancels of alert chains sent (counted in alerts_sent too)."""
        return sum(a.updates for a in self.alerts)

    @property
    def corrections_sent(self) -> int:
        return sum(c.sent for c in self.corrections)

    @property
    def digests_sent(self) -> int:
        return sum(b.sent for b in self.digest)

    @property
    def items_skipped(self) -> int:
        """Entries or items of sources taken in that could not be taken in themselves."""
        return sum(len(r.skipped_items) for r in self.ingest)

    @property
    def failures(self) -> int:
        """Failed sources, skipped items and messages not sent: any of them fails the run."""
        return (
            self.sources_failed
            + self.items_skipped
            + sum(a.failed for a in self.alerts)
            + sum(c.failed for c in self.corrections)
            + sum(b.failed for b in self.digest)
        )


@dataclass(frozen=True, slots=True)
class LocalQueues:
    """The in-process queues the cycle hands work through and drains."""

    ingest: LocalQueue
    alerts: LocalQueue
    digest: LocalQueue


def describe_ingest(source: Source, report: IngestReport) -> str:
    if report.skipped:
        return f"  {source.name}: skipped ({report.skipped})"
    if report.disabled:
        return f"  {source.name}: DISABLED, the server says it is gone for good ({report.error})"
    if report.error:
        return f"  {source.name}: FAILED, {report.error}"
    if report.status == 304:
        return f"  {source.name}: unchanged since the last fetch (304)"
    skipped = (
        f", {len(report.skipped_items)} SKIPPED (last: {report.skipped_items[-1]})"
        if report.skipped_items
        else ""
    )
    joined = f", {len(report.joined_stories)} joined a story" if report.joined_stories else ""
    recorded = (
        f", {report.recorded_only} older items recorded without sending "
        + ("(first run)" if report.first_run else "(back after an outage)")
        if report.recorded_only
        else ""
    )
    return (
        f"  {source.name}: {report.items} items, {report.new_items} new, "
        f"{report.new_election_items} about the election, "
        f"{len(report.new_stories)} new stories{joined}{recorded}{skipped}"
    )


class Cycle:
    def __init__(
        self,
        *,
        ingest: Ingest,
        alerts: Alerts,
        digest: Digest,
        health: Health,
        fanout: Fanout,
        queues: LocalQueues,
        corrections: CorrectionMail | None = None,
    ) -> None:
        self.ingest = ingest
        self.alerts = alerts
        self.digest = digest
        self.health = health
        self.fanout = fanout
        self.queues = queues
        self.corrections = corrections

    def run(
        self,
        sources: Sequence[Source],
        *,
        digest_day: date | None,
        digest_due: bool = False,
        force: bool = False,
        progress: Progress = lambda _: None,
    ) -> CycleReport:
        """Ingest due sources (all enabled ones when forced), alert, then send the digest:
        to the subscribers whose hour has come (`digest_due`, core.slots), and to every
        subscriber of `digest_day`'s edition at once."""
        report = CycleReport()
        self._ingest(sources, force, report, progress)
        report.health = self.health.check(sources)
        if report.health.problems:
            for line in describe(report.health):
                progress(line)
        # What a run that died left unsent is resumed here: alerts not yet
        # complete, digest slots with a batch not sent (the ledger skips what went out).
        self.fanout.requeue_lost_alerts()
        self._alert(report, progress)
        self._plan_digests(digest_day, digest_due, report, progress)
        self._send_digests(report, progress)
        return report

    def _ingest(
        self, sources: Sequence[Source], force: bool, report: CycleReport, progress: Progress
    ) -> None:
        queued = self.fanout.queue_sources(sources, force=force)
        progress(f"Fetching {len(queued)} of {len(sources)} sources")
        by_id = {s.id: s for s in sources}
        for message in self.queues.ingest.drain():
            source = by_id[read_source_id(message)]
            try:
                result = self.ingest.source(source)
            except Exception as exc:  # this source's failure; the others go on
                # Ingest records its own failures on the source; what reaches
                # here (a store that refused) could not even be recorded.
                result = IngestReport(source.id, error=reason(exc))
                logger.debug("source failed", exc_info=exc)
            report.ingest.append(result)
            progress(describe_ingest(source, result))
            # Updates and cancels of alerts go the same way, as do corrections of digest stories.
            self.fanout.queue_alerts(result.alerts_due)
            self.fanout.queue_corrections(result.corrections)

    def _alert(self, report: CycleReport, progress: Progress) -> None:
        """Plan each queued story into batches of officials, then send the batches, until
        the alert queue is empty."""
        batches: dict[str, int] = {}
        while messages := self.queues.alerts.drain():
            work = [read_alert(m) for m in messages]
            stories = list(dict.fromkeys(w for w in work if isinstance(w, str)))
            if stories and not batches:
                progress(f"Alerting officials about {len(stories)} clarification(s)")
            for story_id in stories:
                batches[story_id] = self._plan_alert(story_id, report, progress)
            for batch in (w for w in work if isinstance(w, AlertBatch)):
                self._alert_batch(batch, batches.get(batch.story_id, 0), report, progress)
            for correction in (w for w in work if isinstance(w, CorrectionBatch)):
                self._correction(correction, report, progress)

    def _correction(self, work: CorrectionBatch, report: CycleReport, progress: Progress) -> None:
        """Plan a story's correction into batches of subscribers, or send one batch."""
        try:
            if not work.plan:
                self.fanout.plan_corrections(work.story_id)
                return
            if self.corrections is None:
                return
            sent = self.corrections.send_batch(work)
        except Exception as exc:  # this correction's failure; a later run's sweep resumes it
            report.corrections.append(CorrectionReport(work.story_id, failed=max(work.size, 1)))
            progress(f"  correction of {work.story_id}: FAILED, {reason(exc)}")
            logger.debug("correction failed", exc_info=exc)
            return
        report.corrections.append(sent)
        if sent.subscribers:
            progress(
                f"  correction of {work.story_id}: {sent.sent} email(s), {sent.in_digest} to lead "
                "the next digest" + (f", {sent.failed} FAILED" if sent.failed else "")
            )

    def _plan_alert(self, story_id: str, report: CycleReport, progress: Progress) -> int:
        try:
            return self.fanout.plan_alerts(story_id).batches
        except Exception as exc:  # this story's failure; a later run's sweep resumes it
            report.alerts.append(AlertReport(story_id, failed=1))
            progress(f"  {story_id}: FAILED, {reason(exc)}")
            logger.debug("alert planning failed", exc_info=exc)
            return 0

    def _alert_batch(
        self, batch: AlertBatch, batches: int, report: CycleReport, progress: Progress
    ) -> None:
        name = f"{batch.story_id} batch {batch.number + 1}" if batches > 1 else batch.story_id
        try:
            alert = self.alerts.send_batch(batch)
        except Exception as exc:  # this batch's failure; a later run's sweep resumes it
            report.alerts.append(
                AlertReport(batch.story_id, batch.number, failed=max(batch.size, 1))
            )
            progress(f"  {name}: FAILED, {reason(exc)}")
            logger.debug("alert batch failed", exc_info=exc)
            return
        report.alerts.append(alert)
        if alert.remainder is not None:  # only under a deadline, which this process has not
            self.fanout.queue_alert_batches([alert.remainder])
        progress(
            f"  {name}: {alert.emails} email(s), {alert.sms} SMS to "
            f"{alert.officials} official(s)"
            + (f", {alert.busy} held by another run" if alert.busy else "")
            + (f", {alert.resumed} resumed from a run that died" if alert.resumed else "")
            + (f", {alert.failed} FAILED" if alert.failed else "")
        )

    def _plan_digests(
        self, day: date | None, due: bool, report: CycleReport, progress: Progress
    ) -> None:
        """Queue the batches of unfinished slots, of the slots due now and of `day`'s edition.
        Each planning that fails counts as a failure of the run and leaves the others to
        go on; its slots stay unfinished or due, for a later run to plan."""

        def resume() -> None:
            resumed = self.fanout.resume_digests()
            if resumed:
                progress("Resumed unfinished digests: " + ", ".join(s.label for s in resumed))

        def plan_due() -> None:
            planning = self.fanout.plan_due_digests()
            planned = [f"{slot.label} ({n} batch(es))" for slot, n in planning.planned if n]
            progress(
                "Digest due: " + ", ".join(planned)
                if planned
                else "Digest due: no subscriber's hour has come since the last run"
            )
            if planning.held:
                progress(f"  {len(planning.held)} slot(s) held by another run")

        def plan_edition(edition: date) -> None:
            progress(f"Sending the digest of {edition.isoformat()} to every subscriber")
            self.fanout.plan_digest(edition)

        steps: list[Callable[[], None]] = [resume]
        if due:
            steps.append(plan_due)
        if day is not None:
            steps.append(lambda: plan_edition(day))
        for step in steps:
            try:
                step()
            except Exception as exc:  # this planning's failure; the others go on
                report.digest.append(BatchReport(day or date.min, 0, failed=1))
                progress(f"  digest planning: FAILED, {reason(exc)}")
                logger.debug("digest planning failed", exc_info=exc)

    def _send_digests(self, report: CycleReport, progress: Progress) -> None:
        for message in self.queues.digest.drain():
            batch = read_batch(message)
            try:
                sent = self.digest.send_batch(batch)
            except Exception as exc:  # this batch's failure; a later run resumes its slot
                report.digest.append(_failed_batch(batch))
                progress(f"  batch {batch.number}: FAILED, {reason(exc)}")
                logger.debug("digest batch failed", exc_info=exc)
                continue
            report.digest.append(sent)
            progress(
                f"  batch {batch.number}: {sent.sent} sent, {sent.already} already sent before, "
                f"{sent.empty} with no story for their regions"
                + (f", {sent.busy} held by another run" if sent.busy else "")
                + (f", {sent.resumed} resumed from a run that died" if sent.resumed else "")
                + (f", {sent.failed} FAILED" if sent.failed else "")
            )


def _failed_batch(batch: DigestBatch) -> BatchReport:
    recipients = len(batch.subscriber_ids)
    return BatchReport(batch.day, batch.number, recipients=recipients, failed=max(recipients, 1))
