"""The console in a process: the duty officers' API."""

from __future__ import annotations

from services.console.http import console_router
from services.core.component import Component, Wiring

__all__ = ["build"]


async def build(wiring: Wiring) -> Component:
    """The console's routes."""
    return Component("console", routers=[console_router(wiring.outbox, wiring.clock)])
