"""SQS queue: the fan-out between the AWS steps (sources, urgent stories, digest batches).

Messages go out with SendMessageBatch, ten at a time and under SQS's 256 KiB
per call. SQS answers a batch entry by entry: entries that failed on SQS's
side are sent again with a short backoff; what is still refused after that
raises QueueError, so the caller's own invocation fails and is retried whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from warta.adapters import aws
from warta.core.errors import QueueError

BATCH_ENTRIES = 10
"""SendMessageBatch's cap on entries per call."""
BATCH_BYTES = 256 * 1024
"""SQS's cap on the bodies of one call together (and on one message)."""
ATTEMPTS = 4
"""Calls per batch before entries SQS keeps refusing count as a failure."""


def _batches(bodies: Sequence[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if length > BATCH_BYTES:
            raise QueueError(f"a message of {length} bytes is over SQS's limit")
        if batch and (len(batch) == BATCH_ENTRIES or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += length
    if batch:
        yield batch


class SqsQueue:
    """Implements the Queue port on one SQS standard queue."""

    def __init__(
        self,
        url: str,
        client: Any = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self._client = aws.LazyClient("sqs", client)
        self._sleep = sleep

    @property
    def client(self) -> Any:
        return self._client.get()

    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        bodies = [json.dumps(m, ensure_ascii=False, sort_keys=True) for m in messages]
        for batch in _batches(bodies):
            self._send_batch(batch)

    def _send_batch(self, bodies: list[str]) -> None:
        pending = {str(n): body for n, body in enumerate(bodies)}
        refused: list[str] = []
        for attempt in range(ATTEMPTS):
            if attempt:
                self._sleep(min(0.1 * 2 ** (attempt - 1), 1.0))
            try:
                response = self.client.send_message_batch(
                    QueueUrl=self.url,
                    Entries=[{"Id": key, "MessageBody": body} for key, body in pending.items()],
                )
            except aws.PROVIDER_ERRORS as exc:
                # Botocore has already retried throttling and server errors.
                raise aws.queue_error(exc) from None
            failed = response.get("Failed") or []
            pending = {f["Id"]: pending[f["Id"]] for f in failed}
            if not pending:
                return
            refused = sorted(
                {str(f.get("Code") or "Unknown") for f in failed if f.get("SenderFault")}
            )
            if refused:
                # Our fault (a malformed message): sending it again changes nothing.
                break
        reasons = ", ".join(refused) or "still failing on SQS's side"
        raise QueueError(f"SQS did not take {len(pending)} message(s) ({reasons})")
