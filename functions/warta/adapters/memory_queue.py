"""In-process queue: the fan-out of the one-machine cycle.

The cycle runs each step in turn in one process: what ingest queues, the
alerts step drains a moment later. Messages go through JSON both ways, as on
SQS, so a message that SQS could not carry fails here too.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from typing import Any


class MemoryQueue:
    """Implements the Queue port, plus drain() for the cycle that runs the next step itself."""

    def __init__(self) -> None:
        self._bodies: deque[str] = deque()

    def send(self, messages: Sequence[dict[str, Any]]) -> None:
        self._bodies.extend(json.dumps(m, ensure_ascii=False) for m in messages)

    def drain(self) -> list[dict[str, Any]]:
        """Every message queued so far, oldest first; the queue is empty afterwards."""
        taken = [json.loads(body) for body in self._bodies]
        self._bodies.clear()
        return taken

    def __len__(self) -> int:
        return len(self._bodies)
