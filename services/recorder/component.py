"""The recorder in a process: one consumer over every topic into the event store."""

from __future__ import annotations

from services.core.component import Component, Wiring
from services.recorder.service import Recorder

__all__ = ["build"]


async def build(wiring: Wiring) -> Component:
    """The recorder's consumer."""
    recorder = Recorder(wiring.store, wiring.clock)
    return Component("recorder", loops=[recorder.consumer(wiring.bus)], handle=recorder)
