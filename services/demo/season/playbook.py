"""The season as cues for live playback: what is posted to the ingest API, and when.

Each warning message is one cue (``POST /api/v1/warnings``, Sanfang's JSON form, at its
issue time); each hour's readings of every station are one cue (``POST /api/v1/rainfall``
at the end of the hour). Pure and deterministic from the seed.

>>> from datetime import datetime, timedelta
>>> from services.core.clock import BEIJING
>>> start = datetime(2024, 5, 4, tzinfo=BEIJING)
>>> cues = season_cues(2024, start, start + timedelta(days=1))
>>> cues[0].path, sum(1 for c in cues if c.path == WARNINGS)
('/api/v1/warnings', 2)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schemas.rainfall import GaugeReading
from schemas.warnings import WarningSignal
from services.demo.season.calendar import season_signals
from services.demo.season.rain import season_readings

__all__ = ["RAINFALL", "WARNINGS", "Cue", "reading_row", "season_cues", "warning_body"]

WARNINGS = "/api/v1/warnings"
RAINFALL = "/api/v1/rainfall"


@dataclass(frozen=True)
class Cue:
    """One request of the playback: at ``at`` (simulated time), post ``body`` to ``path``."""

    at: datetime
    path: str
    body: Any
    what: str
    signal: WarningSignal | None = None


def warning_body(signal: WarningSignal) -> dict[str, Any]:
    """The warning in the ingest API's JSON form, as the observatory's feed would send it."""
    return {
        "id": signal.signal_id,
        "hazard": signal.hazard.value,
        "colour": signal.colour.value if signal.colour else None,
        "action": signal.action.value,
        "streets": [street.value for street in signal.scope.streets],
        "issued_at": signal.issued_at.isoformat(),
        "status": signal.status.value,
        "references": list(signal.references),
        "headline": signal.headline,
        "sender": "demo-season",
    }


def reading_row(reading: GaugeReading) -> dict[str, Any]:
    """One reading in the gauge JSON form (the street comes from the registry, not the feed)."""
    return {
        "station_id": reading.station_id,
        "observed_at": reading.observed_at.isoformat(),
        "interval_minutes": reading.interval_minutes,
        "rainfall_mm": reading.rainfall_mm,
    }


def season_cues(seed: int, start: datetime, end: datetime, *, calm_mm_per_hour: float = 0.0) -> list[Cue]:
    """Every cue in ``[start, end)``, in time order (readings before a warning of the same minute).

    Hours of calm rain — every reading of that hour and of the 24 before it below
    ``calm_mm_per_hour`` — are sent together, up to a day at a time, at the last one's time:
    a rule of W hours and T mm cannot fire on rain below T/W mm an hour, so the rules decide
    the same, and the playback has far fewer cues to wait for.
    """
    hours: dict[datetime, list[GaugeReading]] = defaultdict(list)
    for reading in season_readings(seed):
        if start <= reading.observed_at < end:
            hours[reading.observed_at].append(reading)
    signals = [s for s in season_signals() if start <= s.issued_at < end]
    cues: list[Cue] = []
    batch: list[GaugeReading] = []
    for at in sorted(hours.keys() | {s.issued_at for s in signals}):
        if batch and (at - batch[0].observed_at >= _DAY or any(s.issued_at == at for s in signals)):
            cues.append(_rain_cue(batch))
            batch = []
        if at in hours and _calm(hours, at, calm_mm_per_hour):
            batch += hours[at]
        elif at in hours:
            if batch:
                cues.append(_rain_cue(batch))
                batch = []
            cues.append(_rain_cue(hours[at]))
        cues += [
            Cue(s.issued_at, WARNINGS, warning_body(s), s.headline, s) for s in signals if s.issued_at == at
        ]
    if batch:
        cues.append(_rain_cue(batch))
    return cues


_DAY = timedelta(hours=24)


def _calm(hours: dict[datetime, list[GaugeReading]], at: datetime, rate: float) -> bool:
    """Whether every reading of the day up to ``at`` is below ``rate`` mm an hour."""
    return all(
        r.rainfall_mm < rate for hour, readings in hours.items() if at - _DAY < hour <= at for r in readings
    )


def _rain_cue(readings: list[GaugeReading]) -> Cue:
    top = max(readings, key=lambda r: r.rainfall_mm)
    span = len({r.observed_at for r in readings})
    what = f"rain: {len(readings)} readings over {span} h, most {top.rainfall_mm} mm/h at {top.station_id}"
    return Cue(readings[-1].observed_at, RAINFALL, {"readings": [reading_row(r) for r in readings]}, what)
