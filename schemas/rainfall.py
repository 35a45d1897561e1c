"""Rain-gauge readings: rainfall in mm over one interval at one station."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.areas import Street
from schemas.envelope import Event, Timestamp

__all__ = ["GaugeReading"]


class GaugeReading(Event):
    """Rain that fell at ``station_id`` in the ``interval_minutes`` ending at ``observed_at``.

    A corrected reading carries ``corrects`` (the event id it replaces).
    """

    kind: Literal["rainfall.reading"] = "rainfall.reading"
    schema_version: Literal[1] = 1
    station_id: str = Field(min_length=1, max_length=64)
    street: Street | None = None
    observed_at: Timestamp
    interval_minutes: int = Field(gt=0, le=1440)
    rainfall_mm: float = Field(ge=0, le=500)
    corrects: str | None = None
