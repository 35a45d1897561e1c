"""The storm day of 2024-05-04 from the demo season (the six-street orange rainstorm signal,
the day's rain, the cancel), paced so that it plays in a minute or two against services on
the real clock.

The cues are the demo's (:func:`season_cues`); their times are mapped onto the run: a cue
``cue_speed`` simulated seconds after the window starts is posted one real second later,
with its times (issued, observed) set to when it is posted, as a live feed would. The
persons' answers, the officer's and the escalation ladder run ``person_speed`` times faster
than on the day, so late acks still cross the SMS and voice steps.

>>> day = StormDay(seed=2024, pace=Pace())
>>> [cue.path for _, cue in day.timeline][:1], round(day.timeline[-1][0])
(['/api/v1/warnings'], 41)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.core.clock import BEIJING
from services.demo.agenda import Action, Agenda
from services.demo.season.playbook import Cue, season_cues
from services.rules.component import default_rules_file
from services.rules.service import read_rules_file

__all__ = ["Pace", "ScaledAgenda", "StormDay"]

STORM_DAY = date(2024, 5, 4)


@dataclass(frozen=True)
class Pace:
    """How fast the day plays: cues at ``cue_speed`` x, persons and ladder at ``person_speed`` x;
    no person answers after ``answer_until`` seconds of the run."""

    cue_speed: float = 900.0
    person_speed: float = 30.0
    answer_until: float = 75.0
    lead_in: float = 1.0

    def targeting_yaml(self) -> str:
        """The demo's ladder (5 min: SMS, 10: voice, 15: deputy, leader, duty board), scaled."""
        steps = (
            (5, ["sms"]),
            (10, ["voice"]),
            (15, ["deputy", "unit_leader", "duty_board"]),
        )
        lines = ["escalation:"]
        for minutes, actions in steps:
            lines.append(f"  - after_minutes: {minutes / self.person_speed:.4f}")
            lines.append(f"    actions: [{', '.join(actions)}]")
        return "\n".join(lines) + "\n"


class ScaledAgenda(Agenda):
    """The demo's agenda, with every wait ``speed`` times shorter: the persons and the
    officer put their answers at simulated delays from now (the services' real clock)."""

    def __init__(self, speed: float) -> None:
        super().__init__()
        self.speed = speed

    def add(self, at: datetime, action: Action) -> None:
        now = datetime.now(UTC)
        super().add(now + max(at - now, timedelta(0)) / self.speed, action)


@dataclass
class StormDay:
    """The day's cues as ``(seconds into the run, cue)``."""

    seed: int
    pace: Pace
    day: date = STORM_DAY

    def __post_init__(self) -> None:
        start = datetime.combine(self.day, datetime.min.time(), tzinfo=BEIJING)
        rules = read_rules_file(default_rules_file())
        calm = min((r.threshold_mm / r.window_hours for r in rules.rainfall), default=float("inf"))
        cues = season_cues(self.seed, start, start + timedelta(days=1), calm_mm_per_hour=calm)
        self.origin = cues[0].at - timedelta(seconds=self.pace.lead_in * self.pace.cue_speed)
        self.timeline = [(self._offset(cue.at), cue) for cue in cues]

    def _offset(self, at: datetime) -> float:
        return (at - self.origin).total_seconds() / self.pace.cue_speed

    def body(self, cue: Cue, run_start: datetime) -> Any:
        """The cue's body with its times moved onto the run (``run_start`` is second 0)."""

        def moved(value: str) -> str:
            at = datetime.fromisoformat(value)
            return (run_start + timedelta(seconds=self._offset(at))).isoformat()

        body = copy.deepcopy(cue.body)
        if "issued_at" in body:
            body["issued_at"] = moved(body["issued_at"])
        for reading in body.get("readings", []):
            reading["observed_at"] = moved(reading["observed_at"])
        return body
