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

A payload's rows are checked with :class:`ReadingChecks`, which gives the same readings
and refusals but works out what rows share (a 5-minute round of 200 stations has one
timestamp) once, and takes a row that is plainly valid without the general path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.stations import Station, StationRegistry, StationStatus
from services.ingest.formats.times import check_time, parse_time, utc_key

__all__ = ["FUTURE_TOLERANCE", "INTERVALS", "MAX_RAINFALL_MM", "ReadingChecks", "reading_from_row"]

INTERVALS = (5, 60)
"""Five-minute and hourly readings; other intervals are refused, not resampled."""

MAX_RAINFALL_MM = {5: 80.0, 60: 320.0}
"""Above these a reading is a fault: the world records are about 60 mm in 5 min and
305 mm in an hour. Missing-value sentinels (9999, 32766…) land here too."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""Gauge loggers' clocks drift; a reading a few minutes ahead is skew, not the future."""

_PLAIN_INTERVALS: dict[str | int, int] = {str(minutes): minutes for minutes in INTERVALS} | {
    minutes: minutes for minutes in INTERVALS
}

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
    check_time(observed_at, now=now, ahead=FUTURE_TOLERANCE, path=f"{path}.observed_at")
    interval = _interval(row.get("interval_minutes"), path)
    rainfall = _rainfall(row.get("rainfall_mm"), interval, path)
    correction = _flag(row.get("correction"), path)
    return _reading(station, observed_at, utc_key(observed_at), interval, rainfall, correction=correction)


class ReadingChecks:
    """The checks of one payload: :func:`reading_from_row` against one registry and one ``now``.

    Gives exactly what :func:`reading_from_row` gives, row by row, but parses each distinct
    timestamp once and takes a row whose fields are all in their plain form (known active
    station, a timestamp already seen, interval 5 or 60, an amount in range, no correction)
    without building the path strings that only a refusal needs. Anything else goes the
    general way, which refuses with the reason and path.

    >>> from datetime import UTC, datetime
    >>> from schemas.areas import Street
    >>> from services.ingest.formats.stations import Station
    >>> checks = ReadingChecks(StationRegistry([Station("BA004", "黄麻布", Street.XIXIANG, 22.62, 113.91)]),
    ...                        now=datetime(2024, 5, 4, tzinfo=UTC))
    >>> row = {"station_id": "BA004", "observed_at": "2024-05-04 06:45", "interval_minutes": "5",
    ...        "rainfall_mm": "12.5"}
    >>> checks.reading(row, path="line[2]").rainfall_mm
    12.5
    """

    def __init__(self, stations: StationRegistry, *, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._stations = stations
        self._now = now
        self._latest = now + FUTURE_TOLERANCE
        self._open: dict[str, Station] = {}
        # Timestamp text -> (UTC instant, its id key); only times that passed every check.
        self._times: dict[str, tuple[datetime, str]] = {}

    def reading(self, row: Mapping[str, object], *, path: str) -> GaugeReading:
        """The row's reading, or :class:`Rejected` with the reason and the field's path."""
        plain = self._plain(row)
        if plain is not None:
            return plain
        return reading_from_row(row, stations=self._stations, now=self._now, path=path)

    def _plain(self, row: Mapping[str, object]) -> GaugeReading | None:
        # None whenever a field is not in its plain form: the general path then decides,
        # so a refusal always comes from there, with its reason and path.
        station_id, observed = row.get("station_id"), row.get("observed_at")
        if type(station_id) is not str or type(observed) is not str:
            return None
        if row.get("correction") not in (None, ""):
            return None
        station = self._open.get(station_id) or self._open_station(station_id)
        when = self._times.get(observed) or self._time(observed)
        value, amount = row.get("interval_minutes"), row.get("rainfall_mm")
        # Exact types: a bool or 5.0 equals 5 as a dict key, but the general path refuses them.
        interval = _PLAIN_INTERVALS.get(value) if type(value) in (str, int) else None  # type: ignore[call-overload]
        if station is None or when is None or interval is None or type(amount) not in (str, float, int):
            return None
        try:
            rainfall = float(amount)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            return None
        if not 0.0 <= rainfall <= MAX_RAINFALL_MM[interval]:  # NaN and infinities fail this too
            return None
        return _reading(station, when[0], when[1], interval, rainfall, correction=False)

    def _open_station(self, station_id: str) -> Station | None:
        station = self._stations.get(station_id)
        if station is None or station.status is StationStatus.RETIRED or station_id != station_id.strip():
            return None
        self._open[station_id] = station
        return station

    def _time(self, text: str) -> tuple[datetime, str] | None:
        try:
            observed_at = parse_time(text, path="observed_at")
        except Rejected:
            return None
        if observed_at > self._latest:
            return None
        self._times[text] = when = (observed_at, utc_key(observed_at))
        return when


def _reading(
    station: Station, observed_at: datetime, key: str, interval: int, rainfall: float, *, correction: bool
) -> GaugeReading:
    slot = (station.station_id, key, str(interval))
    original = derived_id("reading", *slot)
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
