"""Each CAP sample parses to the WarningSignal a duty officer would expect, or to a clear refusal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.areas import Scope, Street
from schemas.envelope import derived_id
from schemas.warnings import Colour, Hazard, WarningAction, WarningStatus
from services.ingest.errors import Rejected
from services.ingest.formats.cap import parse_cap
from tests.unit.ingest.conftest import sample

S = Street


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


CASES = [
    pytest.param(
        "typhoon_blue_issue.xml",
        {
            "signal_id": "44030041600000_20240905081500",
            "hazard": Hazard.TYPHOON,
            "colour": Colour.BLUE,
            "action": WarningAction.ISSUE,
            "status": WarningStatus.ACTUAL,
            "scope": Scope.district(),
            "issued_at": utc(2024, 9, 5, 0, 15),
            "effective_at": utc(2024, 9, 5, 0, 15),
            "expires_at": utc(2024, 9, 6, 0, 15),
            "references": (),
            "headline": "深圳市气象台发布宝安区台风蓝色预警信号",
        },
        id="typhoon-blue-district",
    ),
    pytest.param(
        "typhoon_yellow_update.xml",
        {
            "hazard": Hazard.TYPHOON,
            "colour": Colour.YELLOW,
            "action": WarningAction.UPDATE,
            "references": ("44030041600000_20240905081500",),
            "issued_at": utc(2024, 9, 5, 8, 0),
        },
        id="typhoon-yellow-update",
    ),
    pytest.param(
        "typhoon_cancel.xml",
        {
            "hazard": Hazard.TYPHOON,
            "colour": None,
            "action": WarningAction.CANCEL,
            "references": ("44030041600000_20240905160000",),
            "effective_at": None,
            "expires_at": None,
        },
        id="typhoon-cancel-without-colour",
    ),
    pytest.param(
        "typhoon_white_parameter.xml",
        {"hazard": Hazard.TYPHOON, "colour": Colour.WHITE, "scope": Scope.district()},
        id="typhoon-white-from-parameter",
    ),
    pytest.param(
        "rainstorm_orange_streets.xml",
        {
            "hazard": Hazard.RAINSTORM,
            "colour": Colour.ORANGE,
            "scope": Scope.of_streets([S.SONGGANG, S.FUYONG, S.SHAJING, S.FUHAI, S.XINQIAO, S.YANLUO]),
            "issued_at": utc(2024, 5, 3, 22, 45),
            "expires_at": utc(2024, 5, 4, 4, 45),
        },
        id="rainstorm-orange-six-streets",
    ),
    pytest.param(
        "rainstorm_yellow_exercise.xml",
        {
            "signal_id": "44030041600000_20240612100000_1",
            "status": WarningStatus.EXERCISE,
            "colour": Colour.YELLOW,
            "scope": Scope.of_streets([S.SHIYAN]),
        },
        id="exercise-shiyan",
    ),
    pytest.param(
        "rainstorm_red_test.xml",
        {
            "status": WarningStatus.TEST,
            "colour": Colour.RED,
            # No offset in <sent>: Beijing time, 09:00 +08:00.
            "issued_at": utc(2024, 3, 1, 1, 0),
        },
        id="test-naive-time-is-beijing",
    ),
    pytest.param(
        "rainstorm_yellow_except_shiyan.xml",
        {"scope": Scope.of_streets(set(Street) - {S.SHIYAN}), "colour": Colour.YELLOW},
        id="all-but-shiyan",
    ),
    pytest.param(
        "thunderstorm_gale_english_first.xml",
        {
            "hazard": Hazard.THUNDERSTORM_GALE,
            "colour": Colour.YELLOW,
            "scope": Scope.of_streets([S.XIXIANG, S.HANGCHENG]),
            "headline": "深圳市气象台在宝安区西乡、航城街道发布雷雨大风黄色预警信号",
        },
        id="chinese-info-preferred",
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_sample_parses_to_expected_signal(name: str, expected: dict[str, object]) -> None:
    signal = parse_cap(sample(f"cap/{name}"), source="szmb-cap")

    actual = {field: getattr(signal, field) for field in expected}
    assert actual == expected
    assert signal.event_id == derived_id("warning", signal.signal_id)
    assert signal.occurred_at == signal.issued_at
    assert signal.source == "szmb-cap"
    assert signal.issued_at.tzinfo is not None


@pytest.mark.parametrize(
    ("name", "reason", "path"),
    [
        ("reject_ack.xml", "unsupported_msgtype", "alert/msgType"),
        ("reject_futian.xml", "outside_district", "alert/info[0]/area"),
        ("reject_cap11.xml", "not_cap", "alert"),
        ("reject_no_colour.xml", "unknown_colour", "alert/info[0]"),
    ],
)
def test_refused_samples_say_why(name: str, reason: str, path: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse_cap(sample(f"cap/{name}"), source="szmb-cap")

    assert (caught.value.reason, caught.value.path, caught.value.status) == (reason, path, 422)
    assert caught.value.message


def test_exercise_is_a_drill_and_test_is_not_actionable() -> None:
    drill = parse_cap(sample("cap/rainstorm_yellow_exercise.xml"), source="cap")
    test = parse_cap(sample("cap/rainstorm_red_test.xml"), source="cap")

    assert (drill.drill, drill.actionable) == (True, True)
    assert (test.drill, test.actionable) == (False, False)


def _alert(inner: str, *, msg_type: str = "Alert", status: str = "Actual", extra: str = "") -> bytes:
    return (
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x1</identifier>'
        f"<sender>s</sender><sent>2024-05-04T06:45:00+08:00</sent><status>{status}</status>"
        f"<msgType>{msg_type}</msgType><scope>Public</scope>{extra}{inner}</alert>"
    ).encode()


INFO = (
    "<info><language>zh-CN</language><event>暴雨黄色预警信号</event>"
    "<area><areaDesc>宝安区</areaDesc></area></info>"
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Actual", WarningStatus.ACTUAL),
        ("Exercise", WarningStatus.EXERCISE),
        ("System", WarningStatus.SYSTEM),
        ("Draft", WarningStatus.DRAFT),
        ("Test", WarningStatus.TEST),
    ],
)
def test_every_cap_status_is_kept(status: str, expected: WarningStatus) -> None:
    assert parse_cap(_alert(INFO, status=status), source="cap").status is expected


def test_error_message_is_refused_like_ack() -> None:
    with pytest.raises(Rejected, match="unsupported_msgtype"):
        parse_cap(_alert(INFO, msg_type="Error"), source="cap")


def test_several_references_keep_only_identifiers_in_order() -> None:
    refs = (
        "<references>s,a1,2024-05-04T06:00:00+08:00 s,a2,2024-05-04T06:30:00+08:00 "
        "s,a1,2024-05-04T06:00:00+08:00</references>"
    )

    signal = parse_cap(_alert(INFO, msg_type="Update", extra=refs), source="cap")

    assert signal.references == ("a1", "a2")


def test_malformed_reference_is_refused_with_its_path() -> None:
    with pytest.raises(Rejected) as caught:
        parse_cap(_alert(INFO, msg_type="Update", extra="<references>s,,x,y</references>"), source="cap")

    assert (caught.value.reason, caught.value.path) == ("invalid_references", "alert/references")


def test_missing_identifier_names_the_field() -> None:
    body = _alert(INFO).replace(b"<identifier>x1</identifier>", b"")

    with pytest.raises(Rejected) as caught:
        parse_cap(body, source="cap")

    assert (caught.value.reason, caught.value.path) == ("missing_field", "alert/identifier")


def test_event_code_gives_hazard_when_event_name_is_unknown() -> None:
    info = (
        "<info><language>zh-CN</language><event>气象预警</event><severity>Severe</severity>"
        "<eventCode><valueName>GB/T 35561</valueName><value>11B03</value></eventCode></info>"
    )

    signal = parse_cap(_alert(info), source="cap")

    assert (signal.hazard, signal.colour) == (Hazard.RAINSTORM, Colour.ORANGE)


def test_long_description_is_clipped_not_refused() -> None:
    info = INFO.replace("</event>", "</event><description>" + "雨" * 6000 + "</description>")

    signal = parse_cap(_alert(info), source="cap")

    assert len(signal.description) == 5000
    assert signal.description.endswith("…")
