"""Every time of every input format lies in a sane window, or the input is refused.

The window: not before 2000-01-01, and not further ahead of the (injected) clock than a
margin (a warning's issue time: ``SANFANG_INGEST_FUTURE_HOURS``; a gauge reading: a few
minutes of logger skew). And no event, whoever builds it, can carry a time whose UTC form
overflows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.areas import Scope
from schemas.rainfall import GaugeReading
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
from services.ingest.errors import Rejected
from services.ingest.formats import StationRegistry, load_stations_csv, screen_gauge_csv, screen_gauge_json
from services.ingest.formats.times import DEFAULT_AHEAD, check_signal_times
from services.ingest.warnings import parse_warning

NOW = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
SAMPLES = Path("tests/samples")
STATIONS: StationRegistry = load_stations_csv((SAMPLES / "stations.csv").read_bytes())

HOSTILE = [
    ("9999-12-31T23:59:59-12:00", "invalid_time"),  # UTC would be year 10000: OverflowError
    ("0001-01-01T00:00:00+08:00", "invalid_time"),
    ("1999-12-31T23:59:59+00:00", "invalid_time"),
    ("2000-01-01T05:00:00+08:00", "invalid_time"),  # still 1999 in UTC
    ("2150-01-01T00:00:00+08:00", "future_time"),
    ("2024-06-03T00:00:00+08:00", "future_time"),  # two days ahead of the clock
]


def native(issued_at: str) -> bytes:
    return json.dumps({"id": "w1", "hazard": "typhoon", "colour": "blue", "issued_at": issued_at}).encode()


def china(pub_time: str) -> bytes:
    document = json.loads((SAMPLES / "json/qweather_v7_rainstorm_yellow.json").read_text())
    document["warning"][0] |= {"pubTime": pub_time, "startTime": pub_time, "endTime": ""}
    return json.dumps(document).encode()


def cap(sent: str) -> bytes:
    text = (SAMPLES / "cap/typhoon_blue_issue.xml").read_text()
    return (
        text.replace("<sent>2024-09-05T08:15:00+08:00</sent>", f"<sent>{sent}</sent>")
        .replace("<effective>2024-09-05T08:15:00+08:00</effective>", "")
        .replace("<expires>2024-09-06T08:15:00+08:00</expires>", "")
        .encode()
    )


FORMATS = {
    "native json": (native, "application/json"),
    "china json": (china, "application/json"),
    "cap": (cap, "application/cap+xml"),
}


def take_warning(body: bytes, media: str, *, now: datetime = NOW) -> WarningSignal:
    """What ingest does with a pushed warning: parse it in its format, then check its times."""
    signal = parse_warning(body, media, source="api")
    check_signal_times(signal, now=now, ahead=DEFAULT_AHEAD)
    return signal


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(("moment", "reason"), HOSTILE)
def test_a_warning_time_outside_the_window_is_refused_in_every_format(
    name: str, moment: str, reason: str
) -> None:
    make, media = FORMATS[name]
    with pytest.raises(Rejected) as refused:
        take_warning(make(moment), media)
    assert refused.value.reason == reason
    assert refused.value.status == 422
    assert any(words in refused.value.message for words in ("2000", "UTC", "after now"))


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(
    "moment", ["2000-01-01T08:00:00+08:00", "2024-05-31T12:00:00Z", "2024-06-01T20:00:00Z"]
)
def test_a_warning_time_inside_the_window_is_taken_in_every_format(name: str, moment: str) -> None:
    make, media = FORMATS[name]
    signal = take_warning(make(moment), media)
    assert signal.issued_at == datetime.fromisoformat(moment).astimezone(UTC)


def test_the_future_margin_is_the_callers() -> None:
    body = native("2024-06-01T20:00:00Z")  # 20 h ahead
    signal = parse_warning(body, "application/json", source="api")
    check_signal_times(signal, now=NOW, ahead=timedelta(days=1))
    with pytest.raises(Rejected, match="more than 12 h after now"):
        check_signal_times(signal, now=NOW, ahead=timedelta(hours=12))
    # A replay or the demo drives its own clock: the same warning is in its window then.
    check_signal_times(signal, now=NOW + timedelta(hours=20), ahead=timedelta(hours=12))


def test_an_expiry_far_beyond_any_signal_is_refused_and_a_normal_one_taken() -> None:
    body = json.dumps(
        {
            "id": "w1",
            "hazard": "typhoon",
            "colour": "blue",
            "issued_at": "2024-06-01T08:00:00+08:00",
            "expires_at": "2024-06-02T08:00:00+08:00",
        }
    ).encode()
    assert take_warning(body, "application/json").expires_at is not None
    far = body.replace(b"2024-06-02", b"2099-06-02")
    with pytest.raises(Rejected) as refused:
        take_warning(far, "application/json")
    assert (refused.value.reason, refused.value.path) == ("future_time", "expires_at")


@pytest.mark.parametrize(("moment", "reason"), [*HOSTILE[:4], ("2024-06-01T09:00:00+08:00", "future_time")])
def test_a_gauge_time_outside_the_window_is_refused_in_json_and_csv(moment: str, reason: str) -> None:
    row = {"station_id": "BA004", "observed_at": moment, "interval_minutes": 5, "rainfall_mm": 1}
    for batch in (
        screen_gauge_json(json.dumps([row]).encode(), stations=STATIONS, now=NOW),
        screen_gauge_csv(
            f"station_id,observed_at,interval_minutes,rainfall_mm\nBA004,{moment},5,1\n".encode(),
            stations=STATIONS,
            now=NOW,
        ),
    ):
        assert batch.readings == ()
        assert [rejected.reason for rejected in batch.rejected] == [reason]
        assert batch.rejected[0].path.endswith("observed_at")


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+08:00", "1800-01-01T00:00Z"]
)
def test_no_event_can_carry_a_time_a_consumer_cannot_handle(moment: str) -> None:
    at = datetime(2024, 5, 4, tzinfo=UTC)
    fields = {
        "event_id": "e1",
        "occurred_at": at,
        "signal_id": "s1",
        "hazard": Hazard.TYPHOON,
        "colour": Colour.BLUE,
        "action": WarningAction.ISSUE,
        "scope": Scope.district(),
        "issued_at": at,
    }
    WarningSignal.model_validate(fields)
    for name in ("occurred_at", "issued_at", "expires_at"):
        with pytest.raises(ValidationError, match="UTC"):
            WarningSignal.model_validate({**fields, name: moment})
    # On the wire too: a consumer parsing a hostile event off the bus gets a validation error.
    wire = (
        WarningSignal.model_validate(fields)
        .model_dump_json()
        .replace(at.isoformat().replace("+00:00", "Z"), moment)
    )
    with pytest.raises(ValidationError):
        WarningSignal.model_validate_json(wire)
    with pytest.raises(ValidationError, match="UTC"):
        GaugeReading(
            event_id="r1",
            occurred_at=at,
            station_id="BA004",
            observed_at=moment,
            interval_minutes=5,
            rainfall_mm=1,
        )
