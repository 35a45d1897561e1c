"""How a service plugs into a process: it gets the shared wiring and returns a Component.

Each service package has ``component.py`` with ``async def build(wiring) -> Component``;
the runtime builds the ones a process runs and starts what they return.

>>> async def build(wiring: Wiring) -> Component:  # doctest: +SKIP
...     service = Something(wiring.outbox, wiring.clock)
...     return Component("something", loops=[service.consumer(wiring.bus)], handle=service)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import APIRouter

from services.core.bus import Bus, ConsumerLoop
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store

__all__ = ["Builder", "Component", "ReadinessCheck", "Wiring"]

#: A named check answering (ok, detail); ``/readyz`` is ready when every check is ok.
ReadinessCheck = tuple[str, Callable[[], Awaitable[tuple[bool, str]]]]


@dataclass(frozen=True)
class Wiring:
    """What every component is given: settings, clock, database, bus, outbox, scheduler.

    ``stack`` is the process's exit stack: a component enters its own IO context managers
    (an MQTT connection, an HTTP client) there, so they close when the process stops.
    The scheduler only wakes code that looks in the database for due work.
    """

    settings: Settings
    clock: Clock
    store: Store
    bus: Bus
    outbox: Outbox
    stack: AsyncExitStack
    scheduler: AsyncIOScheduler


@dataclass
class Component:
    """What a service runs: consumer loops, HTTP routes, readiness checks, background tasks."""

    name: str
    loops: list[ConsumerLoop] = field(default_factory=list)
    routers: list[APIRouter] = field(default_factory=list)
    checks: list[ReadinessCheck] = field(default_factory=list)
    tasks: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    handle: Any = None  # the service object itself, for tests and for other components


Builder = Callable[[Wiring], Awaitable[Component]]
