"""Which stations are reporting: pure, over the registry and each station's newest reading.

A station is ``silent`` when it is active and its newest reading is older than the
silence limit (or it never reported); stations under maintenance or retired are
``not_expected`` to report. ``missing`` counts the intervals since the newest reading.

>>> from datetime import UTC, datetime, timedelta
>>> from services.ingest.registry import load_registry
>>> reports = station_reports(load_registry(None), {}, now=datetime(2024, 5, 4, tzinfo=UTC),
...                           silent_after=timedelta(minutes=30))
>>> reports[0].state, reports[-1].state
('silent', 'not_expected')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from schemas.rainfall import GaugeReading
from services.ingest.formats.gaps import find_gaps, silent_stations
from services.ingest.formats.stations import Station, StationRegistry, StationStatus

__all__ = ["StationReport", "station_reports"]

State = Literal["reporting", "silent", "not_expected"]


@dataclass(frozen=True, slots=True)
class StationReport:
    """One station, its newest reading (None: never heard), when that arrived, and its state."""

    station: Station
    latest: GaugeReading | None
    state: State
    missing: int
    received_at: datetime | None = None


def station_reports(
    registry: StationRegistry,
    latest: Mapping[str, GaugeReading],
    *,
    now: datetime,
    silent_after: timedelta,
    received_at: Mapping[str, datetime] | None = None,
) -> list[StationReport]:
    """A report per registry station, in registry order (``received_at``: when each newest came)."""
    silent = {
        station.station_id for station in silent_stations(latest.values(), registry, since=now - silent_after)
    }
    missing: dict[str, int] = {}
    for interval in {reading.interval_minutes for reading in latest.values()}:
        for gap in find_gaps(latest.values(), interval, until=now):
            missing[gap.station_id] = gap.missing
    reports = []
    for station in registry:
        state: State = "silent" if station.station_id in silent else "reporting"
        if station.status is not StationStatus.ACTIVE:
            state = "not_expected"
        sid = station.station_id
        arrived = (received_at or {}).get(sid)
        reports.append(StationReport(station, latest.get(sid), state, missing.get(sid, 0), arrived))
    return reports
