"""One full Warta cycle in one process: ingest, alerts, digest.

On AWS the same steps run as separate invocations fanned out through SQS;
here they run one after another, which is what `warta demo` and `warta run`
do on a single machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from warta.core.model import Source
from warta.services.alerts import AlertReport
from warta.services.digest import BatchReport
from warta.services.health import HealthReport, describe
from warta.services.ingest import IngestReport, due_sources
from warta.wiring import App

Progress = Callable[[str], None]


@dataclass(slots=True)
class CycleReport:
    ingest: list[IngestReport] = field(default_factory=list)
    alerts: list[AlertReport] = field(default_factory=list)
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
    def digests_sent(self) -> int:
        return sum(b.sent for b in self.digest)

    @property
    def failures(self) -> int:
        return sum(a.failed for a in self.alerts) + sum(b.failed for b in self.digest)


def _describe(source: Source, report: IngestReport) -> str:
    if report.skipped:
        return f"  {source.name}: skipped ({report.skipped})"
    if report.disabled:
        return f"  {source.name}: DISABLED, the server says it is gone for good ({report.error})"
    if report.error:
        return f"  {source.name}: FAILED, {report.error}"
    if report.status == 304:
        return f"  {source.name}: unchanged since the last fetch (304)"
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
        f"{len(report.new_stories)} new stories{joined}{recorded}"
    )


def run_cycle(
    app: App,
    sources: Sequence[Source],
    *,
    digest_day: date | None,
    force: bool = False,
    progress: Progress = lambda _: None,
) -> CycleReport:
    """Ingest due sources (all enabled ones when forced), alert, then send the digest of `digest_day`."""
    report = CycleReport()
    now = app.clock.now()
    todo = [s for s in sources if s.enabled] if force else due_sources(sources, app.store, now)
    progress(f"Fetching {len(todo)} of {len(sources)} sources")
    for source in todo:
        result = app.ingest.source(source)
        report.ingest.append(result)
        progress(_describe(source, result))

    report.health = app.health.check(sources)
    if report.health.problems:
        for line in describe(report.health):
            progress(line)

    urgent = list(dict.fromkeys(s for r in report.ingest for s in r.urgent_stories))
    if urgent:
        progress(f"Alerting officials about {len(urgent)} clarification(s)")
    for story_id in urgent:
        alert = app.alerts.story(story_id)
        report.alerts.append(alert)
        progress(
            f"  {story_id}: {alert.emails} email(s), {alert.sms} SMS to {alert.officials} official(s)"
            + (f", {alert.failed} FAILED" if alert.failed else "")
        )

    if digest_day is not None:
        progress(f"Sending the digest of {digest_day.isoformat()}")
        for batch in app.digest.plan(digest_day):
            sent = app.digest.send_batch(batch)
            report.digest.append(sent)
            progress(
                f"  batch {batch.number}: {sent.sent} sent, {sent.already} already sent before, "
                f"{sent.empty} with no story for their regions"
                + (f", {sent.failed} FAILED" if sent.failed else "")
            )
    return report
