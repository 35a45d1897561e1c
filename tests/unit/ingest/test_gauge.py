"""Rain-gauge JSON and CSV, the station registry, quality control and gap detection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from schemas.areas import Street
from schemas.envelope import derived_id
from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.gaps import find_gaps, silent_stations
from services.ingest.formats.gauge import (
    parse_gauge_csv,
    parse_gauge_json,
    screen_gauge_csv,
    screen_gauge_json,
)
from services.ingest.formats.stations import StationRegistry, StationStatus, load_stations_csv
from tests.unit.ingest.conftest import NOW, sample


def at(hour: int, minute: int) -> datetime:
    """A Beijing wall-clock time on 2024-05-04, as aware UTC."""
    return datetime(2024, 5, 4, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def rows(*overrides: dict[str, object]) -> bytes:
    """A JSON list of readings: one valid BA004 reading per override, with the override applied."""
    base = {
        "station_id": "BA004",
        "observed_at": "2024-05-04T06:45:00+08:00",
        "interval_minutes": 5,
        "rainfall_mm": 1,
    }
    return json.dumps([{**base, **override} for override in overrides]).encode()


def slot_id(station: str, observed: datetime, interval: int) -> str:
    return derived_id("reading", station, observed.isoformat(), str(interval))


def test_registry_has_every_street_and_huangmabu(stations: StationRegistry) -> None:
    huangmabu = stations.require("BA004")

    assert (huangmabu.name, huangmabu.name_en, huangmabu.street) == ("黄麻布", "Huangmabu", Street.XIXIANG)
    assert {station.street for station in stations} == set(Street)
    assert len(stations) >= 20
    assert stations.require("BA022").status is StationStatus.MAINTENANCE


def test_five_minute_json_gives_readings_with_streets_and_ids(stations: StationRegistry) -> None:
    readings = parse_gauge_json(sample("gauge/readings_5min.json"), stations=stations, now=NOW)

    # Six rows, one an exact re-send: five readings.
    assert [(r.station_id, r.street, r.observed_at, r.rainfall_mm) for r in readings] == [
        ("BA004", Street.XIXIANG, at(6, 35), 9.8),
        ("BA004", Street.XIXIANG, at(6, 40), 14.2),
        ("BA004", Street.XIXIANG, at(6, 45), 17.6),
        ("BA016", Street.SONGGANG, at(6, 45), 11.0),
        ("BA012", Street.SHAJING, at(6, 45), 8.4),
    ]
    first = readings[0]
    assert first.event_id == slot_id("BA004", at(6, 35), 5)
    assert (first.interval_minutes, first.corrects, first.occurred_at) == (5, None, at(6, 35))


def test_hourly_csv_with_a_correction(stations: StationRegistry) -> None:
    readings = parse_gauge_csv(sample("gauge/readings_hourly.csv"), stations=stations, now=NOW)

    assert [(r.station_id, r.observed_at, r.interval_minutes, r.rainfall_mm) for r in readings] == [
        ("BA001", at(6, 0), 60, 22.4),
        ("BA004", at(6, 0), 60, 61.3),
        ("BA020", at(6, 0), 60, 35.0),
        ("BA004", at(7, 0), 60, 48.7),
        ("BA004", at(6, 0), 60, 63.1),
    ]
    original, correction = readings[1], readings[4]
    assert correction.corrects == original.event_id
    assert correction.event_id != original.event_id


def test_correction_json_with_aliases_points_at_the_original_slot(stations: StationRegistry) -> None:
    (correction,) = parse_gauge_json(sample("gauge/correction.json"), stations=stations, now=NOW)

    assert correction.corrects == slot_id("BA004", at(6, 40), 5)
    assert correction.rainfall_mm == 12.9


def test_chinese_export_csv_with_bom(stations: StationRegistry) -> None:
    readings = parse_gauge_csv(sample("gauge/readings_export_zh.csv"), stations=stations, now=NOW)

    assert [(r.station_id, r.street, r.observed_at, r.rainfall_mm) for r in readings] == [
        ("BA008", Street.FUYONG, at(6, 40), 6.5),
        ("BA008", Street.FUYONG, at(6, 45), 7.1),
        ("BA010", Street.FUHAI, at(6, 45), 9.0),
    ]


def test_same_reading_in_two_time_zones_has_one_id(stations: StationRegistry) -> None:
    body = rows({}, {"observed_at": "2024-05-03T22:45:00Z"})

    assert len(parse_gauge_json(body, stations=stations, now=NOW)) == 1


@pytest.mark.parametrize(
    ("name", "reason", "path", "kept"),
    [
        ("gauge/reject_negative.json", "negative_rainfall", "[1].rainfall_mm", 1),
        ("gauge/reject_unknown_station.csv", "unknown_station", "line[3].station_id", 1),
        ("gauge/reject_future.json", "future_time", "[0].observed_at", 0),
        ("gauge/reject_impossible.csv", "impossible_rainfall", "line[2].rainfall_mm", 0),
        ("gauge/reject_interval.json", "unsupported_interval", "[0].interval_minutes", 0),
        ("gauge/reject_retired.csv", "station_retired", "line[2].station_id", 0),
    ],
)
def test_quality_control_refuses_with_reason_and_path(
    stations: StationRegistry, name: str, reason: str, path: str, kept: int
) -> None:
    body = sample(name)
    screen, parse = (
        (screen_gauge_json, parse_gauge_json)
        if name.endswith(".json")
        else (screen_gauge_csv, parse_gauge_csv)
    )
    now = datetime(2024, 5, 4, 0, 0, tzinfo=UTC)  # 08:00 Beijing: 09:45 is in the future

    batch = screen(body, stations=stations, now=now)
    with pytest.raises(Rejected) as caught:
        parse(body, stations=stations, now=now)

    assert [(r.reason, r.path) for r in batch.rejected] == [(reason, path)]
    assert len(batch.readings) == kept
    assert (caught.value.reason, caught.value.path) == (reason, path)


def test_clock_skew_of_a_few_minutes_is_not_the_future(stations: StationRegistry) -> None:
    body = rows({"observed_at": "2024-05-04T08:03:00+08:00"})

    assert len(parse_gauge_json(body, stations=stations, now=at(8, 0))) == 1


def test_conflicting_values_for_one_slot_keep_the_first(stations: StationRegistry) -> None:
    body = b"station_id,observed_at,interval_minutes,rainfall_mm\nBA004,2024-05-04 06:45,5,3.0\n"
    body += b"BA004,2024-05-04 06:45,5,4.0\n"

    batch = screen_gauge_csv(body, stations=stations, now=NOW)

    assert [r.rainfall_mm for r in batch.readings] == [3.0]
    assert [(r.reason, r.path) for r in batch.rejected] == [("conflicting_reading", "line[3]")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"readings": 3}', "invalid_readings"),
        (b"[1]", "invalid_readings"),
        (rows({"interval_minutes": True}), "unsupported_interval"),
        (rows({"rainfall_mm": False}), "invalid_field"),
        (rows({"rainfall_mm": "1e999"}), "invalid_field"),
        (rows({"correction": "maybe"}), "invalid_field"),
        (rows({"station_id": None}), "missing_field"),
        (rows({}).replace(b'"rainfall_mm": 1', b'"rainfall_mm": NaN'), "invalid_json"),
    ],
)
def test_malformed_json_readings(stations: StationRegistry, body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse_gauge_json(body, stations=stations, now=NOW)

    assert caught.value.reason == reason


def test_csv_without_required_columns_is_refused(stations: StationRegistry) -> None:
    with pytest.raises(Rejected) as caught:
        parse_gauge_csv(b"station_id,rainfall_mm\nBA004,1\n", stations=stations, now=NOW)

    assert (caught.value.reason, caught.value.path) == ("missing_field", "line[1]")


def test_naive_now_is_a_programming_error(stations: StationRegistry) -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_gauge_json(b"[]", stations=stations, now=datetime(2024, 5, 4))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"station_id,name,street\nX,x,x\n", "missing_field"),
        (
            b"station_id,name,street,latitude,longitude,status\nX,x,nowhere,22.6,113.9,active\n",
            "invalid_field",
        ),
        (
            "station_id,name,street,latitude,longitude,status\nX,x,西乡,113.9,22.6,active\n".encode(),
            "invalid_coordinates",
        ),
        (
            "station_id,name,street,latitude,longitude,status\nX,x,西乡,22.6,113.9,broken\n".encode(),
            "invalid_field",
        ),
        (
            b"station_id,name,street,latitude,longitude,status\nX,x,xixiang,22.6,113.9,\nX,y,xixiang,22.6,113.9,\n",
            "duplicate_station",
        ),
        (b"\xff\xfe\x00", "invalid_csv"),
    ],
)
def test_bad_station_lists_are_refused(body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        load_stations_csv(body)

    assert caught.value.reason == reason


def _reading(station: str, minutes: int, interval: int = 5) -> GaugeReading:
    observed = at(6, 0) + timedelta(minutes=minutes)
    return GaugeReading(
        event_id=slot_id(station, observed, interval),
        occurred_at=observed,
        station_id=station,
        observed_at=observed,
        interval_minutes=interval,
        rainfall_mm=0.0,
    )


def test_find_gaps_reports_missing_slots_per_station() -> None:
    readings = [_reading("BA004", m) for m in (0, 5, 20, 25)] + [_reading("BA016", m) for m in (0, 5, 10)]
    readings.append(_reading("BA016", 0, interval=60))  # other interval: ignored

    gaps = find_gaps(readings, 5, until=at(6, 27))

    assert [(g.station_id, g.last_seen, g.next_seen, g.missing) for g in gaps] == [
        ("BA004", at(6, 5), at(6, 20), 2),
        ("BA016", at(6, 10), None, 3),
    ]


def test_find_gaps_without_until_and_with_duplicates() -> None:
    readings = [_reading("BA004", m) for m in (0, 0, 5, 10)]

    assert find_gaps(readings, 5) == []


def test_silent_stations_lists_active_stations_not_heard(stations: StationRegistry) -> None:
    readings = [_reading(station.station_id, 30) for station in stations if station.station_id != "BA004"]
    readings.append(_reading("BA004", 0))  # heard, but before the window

    silent = silent_stations(readings, stations, since=at(6, 15))

    assert [station.station_id for station in silent] == ["BA004"]
