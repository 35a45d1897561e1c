"""The one clock every service reads, so tests and replay can drive time.

>>> from datetime import UTC, datetime, timedelta
>>> clock = ManualClock(datetime(2024, 5, 4, 6, 45, tzinfo=UTC))
>>> clock.advance(timedelta(minutes=5)).isoformat()
'2024-05-04T06:50:00+00:00'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["BEIJING", "AcceleratedClock", "Clock", "ManualClock", "SystemClock"]

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


class AcceleratedClock:
    """A clock that runs ``speed`` times faster than real time and can jump ahead; for the
    demo season, where half a year plays in minutes and quiet stretches are skipped.

    It never goes back: a jump to an earlier time, or a change of speed, keeps the time it
    has reached.

    >>> clock = AcceleratedClock(datetime(2024, 5, 4, tzinfo=UTC), speed=300)
    >>> clock.jump_to(datetime(2024, 5, 5, tzinfo=UTC)) >= datetime(2024, 5, 5, tzinfo=UTC)
    True
    """

    def __init__(
        self, start: datetime, *, speed: float = 1.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("AcceleratedClock needs a timezone-aware start")
        if speed <= 0:
            raise ValueError("the speed must be positive")
        self._monotonic = monotonic
        self._origin = start.astimezone(UTC)
        self._real = monotonic()
        self._speed = speed

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def now(self) -> datetime:
        """The simulated time: the start, plus the real time since then times the speed, plus jumps."""
        return self._origin + timedelta(seconds=(self._monotonic() - self._real) * self._speed)

    def jump_to(self, when: datetime) -> datetime:
        """Skip ahead to ``when`` (no-op when it has passed); returns the time now."""
        if when.tzinfo is None:
            raise ValueError("AcceleratedClock needs timezone-aware times")
        self._anchor(max(self.now(), when.astimezone(UTC)))
        return self._origin

    def run_at(self, speed: float) -> None:
        """Go on from the time reached at ``speed`` (1.0: real time)."""
        if speed <= 0:
            raise ValueError("the speed must be positive")
        self._anchor(self.now())
        self._speed = speed

    def _anchor(self, at: datetime) -> None:
        self._origin = at
        self._real = self._monotonic()
