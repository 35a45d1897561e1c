"""Weather-warning signals, normalised from CAP 1.2 or JSON feeds.

>>> from datetime import UTC, datetime
>>> signal = WarningSignal(
...     event_id="e1", occurred_at=datetime(2024, 5, 4, tzinfo=UTC), signal_id="s1",
...     hazard=Hazard.TYPHOON, colour=Colour.BLUE, action=WarningAction.ISSUE,
...     scope=Scope.district(), issued_at=datetime(2024, 5, 4, tzinfo=UTC))
>>> signal.kind
'warning.signal'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.areas import Scope
from schemas.envelope import Event, Timestamp
from schemas.identifiers import ExternalId

__all__ = ["Colour", "Hazard", "WarningAction", "WarningSignal", "WarningStatus"]


class Hazard(StrEnum):
    """What a warning signal is about (Guangdong signal types)."""

    TYPHOON = "typhoon"
    RAINSTORM = "rainstorm"
    THUNDERSTORM_GALE = "thunderstorm_gale"
    HIGH_TEMPERATURE = "high_temperature"
    COLD = "cold"
    FOG = "fog"
    HAZE = "haze"
    FOREST_FIRE = "forest_fire"
    DROUGHT = "drought"
    HAIL = "hail"
    OTHER = "other"

    @property
    def chinese(self) -> str:
        """The signal's Chinese name as it appears in notices."""
        return _HAZARD_CHINESE[self]


_HAZARD_CHINESE = {
    Hazard.TYPHOON: "台风",
    Hazard.RAINSTORM: "暴雨",
    Hazard.THUNDERSTORM_GALE: "雷雨大风",
    Hazard.HIGH_TEMPERATURE: "高温",
    Hazard.COLD: "寒冷",
    Hazard.FOG: "大雾",
    Hazard.HAZE: "灰霾",
    Hazard.FOREST_FIRE: "森林火险",
    Hazard.DROUGHT: "干旱",
    Hazard.HAIL: "冰雹",
    Hazard.OTHER: "其他",
}


class Colour(StrEnum):
    """Signal colours, lowest to highest."""

    WHITE = "white"
    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def chinese(self) -> str:
        """The colour's Chinese name (白色, 蓝色 …)."""
        return _COLOUR_CHINESE[self]


_COLOUR_CHINESE = {
    Colour.WHITE: "白色",
    Colour.BLUE: "蓝色",
    Colour.YELLOW: "黄色",
    Colour.ORANGE: "橙色",
    Colour.RED: "红色",
}


class WarningAction(StrEnum):
    """What a warning message does to its signal: issue it, change it, or end it."""

    ISSUE = "issue"
    UPDATE = "update"
    CANCEL = "cancel"


class WarningStatus(StrEnum):
    """CAP status. Only ``actual`` and ``exercise`` (a drill) are acted on."""

    ACTUAL = "actual"
    EXERCISE = "exercise"
    TEST = "test"
    DRAFT = "draft"
    SYSTEM = "system"


class WarningSignal(Event):
    """A warning signal was issued, updated or cancelled for the district or some streets.

    ``signal_id`` is the source's identifier of this message (a CAP ``identifier`` or a
    GB/T 35965.1 id); ``references`` lists the ids of the messages it updates or cancels.
    """

    kind: Literal["warning.signal"] = "warning.signal"
    schema_version: Literal[1] = 1
    signal_id: ExternalId = Field(min_length=1, max_length=128)
    source: str = Field(default="api", max_length=64)
    hazard: Hazard
    colour: Colour | None = Field(default=None, description="None only for a cancellation")
    action: WarningAction
    scope: Scope
    status: WarningStatus = WarningStatus.ACTUAL
    issued_at: Timestamp
    effective_at: Timestamp | None = None
    expires_at: Timestamp | None = None
    references: tuple[ExternalId, ...] = ()
    headline: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=5000)

    @property
    def drill(self) -> bool:
        """Whether this is an exercise (a drill), to be marked 【演练】 everywhere."""
        return self.status is WarningStatus.EXERCISE

    @property
    def actionable(self) -> bool:
        """Whether rules act on it: CAP ``Test`` and ``Draft`` are recorded, not acted on."""
        return self.status in (WarningStatus.ACTUAL, WarningStatus.EXERCISE)
