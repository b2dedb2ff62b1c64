"""Warta's own exceptions: adapters translate library errors into these at the edge."""

from __future__ import annotations


class WartaError(Exception):
    """Base of every error Warta raises on purpose."""


class ConfigError(WartaError):
    """A setting or the sources file is wrong; the message names what and where."""


class FetchError(WartaError):
    """A source could not be fetched; `reason` is a short stable code for the source's record."""

    def __init__(
        self,
        reason: str,
        detail: str = "",
        *,
        status: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        """The server's Retry-After header, as sent (seconds or an HTTP date)."""


class ParseError(WartaError):
    """A fetched body is not a document of the source's kind."""


class StoreError(WartaError):
    """The store failed in a way the caller cannot fix by retrying at once."""


class ThrottledError(StoreError):
    """The store or a provider asked us to slow down; retry later."""


class SendError(WartaError):
    """A message could not be handed to the mail or notification provider."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        """True when the same send may work later (throttling, a server down, a 4xx reply);
        False when it will be refused again until something changes."""


class QueueError(WartaError):
    """Messages could not be put on a queue; the whole step should be retried later."""
