"""Rainfall in a window: daily totals per station and per street, and each street's peaks.

A street's figure is the mean of its stations (how the bureau reports a district mean);
a corrected reading replaces the one it corrects.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Street
>>> from schemas.rainfall import GaugeReading
>>> at = datetime(2024, 5, 4, 1, tzinfo=UTC)
>>> r = GaugeReading(event_id="r1", occurred_at=at, station_id="BA004", street=Street.XIXIANG,
...                  observed_at=at, interval_minutes=60, rainfall_mm=12.5)
>>> rain = rainfall([r])
>>> rain.stations[0].total_mm, rain.streets[0].peak_hour_mm
(12.5, 12.5)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.areas import Street
from schemas.rainfall import GaugeReading
from services.core.clock import BEIJING
from services.replay.domain.results import Entry, RainSeries

__all__ = ["PEAK_ENTRY_MM", "Rainfall", "rainfall"]

#: A street's hour with at least this much rain (mean of its stations) is a timeline entry.
PEAK_ENTRY_MM = 20.0


@dataclass(frozen=True)
class Rainfall:
    """Per-station and per-street daily series, and the street peaks for the timeline."""

    stations: tuple[RainSeries, ...]
    streets: tuple[RainSeries, ...]
    peaks: tuple[Entry, ...]

    @property
    def district_mean_mm(self) -> float | None:
        """The mean of the station totals (None without stations)."""
        if not self.stations:
            return None
        return round(sum(s.total_mm for s in self.stations) / len(self.stations), 1)


def _effective(readings: Iterable[GaugeReading]) -> list[GaugeReading]:
    """Readings with corrections applied: a correction replaces the reading it names."""
    kept = list(readings)
    replaced = {r.corrects for r in kept if r.corrects}
    return [r for r in kept if r.event_id not in replaced]


def _day(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d")


def _hour(moment: datetime) -> datetime:
    local = moment.astimezone(BEIJING)
    return local.replace(minute=0, second=0, microsecond=0)


def rainfall(readings: Iterable[GaugeReading]) -> Rainfall:
    """The rainfall of ``readings`` (stations without a street are left out)."""
    daily: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    hourly: dict[str, dict[datetime, float]] = defaultdict(lambda: defaultdict(float))
    street_of: dict[str, Street] = {}
    for reading in _effective(readings):
        if reading.street is None:
            continue
        street_of[reading.station_id] = reading.street
        # A reading's rain fell in the interval ending at observed_at; it is booked at its end.
        daily[reading.station_id][_day(reading.observed_at)] += reading.rainfall_mm
        hourly[reading.station_id][_hour(reading.observed_at)] += reading.rainfall_mm
    stations = tuple(
        _series(sid, sid, street_of[sid], daily[sid], max(hourly[sid].values(), default=0.0))
        for sid in sorted(daily)
    )
    streets: list[RainSeries] = []
    peaks: list[Entry] = []
    for street in Street:
        members = [sid for sid in sorted(daily) if street_of[sid] is street]
        if not members:
            continue
        days: dict[str, float] = defaultdict(float)
        hours: dict[datetime, float] = defaultdict(float)
        for sid in members:
            for day, mm in daily[sid].items():
                days[day] += mm / len(members)
            for hour, mm in hourly[sid].items():
                hours[hour] += mm / len(members)
        streets.append(
            _series(street.value, f"{street.chinese}街道", street, days, max(hours.values(), default=0))
        )
        peaks += _peaks(street, hours)
    return Rainfall(stations=stations, streets=tuple(streets), peaks=tuple(peaks))


def _series(key: str, label: str, street: Street, days: dict[str, float], peak: float) -> RainSeries:
    return RainSeries(
        key=key,
        label=label,
        street=street.value,
        total_mm=round(sum(days.values()), 1),
        peak_hour_mm=round(peak, 1),
        daily=tuple((day, round(mm, 1)) for day, mm in sorted(days.items())),
    )


def _peaks(street: Street, hours: dict[datetime, float]) -> list[Entry]:
    """One entry per Beijing day: the street's wettest hour, when it reached PEAK_ENTRY_MM."""
    best: dict[str, tuple[datetime, float]] = {}
    for hour, mm in hours.items():
        day = hour.strftime("%Y-%m-%d")
        if mm >= PEAK_ENTRY_MM and (day not in best or mm > best[day][1]):
            best[day] = (hour, mm)
    return [
        Entry(
            at=hour,
            kind="rain.peak",
            scope=f"streets:{street.value}",
            what=f"{street.chinese}街道小时雨量峰值 {mm:.1f} 毫米 / {street.value} peak hour {mm:.1f} mm",
            ref=f"rain:{street.value}:{day}",
        )
        for day, (hour, mm) in sorted(best.items())
    ]
