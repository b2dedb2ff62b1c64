"""In-process queue: the fan-out of the one-machine cycle.

The cycle runs each step in turn in one process: what ingest queues, the
alerts step drains a moment later. Messages go through JSON both ways and
obey SQS's size limit, so a message SQS could not carry fails here too; a
send is all or nothing, and the queue holds at most `capacity` messages, so
a runaway producer fails loudly instead of filling the memory.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from typing import Any

from warta.core.errors import QueueError

MESSAGE_BYTES = 256 * 1024
"""The largest message SQS carries: the same cap here, so both wirings fail alike."""


class MemoryQueue:
    """Implements the Queue port, plus drain() for the cycle that runs the next step itself."""

    def __init__(self, capacity: int = 1_000_000) -> None:
        self.capacity = capacity
        self._bodies: deque[str] = deque()

    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        bodies = []
        for message in messages:
            try:
                body = json.dumps(message, ensure_ascii=False)
            except (TypeError, ValueError) as exc:
                raise QueueError(f"a message is not a JSON object: {exc}") from None
            if len(body.encode()) > MESSAGE_BYTES:
                raise QueueError(f"a message of {len(body.encode())} bytes is over the limit")
            bodies.append(body)
        if len(self._bodies) + len(bodies) > self.capacity:
            raise QueueError(f"the queue is full ({self.capacity} messages)")
        self._bodies.extend(bodies)

    def drain(self) -> list[dict[str, Any]]:
        """Every message queued so far, oldest first; the queue is empty afterwards."""
        taken = [json.loads(body) for body in self._bodies]
        self._bodies.clear()
        return taken

    def __len__(self) -> int:
        return len(self._bodies)
