"""Ingest: pick the sources due now, and take in one source.

One source per call, because on AWS each source is its own invocation: a slow
or broken source never holds up the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from hashlib import blake2b

from warta.core.errors import FetchError, ParseError
from warta.core.model import NATIONAL, Item, Source, SourceState, Story, StorySource
from warta.core.policy import next_poll
from warta.core.ports import Clock, Fetcher, Parser, Store
from warta.core.text.classify import classify
from warta.core.text.cluster import band_keys, same_story, signature
from warta.core.text.summarize import summarize

logger = logging.getLogger(__name__)

DayOf = Callable[[datetime], date]
"""Maps a moment to its digest day (the Jakarta calendar day)."""


@dataclass(slots=True)
class IngestReport:
    """What happened to one source in one run; printed by the CLI, logged on AWS."""

    source_id: str
    status: int | None = None
    """HTTP status, 304 when unchanged; None when the fetch failed."""
    items: int = 0
    """Items in the document."""
    new_items: int = 0
    new_election_items: int = 0
    new_stories: list[str] = field(default_factory=list)
    joined_stories: list[str] = field(default_factory=list)
    """Existing stories this source was added to."""
    urgent_stories: list[str] = field(default_factory=list)
    """Stories that became urgent in this run: their alerts are due now."""
    error: str | None = None
    skipped: str | None = None


def due_sources(sources: Iterable[Source], store: Store, now: datetime) -> list[Source]:
    """The enabled sources whose next poll time has come."""
    due = []
    for source in sources:
        if not source.enabled:
            continue
        state = store.get_source_state(source.id)
        if state is None or (
            not state.disabled and (state.next_poll_at is None or state.next_poll_at <= now)
        ):
            due.append(source)
    return due


def _story_id(item: Item) -> str:
    return "st-" + blake2b(item.id.encode(), digest_size=10).hexdigest()


def _story_source(source: Source, item: Item) -> StorySource:
    return StorySource(
        source_id=source.id,
        name=source.name,
        url=item.url,
        authority=item.authority,
        item_id=item.id,
        published_at=item.published_at,
    )


class Ingest:
    """Takes in sources with the ports it is given; builds none of them."""

    def __init__(
        self,
        *,
        store: Store,
        fetcher: Fetcher,
        parse: Parser,
        clock: Clock,
        today: DayOf,
        story_window: timedelta = timedelta(days=3),
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.parse = parse
        self.clock = clock
        self.today = today
        self.story_window = story_window

    def source(self, source: Source) -> IngestReport:
        report = IngestReport(source.id)
        now = self.clock.now()
        state = self.store.get_source_state(source.id) or SourceState(source.id)
        if state.disabled:
            report.skipped = "disabled"
            return report
        try:
            result = self.fetcher.fetch(
                source,
                url=state.moved_to,
                etag=state.etag,
                last_modified=state.last_modified,
            )
            report.status = result.status
            items = [] if result.not_modified else self.parse(source, result, seen_at=now)
        except (FetchError, ParseError) as exc:
            # A failed fetch keeps everything learned so far (ETag, seen items)
            # and only pushes the next try back.
            errors = state.error_count + 1
            report.error = str(exc)
            report.status = getattr(exc, "status", None)
            self.store.put_source_state(
                replace(
                    state,
                    error_count=errors,
                    last_error=str(exc)[:500],
                    last_status=report.status,
                    next_poll_at=next_poll(now, source.poll_minutes, errors),
                )
            )
            logger.warning("source failed", extra={"source_id": source.id, "error": report.error})
            return report

        report.items = len(items)
        for item in items:
            self._take(source, item, now, report)
        self.store.put_source_state(
            replace(
                state,
                etag=result.etag or state.etag,
                last_modified=result.last_modified or state.last_modified,
                moved_to=result.permanent_redirect or state.moved_to,
                error_count=0,
                last_error=None,
                last_status=result.status,
                last_success_at=now,
                next_poll_at=next_poll(now, source.poll_minutes, 0),
            )
        )
        return report

    def _take(self, source: Source, item: Item, now: datetime, report: IngestReport) -> None:
        if self.store.has_item(item.id):
            return
        report.new_items += 1
        election, clarification = classify(item.title, item.text, item.authority)
        item = replace(item, election=election, clarification=clarification)
        if item.election:
            report.new_election_items += 1
            self._cluster(source, item, now, report)
        # Recorded last: if the run dies before this line the item is taken in
        # again next time, and joining a story is idempotent per item id.
        self.store.add_item_if_new(item, seen_at=now)

    def _cluster(self, source: Source, item: Item, now: datetime, report: IngestReport) -> None:
        sig = signature(item.title, item.text)
        keys = band_keys(sig)
        for story_id in sorted(self.store.find_story_candidates(keys, now=now)):
            story = self.store.get_story(story_id)
            if story is None or not same_story(
                story.signature, sig, story.title, item.title, story.summary, item.text
            ):
                continue
            if any(s.item_id == item.id for s in story.sources):
                return
            was_urgent = story.urgent
            joined = replace(
                story,
                sources=(*story.sources, _story_source(source, item)),
                region=NATIONAL if item.region == NATIONAL else story.region,
                clarification=story.clarification or item.clarification,
                urgent=story.urgent or item.urgent,
            )
            self.store.put_story(joined)
            report.joined_stories.append(story.id)
            if joined.urgent and not was_urgent:
                report.urgent_stories.append(story.id)
            return

        story = Story(
            id=_story_id(item),
            day=self.today(now),
            region=item.region,
            title=item.title,
            summary=summarize(item.title, item.text),
            published_at=item.published_at,
            created_at=now,
            election=item.election,
            clarification=item.clarification,
            urgent=item.urgent,
            sources=(_story_source(source, item),),
            signature=sig,
        )
        self.store.put_story(story)
        self.store.add_story_bands(keys, story.id, expires_at=now + self.story_window)
        report.new_stories.append(story.id)
        if story.urgent:
            report.urgent_stories.append(story.id)
