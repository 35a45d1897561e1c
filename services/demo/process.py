"""Starting every service in the demo's own process, stopped by Ctrl-C or SIGTERM, and a
console login for whoever watches.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     started = await start_sanfang(settings, SystemClock())
...     if started is not None:
...         print(login_line(await demo_login(started.runtime)))
...         ...; started.stop.set(); await started.service
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from dataclasses import dataclass

from schemas.console import AccountIn, Role
from services.console.service import Console
from services.core.clock import Clock
from services.core.logs import setup_logging
from services.core.settings import Settings
from services.runtime import ALL_SERVICES, Runtime
from services.web.audit import Actor
from services.web.errors import Conflict

__all__ = ["Started", "demo_logging", "demo_login", "login_line", "start_runtime", "start_sanfang"]

#: Who made the demo's login, as the audit log names them.
_DEMO = Actor("cli:demo", "演示", "administrator", "local")


@dataclass(frozen=True)
class Started:
    """Sanfang running in this process: set ``stop`` and await ``service`` to end it."""

    stop: asyncio.Event
    service: asyncio.Task[None]
    runtime: Runtime


async def start_sanfang(settings: Settings, clock: Clock) -> Started | None:
    """Start every service on ``clock``; return them once ready, or None when they stopped
    while starting (their error is raised)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime(settings, ALL_SERVICES, clock=clock)
    service = await start_runtime(runtime, stop)
    return None if service is None else Started(stop, service, runtime)


async def demo_login(runtime: Runtime) -> tuple[str, str] | None:
    """A commander's account for whoever watches the demo, with a new random password:
    ``(username, password)``; None when the console does not run here. There is no default
    account in Sanfang: this one exists because the demo made it, and says so in the audit log."""
    component = runtime.components.get("console")
    if component is None or not isinstance(component.handle, Console):
        return None
    password = secrets.token_urlsafe(12)
    for n in range(1, 100):
        username = "demo" if n == 1 else f"demo{n}"  # an earlier run's account may be there
        account = AccountIn(
            username=username, display_name="演示指挥长", role=Role.COMMANDER, password=password
        )
        try:
            await component.handle.accounts.add(account, by=_DEMO)
        except Conflict:
            continue
        return username, password
    return None


def login_line(login: tuple[str, str] | None) -> str:
    """How the demo tells its watcher to log in to the console (rich markup)."""
    if login is None:
        return "Console login: add an account with 'sanfang users add'"
    username, password = login
    return (
        f"Console login: [bold]{username}[/bold] / [bold]{password}[/bold] (a commander, made for this demo)"
    )


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
