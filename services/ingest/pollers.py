"""All polled sources of a process: woken by the scheduler, each polled in its own task.

The scheduler only wakes :meth:`Pollers.wake`, which starts the polls that are due and
returns at once; a slow or dead feed therefore never delays another. Readiness reports
each source in its detail but stays ok: a feed that is down does not make this process
unable to take pushed warnings, and pulling it out of a load balancer would help nobody.

>>> async def demo(pollers: Pollers) -> None:  # doctest: +SKIP
...     scheduler.add_job(pollers.wake, "interval", seconds=pollers.tick_seconds)
...     ok, detail = await pollers.check()    # (True, 'szmb-cap: up; gauges: down (HTTP 500) …')
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from services.ingest.poller import SourcePoller

__all__ = ["Pollers"]

log = logging.getLogger(__name__)


class Pollers:
    """Starts due polls, reports every source's health, cancels polls in flight on close."""

    def __init__(self, pollers: Sequence[SourcePoller]) -> None:
        self.pollers = list(pollers)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def tick_seconds(self) -> float:
        """How often the scheduler should wake :meth:`wake`: often enough for the shortest interval."""
        shortest = min((p.source.interval_seconds for p in self.pollers), default=1.0)
        return max(0.05, min(1.0, shortest / 2))

    async def wake(self) -> None:
        """Start a poll of every due source that is not being polled already; return at once.

        A coroutine so that the scheduler runs it in the event loop, not in a thread.
        """
        if self._closed:
            return
        now = asyncio.get_running_loop().time()
        for poller in self.pollers:
            if poller.due(now):
                poller.in_flight = True  # until the task starts, so the next wake skips it
                task = asyncio.create_task(poller.poll(), name=f"poll-{poller.source.name}")
                self._tasks.add(task)
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("poll task %s failed unexpectedly", task.get_name(), exc_info=error)

    async def check(self) -> tuple[bool, str]:
        """Readiness: always ok, with each source's state in the detail."""
        return True, "; ".join(f"{p.source.name}: {p.health.describe()}" for p in self.pollers)

    async def close(self) -> None:
        """Cancel the polls in flight (the process is stopping)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
