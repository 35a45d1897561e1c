"""JSON warnings in the QWeather v7 / v1 shapes parse to the expected WarningSignal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.areas import Scope, Street
from schemas.envelope import derived_id
from schemas.warnings import Colour, Hazard, WarningAction, WarningStatus
from services.ingest.errors import Rejected
from services.ingest.formats.cap import parse_cap
from services.ingest.formats.china_json import parse_china_json, parse_china_json_feed
from tests.unit.ingest.conftest import sample

CASES = [
    pytest.param(
        "qweather_v7_rainstorm_yellow.json",
        {
            "signal_id": "10128060520240504051000123456789",
            "hazard": Hazard.RAINSTORM,
            "colour": Colour.YELLOW,
            "action": WarningAction.ISSUE,
            "status": WarningStatus.ACTUAL,
            "scope": Scope.district(),
            "issued_at": datetime(2024, 5, 3, 21, 10, tzinfo=UTC),
            "effective_at": datetime(2024, 5, 3, 21, 10, tzinfo=UTC),
            "expires_at": datetime(2024, 5, 4, 3, 10, tzinfo=UTC),
            "references": (),
        },
        id="v7-envelope-rainstorm-yellow",
    ),
    pytest.param(
        "qweather_v7_typhoon_update.json",
        {
            "hazard": Hazard.TYPHOON,
            "colour": Colour.YELLOW,
            "action": WarningAction.UPDATE,
            "references": ("44030041600000_20240905081500",),
        },
        id="v7-bare-typhoon-update",
    ),
    pytest.param(
        "qweather_v7_rainstorm_cancel.json",
        {
            "hazard": Hazard.RAINSTORM,
            "colour": None,
            "action": WarningAction.CANCEL,
            "scope": Scope.of_streets([Street.SONGGANG, Street.SHAJING]),
            "references": ("44030041600000_20240504064500", "44030041600000_20240504090000"),
            "issued_at": datetime(2024, 5, 4, 4, 0, tzinfo=UTC),
            "effective_at": None,
        },
        id="v7-cancel-streets-from-title",
    ),
    pytest.param(
        "qweather_v1_thunderstorm_gale.json",
        {
            "hazard": Hazard.THUNDERSTORM_GALE,
            "colour": Colour.YELLOW,
            "action": WarningAction.ISSUE,
            "scope": Scope.of_streets([Street.XIXIANG, Street.HANGCHENG]),
            "expires_at": datetime(2024, 6, 11, 15, 30, tzinfo=UTC),
        },
        id="v1-thunderstorm-gale-areadesc",
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_sample_parses_to_expected_signal(name: str, expected: dict[str, object]) -> None:
    signal = parse_china_json(sample(f"json/{name}"), source="qweather")

    assert {field: getattr(signal, field) for field in expected} == expected
    assert signal.event_id == derived_id("warning", signal.signal_id)
    assert signal.occurred_at == signal.issued_at


def test_feed_with_two_warnings_gives_both_in_order() -> None:
    signals = parse_china_json_feed(sample("json/feed_two_warnings.json"), source="qweather")

    assert [(s.hazard, s.colour) for s in signals] == [
        (Hazard.TYPHOON, Colour.BLUE),
        (Hazard.THUNDERSTORM_GALE, Colour.YELLOW),
    ]


def test_single_parser_refuses_a_feed_of_two() -> None:
    with pytest.raises(Rejected) as caught:
        parse_china_json(sample("json/feed_two_warnings.json"), source="qweather")

    assert (caught.value.reason, caught.value.path) == ("not_one_warning", "warning")


def test_same_warning_pushed_as_cap_and_polled_as_json_has_one_event_id() -> None:
    pushed = parse_cap(sample("cap/typhoon_yellow_update.xml"), source="push")
    polled = parse_china_json(sample("json/qweather_v7_typhoon_update.json"), source="poll")

    assert pushed.event_id == polled.event_id
    assert (pushed.hazard, pushed.colour, pushed.action) == (polled.hazard, polled.colour, polled.action)


@pytest.mark.parametrize(
    ("name", "reason", "path"),
    [
        ("reject_futian.json", "outside_district", "title"),
        ("reject_unknown_status.json", "unknown_status", "status"),
    ],
)
def test_refused_samples_say_why(name: str, reason: str, path: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse_china_json(sample(f"json/{name}"), source="qweather")

    assert (caught.value.reason, caught.value.path) == (reason, path)


@pytest.mark.parametrize(
    ("body", "reason", "path"),
    [
        (
            b'{"warning": [{"pubTime": "2024-05-04T07:00+08:00", "status": "active"}]}',
            "missing_field",
            "warning[0].id",
        ),
        (b'{"id": "a", "pubTime": "yesterday", "status": "active"}', "invalid_time", "pubTime"),
        (b'{"id": ["a"], "pubTime": "2024-05-04", "status": "active"}', "invalid_field", "id"),
        (b'{"warning": {"id": "a"}}', "invalid_warning", "warning"),
        (b"[1, 2]", "invalid_warning", ""),
        (
            b'{"id": "a", "pubTime": "2024-05-04T07:00", "status": "active", "related": [1]}',
            "invalid_field",
            "related",
        ),
    ],
)
def test_malformed_fields_are_refused_with_their_path(body: bytes, reason: str, path: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse_china_json(body, source="qweather")

    assert (caught.value.reason, caught.value.path) == (reason, path)


def test_chinese_status_words_are_understood() -> None:
    body = (
        '{"id": "a", "pubTime": "2024-05-04T07:00", "status": "预警解除", "title": "解除宝安区暴雨预警信号"}'
    )

    signal = parse_china_json(body.encode(), source="caiyun")

    assert (signal.action, signal.hazard, signal.colour) == (WarningAction.CANCEL, Hazard.RAINSTORM, None)
