"""Rain-gauge readings in JSON or CSV, checked against the station registry.

JSON: a list of readings, or ``{"readings": [...]}``; CSV: a header row, then one
reading per line. Fields (English or the Chinese headers of gauge-data exports):

========================  ==========================================  =====================
field                     also written                                value
========================  ==========================================  =====================
``station_id``            stationId, station, 站号, 站点编号           registry id
``observed_at``           obsTime, time, 观测时间, 时间                end of the interval
``interval_minutes``      interval, 时段, 时段(分钟)                   5 or 60
``rainfall_mm``           rainfall, rain, 雨量, 雨量(mm)               mm in the interval
``correction``            corrected, 更正                              yes/no (optional)
========================  ==========================================  =====================

``screen_*`` keep the good readings and list the refused ones (for pollers: one broken
gauge must not blind the others); ``parse_*`` refuse the whole payload at the first bad
reading, with its path (for a push answered with 422).

>>> from datetime import UTC, datetime
>>> from pathlib import Path
>>> from services.ingest.formats.stations import load_stations_csv
>>> stations = load_stations_csv(Path("tests/samples/stations.csv").read_bytes())
>>> body = b"station_id,observed_at,interval_minutes,rainfall_mm\\nBA004,2024-05-04 06:45,5,12.5\\n"
>>> parse_gauge_csv(body, stations=stations, now=datetime(2024, 5, 4, tzinfo=UTC))[0].rainfall_mm
12.5
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.quality import ReadingChecks
from services.ingest.formats.safe_json import load_json
from services.ingest.formats.stations import StationRegistry

__all__ = [
    "MAX_GAUGE_BYTES",
    "GaugeBatch",
    "parse_gauge_csv",
    "parse_gauge_json",
    "screen_gauge_csv",
    "screen_gauge_json",
]

MAX_GAUGE_BYTES = 32 * 1024 * 1024
"""A day of five-minute readings from 200 stations is about 5 MB of CSV."""

_ALIASES = {
    "station_id": ("stationid", "station", "站号", "站点编号"),
    "observed_at": ("obstime", "time", "观测时间", "时间"),
    "interval_minutes": ("interval", "时段", "时段(分钟)"),
    "rainfall_mm": ("rainfall", "rain", "雨量", "雨量(mm)"),
    "correction": ("corrected", "更正"),
}
_CANONICAL = {alias: key for key, aliases in _ALIASES.items() for alias in (key, *aliases)}


@dataclass(frozen=True, slots=True)
class GaugeBatch:
    """The readings that passed, and a :class:`Rejected` (with its path) for each that did not."""

    readings: tuple[GaugeReading, ...]
    rejected: tuple[Rejected, ...]

    def strict(self) -> list[GaugeReading]:
        """The readings, or the first rejection raised if there was any."""
        if self.rejected:
            raise self.rejected[0]
        return list(self.readings)


def parse_gauge_json(body: bytes, *, stations: StationRegistry, now: datetime) -> list[GaugeReading]:
    """Parse JSON readings; any bad reading refuses the payload.

    >>> from datetime import UTC
    >>> parse_gauge_json(b"[]", stations=StationRegistry([]), now=datetime(2024, 5, 4, tzinfo=UTC))
    []
    """
    return screen_gauge_json(body, stations=stations, now=now).strict()


def parse_gauge_csv(body: bytes, *, stations: StationRegistry, now: datetime) -> list[GaugeReading]:
    """Parse CSV readings; any bad reading refuses the payload (see the module example)."""
    return screen_gauge_csv(body, stations=stations, now=now).strict()


def screen_gauge_json(body: bytes, *, stations: StationRegistry, now: datetime) -> GaugeBatch:
    """Parse JSON readings, keeping the good ones; a malformed document still raises.

    >>> from datetime import UTC
    >>> batch = screen_gauge_json(b'[{"station_id": "NOPE"}]', stations=StationRegistry([]),
    ...     now=datetime(2024, 5, 4, tzinfo=UTC))
    >>> batch.readings, batch.rejected[0].reason
    ((), 'unknown_station')
    """
    document = load_json(body, max_bytes=MAX_GAUGE_BYTES)
    items, key = (document.get("readings"), "readings") if isinstance(document, dict) else (document, "")
    if not isinstance(items, list):
        raise Rejected("invalid_readings", 'expected a list of readings or {"readings": [...]}', path=key)
    rows = ((f"{key}[{index}]", _canonical(item)) for index, item in enumerate(items))
    return _screen(rows, stations, now)


def screen_gauge_csv(body: bytes, *, stations: StationRegistry, now: datetime) -> GaugeBatch:
    """Parse CSV readings (UTF-8, BOM allowed), keeping the good ones."""
    if len(body) > MAX_GAUGE_BYTES:
        raise Rejected(
            "too_large", f"document is {len(body)} bytes; the limit is {MAX_GAUGE_BYTES}", status=413
        )
    try:
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    except (UnicodeError, csv.Error) as exc:
        raise Rejected("invalid_csv", f"not readable CSV: {str(exc)[:200]}") from exc
    if not lines:
        raise Rejected("invalid_csv", "no header row", path="line[1]")
    header = [_CANONICAL.get(name.strip().lower(), name.strip().lower()) for name in lines[0]]
    missing = [
        key for key in ("station_id", "observed_at", "interval_minutes", "rainfall_mm") if key not in header
    ]
    if missing:
        raise Rejected("missing_field", f"missing columns: {', '.join(missing)}", path="line[1]")
    rows = (
        (f"line[{number}]", dict(zip(header, cells, strict=False)))
        for number, cells in enumerate(lines[1:], start=2)
        if "".join(cells).strip()  # a line of blank cells is no reading
    )
    return _screen(rows, stations, now)


def _screen(
    rows: Iterable[tuple[str, Mapping[str, object] | None]], stations: StationRegistry, now: datetime
) -> GaugeBatch:
    checks = ReadingChecks(stations, now=now)
    kept: dict[str, GaugeReading] = {}
    rejected: list[Rejected] = []
    for path, item in rows:
        if item is None:
            rejected.append(Rejected("invalid_readings", "each reading must be an object", path=path))
            continue
        try:
            reading = checks.reading(item, path=path)
        except Rejected as exc:
            rejected.append(exc)
            continue
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
            # Each check refuses on its own; this is the net under them, so one odd row
            # is a dead letter, never an exception that loses the rest of the batch.
            rejected.append(
                Rejected("invalid_reading", f"cannot read the reading: {str(exc)[:200]}", path=path)
            )
            continue
        earlier = kept.get(reading.event_id)
        if earlier is None:
            kept[reading.event_id] = reading
        elif earlier.rainfall_mm != reading.rainfall_mm:
            # The same slot twice with two values and no correction flag: which one is
            # true cannot be told here, so the second is refused and the first kept.
            rejected.append(
                Rejected(
                    "conflicting_reading",
                    f"{reading.station_id} at {reading.observed_at.isoformat()} "
                    f"already read {earlier.rainfall_mm} mm in this payload",
                    path=path,
                )
            )
    return GaugeBatch(tuple(kept.values()), tuple(rejected))


def _canonical(item: Any) -> dict[str, object] | None:
    # JSON keys come in the aliases of the table above; CSV headers are mapped once instead.
    if not isinstance(item, Mapping):
        return None
    return {_canonical_key(key): value for key, value in item.items()}


def _canonical_key(key: object) -> str:
    # Most keys are already canonical, or an alias exactly as listed: no string work then.
    known = _CANONICAL.get(key) if type(key) is str else None
    return known or _CANONICAL.get(str(key).strip().lower(), str(key))
