"""The console in a process: the duty officers' API and web page, the live boards, and the
job that starts double-blind drills when their moment comes."""

from __future__ import annotations

from services.console.pages import page_routes
from services.console.routes_auth import auth_routes
from services.console.routes_board import board_routes
from services.console.routes_decisions import decision_routes
from services.console.routes_operations import operation_routes
from services.console.service import Console
from services.core.component import Component, Wiring

__all__ = ["build"]


async def build(wiring: Wiring) -> Component:
    """The console's routes, its live-board hub, and the drill job (every second)."""
    console = Console.create(wiring.settings, wiring.outbox, wiring.clock)
    wiring.scheduler.add_job(
        console.drills.fire_due, "interval", seconds=1, id="console-drills", max_instances=1, coalesce=True
    )
    return Component(
        "console",
        routers=[
            auth_routes(console),
            board_routes(console),
            decision_routes(console),
            operation_routes(console),
            page_routes(),
        ],
        tasks=[console.live.run],
        handle=console,
    )
