"""What the AWS adapters share: one client configuration, clients made on first use,
throttled sends tried again with backoff, and botocore's errors turned into Warta's.

Warta's errors name the provider's error code and request id, never the provider's
own message: SES, SNS and DynamoDB echo addresses, phone numbers and request values
in theirs, and Warta's errors go into logs. For the same reason the adapters raise
them `from None`, so no botocore error rides along in a traceback.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from warta.core.errors import QueueError, SendError, StoreError, ThrottledError

if TYPE_CHECKING:
    from botocore.client import BaseClient  # type: ignore[import-untyped]

T = TypeVar("T")

PROVIDER_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
"""What a botocore call raises: the provider's answer, or botocore's own failure."""


def client_config(*, read_timeout: float = 10) -> Config:
    """Bounded retries and timeouts: a stuck call must not eat a Lambda's whole run.

    Standard mode retries throttling and server errors itself, with backoff.
    """
    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=read_timeout,
    )


class LazyClient:
    """One AWS service's client: the one given, or a default one made on first use.

    Not at import or construction: importing or wiring an adapter must not need AWS
    credentials, a region or the network.
    """

    def __init__(
        self, service: str, client: BaseClient | None = None, *, read_timeout: float = 10
    ) -> None:
        self.service = service
        self.read_timeout = read_timeout
        self._client = client
        # boto3's default session is not thread-safe, and a store is shared by threads.
        self._lock = threading.Lock()

    def get(self) -> BaseClient:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3  # type: ignore[import-untyped]  # only where AWS is used

                    self._client = boto3.client(
                        self.service, config=client_config(read_timeout=self.read_timeout)
                    )
        return self._client


# -- throttled sends ------------------------------------------------------------


def backoff_ceilings(base: float, cap: float, budget: float) -> tuple[float, ...]:
    """The longest each wait before another attempt may be: `base` doubling up to `cap`,
    as many as fit in `budget` seconds together.

    Bounding the sum of the ceilings, not of the waits drawn under them, keeps both the
    number of attempts and the longest total wait known in advance.
    """
    if base <= 0 or cap < base or budget < 0:
        raise ValueError("backoff needs 0 < base <= cap and a budget of 0 or more")
    ceilings: list[float] = []
    total = 0.0
    while True:
        ceiling = min(cap, base * 2 ** len(ceilings))
        if total + ceiling > budget:
            return tuple(ceilings)
        ceilings.append(ceiling)
        total += ceiling


@dataclass(frozen=True, slots=True)
class Backoff:
    """How a send the provider throttled is tried again inside the call.

    Botocore's standard mode has already tried the call three times over about a
    second; a provider still over its send rate (SES's per second, SNS's SMS rate)
    has usually caught up within a few more seconds. Each wait is a random part of
    its ceiling ("full jitter"), so senders throttled together do not all come back
    together. The defaults try up to 14 more times within 4.63 s of waiting at
    most (a provider's rate is per second: no wait needs to be longer than half
    of one), so even a provider throttling 30% of all calls at random fails a
    send about once in 70 million. An alert batch keeps a third of its
    function's time for the official it is on (services.alerts), which covers
    this and botocore's own retries for the email and for the SMS.
    """

    base: float = 0.01
    cap: float = 0.5
    budget: float = 5.0
    """Seconds of waiting, at most, for one send: what is left of it is not waited."""
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    """A number in [0, 1): the share of each ceiling actually waited."""

    def ceilings(self) -> tuple[float, ...]:
        return backoff_ceilings(self.base, self.cap, self.budget)


BACKOFF = Backoff()
"""What the mail and SMS adapters use unless given another."""
NO_BACKOFF = Backoff(budget=0)
"""A throttled send fails at once (after botocore's own retries)."""


def retry_throttled(call: Callable[[], T], *, codes: Set[str], backoff: Backoff) -> T:
    """`call()`; while it fails with one of the throttling `codes`, waits and calls again.

    Only a throttle is tried again: any other failure, or a throttle once the
    backoff's waits are spent, is raised to the caller as it came.
    """
    for ceiling in backoff.ceilings():
        try:
            return call()
        except ClientError as exc:
            if error_code(exc) not in codes:
                raise
        backoff.sleep(ceiling * backoff.random())
    return call()


# -- errors ------------------------------------------------------------------------


def error_code(exc: Exception) -> str | None:
    """The provider's error code of a ClientError; None for anything else."""
    return _code(exc) if isinstance(exc, ClientError) else None


def describe(exc: Exception) -> str:
    """The provider's error code and request id, or botocore's error class: never a message."""
    if not isinstance(exc, ClientError):
        return type(exc).__name__
    request = exc.response.get("ResponseMetadata", {}).get("RequestId")
    return f"{_code(exc)}, request {request}" if request else _code(exc)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "Unknown")


def _server_failed(exc: ClientError) -> bool:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500


def send_error(
    service: str, exc: Exception, *, temporary_codes: Set[str], refused: str
) -> SendError:
    """A SendError for a failed send to a mail or SMS provider (`service`, e.g. "SES").

    Temporary when the provider asked us to slow down or failed itself (one of
    `temporary_codes`, or a 5xx answer), or could not be reached; otherwise the
    provider refused `refused` (e.g. "the message") or the client is not set up.
    """
    where = describe(exc)
    if isinstance(exc, ClientError):
        if error_code(exc) in temporary_codes or _server_failed(exc):
            return SendError(
                f"{service} is not taking sends now ({where}); temporary, retry later",
                temporary=True,
            )
        return SendError(f"{service} refused {refused} ({where})")
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return SendError(
            f"cannot reach {service} ({where}); temporary, retry later", temporary=True
        )
    return SendError(f"the {service} client is not set up ({where})")


def store_error(op: str, exc: Exception, *, throttle_codes: Set[str]) -> StoreError:
    """A StoreError for a failed DynamoDB call made for the store operation `op`;
    a ThrottledError when DynamoDB asked us to slow down (one of `throttle_codes`)."""
    if error_code(exc) in throttle_codes:
        return ThrottledError(f"DynamoDB store: {op} throttled ({describe(exc)})")
    return StoreError(f"DynamoDB store: {op} failed ({describe(exc)})")


def queue_error(exc: Exception) -> QueueError:
    """A QueueError for a SendMessageBatch call SQS refused as a whole."""
    return QueueError(f"SQS refused a batch ({describe(exc)})")
