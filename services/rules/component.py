"""Rules in a process: one consumer over warnings, rainfall and commands, a tick, the rules
file watched for changes (and re-read on SIGHUP), and the rules API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta
from pathlib import Path

from services.core.component import Component, Wiring
from services.core.settings import Settings
from services.rules.http import rules_router
from services.rules.service import RulesService
from services.rules.source import RulesSource, read_rules_file
from services.web.auth import Auth

__all__ = ["build", "default_rules_file", "preflight"]

log = logging.getLogger(__name__)


def default_rules_file() -> Path:
    """The rules file used when none is configured: ``rules/default.yaml`` of the source tree."""
    return Path(__file__).resolve().parent.parent.parent / "rules" / "default.yaml"


def preflight(settings: Settings) -> None:
    """Refuse an invalid rules file before anything else starts, so its error comes first."""
    read_rules_file(settings.rules_file or default_rules_file())


async def build(wiring: Wiring) -> Component:
    """Load the rules (an invalid file raises ``RulesFileError``, a ConfigError, and the process
    does not start), restore the engine's state, wire the consumer, the tick and the API."""
    settings = wiring.settings
    source = RulesSource.load(settings.rules_file or default_rules_file(), wiring.clock)
    service = RulesService(
        wiring.outbox, wiring.clock, source, stale_after=timedelta(hours=settings.warning_stale_hours)
    )
    await service.restore()
    log.info("rules %s %s loaded from %s", source.current.id, source.current.version, source.path)
    # The scheduler only wakes the code that looks for due work; deadlines are in the state.
    wiring.scheduler.add_job(service.tick, "interval", seconds=1, id="rules-tick", max_instances=1)
    if settings.rules_watch_seconds > 0:

        async def watch() -> None:  # a coroutine, so the scheduler runs it in the loop, not a thread
            source.reload_if_changed()

        wiring.scheduler.add_job(
            watch,
            "interval",
            seconds=settings.rules_watch_seconds,
            id="rules-watch",
            max_instances=1,
        )
    _reload_on_sighup(wiring, source)
    return Component(
        "rules",
        loops=[service.consumer(wiring.bus)],
        routers=[
            rules_router(
                source,
                wiring.store,
                Auth.from_settings(wiring.store, wiring.clock, wiring.settings),
                wiring.clock,
            )
        ],
        handle=service,
    )


def _reload_on_sighup(wiring: Wiring, source: RulesSource) -> None:
    """``kill -HUP`` re-reads the rules file, as daemons do; removed again when the process stops."""
    sighup = getattr(signal, "SIGHUP", None)
    if sighup is None:
        return  # Windows has no SIGHUP; the watch and the API still reload
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(sighup, source.reload)
    except (RuntimeError, ValueError, NotImplementedError):
        log.info("rules: SIGHUP not available here (not the main thread); use the API or the watch")
        return
    wiring.stack.callback(lambda: _remove(loop, sighup))


def _remove(loop: asyncio.AbstractEventLoop, sighup: int) -> None:
    with contextlib.suppress(RuntimeError, ValueError):
        loop.remove_signal_handler(sighup)
