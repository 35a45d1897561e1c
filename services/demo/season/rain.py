"""The season's rain-gauge series: hourly readings for the 21 active stations whose totals
match the bureau's figures (district mean 1,073.2 mm, Huangmabu 1,661.1 mm).

Rain falls where and when the signals say: heavy in the streets a rainstorm signal names,
from an hour after its issue; moderate over the district in a typhoon; an hour of 40 mm
or more at one station before each of the two pre-emptive signals; the rest of each
station's total as showers on quiet days, too light (at most 8 mm an hour) to cross any
rainfall rule. Only hours with rain are readings.

>>> readings = season_readings(seed=2024)
>>> round(sum(r.rainfall_mm for r in readings if r.station_id == "BA004"), 1)
1661.1
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from schemas.envelope import derived_id
from schemas.rainfall import GaugeReading
from schemas.warnings import Colour, Hazard
from services.demo.season.calendar import CHAINS, SEASON_END, SEASON_START, Chain
from services.ingest.formats.stations import Station, load_stations_csv

__all__ = ["DISTRICT_MEAN_MM", "HUANGMABU", "HUANGMABU_MM", "season_readings", "season_stations"]

DISTRICT_MEAN_MM = 1073.2
HUANGMABU = "BA004"
HUANGMABU_MM = 1661.1
_PRE_EMPTIVE_MM = (46.0, 41.5)  # the hour that crosses the 40 mm/h rainfall rule, then the next
_SHOWER_MAX_HOUR = 8.0
_SHOWER_MAX_DAY = 30.0
# Rain per covered station over a signal, by colour (low, high), in mm.
_EPISODE_MM = {
    Colour.BLUE: (20, 50),
    Colour.YELLOW: (30, 55),
    Colour.ORANGE: (60, 100),
    Colour.RED: (110, 160),
}

Hours = dict[datetime, float]


def season_stations() -> list[Station]:
    """The 21 active stations of the registry, with their streets."""
    text = (Path(__file__).parent / "stations.csv").read_bytes()
    return [s for s in load_stations_csv(text) if s.status.value == "active"]


def _targets(stations: list[Station], rng: random.Random) -> dict[str, float]:
    """Each station's total: Huangmabu the bureau's figure, the rest around the mean."""
    others = [s.station_id for s in stations if s.station_id != HUANGMABU]
    rest_tenths = round(DISTRICT_MEAN_MM * len(stations) * 10) - round(HUANGMABU_MM * 10)
    weights = [rng.uniform(0.82, 1.18) for _ in others]
    shares = [round(rest_tenths * w / sum(weights)) for w in weights]
    shares[-1] += rest_tenths - sum(shares)
    return {HUANGMABU: HUANGMABU_MM, **{sid: tenths / 10 for sid, tenths in zip(others, shares, strict=True)}}


def _spread(hours: Hours, start: datetime, total: float, length: int) -> None:
    """``total`` mm over ``length`` hours from ``start``, peaking in the middle."""
    weights = [min(i + 1, length - i) for i in range(length)]
    for i, w in enumerate(weights):
        hours[start + timedelta(hours=i)] += total * w / sum(weights)


def _episodes(chain: Chain, stations: list[Station], rng: random.Random) -> dict[str, Hours]:
    rain: dict[str, Hours] = defaultdict(lambda: defaultdict(float))
    first = chain.at.replace(minute=0) + timedelta(hours=1)
    length = max(3, int(chain.hours) - 2)
    top = max((c for _, c in chain.colours()), key=lambda c: list(Colour).index(c))
    low, high = _EPISODE_MM[top]
    for station in stations:
        hours = rain[station.station_id]
        if chain.scope.covers(station.street) or chain.hazard is Hazard.TYPHOON:
            _spread(hours, first, rng.uniform(low, high), length)
        else:
            _spread(hours, first, rng.uniform(0, 12), length)  # light rain outside the named streets
    return rain


def _quiet_days(rng: random.Random) -> list[datetime]:
    busy = {(chain.at.date() + timedelta(days=d)) for chain in CHAINS for d in range(-2, 3)}
    day = SEASON_START + timedelta(days=3)
    days = []
    while day < SEASON_END - timedelta(days=1):
        if day.date() not in busy:
            days.append(day)
        day += timedelta(days=1)
    rng.shuffle(days)
    return days


def _showers(hours: Hours, amount: float, days: list[datetime], rng: random.Random) -> None:
    """``amount`` mm as showers on quiet days, never more than 8 mm an hour or 30 a day."""
    for day in days:
        if amount <= 0:
            return
        today = min(amount, rng.uniform(10, _SHOWER_MAX_DAY))
        start = day + timedelta(hours=rng.randrange(0, 18))
        count = max(4, int(today / _SHOWER_MAX_HOUR) + 1)
        for i in range(count):
            hours[start + timedelta(hours=i)] += today / count
        amount -= today
    if amount > 0.05:
        raise ValueError("not enough quiet days for the showers; the calendar is too busy")


def season_readings(seed: int = 2024) -> list[GaugeReading]:
    """Every hourly reading with rain, for every active station, in time order."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    stations = season_stations()
    targets = _targets(stations, rng)
    episodes: dict[str, Hours] = defaultdict(lambda: defaultdict(float))
    pinned: dict[str, Hours] = defaultdict(lambda: defaultdict(float))
    for chain in CHAINS:
        if chain.drill:
            continue
        for sid, rained in _episodes(chain, stations, rng).items():
            for hour, mm in rained.items():
                episodes[sid][hour] += mm
        if chain.pre_emptive:
            # The heavy hour ends 90 min before the signal, so the rules propose first.
            first = chain.at.replace(minute=0) - timedelta(hours=2)
            for i, mm in enumerate(_PRE_EMPTIVE_MM):
                pinned[chain.pre_emptive][first + timedelta(hours=i)] += mm
    days = _quiet_days(rng)
    readings: list[GaugeReading] = []
    by_id = {s.station_id: s for s in stations}
    for sid, target in targets.items():
        fixed = sum(pinned[sid].values())
        raw = sum(episodes[sid].values())
        scale = min(1.0, 0.8 * (target - fixed) / raw) if raw else 1.0
        hours: Hours = defaultdict(float)
        for hour, mm in episodes[sid].items():
            hours[hour] += mm * scale
        for hour, mm in pinned[sid].items():
            hours[hour] += mm
        _showers(hours, target - sum(hours.values()), days[:], random.Random(f"{seed}:{sid}"))  # noqa: S311
        readings += _readings(by_id[sid], hours, target)
    return sorted(readings, key=lambda r: (r.observed_at, r.station_id))


def _readings(station: Station, hours: Hours, target: float) -> list[GaugeReading]:
    """Readings rounded to 0.1 mm, the rounding put on the last one so the total is exact."""
    ordered = sorted((h, round(mm, 1)) for h, mm in hours.items() if round(mm, 1) > 0)
    last_hour, last_mm = ordered[-1]
    ordered[-1] = (last_hour, round(last_mm + target - sum(mm for _, mm in ordered), 1))
    readings = []
    for hour, mm in ordered:
        end = hour + timedelta(hours=1)
        readings.append(
            GaugeReading(
                event_id=derived_id("demo-reading", station.station_id, end.isoformat()),
                occurred_at=end,
                station_id=station.station_id,
                street=station.street,
                observed_at=end,
                interval_minutes=60,
                rainfall_mm=mm,
            )
        )
    return readings
