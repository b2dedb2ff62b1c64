"""The domain: what flows through Warta, from a source to a message.

Plain frozen dataclasses with no I/O. Times are timezone-aware datetimes in
UTC; a Jakarta wall-clock time is only ever made when something is shown to a
person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from warta.core.days import JAKARTA_NAME

T = TypeVar("T")

NATIONAL = "national"
"""Region of a source or story that concerns the whole country."""

ITEM_RETENTION = timedelta(days=60)
"""How long a seen item is remembered (WARTA_ITEM_RETENTION_DAYS). An item older than this
that a source still lists is recorded again, never taken as news (services.ingest)."""
SEND_RETENTION = timedelta(days=30)
"""How long a sent-ledger row is kept (WARTA_LEDGER_RETENTION_DAYS): far longer than any
retry, sweep or resumed edition looks back (two days), so no message is sent twice."""
MIN_RETENTION = timedelta(days=7)

ALL_REGIONS = "*"
"""A subscriber's explicit choice of every region's stories (NATIONAL alone means national only)."""


class Authority(StrEnum):
    """Who publishes a source; decides whether a clarification is urgent."""

    KPU = "kpu"
    BAWASLU = "bawaslu"
    DKPP = "dkpp"
    KEMENDAGRI = "kemendagri"
    KOMDIGI = "komdigi"
    PEMDA = "pemda"
    FACTCHECK = "factcheck"
    MEDIA = "media"

    @property
    def is_official(self) -> bool:
        """An official body or a fact-checker: their clarifications raise alerts."""
        return self is not Authority.MEDIA

    @property
    def is_election_body(self) -> bool:
        """Everything an election body publishes is about the election."""
        return self in (Authority.KPU, Authority.BAWASLU, Authority.DKPP)


class SourceKind(StrEnum):
    RSS = "rss"
    JSON = "json"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the sources file. What changes at run time lives in SourceState."""

    id: str
    name: str
    url: str
    authority: Authority
    region: str = NATIONAL
    kind: SourceKind = SourceKind.RSS
    enabled: bool = True
    timezone: str = JAKARTA_NAME
    """Zone for dates that carry no offset of their own."""
    poll_minutes: int = 30
    allow_addresses: tuple[str, ...] = ()
    """Addresses the fetch guard lets through for this source (self-hosted, demo)."""
    extract: Mapping[str, str] = field(default_factory=dict)
    """How to find items in a json or html source (JSON paths or CSS selectors by field)."""


@dataclass(frozen=True, slots=True)
class SourceState:
    """Per-source state kept by the Store between runs."""

    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None
    last_status: int | None = None
    moved_to: str | None = None
    disabled: bool = False
    failing_since: datetime | None = None
    """Start of the current run of failures; None while the source works."""
    last_new_item_at: datetime | None = None
    """When the source last brought an item Warta had not seen: how quiet it has gone."""
    notified_at: datetime | None = None
    notified_reason: str | None = None
    """The last health message sent to admins about this source, so it is sent once."""
    skipped_items: int = 0
    """Entries or items its last successful run could not take in (the others were)."""
    last_item_error: str | None = None
    """Why the last of those was skipped ("entry 3: ..." or "item <id>: ...")."""


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a source, normalized."""

    id: str
    """Stable and scoped to its source: two sources never share an id."""
    source_id: str
    url: str
    """Canonical: absolute, no fragment, no tracking parameters."""
    title: str
    text: str
    """Plain text; paragraphs separated by a blank line."""
    published_at: datetime
    """UTC."""
    authority: Authority
    region: str = NATIONAL
    guid: str | None = None
    election: bool = False
    clarification: bool = False

    @property
    def urgent(self) -> bool:
        return self.election and self.clarification and self.authority.is_official


@dataclass(frozen=True, slots=True)
class StorySource:
    """One source that carried a story, with its own link to it."""

    source_id: str
    name: str
    url: str
    authority: Authority
    item_id: str
    published_at: datetime


STORY_TEXT_LIMIT = 4000
"""Characters of the first item's text a story keeps for comparisons."""


@dataclass(frozen=True, slots=True)
class Story:
    """The same news told by one or more sources."""

    id: str
    day: date
    """Jakarta calendar day on which Warta first saw the story: its digest edition."""
    region: str
    title: str
    summary: str
    published_at: datetime
    created_at: datetime
    election: bool
    clarification: bool
    urgent: bool
    sources: tuple[StorySource, ...]
    signature: tuple[int, ...] = ()
    """MinHash signature, kept so later items can be compared with the story."""
    text: str = ""
    """The first item's text (its start, up to STORY_TEXT_LIMIT): what a later item is
    compared with, so that a place or figure the summary left out still tells two
    template stories apart."""

    @property
    def official_source_count(self) -> int:
        return len({s.source_id for s in self.sources if s.authority.is_official})


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    """Signed up, not yet confirmed: receives nothing but the confirmation email."""
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    SUPPRESSED = "suppressed"
    """A hard bounce or a complaint: never mailed again, whatever the subscriber's choices."""


@dataclass(frozen=True, slots=True)
class Consent:
    """Evidence of one step of consent: when, and where the request came from."""

    at: datetime
    source: str
    """How the request reached Warta: "web", "cli", "import", with the client's network for web."""


DEFAULT_DIGEST_HOUR = 6


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    email: str
    status: SubscriberStatus = SubscriberStatus.ACTIVE
    regions: tuple[str, ...] = (ALL_REGIONS,)
    """Regions whose stories the subscriber wants; national stories always come.
    (NATIONAL,) alone is national stories only; (ALL_REGIONS,) every region's."""
    name: str | None = None
    created_at: datetime | None = None
    digest: bool = True
    """The daily digest, on or off."""
    urgent: bool = False
    """Urgent clarifications for the subscriber's regions, as they come."""
    digest_hour: int = DEFAULT_DIGEST_HOUR
    """Local hour (0-23) the digest is wanted at."""
    zone: str | None = None
    """IANA zone of the digest hour; None means the zone of the subscriber's region."""
    signed_up: Consent | None = None
    confirmed: Consent | None = None
    confirmation_sent_on: date | None = None
    """The last day a confirmation email went out: at most one a day per address."""
    updated_at: datetime | None = None
    suppressed_reason: str | None = None
    deliveries: tuple[str, ...] = ()
    """The latest delivery outcomes reported by the mail provider, newest last (at most a few):
    "delivered" or "soft-bounce"; three soft bounces among the last five suppress."""


class Reader(NamedTuple):
    """What sending one subscriber their digest needs (Store.digest_readers): a digest
    batch reads a hundred, and a tuple costs a sixth of a Subscriber to make."""

    id: str
    email: str
    regions: tuple[str, ...]
    urgent: bool
    """Urgent clarifications (and corrections) come to them by email, as they come."""
    digest: bool = True
    """Always: only subscribers who take the digest are readers."""


@dataclass(frozen=True, slots=True)
class Official:
    id: str
    name: str
    role: str
    region: str
    email: str | None = None
    phone: str | None = None
    active: bool = True
    institution: str | None = None
    """The body the official works for ("KPU Kota Kediri", "Kecamatan Mojoroto")."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, and where the next one starts (None at the end)."""

    items: tuple[T, ...]
    cursor: str | None = None


class SendStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"


class Claim(StrEnum):
    """What a claim on one message of the sent ledger found; true when the caller may send."""

    NEW = "new"
    """Nobody had claimed it: send."""
    TAKEN_OVER = "taken-over"
    """A claim whose lease ran out (its sender died or hung): send in its place."""
    HELD = "held"
    """Another sender holds a claim still under lease: it may be sending right now."""
    DONE = "done"
    """Sent before."""

    def __bool__(self) -> bool:
        return self in (Claim.NEW, Claim.TAKEN_OVER)


@dataclass(frozen=True, slots=True)
class SendRecord:
    """A line of the sent ledger: one message of one kind, to one recipient, once."""

    kind: str
    """"digest", "alert-email", "alert-sms"."""
    key: str
    """The digest day (ISO date) or the story id."""
    recipient_id: str
    status: SendStatus
    message_id: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    note: str | None = None
    """A few words kept with a completed line by its sender: for a digest, the name of the
    selection of stories it held (services.corrections)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a Fetcher returns; errors are raised as FetchError, not returned."""

    url: str
    """Final URL after redirects."""
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    """Lower-cased header names."""
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    elapsed_ms: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class DigestBatch:
    """A slice of one digest edition's recipients: one unit of fan-out."""

    day: date
    subscriber_ids: tuple[str, ...]
    number: int = 0
    plan: str = ""
    """Which planning of the edition made the batch: its completion is recorded under it."""


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """A slice of the officials one urgent story concerns, or of the subscribers who asked
    for urgent clarifications of its region: one unit of alert fan-out."""

    story_id: str
    official_ids: tuple[str, ...]
    number: int = 0
    plan: str = ""
    """Which planning of the story's alert made the batch: its completion is recorded under it."""
    subscriber_ids: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.official_ids) + len(self.subscriber_ids)


@dataclass(frozen=True, slots=True)
class CorrectionBatch:
    """A slice of the subscribers who may have read a story in a digest before it was
    clarified: one unit of the correction's fan-out (services.corrections). Without a
    plan id it is the request to plan the correction into such batches."""

    story_id: str
    subscriber_ids: tuple[str, ...] = ()
    number: int = 0
    plan: str = ""

    @property
    def size(self) -> int:
        return len(self.subscriber_ids)
