"""Starting every service in the demo's own process, stopped by Ctrl-C or SIGTERM.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     started = await start_sanfang(settings)
...     if started is not None:
...         stop, service = started
...         ...; stop.set(); await service
"""

from __future__ import annotations

import asyncio
import logging
import signal

from services.core.logs import setup_logging
from services.core.settings import Settings
from services.runtime import ALL_SERVICES, Runtime

__all__ = ["demo_logging", "start_runtime", "start_sanfang"]


async def start_sanfang(settings: Settings) -> tuple[asyncio.Event, asyncio.Task[None]] | None:
    """Start every service; return the stop event and the running task once ready, or None
    when it stopped while starting (its error is raised)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = await start_runtime(Runtime(settings, ALL_SERVICES), stop)
    return None if started is None else (stop, started)


async def start_runtime(runtime: Runtime, stop: asyncio.Event) -> asyncio.Task[None] | None:
    """Run ``runtime`` until ``stop``; return its task once ready, or None when it stopped
    while starting (its error is raised)."""
    service = asyncio.create_task(runtime.run(stop))
    ready = asyncio.create_task(runtime.ready.wait())
    await asyncio.wait([service, ready], return_when=asyncio.FIRST_COMPLETED)
    if service.done():
        ready.cancel()
        service.result()
        return None
    return service


def demo_logging() -> None:
    """Warnings and errors only, on stderr, under the demo's live view."""
    setup_logging("WARNING")
    # The scheduler reports each overlapping job run it skips, and the jobs it cancels at
    # shutdown, as warnings and errors: under a live view that is noise, not news.
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
