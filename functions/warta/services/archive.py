"""The public archive: a page per digest day and per story, and Atom feeds, for anyone.

The same pages are served by the web app (/arsip/, /arsip/YYYY-MM-DD/,
/cerita/<id>/, /feed/*.atom) and written as static files by `warta archive
build` for S3 or any web server, so every link between pages is relative and
each page is a folder's index.html. The feeds and the ClaimReview data carry
absolute links (an aggregator reads them anywhere), made from the site's base URL.

Days and stories come from the Store (stories_of_day, get_story); the archive
looks back a set number of days rather than asking the store for a list of
days, which no store keeps.

Feeds are written with Jinja templates (templates/feed.atom), not a feed
library: the renderer already escapes every value in them, a feed is a page
an admin can read and change like the others, and the Lambda bundle gets no
new dependency. tests/unit/services/test_archive.py parses them with lxml.

Clarifications are also published as CAP 1.2 for aggregators: every message of
every alert chain (services.lifecycle) of the last FEED_DAYS days is an
immutable CAP message at /cap/<identifier>.xml (msgType Alert, Update or
Cancel, each naming the ones before it in `references`), indexed by the Atom
feed /feed/cap.atom, whose entries link to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from warta.core.cap import MsgType, Reference, Status, cap_alert
from warta.core.chain import Chain, ChainMessage, Step, describe
from warta.core.days import jakarta_day
from warta.core.model import Story
from warta.core.ports import Clock, Renderer, Store
from warta.core.text.claims import StoryCheck, check_story
from warta.services.digest import order_stories
from warta.services.lifecycle import Lifecycle

DEFAULT_DAYS = 30
"""Days the archive looks back: the index lists them, `warta archive build` writes them."""
FEED_DAYS = 7
FEED_ENTRIES = 50

STORY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
"""What a story id in a path may be (ingest makes "st-" and hex); anything else is not found."""

FEEDS = {
    "terverifikasi": "Berita pemilu terverifikasi",
    "klarifikasi": "Klarifikasi hoaks pemilu",
}
"""The Atom feeds by name (/feed/<name>.atom): stories an election body or the government
carried, and clarifications (whoever published them, each labelled)."""

PAGE = "text/html; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
CAP = "application/cap+xml"
CAP_FEED = "cap"
"""The Atom index of CAP messages (/feed/cap.atom)."""
CAP_ID = re.compile(r"warta-(?P<story>[A-Za-z0-9][A-Za-z0-9_-]{0,79})-(?P<number>\d{1,4})")
"""What a CAP message's identifier, and so its file name, is: warta-<story id>-<number>."""
CANCEL_INSTRUCTION = (
    "Jangan bagikan lagi peringatan sebelumnya; tunggu keterangan baru dari sumber resmi."
)
_MSG_TYPES = {Step.ALERT: MsgType.ALERT, Step.UPDATE: MsgType.UPDATE, Step.CANCEL: MsgType.CANCEL}


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One file of the archive: its path below the site's root and what it holds."""

    path: str
    body: bytes
    content_type: str


def day_path(day: date) -> str:
    return f"arsip/{day.isoformat()}/"


def story_path(story_id: str) -> str:
    return f"cerita/{story_id}/"


def cap_identifier(story_id: str, number: int) -> str:
    return f"warta-{story_id}-{number}"


def cap_path(story_id: str, number: int) -> str:
    return f"cap/{cap_identifier(story_id, number)}.xml"


def cap_sender(base: str) -> str:
    """Who sends the CAP messages: the host name of the site that publishes them."""
    return urlsplit(base).hostname or "warta"


def is_verified(story: Story) -> bool:
    """Carried by at least one election body or government source."""
    return check_story(story).speaker_label == "Sumber resmi"


def claim_review(story: Story, checked: StoryCheck, url: str) -> dict[str, Any]:
    """schema.org ClaimReview of a clarification, as the structured data of its page.

    The author is the body or fact-checker that states the fact (Warta only
    republishes it); the claim is itemReviewed, with the circulating item as
    its appearance; reviewRating carries the verdict as alternateName on a 1
    (false) to 5 (true) scale.
    """
    speaker = checked.speaker
    claim = checked.claim or story.title
    published = min((s.published_at for s in story.sources), default=story.published_at)
    author: dict[str, Any] = {"@type": "Organization", "name": checked.speaker_names}
    if speaker is not None:
        author["url"] = speaker.url
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "datePublished": jakarta_day(published).isoformat(),
        "author": author,
        "claimReviewed": claim,
        "reviewBody": checked.fact,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": checked.verdict.rating,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": checked.verdict.label.capitalize(),
        },
        "itemReviewed": {
            "@type": "Claim",
            "name": claim,
            "appearance": {"@type": "CreativeWork", "headline": claim},
        },
        "sdPublisher": {"@type": "Organization", "name": "Warta Pemilu"},
    }


class Archive:
    def __init__(
        self,
        *,
        store: Store,
        renderer: Renderer,
        clock: Clock,
        days: int = DEFAULT_DAYS,
        until: date | None = None,
        cap_status: Status = Status.ACTUAL,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.days = days
        self.until = until
        """The archive's last day (`warta archive build --until`); None for today."""
        self.cap_status = cap_status
        """Test for the demo's archive: CAP receivers take no action on it."""
        self.lifecycle = Lifecycle(store=store)

    def today(self) -> date:
        return self.until or jakarta_day(self.clock.now())

    def stories(self, day: date) -> list[Story]:
        """The day's election stories as the digest orders them: clarifications first."""
        return order_stories([s for s in self.store.stories_of_day(day) if s.election])

    def recent(self, days: int) -> Iterator[tuple[date, list[Story]]]:
        """(day, stories) for each of the last `days` days that has stories, newest first."""
        today = self.today()
        for back in range(days):
            day = today - timedelta(days=back)
            stories = self.stories(day)
            if stories:
                yield day, stories

    # -- pages -------------------------------------------------------------------------

    def index_page(self) -> str:
        return self.renderer.render(
            "archive_index.html", root="../", days=list(self.recent(self.days)), feeds=FEEDS
        )

    def day_page(self, day: date) -> str | None:
        """The page of one digest day; None for a day in the future or beyond the archive."""
        if not self.today() - timedelta(days=self.days) < day <= self.today():
            return None
        return self.renderer.render(
            "archive_day.html", root="../../", day=day, stories=self.stories(day), feeds=FEEDS
        )

    def story_page(self, story_id: str, base: str) -> str | None:
        """The page of one story, with ClaimReview data for a clarification; None if unknown."""
        if not STORY_ID.fullmatch(story_id):
            return None
        story = self.store.get_story(story_id)
        if story is None or not story.election:
            return None
        review = None
        if story.clarification:
            review = claim_review(story, check_story(story), self.url(base, story_path(story.id)))
        return self.renderer.render(
            "archive_story.html", root="../../", story=story, review=review, feeds=FEEDS
        )

    def feed(self, name: str, base: str) -> str | None:
        """The Atom feed `name` (FEEDS, or CAP_FEED) of the last FEED_DAYS days; None for
        another name."""
        if name == CAP_FEED:
            return self.cap_feed(base)
        if name not in FEEDS:
            return None
        chosen: list[Story] = []
        for _, stories in self.recent(FEED_DAYS):
            for story in stories:
                if story.clarification if name == "klarifikasi" else is_verified(story):
                    chosen.append(story)
        chosen.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        chosen = chosen[:FEED_ENTRIES]
        return self.renderer.render(
            "feed.atom",
            name=name,
            title=FEEDS[name],
            base=base.rstrip("/"),
            stories=chosen,
            updated=max((updated(s) for s in chosen), default=self.clock.now()),
            updated_of=updated,
        )

    @staticmethod
    def url(base: str, path: str) -> str:
        return f"{base.rstrip('/')}/{path}"

    # -- CAP -----------------------------------------------------------------------------

    def chains(self) -> list[Chain]:
        """The alert chains of the clarifications of the last FEED_DAYS days, newest first."""
        found = [
            chain
            for _, stories in self.recent(FEED_DAYS)
            for story in stories
            if story.urgent and (chain := self.lifecycle.of(story))
        ]
        return sorted(found, key=lambda c: (c.messages[0].at, c.story_id), reverse=True)

    def cap(self, chain: Chain, message: ChainMessage, base: str) -> bytes:
        """One message of a chain as CAP 1.2: the same bytes each time it is asked for."""
        earlier = [m for m in chain.messages if m.number < message.number]
        sender = cap_sender(base)
        return cap_alert(
            message.story,
            identifier=cap_identifier(chain.story_id, message.number),
            sender=sender,
            sent=message.at,
            web=self.url(base, story_path(chain.story_id)),
            status=self.cap_status,
            msg_type=_MSG_TYPES[message.step],
            references=[
                Reference(sender, cap_identifier(chain.story_id, m.number), m.at) for m in earlier
            ],
            expires=chain.expires_at(self.lifecycle.lifetime),
            note=describe(message, earlier[-1].story if earlier else None) or None,
            instruction=CANCEL_INSTRUCTION if message.step is Step.CANCEL else None,
        )

    def cap_message(self, identifier: str, base: str) -> bytes | None:
        """The CAP message with this identifier; None for one that is not (or no longer) kept."""
        found = CAP_ID.fullmatch(identifier)
        if found is None:
            return None
        story = self.store.get_story(found["story"])
        if story is None or not story.urgent:
            return None
        chain = self.lifecycle.of(story)
        number = int(found["number"])
        message = next((m for m in chain.messages if m.number == number), None)
        return None if message is None else self.cap(chain, message, base)

    def cap_feed(self, base: str) -> str:
        """The Atom index of the CAP messages of the last FEED_DAYS days, newest first."""
        entries = [
            (chain, message, describe(message, _before(chain, message)))
            for chain in self.chains()
            for message in chain.messages
        ]
        entries.sort(key=lambda e: (e[1].at, e[0].story_id, e[1].number), reverse=True)
        entries = entries[:FEED_ENTRIES]
        return self.renderer.render(
            "cap.atom",
            base=base.rstrip("/"),
            entries=entries,
            updated=max((m.at for _, m, _ in entries), default=self.clock.now()),
            identifier=cap_identifier,
            status=self.cap_status.value,
        )

    # -- the static site ---------------------------------------------------------------

    def files(self, base: str) -> Iterator[ArchiveFile]:
        """Every file of the archive as `warta archive build` writes it."""
        yield ArchiveFile("arsip/index.html", self.index_page().encode("utf-8"), PAGE)
        for day, stories in self.recent(self.days):
            page = self.day_page(day)
            if page is not None:
                yield ArchiveFile(day_path(day) + "index.html", page.encode("utf-8"), PAGE)
            for story in stories:
                story_page = self.story_page(story.id, base)
                if story_page is not None:
                    yield ArchiveFile(
                        story_path(story.id) + "index.html", story_page.encode("utf-8"), PAGE
                    )
        for name in FEEDS:
            feed = self.feed(name, base)
            if feed is not None:
                yield ArchiveFile(f"feed/{name}.atom", feed.encode("utf-8"), ATOM)
        for chain in self.chains():
            for message in chain.messages:
                yield ArchiveFile(
                    cap_path(chain.story_id, message.number), self.cap(chain, message, base), CAP
                )
        yield ArchiveFile(f"feed/{CAP_FEED}.atom", self.cap_feed(base).encode("utf-8"), ATOM)


def _before(chain: Chain, message: ChainMessage) -> Story | None:
    earlier = [m for m in chain.messages if m.number < message.number]
    return earlier[-1].story if earlier else None


def updated(story: Story) -> datetime:
    """When a story last changed: the latest of its sources, or when Warta first saw it."""
    return max([story.created_at, *(s.published_at for s in story.sources)])
