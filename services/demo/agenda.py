"""What the playback has to do, and at which simulated time: post a cue, acknowledge a
notice, answer a proposal. The player's clock decides when that is.

>>> from datetime import UTC, datetime, timedelta
>>> agenda = Agenda()
>>> async def nothing() -> None: ...
>>> t0 = datetime(2024, 5, 4, tzinfo=UTC)
>>> agenda.add(t0 + timedelta(minutes=5), nothing); agenda.add(t0, nothing)
>>> agenda.next_at() == t0, len(agenda.due(t0)), len(agenda)
(True, 1, 1)
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime

__all__ = ["Action", "Agenda"]

Action = Callable[[], Awaitable[None]]


class Agenda:
    """Actions ordered by simulated time; equal times keep the order they were added in."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, at: datetime, action: Action) -> None:
        """Do ``action`` once the clock reaches ``at``."""
        heapq.heappush(self._heap, (at, next(self._order), action))

    def next_at(self) -> datetime | None:
        """When the next action is due; None when nothing is left."""
        return self._heap[0][0] if self._heap else None

    def due(self, now: datetime) -> list[Action]:
        """Take out every action due at or before ``now``, in order."""
        taken: list[Action] = []
        while self._heap and self._heap[0][0] <= now:
            taken.append(heapq.heappop(self._heap)[2])
        return taken
