"""The escalation ladder: what is done, and when, for a person who has not acknowledged.

Times count from when the notice was sent. A step may take several actions at once
(at 15 minutes: the deputy, the unit leader and the duty officers' board).

>>> from datetime import UTC, datetime
>>> start = datetime(2024, 5, 4, tzinfo=UTC)
>>> [a.value for a in DEFAULT_LADDER.steps[0].actions], DEFAULT_LADDER.due(start, 1).minute
(['sms'], 10)
>>> DEFAULT_LADDER.due(start, 3) is None
True
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field, model_validator

from schemas.envelope import Model

__all__ = ["DEFAULT_LADDER", "Action", "Ladder", "Step"]


class Action(StrEnum):
    """One thing an escalation step does."""

    SMS = "sms"
    VOICE = "voice"
    DEPUTY = "deputy"
    UNIT_LEADER = "unit_leader"
    DUTY_BOARD = "duty_board"


class Step(Model):
    """After ``after_minutes`` without an ack, take ``actions``."""

    after_minutes: float = Field(gt=0, description="minutes after the notice was sent; fractions allowed")
    actions: tuple[Action, ...] = Field(min_length=1)


class Ladder(Model):
    """Steps in order of time; an empty ladder never escalates."""

    steps: tuple[Step, ...] = ()

    @model_validator(mode="after")
    def _increasing(self) -> Ladder:
        times = [step.after_minutes for step in self.steps]
        if times != sorted(set(times)):
            raise ValueError("escalation steps must come in strictly increasing after_minutes")
        return self

    def due(self, started: datetime, index: int) -> datetime | None:
        """When step ``index`` falls due for a notice sent at ``started``; None past the last."""
        if index >= len(self.steps):
            return None
        return started + timedelta(minutes=self.steps[index].after_minutes)


DEFAULT_LADDER = Ladder(
    steps=(
        Step(after_minutes=5, actions=(Action.SMS,)),
        Step(after_minutes=10, actions=(Action.VOICE,)),
        Step(after_minutes=15, actions=(Action.DEPUTY, Action.UNIT_LEADER, Action.DUTY_BOARD)),
    )
)
"""App push at once; 5 min → SMS; 10 → voice call; 15 → deputy, unit leader, duty board."""
