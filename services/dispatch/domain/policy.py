"""Dispatch's configuration file: who is told (targeting) and how to escalate (ladder).

The file is YAML; both parts are optional, and an absent file means: everyone in scope
at every level, and the default ladder.

>>> policy = DispatchPolicy.model_validate({"targeting": {"roles": {
...     "watch": ["unit_leader"], "IV": ["unit_leader", "duty_contact"], "III": ["unit_leader"],
...     "II": ["unit_leader"], "I": ["unit_leader"]}},
...     "escalation": [{"after_minutes": 3, "actions": ["sms"]}]})
>>> len(policy.escalation.steps), sorted(r.value for r in policy.targeting.roles_for(Level.IV))
(1, ['duty_contact', 'unit_leader'])
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from schemas.envelope import Model
from schemas.responses import Level
from services.dispatch.domain.ladder import DEFAULT_LADDER, Ladder
from services.dispatch.domain.targeting import TargetingPolicy

__all__ = ["DispatchPolicy", "Level"]


class DispatchPolicy(Model):
    """Targeting and escalation, as read from ``SANFANG_TARGETING_FILE``."""

    targeting: TargetingPolicy = Field(default_factory=TargetingPolicy)
    escalation: Ladder = DEFAULT_LADDER

    @field_validator("escalation", mode="before")
    @classmethod
    def _steps_list(cls, value: Any) -> Any:
        # The file lists the steps directly under ``escalation:``.
        return {"steps": value} if isinstance(value, list) else value
