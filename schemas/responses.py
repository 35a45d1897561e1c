"""Response levels and the events of a response's life: proposed, activated, changed, ended.

>>> Level.III > Level.IV
True
>>> Level.I.chinese
'Ⅰ级'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.areas import Scope
from schemas.envelope import Event, Model

__all__ = [
    "Explanation",
    "Level",
    "ResponseActivated",
    "ResponseEnded",
    "ResponseEvent",
    "ResponseLevelChanged",
    "ResponseProposed",
]


class Level(StrEnum):
    """Emergency-response levels, lowest to highest: watch (防御关注), IV, III, II, I."""

    WATCH = "watch"
    IV = "IV"
    III = "III"
    II = "II"
    I = "I"  # noqa: E741 - the level's official name

    @property
    def rank(self) -> int:
        """0 for watch up to 4 for level I."""
        return _RANK[self]

    @property
    def chinese(self) -> str:
        """How the level is written in Chinese notices."""
        return _CHINESE[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {Level.WATCH: 0, Level.IV: 1, Level.III: 2, Level.II: 3, Level.I: 4}
_CHINESE = {Level.WATCH: "防御关注", Level.IV: "Ⅳ级", Level.III: "Ⅲ级", Level.II: "Ⅱ级", Level.I: "Ⅰ级"}


class Explanation(Model):
    """Why a decision was taken: the rule, its inputs, and the levels before and after."""

    rules_id: str
    rules_version: str
    rule: str = Field(description="the id of the rule that decided")
    inputs: tuple[str, ...] = Field(default=(), description="ids of the events the rule read")
    summary: str = Field(default="", description="the reason in words, Chinese first")
    previous_level: Level | None = None
    new_level: Level | None = None


class _ResponseBase(Event):
    response_id: str = Field(min_length=1, max_length=64)
    scope: Scope
    drill: bool = False
    explanation: Explanation


class ResponseProposed(_ResponseBase):
    """The rules propose a level; a duty officer must confirm it before it is active."""

    kind: Literal["response.proposed"] = "response.proposed"
    schema_version: Literal[1] = 1
    level: Level
    confirm_within_minutes: int = Field(default=30, gt=0)


class ResponseActivated(_ResponseBase):
    """A response is active at ``level`` for ``scope``."""

    kind: Literal["response.activated"] = "response.activated"
    schema_version: Literal[1] = 1
    level: Level
    activated_by: str = Field(default="rules", description="'rules' or the officer who confirmed")


class ResponseLevelChanged(_ResponseBase):
    """A running response was raised or lowered."""

    kind: Literal["response.level_changed"] = "response.level_changed"
    schema_version: Literal[1] = 1
    previous_level: Level
    level: Level
    changed_by: str = "rules"


class ResponseEnded(_ResponseBase):
    """A response ended; everyone who was told it began is told it ended."""

    kind: Literal["response.ended"] = "response.ended"
    schema_version: Literal[1] = 1
    previous_level: Level
    ended_by: str = "rules"


ResponseEvent = ResponseProposed | ResponseActivated | ResponseLevelChanged | ResponseEnded
