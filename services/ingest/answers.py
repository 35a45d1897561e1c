"""Bodies of ingest's gauge and station endpoints (what clients get back).

They sit here rather than in ``schemas/api.py`` only because that file is shared; they
are API models all the same: never a storage row on the wire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from schemas.areas import Street
from schemas.envelope import Model

__all__ = ["HeldWarningPublic", "RainfallAccepted", "RowRejected", "StationPublic"]


class RowRejected(Model):
    """One refused reading: where it was in the body, why, and its dead letter."""

    path: str
    reason: str
    message: str
    dead_letter_id: str


class RainfallAccepted(Model):
    """What became of a body of readings.

    ``accepted`` new readings (``corrections`` of them replace an earlier value),
    ``duplicates`` already taken before, ``rejected`` refused and dead-lettered.
    """

    accepted: int
    corrections: int
    duplicates: int
    rejected: list[RowRejected]


class StationPublic(Model):
    """A station of the registry with its newest reading and whether it is reporting.

    ``reporting``: heard within the silence limit; ``silent``: active but not heard (or
    never); ``not_expected``: under maintenance or retired. ``missing_readings`` counts
    the intervals since the newest reading.
    """

    station_id: str
    name: str
    name_en: str
    street: Street
    latitude: float
    longitude: float
    registry_status: str
    state: Literal["reporting", "silent", "not_expected"]
    last_observed_at: datetime | None
    last_received_at: datetime | None
    last_rainfall_mm: float | None
    interval_minutes: int | None
    missing_readings: int


class HeldWarningPublic(Model):
    """An update or cancel that waited (or waits) for the message it references."""

    event_id: str
    signal_id: str
    awaiting: list[str]
    issued_at: datetime
    held_at: datetime
    release_by: datetime
    released_at: datetime | None
    outcome: str | None
