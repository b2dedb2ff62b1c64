"""The one-machine cycle: whatever fails in one source, story or batch fails that one alone.

The cycle only hands work from step to step, so its steps are stand-ins
here: each test chooses which source, story or batch breaks and how, and
checks that the others still went through, that the report counts the
failure (so `warta run` exits non-zero) and that the progress names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from warta.adapters.memory_queue import MemoryQueue
from warta.core.errors import StoreError
from warta.core.model import AlertBatch, Authority, DigestBatch, Source
from warta.core.slots import Slot
from warta.services.alerts import AlertPlan, AlertReport
from warta.services.cycle import Cycle, CycleReport, LocalQueues, describe_ingest
from warta.services.digest import BatchReport
from warta.services.fanout import DuePlanning
from warta.services.health import HealthReport
from warta.services.ingest import IngestReport
from warta.services.messages import (
    alert_batch_message,
    batch_message,
    source_message,
    story_message,
)

DAY = date(2026, 11, 28)


def source(source_id: str) -> Source:
    return Source(
        id=source_id,
        name=f"Sumber {source_id}",
        url=f"https://{source_id}.example.id/rahasia/feed",
        authority=Authority.KPU,
    )


@dataclass
class Steps:
    """Every step of the cycle at once; `breaks` names what raises, and with what."""

    queues: LocalQueues
    breaks: dict[str, Exception] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)
    alerted: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)

    # Ingest
    def source(self, src: Source) -> IngestReport:
        self.taken.append(src.id)
        if src.id in self.breaks:
            raise self.breaks[src.id]
        report = IngestReport(src.id, status=200, items=1, new_items=1)
        report.urgent_stories.append(f"st-{src.id}")
        if src.id == "skips":
            report.skipped_items.append("entry 2: KeyError: 'title'")
        return report

    # Fanout
    def queue_sources(self, sources: Iterable[Source], *, force: bool = False) -> list[Source]:
        todo = list(sources)
        self.queues.ingest.send([source_message(s.id) for s in todo])
        return todo

    def queue_alerts(self, story_ids: Sequence[str]) -> None:
        self.queues.alerts.send([story_message(s) for s in story_ids])

    def queue_corrections(self, story_ids: Sequence[str]) -> None:
        assert not story_ids, "no correction is noticed here"

    def requeue_lost_alerts(self, grace: timedelta = timedelta(0)) -> int:
        return 0

    def plan_alerts(self, story_id: str) -> AlertPlan:
        """One batch of one official per story; "split-..." stories get two batches."""
        if f"plan-{story_id}" in self.breaks:
            raise self.breaks[f"plan-{story_id}"]
        count = 2 if story_id.startswith("st-split") else 1
        batches = [AlertBatch(story_id, (f"off-{n}",), n, "p") for n in range(count)]
        self.queues.alerts.send([alert_batch_message(b) for b in batches])
        return AlertPlan(story_id, batches=count, officials=count)

    def queue_alert_batches(self, batches: Sequence[AlertBatch]) -> None:
        self.queues.alerts.send([alert_batch_message(b) for b in batches])

    def resume_digests(self, grace: timedelta = timedelta(0)) -> list[Slot]:
        return []

    def plan_due_digests(self) -> DuePlanning:
        if "plan-due" in self.breaks:
            raise self.breaks["plan-due"]
        batch = DigestBatch(DAY, ("sub-due",), number=7)
        self.queues.digest.send([batch_message(batch)])
        return DuePlanning(planned=[(Slot(DAY, "Asia/Jayapura", 6), 1)])

    def plan_digest(self, day: date) -> int:
        batches = [DigestBatch(day, (f"sub-{n}",), number=n) for n in range(3)]
        self.queues.digest.send([batch_message(b) for b in batches])
        return len(batches)

    # Health
    def check(self, sources: Iterable[Source]) -> HealthReport:
        return HealthReport(checked=len(list(sources)))

    # Alerts and digest
    def send_batch(self, batch: AlertBatch | DigestBatch) -> AlertReport | BatchReport:
        if isinstance(batch, AlertBatch):
            return self._alert_batch(batch)
        if f"batch-{batch.number}" in self.breaks:
            raise self.breaks[f"batch-{batch.number}"]
        self.batches.append(batch.number)
        return BatchReport(batch.day, batch.number, recipients=1, sent=1)

    def _alert_batch(self, batch: AlertBatch) -> AlertReport:
        if batch.story_id in self.breaks:
            raise self.breaks[batch.story_id]
        self.alerted.append(batch.story_id)
        return AlertReport(batch.story_id, batch.number, officials=1, emails=1, sms=1)


def run(
    *sources: Source, breaks: dict[str, Exception], due: bool = False
) -> tuple[Steps, CycleReport, list[str]]:
    queues = LocalQueues(ingest=MemoryQueue(), alerts=MemoryQueue(), digest=MemoryQueue())
    steps = Steps(queues, breaks)
    cycle = Cycle(
        ingest=steps,  # type: ignore[arg-type]
        alerts=steps,  # type: ignore[arg-type]
        digest=steps,  # type: ignore[arg-type]
        health=steps,  # type: ignore[arg-type]
        fanout=steps,  # type: ignore[arg-type]
        queues=queues,
    )
    lines: list[str] = []
    report = cycle.run(list(sources), digest_day=DAY, digest_due=due, progress=lines.append)
    return steps, report, lines


def test_a_source_raising_anything_fails_alone_and_the_others_alert_and_digest() -> None:
    steps, report, lines = run(
        source("kpu"),
        source("rusak"),
        source("bawaslu"),
        breaks={"rusak": StoreError("SQLite store: add_item_if_new failed (SQLITE_FULL)")},
    )

    assert steps.taken == ["kpu", "rusak", "bawaslu"]
    assert steps.alerted == ["st-kpu", "st-bawaslu"]
    assert steps.batches == [0, 1, 2]
    assert (report.sources_fetched, report.sources_failed, report.failures) == (2, 1, 1)
    failed = [line for line in lines if "FAILED" in line]
    assert failed == ["  Sumber rusak: FAILED, SQLite store: add_item_if_new failed (SQLITE_FULL)"]
    assert not any("rahasia" in line for line in lines)  # never the source's address


def test_a_fault_of_warta_in_a_source_is_named_by_its_type() -> None:
    _, report, lines = run(source("rusak"), breaks={"rusak": KeyError("\x1b[2Jtitle")})

    assert report.failures == 1
    assert "  Sumber rusak: FAILED, KeyError: '\\x1b[2Jtitle'" in lines


def test_skipped_items_count_as_failures_and_are_named_in_the_progress() -> None:
    _, report, lines = run(source("skips"), source("kpu"), breaks={})

    assert (report.sources_failed, report.items_skipped, report.failures) == (0, 1, 1)
    line = next(line for line in lines if line.startswith("  Sumber skips:"))
    assert line.endswith(", 1 SKIPPED (last: entry 2: KeyError: 'title')")


def test_a_clean_run_has_no_failures() -> None:
    _, report, lines = run(source("kpu"), source("bawaslu"), breaks={})

    assert report.failures == 0
    assert not any("FAILED" in line or "SKIPPED" in line for line in lines)


def test_an_alert_raising_fails_that_story_alone() -> None:
    steps, report, lines = run(
        source("kpu"), source("bawaslu"), breaks={"st-kpu": RuntimeError("render")}
    )

    assert steps.alerted == ["st-bawaslu"]
    assert report.failures == 1
    assert "  st-kpu: FAILED, RuntimeError: render" in lines
    assert steps.batches == [0, 1, 2]


def test_an_alert_planning_raising_fails_that_story_alone() -> None:
    steps, report, lines = run(
        source("kpu"), source("bawaslu"), breaks={"plan-st-kpu": StoreError("ledger")}
    )

    assert steps.alerted == ["st-bawaslu"]
    assert report.failures == 1
    assert "  st-kpu: FAILED, ledger" in lines


def test_every_batch_of_a_story_is_sent_and_named_in_the_progress() -> None:
    steps, report, lines = run(source("split"), source("kpu"), breaks={})

    assert steps.alerted == ["st-split", "st-split", "st-kpu"]
    assert report.alerts_sent == 6
    assert lines.count("Alerting officials about 2 clarification(s)") == 1
    assert "  st-split batch 1: 1 email(s), 1 SMS to 1 official(s)" in lines
    assert "  st-split batch 2: 1 email(s), 1 SMS to 1 official(s)" in lines
    assert "  st-kpu: 1 email(s), 1 SMS to 1 official(s)" in lines


def test_a_digest_batch_raising_fails_that_batch_alone() -> None:
    steps, report, lines = run(source("kpu"), breaks={"batch-1": StoreError("ledger")})

    assert steps.batches == [0, 2]
    assert report.failures == 1
    assert "  batch 1: FAILED, ledger" in lines


def test_describing_a_source_never_shows_its_address() -> None:
    src = source("kpu")
    report = IngestReport(src.id, error="timeout: read timed out")

    assert describe_ingest(src, report) == "  Sumber kpu: FAILED, timeout: read timed out"


def test_the_digest_due_is_planned_and_sent_with_the_edition_asked_for() -> None:
    steps, report, lines = run(source("kpu"), breaks={}, due=True)

    assert steps.batches == [7, 0, 1, 2]
    assert report.failures == 0
    assert "Digest due: 2026-11-28 at 06:00 WIT (1 batch(es))" in lines


def test_a_digest_planning_raising_fails_the_run_and_the_rest_goes_on() -> None:
    steps, report, lines = run(source("kpu"), breaks={"plan-due": StoreError("ledger")}, due=True)

    assert steps.alerted == ["st-kpu"]
    assert steps.batches == [0, 1, 2]  # the edition asked for still goes out
    assert report.failures == 1
    assert "  digest planning: FAILED, ledger" in lines
