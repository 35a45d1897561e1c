"""A stop lets the scheduler's running jobs finish instead of cancelling them."""

from __future__ import annotations

import asyncio

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from services.core.jobs import RunningJobs


async def test_running_jobs_are_counted_and_awaited() -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    running = RunningJobs(scheduler)
    started, done = asyncio.Event(), []

    async def pass_of_work() -> None:
        started.set()
        await asyncio.sleep(0.3)
        done.append(True)

    scheduler.add_job(pass_of_work, "interval", seconds=0.05, max_instances=1)
    scheduler.start()
    try:
        await asyncio.wait_for(started.wait(), 5)
        assert running.count == 1
        scheduler.pause()
        assert await running.finished(within=5)
        assert done == [True]  # finished, not cancelled
    finally:
        scheduler.shutdown(wait=False)


async def test_a_job_that_overruns_the_grace_is_reported() -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    running = RunningJobs(scheduler)
    started = asyncio.Event()

    async def endless() -> None:
        started.set()
        await asyncio.sleep(60)

    scheduler.add_job(endless, "interval", seconds=0.05, max_instances=1)
    scheduler.start()
    try:
        await asyncio.wait_for(started.wait(), 5)
        scheduler.pause()
        assert not await running.finished(within=0.1)
        assert running.count == 1
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)
