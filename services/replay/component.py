"""Replay in a process: serves ``/review`` (the report of any window, from the event store)."""

from __future__ import annotations

from services.core.component import Component, Wiring
from services.replay.http import review_router
from services.rules.component import default_rules_file
from services.web.auth import Auth

__all__ = ["build"]


async def build(wiring: Wiring) -> Component:
    """The review routes; no consumer: replay reads what the recorder stored."""
    rules_dir = default_rules_file().parent
    return Component(
        "replay",
        routers=[
            review_router(
                wiring.store,
                wiring.settings,
                rules_dir,
                Auth.from_settings(wiring.store, wiring.clock, wiring.settings),
            )
        ],
    )
