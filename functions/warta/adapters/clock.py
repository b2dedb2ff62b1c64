from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Implements the Clock port with the machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)
