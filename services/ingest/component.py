"""Ingest in a process: the warning push endpoint and the dead-letter listing."""

from __future__ import annotations

from services.core.component import Component, Wiring
from services.ingest.http import ingest_router
from services.ingest.intake import Intake

__all__ = ["build"]


async def build(wiring: Wiring) -> Component:
    """Ingest's routes, publishing through the outbox."""
    intake = Intake(wiring.outbox, wiring.clock)
    return Component("ingest", routers=[ingest_router(intake, wiring.store, wiring.settings)], handle=intake)
