"""The season through the rules engine: signals and readings in, the officers answering, and
the response events that result (what the live system records, minus the person-level part).

>>> season = season_inputs()
>>> season.activations()
33
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from schemas.commands import Command
from schemas.rainfall import GaugeReading
from schemas.responses import ResponseActivated, ResponseEvent
from schemas.rules import RulesFile
from schemas.warnings import WarningSignal
from services.demo.season.calendar import SEASON_END, season_signals
from services.demo.season.officer import season_officer
from services.demo.season.rain import season_readings
from services.replay.domain.whatif import rerun
from services.rules.component import default_rules_file
from services.rules.service import read_rules_file

__all__ = ["SeasonInputs", "season_inputs"]


@dataclass(frozen=True)
class SeasonInputs:
    """What went into the rules, and what they decided."""

    signals: tuple[WarningSignal, ...]
    readings: tuple[GaugeReading, ...]
    commands: tuple[Command, ...]
    responses: tuple[ResponseEvent, ...]
    rules: RulesFile

    def activations(self, *, drill: bool = False) -> int:
        """Decisions to activate (one may start several street responses)."""
        return len(
            {
                e.correlation_id or e.response_id
                for e in self.responses
                if isinstance(e, ResponseActivated) and e.drill == drill
            }
        )


@cache
def season_inputs(seed: int = 2024) -> SeasonInputs:
    """The season under the default rules file (cached: it is pure and used often)."""
    rules = read_rules_file(default_rules_file())
    signals = season_signals()
    readings = season_readings(seed)
    commands: list[Command] = []
    responses = rerun([*signals, *readings], rules, answer=season_officer(seed, commands), until=SEASON_END)
    return SeasonInputs(tuple(signals), tuple(readings), tuple(commands), tuple(responses), rules)
