"""Source health: tell admins, once, about a source that is gone, failing or quiet.

A problem is named by its source, its reason and the start of its episode
(core.policy.source_problem). That name is the key of a "health" line in the
sent ledger, so the message goes out once however many checks run, even two
at the same time; a recovery ends the episode, and a relapse starts a new one
with a new start, hence a new message. The ledger, not SourceState, decides
because ingest rewrites a source's state on every fetch: a flag kept there
could be overwritten by a fetch that read the state a moment earlier.

notified_at and notified_reason in SourceState only record what admins were
last told, for `warta sources` to show; they are written right after a send
(or cleared after a recovery) on a freshly read state, to keep the window in
which a concurrent fetch could overwrite them small. Losing that record costs
nothing: the ledger still holds the send.

Without an admin address, problems are only reported to the caller (CLI
output, logs) and nothing is claimed in the ledger, so setting an address
later still brings a message for a problem that is still going on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from warta.core.links import ADMIN_ID, RecipientKind
from warta.core.model import Source, SourceState
from warta.core.policy import Problem, SourceProblem, quiet_after, source_problem
from warta.core.ports import Clock, Renderer, Store
from warta.services.compose import Edition, render_edition
from warta.services.delivery import Delivery, Outcome, Recipient, tally

logger = logging.getLogger(__name__)

KIND = "health"
ADMIN = ADMIN_ID
"""The recipient id of admin messages in the ledger and in unsubscribe links."""


@dataclass(frozen=True, slots=True)
class HealthProblem:
    source_id: str
    name: str
    reason: str
    """One of core.policy.Problem's values."""
    since: datetime | None
    detail: str | None
    """The last error of a failing or gone source."""
    outcome: str
    """sent, already (told before), failed, or unsent (no admin address)."""


@dataclass(slots=True)
class HealthReport:
    checked: int = 0
    problems: list[HealthProblem] = field(default_factory=list)
    sent: int = 0
    already: int = 0
    busy: int = 0
    resumed: int = 0
    failed: int = 0


def problem_key(source_id: str, problem: SourceProblem) -> str:
    """The ledger key of one episode of one problem of one source."""
    since = problem.since.isoformat() if problem.since else "unknown"
    return f"{source_id}:{problem.reason}:{since}"


class Health:
    def __init__(
        self,
        *,
        store: Store,
        delivery: Delivery,
        renderer: Renderer,
        clock: Clock,
        admin_email: str | None,
        failing_after: timedelta = timedelta(hours=24),
        quiet: timedelta = timedelta(days=7),
    ) -> None:
        self.store = store
        self.delivery = delivery
        self.renderer = renderer
        self.clock = clock
        self.admin_email = admin_email
        self.failing_after = failing_after
        self.quiet = quiet

    def check(self, sources: Iterable[Source]) -> HealthReport:
        """Look at every enabled source; tell admins about each new problem."""
        report = HealthReport()
        now = self.clock.now()
        for source in sources:
            if not source.enabled:
                continue  # off in the sources file: not polled, so its state says nothing
            report.checked += 1
            state = self.store.get_source_state(source.id)
            if state is None:
                continue  # never fetched: nothing to judge yet
            self._check_one(source, state, now, report)
        return report

    def _check_one(
        self, source: Source, state: SourceState, now: datetime, report: HealthReport
    ) -> None:
        problem = source_problem(
            state,
            now,
            poll_minutes=source.poll_minutes,
            failing_after=self.failing_after,
            quiet=self.quiet,
        )
        if problem is None:
            if state.notified_reason is not None:
                self._note(source.id, None, None)
            return
        outcome = self._tell(source, state, problem)
        tally(report, outcome)
        if outcome is Outcome.SENT:
            self._note(source.id, now, problem.reason)
        said = outcome.value if outcome else "unsent"
        report.problems.append(
            HealthProblem(
                source_id=source.id,
                name=source.name,
                reason=problem.reason,
                since=problem.since,
                detail=state.last_error if problem.reason != Problem.QUIET else None,
                outcome=said,
            )
        )
        logger.warning(
            "source needs attention",
            extra={"source_id": source.id, "reason": problem.reason, "outcome": said},
        )

    def render(self, source: Source, state: SourceState, problem: SourceProblem) -> Edition:
        return render_edition(
            self.renderer,
            subject="health_subject.txt",
            text="health.txt",
            html="health.html",
            source=source,
            state=state,
            problem=problem,
            quiet_after_days=quiet_after(source.poll_minutes, self.quiet).days,
            failing_after_hours=int(self.failing_after.total_seconds() // 3600),
        )

    def _tell(self, source: Source, state: SourceState, problem: SourceProblem) -> Outcome | None:
        if not self.admin_email:
            return None
        return self.delivery.email(
            self.render(source, state, problem),
            kind=KIND,
            key=problem_key(source.id, problem),
            to=Recipient(RecipientKind.ADMIN, ADMIN, self.admin_email),
        )

    def _note(self, source_id: str, at: datetime | None, reason: str | None) -> None:
        state = self.store.get_source_state(source_id)
        if state is not None:
            self.store.put_source_state(replace(state, notified_at=at, notified_reason=reason))


def describe(report: HealthReport) -> list[str]:
    """Lines for the CLI and logs: source ids and reasons only, never an address."""
    lines = [f"{report.checked} sources checked, {len(report.problems)} need attention"]
    for p in report.problems:
        since = f" since {p.since.isoformat(timespec='minutes')}" if p.since else ""
        detail = f": {p.detail}" if p.detail else ""
        lines.append(f"  {p.source_id}: {p.reason}{since}{detail} [{p.outcome}]")
    return lines
