"""Finding missing readings: gaps in a station's series, and stations that fell silent.

>>> from datetime import UTC, datetime, timedelta
>>> from schemas.rainfall import GaugeReading
>>> t0 = datetime(2024, 5, 4, tzinfo=UTC)
>>> def r(minutes): return GaugeReading(event_id=str(minutes), occurred_at=t0, station_id="G1",
...     observed_at=t0 + timedelta(minutes=minutes), interval_minutes=5, rainfall_mm=0.0)
>>> [gap.missing for gap in find_gaps([r(0), r(5), r(25)], 5)]
[3]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from schemas.rainfall import GaugeReading
from services.ingest.formats.stations import Station, StationRegistry, StationStatus

__all__ = ["Gap", "find_gaps", "silent_stations"]


@dataclass(frozen=True, slots=True)
class Gap:
    """``missing`` readings of ``station_id`` after ``last_seen``; ``next_seen`` None: still missing."""

    station_id: str
    interval_minutes: int
    last_seen: datetime
    next_seen: datetime | None
    missing: int


def find_gaps(
    readings: Iterable[GaugeReading], interval_minutes: int, *, until: datetime | None = None
) -> list[Gap]:
    """Gaps in each station's series of ``interval_minutes`` readings, by station then time.

    With ``until`` (aware; pass ``now`` minus the feed's usual delay) a station whose
    last reading is older than one interval gets a trailing gap: it stopped reporting.

    >>> find_gaps([], 5)
    []
    """
    step = timedelta(minutes=interval_minutes)
    series: dict[str, set[datetime]] = defaultdict(set)
    for reading in readings:
        if reading.interval_minutes == interval_minutes:
            series[reading.station_id].add(reading.observed_at)
    gaps: list[Gap] = []
    for station_id in sorted(series):
        times = sorted(series[station_id])
        for before, after in pairwise(times):
            missing = round((after - before) / step) - 1
            if missing > 0:
                gaps.append(Gap(station_id, interval_minutes, before, after, missing))
        if until is not None and (missing := int((until - times[-1]) / step)) > 0:
            gaps.append(Gap(station_id, interval_minutes, times[-1], None, missing))
    return gaps


def silent_stations(
    readings: Iterable[GaugeReading], stations: StationRegistry, *, since: datetime
) -> list[Station]:
    """Active stations with no reading observed at or after ``since``, in registry order.

    Stations under maintenance or retired are expected to be quiet and are not listed.

    >>> from datetime import UTC
    >>> silent_stations([], StationRegistry([]), since=datetime(2024, 5, 4, tzinfo=UTC))
    []
    """
    heard = {reading.station_id for reading in readings if reading.observed_at >= since}
    return [
        station
        for station in stations
        if station.status is StationStatus.ACTIVE and station.station_id not in heard
    ]
