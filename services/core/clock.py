"""The one clock every service reads, so tests and replay can drive time.

>>> from datetime import UTC, datetime, timedelta
>>> clock = ManualClock(datetime(2024, 5, 4, 6, 45, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=5)).isoformat()
'2024-05-04T06:50:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["BEIJING", "Clock", "ManualClock", "SystemClock"]

#: Display time zone of the bureau (UTC on the wire, Beijing time for people).
BEIJING = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Something that tells the current, timezone-aware time."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests and replay."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        """The time the clock was last set to."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by ``delta`` and return the new time."""
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (timezone-aware)."""
        if when.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware times")
        self._now = when
