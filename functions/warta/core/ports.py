"""Ports: the small interfaces services depend on. Adapters implement them.

Every Store implementation must pass tests/contract/test_store_contract.py; every
Mailer tests/contract/test_mailer_contract.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

from warta.core.model import (
    Claim,
    FetchResult,
    Item,
    Official,
    Page,
    Reader,
    SendRecord,
    Source,
    SourceState,
    Story,
    Subscriber,
    SubscriberStatus,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class Fetcher(Protocol):
    def fetch(
        self,
        source: Source,
        *,
        url: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET the source's URL (or `url`, when the source moved) conditionally.

        Raises FetchError for anything that is not a usable answer (network
        error, timeout, body over the cap, HTTP error status).
        """
        ...


class Parser(Protocol):
    def __call__(self, source: Source, result: FetchResult, *, seen_at: datetime) -> list[Item]:
        """Turn fetched bytes into normalized items (not yet classified).

        Raises ParseError when the body is not a document of the source's kind.
        `seen_at` stands in for a missing published date.
        """
        ...


class Renderer(Protocol):
    def render(self, template: str, **context: Any) -> str:
        """Render one template of templates/ by name (autoescaped when HTML)."""
        ...

    def render_parts(self, template: str, slot: str, **context: Any) -> tuple[str, ...]:
        """Render with `slot` left open: the text before, between and after each place
        the template writes it, so each recipient's own value is joined in later."""
        ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Hand one complete message to the provider; return the provider's message id.

        Raises SendError when the provider refused it.
        """
        ...

    def send_raw(self, recipient: str, data: bytes) -> str:
        """Hand over one finished message as it goes on the wire (CRLF line ends), for one
        recipient, the address its To header names; return the provider's message id.

        The bytes are sent as they are: nothing is parsed out of them but what the
        provider needs (the Message-ID, the sender). Raises SendError as `send` does,
        and for a message without a Message-ID or with a Bcc header.
        """
        ...


class Notifier(Protocol):
    def notify(self, phone: str, text: str, *, key: str | None = None) -> str:
        """Send a short text (SMS) to one number; return the provider's message id.

        `key` names the message in the sent ledger: the same each time that one
        message is (re)sent, so a provider that can de-duplicate uses it."""
        ...


class Queue(Protocol):
    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        """Put each message (a JSON object) on the queue, in as few calls as the provider allows.

        Raises a WartaError when some could not be queued after retries.
        """
        ...


class LocalQueue(Queue, Protocol):
    """A queue the same process drains: the one-machine cycle runs each next step itself."""

    def drain(self) -> list[dict[str, Any]]:
        """Every message queued so far, oldest first; the queue is empty afterwards."""
        ...


class Store(Protocol):
    """Everything Warta keeps between runs. Every method is one short round trip or a page."""

    # -- items: has this item been seen? ----------------------------------
    def add_item_if_new(self, item: Item, *, seen_at: datetime) -> bool:
        """Record the item; True if it was not seen before (a conditional insert)."""
        ...

    def has_item(self, item_id: str) -> bool: ...

    # -- per-source state --------------------------------------------------
    def get_source_state(self, source_id: str) -> SourceState | None: ...

    def put_source_state(self, state: SourceState) -> None: ...

    # -- near-duplicate lookup (LSH bands -> story ids, expiring) ----------
    def find_story_candidates(self, band_keys: Sequence[str], *, now: datetime) -> set[str]:
        """Story ids registered under any of the band keys and not yet expired."""
        ...

    def add_story_bands(
        self, band_keys: Sequence[str], story_id: str, *, expires_at: datetime
    ) -> None: ...

    # -- stories -------------------------------------------------------------
    def put_story(self, story: Story) -> None:
        """Create or replace a story (a new source joining it replaces it)."""
        ...

    def get_story(self, story_id: str) -> Story | None: ...

    def stories_of_day(self, day: date, regions: Iterable[str] | None = None) -> list[Story]:
        """Stories of one digest day, oldest first; only those regions when given."""
        ...

    # -- subscribers and officials ------------------------------------------
    def put_subscriber(self, subscriber: Subscriber) -> None: ...

    def get_subscriber(self, subscriber_id: str) -> Subscriber | None: ...

    def get_subscribers(self, subscriber_ids: Sequence[str]) -> dict[str, Subscriber]:
        """The subscribers of one digest batch in one round trip; unknown ids are left out."""
        ...

    def digest_readers(self, subscriber_ids: Sequence[str]) -> dict[str, Reader]:
        """Of these subscribers, those who take the digest now (active, with the digest on),
        each as the digest's sender needs them, in one round trip; the others are left out."""
        ...

    def subscribers_page(
        self, status: SubscriberStatus, *, cursor: str | None = None, limit: int = 100
    ) -> Page[Subscriber]:
        """One page of subscribers with that status, in a stable order."""
        ...

    def subscriber_ids_due(
        self, zone: str, hour: int, *, cursor: str | None = None, limit: int = 100
    ) -> Page[str]:
        """One page, in a stable order, of the ids of the active subscribers who want the
        digest at that local hour in that zone (core.slots.digest_slot), read through an
        index of their own: planning one hour never reads the other subscribers, nor more
        of these than their ids (the sender reads each batch's subscribers as it sends)."""
        ...

    def put_official(self, official: Official) -> None: ...

    def get_official(self, official_id: str) -> Official | None:
        """The official with that id, active or not."""
        ...

    def officials_page(
        self, *, cursor: str | None = None, limit: int = 100, active: bool = True
    ) -> Page[Official]:
        """One page of active (or, with active=False, inactive) officials, in a stable order."""
        ...

    def delete_subscriber(self, subscriber_id: str) -> bool:
        """Erase a subscriber's record; True when there was one. (Their sent-ledger rows stay
        until they expire: they hold ids, not addresses.)"""
        ...

    def delete_official(self, official_id: str) -> bool:
        """Erase an official's record; True when there was one."""
        ...

    # -- sent ledger ---------------------------------------------------------
    def claim_send(
        self,
        kind: str,
        key: str,
        recipient_id: str,
        *,
        now: datetime,
        lease: timedelta | None = None,
    ) -> Claim:
        """Claim the right to send one message; the answer is true when the caller may send.

        A conditional write: of two concurrent callers exactly one may send. A
        claim made more than `lease` before `now` and never completed belongs to
        a sender that died or hung: it is taken over (TAKEN_OVER, claimed anew at
        `now`). Without a lease a pending claim is never taken over.
        """
        ...

    def complete_send(
        self, kind: str, key: str, recipient_id: str, *, message_id: str, now: datetime
    ) -> None:
        """Mark a claimed send as done, with the provider's message id."""
        ...

    def release_send(self, kind: str, key: str, recipient_id: str) -> None:
        """Give up a claim whose send failed, so a later run may try again."""
        ...

    def claim_sends(
        self,
        kind: str,
        key: str,
        recipient_ids: Sequence[str],
        *,
        now: datetime,
        lease: timedelta | None = None,
    ) -> dict[str, Claim]:
        """claim_send for each recipient of a batch (duplicates count once), in as few
        round trips as the store allows, with the same answers and the same guarantee:
        of concurrent callers claiming overlapping batches, exactly one gets each line."""
        ...

    def complete_sends(
        self,
        kind: str,
        key: str,
        message_ids: Mapping[str, str],
        *,
        now: datetime,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        """complete_send for each recipient (key of `message_ids`), batched; a recipient in
        `notes` has that note kept with their line (SendRecord.note), the others none."""
        ...

    def release_sends(self, kind: str, key: str, recipient_ids: Sequence[str]) -> None:
        """release_send for each recipient."""
        ...

    def get_send(self, kind: str, key: str, recipient_id: str) -> SendRecord | None: ...
