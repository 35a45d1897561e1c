"""The quick way through a payload's rows gives exactly what the general row check gives.

``ReadingChecks`` takes plain rows without the general path; these tests feed both any
mix of plain and odd fields and require the same reading, or the same refusal (reason,
path and message), row after row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.areas import Street
from schemas.rainfall import GaugeReading
from services.ingest.errors import Rejected
from services.ingest.formats.gauge import screen_gauge_csv
from services.ingest.formats.quality import ReadingChecks, reading_from_row
from services.ingest.formats.stations import Station, StationRegistry, load_stations_csv
from tests.unit.ingest.conftest import sample

STATIONS = load_stations_csv(sample("stations.csv"))
NOW = datetime(2024, 5, 4, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
CHECKS = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

# Each field: plain values, which the quick way takes, and odd ones, which it must leave
# to the general check (or take only where that check gives the very same reading).
PLAIN: dict[str, st.SearchStrategy[object]] = {
    "station_id": st.sampled_from(["BA004", "BA022", "BA001"]),
    "observed_at": st.sampled_from(["2024-05-04T07:45:00+08:00", "2024-05-04 07:50", "2024-05-03T23:05:00Z"]),
    "interval_minutes": st.sampled_from(["5", "60", 5, 60]),
    "rainfall_mm": st.sampled_from(["0", "12.5", "79.9", 3.5, 0, 1]),
    "correction": st.sampled_from([None, ""]),
}
ODD: dict[str, st.SearchStrategy[object]] = {
    "station_id": st.sampled_from(["BA099", "NOPE", " BA004", "BA004 ", "", "ba004", None])
    | st.integers(-2, 5),
    "observed_at": st.sampled_from(
        [
            "2024-05-04T08:20:00+08:00",  # the future
            "2024-05-04T08:04:00+08:00",  # ahead, but within the clock-skew tolerance
            " 2024-05-04T07:45:00+08:00 ",
            "2024/05/04 07:55",
            "20240504074500",
            "yesterday",
            "",
            "1800-01-01T00:00:00",
        ]
    )
    | st.integers(0, 30_000_000),
    "interval_minutes": st.sampled_from([" 5", "05", "15", "", "٥", 5.0, True, 15, None, -5, "60 "]),
    "rainfall_mm": st.sampled_from(
        [
            "-0.0",
            "-1",
            "80",
            "80.1",
            "320",
            "nan",
            "inf",
            "1e3",
            "x",
            "",
            " 3.5 ",
            "1_0",
            True,
            None,
            10**400,
            [1],
        ]
    )
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-5, 400),
    "correction": st.sampled_from(["yes", "no", "更正", "maybe", 1, 0, True, False, 2.5]),
}


def outcome(check: object) -> tuple[str, object]:
    """A reading, or a refusal as (reason, path, message), comparable across the two ways."""
    try:
        reading = check() if callable(check) else None
    except Rejected as rejected:
        return "refused", (rejected.reason, rejected.path, rejected.message)
    assert isinstance(reading, GaugeReading)
    return "reading", reading.model_dump()


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    """A plain row with some fields made odd, wrongly typed or left out."""
    row: dict[str, object] = {}
    for key, plain in PLAIN.items():
        kind = draw(
            st.sampled_from(["plain", "plain", "odd", "missing"] if key != "correction" else ["plain", "odd"])
        )
        if kind != "missing":
            row[key] = draw(plain if kind == "plain" else ODD[key])
    return row


@CHECKS
@given(batch=st.lists(rows(), min_size=1, max_size=12))
def test_every_row_gets_what_the_general_check_gives(batch: list[dict[str, object]]) -> None:
    # One ReadingChecks for the whole payload, as the screens use it: what it learnt from
    # earlier rows (stations, timestamps) must not change the answer for later ones.
    checks = ReadingChecks(STATIONS, now=NOW)
    for index, row in enumerate(batch):
        path = f"[{index}]"
        quick = outcome(lambda row=row, path=path: checks.reading(row, path=path))
        general = outcome(
            lambda row=row, path=path: reading_from_row(row, stations=STATIONS, now=NOW, path=path)
        )
        assert quick == general, row


@pytest.mark.parametrize(
    ("row", "taken"),
    [
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": "5",
                "rainfall_mm": "1.5",
            },
            True,
        ),
        (
            {
                "station_id": "BA022",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": 60,
                "rainfall_mm": 0,
            },
            True,
        ),
        (
            {
                "station_id": "BA099",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": "5",
                "rainfall_mm": "1",
            },
            False,
        ),
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 08:30",
                "interval_minutes": "5",
                "rainfall_mm": "1",
            },
            False,
        ),
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": 5.0,
                "rainfall_mm": "1",
            },
            False,
        ),
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": True,
                "rainfall_mm": "1",
            },
            False,
        ),
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": "5",
                "rainfall_mm": "nan",
            },
            False,
        ),
        (
            {
                "station_id": "BA004",
                "observed_at": "2024-05-04 07:45",
                "interval_minutes": "5",
                "rainfall_mm": "80.5",
            },
            False,
        ),
    ],
)
def test_plain_rows_are_taken_and_odd_ones_refused_as_before(row: Mapping[str, object], taken: bool) -> None:
    kind, _ = outcome(lambda: ReadingChecks(STATIONS, now=NOW).reading(row, path="[0]"))
    assert (kind == "reading") is taken
    assert outcome(lambda: ReadingChecks(STATIONS, now=NOW).reading(row, path="[0]")) == outcome(
        lambda: reading_from_row(row, stations=STATIONS, now=NOW, path="[0]")
    )


def test_a_round_of_stations_shares_one_timestamp_and_keeps_each_reading() -> None:
    header = "station_id,observed_at,interval_minutes,rainfall_mm\n"
    lines = [f"BA{n:03d},2024-05-04T07:45:00+08:00,5,{n / 10}\n" for n in range(1, 22)]
    lines.insert(5, "BA099,2024-05-04T07:45:00+08:00,5,1\n")  # retired, in the middle of the round
    batch = screen_gauge_csv((header + "".join(lines)).encode(), stations=STATIONS, now=NOW)

    assert len(batch.readings) == 21
    assert {reading.observed_at for reading in batch.readings} == {datetime(2024, 5, 3, 23, 45, tzinfo=UTC)}
    assert [reading.rainfall_mm for reading in batch.readings][:3] == [0.1, 0.2, 0.3]
    assert len({reading.event_id for reading in batch.readings}) == 21
    assert [(r.reason, r.path) for r in batch.rejected] == [("station_retired", "line[7].station_id")]
    assert not any(math.isnan(reading.rainfall_mm) for reading in batch.readings)


def test_an_id_with_spaces_is_looked_up_trimmed_as_the_general_check_does() -> None:
    padded = StationRegistry([Station(" BA004", "黄麻布", Street.XIXIANG, 22.62, 113.91)])
    row = {
        "station_id": " BA004",
        "observed_at": "2024-05-04 07:45",
        "interval_minutes": "5",
        "rainfall_mm": "1",
    }

    quick = outcome(lambda: ReadingChecks(padded, now=NOW).reading(row, path="[0]"))

    assert quick == ("refused", ("unknown_station", "[0].station_id", "no station 'BA004' in the registry"))
    assert quick == outcome(lambda: reading_from_row(row, stations=padded, now=NOW, path="[0]"))
