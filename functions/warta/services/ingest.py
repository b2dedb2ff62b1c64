"""Ingest: pick the sources due now, and take in one source.

One source per call, because on AWS each source is its own invocation: a slow
or broken source never holds up the others.

Health lives in Store state, never in the sources file: a source that answers
410 Gone is disabled until an admin enables it again; the start of a run of
failures and the last new item are kept for the health messages; a server's
Retry-After (on 429/503) and Cache-Control max-age push the next poll back,
within caps. The first run of a source only lets recent items through, so
adding a source with years of archive in its feed floods nobody.

A failure belongs to what failed. An entry the parser could not read, or an
item that could not be classified, clustered or stored, is skipped with its
reason (kept on the source's state) and the others go on; anything going
wrong in fetching or parsing the document fails that source alone, recorded
like a fetch error. Only a store asking to slow down (ThrottledError) ends the
call, so that the whole source is tried again.

What happens to an urgent story after its alert is noticed here too, as its
chain's next message (services.lifecycle): another official source joining it,
or its region widening, is an update; its item revised at the source (so that
its verdict, fact or summary changes) is an update; its item corrected at the
source ("[RALAT] ...") or withdrawn (gone from the feed while older items stay,
and its page answering 404 or 410) is a cancel. Each source watches the items
it listed that belong to open chains; a run that gets the whole feed compares
them with what it lists now, which costs one request per item gone missing,
and only for open chains. A story that went out in a digest and is clarified
within days (the story itself, or a new clarification whose claim it carried)
is owed a correction (services.corrections).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from hashlib import blake2b

from warta.core.chain import (
    DEFAULT_LIFETIME,
    Reason,
    correction_notice,
    dropped_within_window,
    revised,
    widened,
)
from warta.core.errors import FetchError, ThrottledError
from warta.core.model import (
    ITEM_RETENTION,
    STORY_TEXT_LIMIT,
    FetchResult,
    Item,
    Source,
    SourceState,
    Story,
    StorySource,
)
from warta.core.parsed import reason, skipped_entries
from warta.core.policy import failure_wait, fresh_for, next_poll
from warta.core.ports import Clock, Fetcher, Parser, Store
from warta.core.text.classify import classify
from warta.core.text.cluster import band_keys, signature, story_to_join
from warta.core.text.places import common_region, story_region
from warta.core.text.summarize import summarize
from warta.services.corrections import DEFAULT_DAYS as CORRECTION_DAYS
from warta.services.corrections import Corrections
from warta.services.lifecycle import Lifecycle, Watched

logger = logging.getLogger(__name__)

ERROR_LIMIT = 500
"""Characters of a source's error kept on its state."""

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
    chain_updates: list[str] = field(default_factory=list)
    """Urgent stories whose alert chain gained an update or a cancel in this run: due now."""
    corrections: list[str] = field(default_factory=list)
    """Stories clarified in this run after they went out in a digest: their readers are owed
    a correction."""
    error: str | None = None
    skipped: str | None = None
    disabled: bool = False
    """This run disabled the source (410 Gone)."""
    first_run: bool = False
    """The source had never been fetched successfully before this run."""
    catching_up: bool = False
    """The source's last success is older than the first-run window: an outage ended."""
    recorded_only: int = 0
    """Items of a first run (or of the first run after an outage) older than the window:
    recorded as seen, no story, no alert."""
    skipped_items: list[str] = field(default_factory=list)
    """Entries or items this run could not take in, each with why ("entry 3: ...",
    "item <id>: ..."): failures of their own, while the rest of the source was taken in."""

    @property
    def alerts_due(self) -> list[str]:
        """The stories whose alerts (first messages, updates or cancels) are due now."""
        return list(dict.fromkeys(self.urgent_stories + self.chain_updates))


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


def _first_item(story: Story) -> tuple[tuple[int, ...], str, str]:
    # Stories stored before texts were kept compare with their summary.
    return story.signature, story.title, story.text or story.summary


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
        first_run_window: timedelta = timedelta(hours=48),
        item_retention: timedelta = ITEM_RETENTION,
        chain_lifetime: timedelta = DEFAULT_LIFETIME,
        correction_days: int = CORRECTION_DAYS,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.parse = parse
        self.clock = clock
        self.today = today
        self.story_window = story_window
        self.first_run_window = first_run_window
        self.item_retention = item_retention
        self.lifecycle = Lifecycle(store=store, lifetime=chain_lifetime)
        self.corrections = Corrections(store=store, days=correction_days)

    def source(self, source: Source) -> IngestReport:
        report = IngestReport(source.id)
        now = self.clock.now()
        state = self.store.get_source_state(source.id) or SourceState(source.id)
        if state.disabled:
            report.skipped = "disabled"
            return report
        result = self._fetch(source, state, now, report)
        if result is None:
            return report
        items = self._parse(source, state, result, now, report)
        if items is None:
            return report
        self._take_all(source, state, items, now, report)
        if result.status == 200:
            self._watch(source, items, now, report)
        self._succeeded(source, state, result, items, now, report)
        return report

    def _fetch(
        self, source: Source, state: SourceState, now: datetime, report: IngestReport
    ) -> FetchResult | None:
        """The source's document, asked for conditionally; None (state updated) when it failed."""
        try:
            result = self.fetcher.fetch(
                source,
                url=state.moved_to,
                etag=state.etag,
                last_modified=state.last_modified,
            )
        except Exception as exc:  # whatever it is, it is this source's failure
            self._failed(source, state, exc, now, report)
            return None
        report.status = result.status
        return result

    def _parse(
        self,
        source: Source,
        state: SourceState,
        result: FetchResult,
        now: datetime,
        report: IngestReport,
    ) -> list[Item] | None:
        """The document's items (none when unchanged); None (state updated) when unreadable.

        Entries the parser skipped are noted in the report with their reasons.
        """
        if result.not_modified:
            return []
        try:
            items = self.parse(source, result, seen_at=now)
        except Exception as exc:  # whatever it is, it is this source's failure
            self._failed(source, state, exc, now, report)
            return None
        report.skipped_items.extend(skipped_entries(items))
        return items

    def _take_all(
        self,
        source: Source,
        state: SourceState,
        items: list[Item],
        now: datetime,
        report: IngestReport,
    ) -> None:
        """Takes in each item; on a first run or after an outage, old items are only recorded."""
        report.first_run = state.last_success_at is None
        # A source back after a long outage brings its backlog all at once:
        # like a new source, only its recent items are news for subscribers.
        report.catching_up = (
            state.last_success_at is not None
            and state.last_success_at < now - self.first_run_window
        )
        report.items = len(items)
        for item in items:
            try:
                if (report.first_run or report.catching_up) and self._before_window(item, now):
                    self._record_only(item, now, report)
                elif item.published_at < now - self.item_retention:
                    # Older than the store remembers items: its record may have
                    # expired while the source still lists it. Never news again.
                    self._record_only(item, now, report)
                else:
                    self._take(source, item, now, report)
            except ThrottledError:
                raise  # the store, not the item: the whole source is tried again
            except Exception as exc:  # this item's failure alone
                self._skipped(source, item, exc, report)

    @staticmethod
    def _skipped(source: Source, item: Item, exc: Exception, report: IngestReport) -> None:
        why = f"item {item.id}: {reason(exc)}"
        report.skipped_items.append(why)
        logger.warning("item skipped", extra={"source_id": source.id, "error": why})
        logger.debug("item skipped", exc_info=exc)

    def _succeeded(
        self,
        source: Source,
        state: SourceState,
        result: FetchResult,
        items: list[Item],
        now: datetime,
        report: IngestReport,
    ) -> None:
        """Records a successful fetch: new validators, no error, the next poll.

        A run that skipped an item keeps the validators it had, so that the
        next fetch gets the whole document again and tries that item again.
        """
        skipped = report.skipped_items
        keep_validators = bool(skipped)
        self.store.put_source_state(
            replace(
                state,
                etag=state.etag if keep_validators else result.etag or state.etag,
                last_modified=(
                    state.last_modified
                    if keep_validators
                    else result.last_modified or state.last_modified
                ),
                moved_to=result.permanent_redirect or state.moved_to,
                error_count=0,
                last_error=None,
                skipped_items=len(skipped),
                last_item_error=skipped[-1][:ERROR_LIMIT] if skipped else None,
                last_status=result.status,
                last_success_at=now,
                failing_since=None,
                last_new_item_at=self._last_new_item_at(state, items, now, report),
                next_poll_at=next_poll(
                    now,
                    source.poll_minutes,
                    0,
                    at_least=fresh_for(
                        result.headers.get("cache-control"), result.headers.get("age")
                    ),
                ),
            )
        )

    def _failed(
        self,
        source: Source,
        state: SourceState,
        exc: Exception,
        now: datetime,
        report: IngestReport,
    ) -> None:
        # A failed fetch keeps everything learned so far (ETag, seen items)
        # and only pushes the next try back.
        errors = state.error_count + 1
        report.error = reason(exc, ERROR_LIMIT)
        report.status = getattr(exc, "status", None)
        if not isinstance(report.status, int):
            report.status = None
        gone = isinstance(exc, FetchError) and exc.reason == "gone"
        last_error = report.error
        if gone:
            # 410 is the server saying the feed is gone for good: asking again
            # every few hours would only be noise in its logs and ours.
            report.disabled = True
            last_error = f"{last_error} (disabled: the server says this feed is gone for good)"
        # The fetcher may carry the Retry-After of a failed answer (the raw
        # header, or seconds); one that does not leaves the usual backoff.
        retry_after = getattr(exc, "retry_after", None)
        if not isinstance(retry_after, str | int | float):
            retry_after = None
        wait = failure_wait(report.status, retry_after, now)
        self.store.put_source_state(
            replace(
                state,
                error_count=errors,
                last_error=last_error[:ERROR_LIMIT],
                last_status=report.status,
                disabled=state.disabled or gone,
                failing_since=state.failing_since or now,
                next_poll_at=next_poll(now, source.poll_minutes, errors, at_least=wait),
            )
        )
        logger.warning(
            "source failed",
            extra={"source_id": source.id, "error": report.error, "disabled": gone},
        )
        # The trace only where asked for: an exception's text may hold the feed's own.
        logger.debug("source failed", exc_info=exc)

    def _before_window(self, item: Item, now: datetime) -> bool:
        # The Parser port dates an undated item at seen_at (`now`): on a first
        # run such an item may be years old, so it counts as old, not as news.
        return item.published_at == now or item.published_at < now - self.first_run_window

    def _record_only(self, item: Item, now: datetime, report: IngestReport) -> None:
        if self.store.has_item(item.id):
            return
        election, clarification = classify(item.title, item.text, item.authority)
        item = replace(item, election=election, clarification=clarification)
        if self.store.add_item_if_new(item, seen_at=now):
            report.recorded_only += 1

    @staticmethod
    def _last_new_item_at(
        state: SourceState, items: list[Item], now: datetime, report: IngestReport
    ) -> datetime | None:
        if report.first_run:
            # A new source is as quiet as its newest item, whether or not that
            # item was sent; an empty one starts the quiet clock now.
            newest = max((i.published_at for i in items), default=now)
            return min(newest, now)
        if report.new_items:
            return now
        # A state kept from before this field existed starts its clock now.
        return state.last_new_item_at or now

    def _take(self, source: Source, item: Item, now: datetime, report: IngestReport) -> None:
        if self.store.has_item(item.id):
            return
        report.new_items += 1
        election, clarification = classify(item.title, item.text, item.authority)
        item = replace(item, election=election, clarification=clarification)
        if item.election:
            # The place the text names, within the source's region: a national
            # fact-checker's clarification about one kabupaten concerns its officials.
            item = replace(item, region=story_region(item.title, item.text, item.region))
            report.new_election_items += 1
            self._cluster(source, item, now, report)
        # Recorded last: if the run dies before this line the item is taken in
        # again next time, and joining a story is idempotent per item id.
        self.store.add_item_if_new(item, seen_at=now)

    def _cluster(self, source: Source, item: Item, now: datetime, report: IngestReport) -> None:
        sig = signature(item.title, item.text)
        keys = band_keys(sig)
        story = self._story_to_join(item, sig, keys, now)
        if story is None:
            self._start_story(source, item, sig, keys, now, report)
        elif not any(s.item_id == item.id for s in story.sources):
            self._join(story, source, item, now, report)

    def _story_to_join(
        self, item: Item, sig: tuple[int, ...], keys: list[str], now: datetime
    ) -> Story | None:
        candidates = [
            self.store.get_story(i) for i in self.store.find_story_candidates(keys, now=now)
        ]
        # The oldest matching story wins, as in `warta cluster`: the same item
        # joins the same story however the store orders its candidates.
        return story_to_join(
            sig,
            item.title,
            item.text,
            filter(None, candidates),
            age=lambda s: (s.created_at, s.id),
            first_item=_first_item,
            same_source=lambda s: s.sources[0].source_id == item.source_id,
        )

    def _join(
        self, story: Story, source: Source, item: Item, now: datetime, report: IngestReport
    ) -> None:
        was_urgent = story.urgent
        joined = replace(
            story,
            sources=(*story.sources, _story_source(source, item)),
            region=common_region((story.region, item.region)),
            clarification=story.clarification or item.clarification,
            urgent=story.urgent or item.urgent,
        )
        # The chain's message and the watch come before the story is stored: a run that
        # dies in between takes the item in again, and the message's cause is the item.
        if was_urgent:
            self._joined_chain(story, joined, source, item, now, report)
        elif joined.urgent:
            self.lifecycle.start(joined, at=now)
        if joined.urgent:
            self.lifecycle.watch(source.id, {item.id: (story.id, item.published_at)}, now)
        self.store.put_story(joined)
        report.joined_stories.append(story.id)
        if joined.urgent and not was_urgent:
            report.urgent_stories.append(story.id)
        if item.clarification and not story.clarification:
            # The story itself is clarified: what its readers got is corrected by this item.
            clarification = replace(
                joined,
                title=item.title,
                summary=summarize(item.title, item.text),
                text=item.text[:STORY_TEXT_LIMIT],
                sources=(_story_source(source, item),),
                published_at=item.published_at,
            )
            if self.corrections.record(story, clarification, now=now):
                report.corrections.append(story.id)

    def _joined_chain(
        self,
        story: Story,
        joined: Story,
        source: Source,
        item: Item,
        now: datetime,
        report: IngestReport,
    ) -> None:
        """An urgent story's chain after `item` joined it: corrected by its own source, or
        confirmed by another official source, or concerning a wider region."""
        carried = {s.source_id for s in story.sources}
        reasons: list[Reason] = []
        if source.id in carried and correction_notice(item.title):
            reasons.append(Reason.CORRECTED)
        else:
            if source.id not in carried and item.authority.is_official:
                reasons.append(Reason.CONFIRMED)
            if widened(story.region, joined.region):
                reasons.append(Reason.WIDENED)
        if reasons:
            self._chain(story, joined, tuple(reasons), f"join:{item.id}", source, now, report)

    # -- the items of open chains ------------------------------------------------------

    def _watch(
        self, source: Source, items: list[Item], now: datetime, report: IngestReport
    ) -> None:
        """Compare the items of open chains this source listed with what it lists now."""
        watched = self.lifecycle.watched(source.id, now)
        if not watched or not items:
            return
        listed = {item.id: item for item in items}
        dates = [item.published_at for item in items]
        done: set[str] = set()
        for entry in watched.values():
            try:
                story = self.store.get_story(entry.story_id)
                if story is None:
                    done.add(entry.item_id)
                elif entry.item_id in listed:
                    self._listed(source, story, listed[entry.item_id], now, report)
                elif dropped_within_window(entry.published_at, dates) and self._gone(
                    source, story, entry
                ):
                    cause = f"gone:{entry.item_id}"
                    self._chain(story, story, (Reason.WITHDRAWN,), cause, source, now, report)
                    done.add(entry.item_id)
            except ThrottledError:
                raise  # the store, not the item: the whole source is tried again
            except Exception as exc:  # this item's failure alone
                why = f"item {entry.item_id}: {reason(exc)}"
                report.skipped_items.append(why)
                logger.warning("watched item skipped", extra={"source_id": source.id, "error": why})
                logger.debug("watched item skipped", exc_info=exc)
        self.lifecycle.unwatch(source.id, done, now)

    def _listed(
        self, source: Source, story: Story, item: Item, now: datetime, report: IngestReport
    ) -> None:
        """A watched item the source still lists: corrected, or revised, at the source?"""
        if correction_notice(item.title) and not correction_notice(story.title):
            cause = f"corrected:{item.id}"
            self._chain(story, story, (Reason.CORRECTED,), cause, source, now, report)
            return
        # The story's summary is its first item's: only that item's changes can change it.
        if story.sources[0].item_id != item.id or (
            item.title == story.title and item.text[:STORY_TEXT_LIMIT] == story.text
        ):
            return
        summary = summarize(item.title, item.text)
        if not revised(story, item.title, summary, item.text):
            return
        after = replace(story, title=item.title, summary=summary, text=item.text[:STORY_TEXT_LIMIT])
        version = blake2b(f"{item.title}\n{item.text}".encode(), digest_size=6).hexdigest()
        cause = f"revised:{item.id}:{version}"
        self._chain(story, after, (Reason.REVISED,), cause, source, now, report)
        self.store.put_story(after)

    def _chain(
        self,
        story: Story,
        after: Story,
        reasons: tuple[Reason, ...],
        cause: str,
        source: Source,
        now: datetime,
        report: IngestReport,
    ) -> None:
        """Add the next message of the story's chain, when it is open and `cause` is new."""
        message = self.lifecycle.add(
            story, after, reasons=reasons, cause=cause, now=now, note=source.name
        )
        if message is not None:
            report.chain_updates.append(story.id)

    def _gone(self, source: Source, story: Story, entry: Watched) -> bool:
        """Whether the page of a watched item answers 404 or 410 (anything else: not gone)."""
        url = next((s.url for s in story.sources if s.item_id == entry.item_id), None)
        if url is None:
            return False
        try:
            self.fetcher.fetch(source, url=url)
        except FetchError as exc:
            return exc.status in (404, 410)
        return False

    def _start_story(
        self,
        source: Source,
        item: Item,
        sig: tuple[int, ...],
        keys: list[str],
        now: datetime,
        report: IngestReport,
    ) -> None:
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
            text=item.text[:STORY_TEXT_LIMIT],
        )
        if story.urgent:
            self.lifecycle.start(story, at=now)
            self.lifecycle.watch(source.id, {item.id: (story.id, item.published_at)}, now)
        self.store.put_story(story)
        self.store.add_story_bands(keys, story.id, expires_at=now + self.story_window)
        report.new_stories.append(story.id)
        if story.urgent:
            report.urgent_stories.append(story.id)
        if story.clarification:
            for rebutted in self.corrections.rebutted_by(story, now):
                if self.corrections.record(rebutted, story, now=now):
                    report.corrections.append(rebutted.id)
