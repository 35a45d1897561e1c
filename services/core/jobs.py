"""The scheduler's jobs that are running now, so a stop lets them finish.

APScheduler's asyncio executor cancels a running coroutine job when the scheduler shuts
down: an escalation pass or a poll would be cut off mid-transaction (rolled back, so nothing
is lost, but logged as an error and done again after the restart). :class:`RunningJobs`
counts jobs between their submission and their end from the scheduler's own events;
the runtime pauses the scheduler, waits for the count to reach zero (for a bounded time),
and only then shuts it down.

>>> async def stop(scheduler: AsyncIOScheduler, running: RunningJobs) -> None:  # doctest: +SKIP
...     scheduler.pause()
...     await running.finished(within=10)
...     scheduler.shutdown(wait=False)
"""

from __future__ import annotations

import asyncio
import contextlib

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.base import BaseScheduler

__all__ = ["RunningJobs"]


class RunningJobs:
    """How many of ``scheduler``'s jobs are running; attach before the scheduler starts."""

    def __init__(self, scheduler: BaseScheduler) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        scheduler.add_listener(self._seen, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _seen(self, event: JobEvent) -> None:
        self.count = self.count + 1 if event.code == EVENT_JOB_SUBMITTED else max(0, self.count - 1)
        if self.count:
            self._idle.clear()
        else:
            self._idle.set()

    async def finished(self, within: float) -> bool:
        """Wait until no job runs, at most ``within`` seconds; whether none runs."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within)
        return self.count == 0
