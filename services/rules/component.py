"""Rules in a process: one consumer over warnings, rainfall and commands, and a tick."""

from __future__ import annotations

import logging
from pathlib import Path

from services.core.component import Component, Wiring
from services.rules.service import RulesService, read_rules_file

__all__ = ["build", "default_rules_file"]

log = logging.getLogger(__name__)


def default_rules_file() -> Path:
    """The rules file used when none is configured: ``rules/default.yaml`` of the source tree."""
    return Path(__file__).resolve().parent.parent.parent / "rules" / "default.yaml"


async def build(wiring: Wiring) -> Component:
    """Load the rules (refusing an invalid file), restore the engine's state, wire the consumer."""
    path = wiring.settings.rules_file or default_rules_file()
    rules = read_rules_file(path)
    service = RulesService(wiring.outbox, wiring.clock, rules)
    await service.restore()
    log.info("rules %s %s loaded from %s", rules.id, rules.version, path)
    # The scheduler only wakes the code that looks for due work; deadlines are in the state.
    wiring.scheduler.add_job(service.tick, "interval", seconds=1, id="rules-tick", max_instances=1)
    return Component("rules", loops=[service.consumer(wiring.bus)], handle=service)
