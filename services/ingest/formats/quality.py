"""Quality control of one rain-gauge reading: known station, sane time, interval and amount.

Each check refuses with its own reason, so a dead letter says what was wrong:
``unknown_station``, ``station_retired``, ``future_time``, ``unsupported_interval``,
``negative_rainfall``, ``impossible_rainfall``, ``invalid_field``, ``missing_field``.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Street
>>> from services.ingest.formats.stations import Station, StationRegistry
>>> registry = StationRegistry([Station("BA004", "黄麻布", Street.XIXIANG, 22.62, 113.91)])
>>> row = {"station_id": "BA004", "observed_at": "2024-05-04 06:45", "interval_minutes": "5",
...        "rainfall_mm": "12.5"}
>>> reading_from_row(row, stations=registry, now=datetime(2024, 5, 4, tzinfo=UTC), path="x").street
<Street.XIXIANG: 'xixiang'>
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.stations import StationRegistry
from services.ingest.formats.times import parse_time, utc_key

__all__ = ["FUTURE_TOLERANCE", "INTERVALS", "MAX_RAINFALL_MM", "reading_from_row"]

INTERVALS = (5, 60)
"""Five-minute and hourly readings; other intervals are refused, not resampled."""

MAX_RAINFALL_MM = {5: 80.0, 60: 320.0}
"""Above these a reading is a fault: the world records are about 60 mm in 5 min and
305 mm in an hour. Missing-value sentinels (9999, 32766…) land here too."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""Gauge loggers' clocks drift; a reading a few minutes ahead is skew, not the future."""

_TRUE = {"1", "true", "yes", "y", "是", "corrected", "correction"}
_FALSE = {"0", "false", "no", "n", "否", ""}


def reading_from_row(
    row: Mapping[str, object], *, stations: StationRegistry, now: datetime, path: str
) -> GaugeReading:
    """Check one row (canonical keys) and build its :class:`GaugeReading`.

    ``now`` (aware) is injected so replays and tests decide what "the future" is. A
    correction gets its own id and ``corrects`` = the id of the reading it replaces.
    """
    station = stations.require(_text(row, "station_id", path), path=f"{path}.station_id")
    observed_at = parse_time(_text(row, "observed_at", path), path=f"{path}.observed_at")
    if observed_at > now + FUTURE_TOLERANCE:
        raise Rejected(
            "future_time",
            f"observed at {observed_at.isoformat()}, after now ({now.isoformat()})",
            path=f"{path}.observed_at",
        )
    interval = _interval(row.get("interval_minutes"), path)
    rainfall = _rainfall(row.get("rainfall_mm"), interval, path)
    slot = (station.station_id, utc_key(observed_at), str(interval))
    original = derived_id("reading", *slot)
    correction = _flag(row.get("correction"), path)
    return GaugeReading(
        # A correction of the same slot must not share the original's id, or consumers
        # would drop it as a duplicate; its value is part of its id instead.
        event_id=derived_id("reading-correction", *slot, repr(rainfall)) if correction else original,
        occurred_at=observed_at,
        station_id=station.station_id,
        street=station.street,
        observed_at=observed_at,
        interval_minutes=interval,
        rainfall_mm=rainfall,
        corrects=original if correction else None,
    )


def _text(row: Mapping[str, object], key: str, path: str) -> str:
    value = row.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise Rejected("missing_field", f"{key} is required (a string)", path=f"{path}.{key}")
    return value.strip()


def _interval(value: object, path: str) -> int:
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 4:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in INTERVALS:
        shown = repr(value)[:20] if isinstance(value, (str, int, float)) else type(value).__name__
        raise Rejected(
            "unsupported_interval",
            f"interval {shown} is not one of {INTERVALS} minutes",
            path=f"{path}.interval_minutes",
        )
    return value


def _rainfall(value: object, interval: int, path: str) -> float:
    where = f"{path}.rainfall_mm"
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Rejected("invalid_field", "rainfall_mm must be a number", path=where)
    try:
        amount = float(value)
    except (ValueError, OverflowError) as exc:
        raise Rejected("invalid_field", f"rainfall {str(value)[:20]!r} is not a number", path=where) from exc
    if not math.isfinite(amount):
        raise Rejected("invalid_field", f"rainfall {amount} is not a finite number", path=where)
    if amount < 0:
        raise Rejected("negative_rainfall", f"rainfall {amount} mm is negative", path=where)
    if amount > MAX_RAINFALL_MM[interval]:
        limit = MAX_RAINFALL_MM[interval]
        raise Rejected("impossible_rainfall", f"{amount} mm in {interval} min exceeds {limit} mm", path=where)
    return amount


def _flag(value: object, path: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if not isinstance(value, (str, int)):
        raise Rejected("invalid_field", "correction must be yes or no", path=f"{path}.correction")
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise Rejected("invalid_field", f"correction {text[:20]!r} is not yes or no", path=f"{path}.correction")
