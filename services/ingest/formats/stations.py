"""The rain-gauge station registry: which stations exist, where, in which street, in service or not.

>>> registry = load_stations_csv(
...     "station_id,name,name_en,street,latitude,longitude,status\\n"
...     "BA004,黄麻布,Huangmabu,西乡,22.6240,113.9100,active\\n")
>>> registry.require("BA004").street
<Street.XIXIANG: 'xixiang'>
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from schemas.areas import Street
from services.ingest.errors import Rejected

__all__ = ["Station", "StationRegistry", "StationStatus", "load_stations_csv"]

# A loose box around Shenzhen: catches swapped or mistyped coordinates in the registry.
_LATITUDES = (22.4, 22.9)
_LONGITUDES = (113.7, 114.7)
_COLUMNS = ("station_id", "name", "street", "latitude", "longitude", "status")


class StationStatus(StrEnum):
    """Whether a station's readings are taken: ``retired`` ones are refused."""

    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class Station:
    """One rain gauge: id, Chinese (and English) name, street, WGS-84 position, status."""

    station_id: str
    name: str
    street: Street
    latitude: float
    longitude: float
    status: StationStatus = StationStatus.ACTIVE
    name_en: str = ""


class StationRegistry:
    """The known stations by id; readings from anything else are refused.

    >>> StationRegistry([]).get("X") is None
    True
    """

    def __init__(self, stations: Iterable[Station]) -> None:
        self._by_id: dict[str, Station] = {}
        for station in stations:
            if station.station_id in self._by_id:
                raise Rejected("duplicate_station", f"station {station.station_id} is listed twice")
            self._by_id[station.station_id] = station

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Station]:
        return iter(self._by_id.values())

    def __contains__(self, station_id: object) -> bool:
        return station_id in self._by_id

    def get(self, station_id: str) -> Station | None:
        """The station with this id, or None."""
        return self._by_id.get(station_id)

    def require(self, station_id: str, *, path: str = "station_id") -> Station:
        """The station with this id, refusing unknown and retired stations.

        >>> StationRegistry([]).require("G0000")
        Traceback (most recent call last):
        ...
        services.ingest.errors.Rejected: unknown_station at station_id: no station 'G0000' in the registry
        """
        station = self._by_id.get(station_id)
        if station is None:
            raise Rejected("unknown_station", f"no station {station_id[:64]!r} in the registry", path=path)
        if station.status is StationStatus.RETIRED:
            raise Rejected("station_retired", f"station {station_id} ({station.name}) is retired", path=path)
        return station


def load_stations_csv(body: bytes | str) -> StationRegistry:
    """Load a registry from CSV with columns station_id, name, [name_en,] street, latitude, longitude, status.

    ``street`` may be written 石岩, 石岩街道 or shiyan. A UTF-8 BOM (as spreadsheets
    write) is accepted.

    >>> len(load_stations_csv("station_id,name,street,latitude,longitude,status\\n"))
    0
    """
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body.removeprefix("\ufeff")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or ()
    except (ValueError, UnicodeError, csv.Error) as exc:
        raise Rejected("invalid_csv", f"cannot read the station list: {str(exc)[:200]}") from exc
    missing = [column for column in _COLUMNS if column not in header]
    if missing:
        raise Rejected("missing_field", f"missing columns: {', '.join(missing)}", path="header")
    try:
        return StationRegistry(_station(row, line) for line, row in enumerate(reader, start=2))
    except Rejected:
        raise
    except (ValueError, UnicodeError, csv.Error) as exc:
        raise Rejected("invalid_csv", f"cannot read the station list: {str(exc)[:200]}") from exc


def _station(row: dict[str | None, str | list[str] | None], line: int) -> Station:
    def cell(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    where = f"line[{line}]"
    station_id = cell("station_id")
    if not station_id or len(station_id) > 64:
        raise Rejected(
            "missing_field", "station_id is required (at most 64 characters)", path=f"{where}.station_id"
        )
    try:
        street = Street.parse(cell("street"))
        status = StationStatus(cell("status").lower() or "active")
        latitude, longitude = float(cell("latitude")), float(cell("longitude"))
    except ValueError as exc:
        raise Rejected("invalid_field", str(exc)[:200], path=where) from exc
    if not (_inside(latitude, _LATITUDES) and _inside(longitude, _LONGITUDES)):
        raise Rejected("invalid_coordinates", f"{latitude}, {longitude} is not in Shenzhen", path=where)
    return Station(
        station_id, cell("name") or station_id, street, latitude, longitude, status, cell("name_en")
    )


def _inside(value: float, bounds: tuple[float, float]) -> bool:
    return math.isfinite(value) and bounds[0] <= value <= bounds[1]
