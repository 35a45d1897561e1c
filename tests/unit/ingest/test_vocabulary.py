"""Hazard and colour words, scopes, timestamps and GB/T identifiers, read the way feeds write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.areas import Scope, Street
from schemas.warnings import Colour, Hazard
from services.ingest.errors import Rejected
from services.ingest.formats.gbt import parse_gbt_identifier
from services.ingest.formats.scope import scope_of_areas
from services.ingest.formats.times import parse_time
from services.ingest.formats.vocabulary import (
    colour_from_name,
    colour_from_severity,
    hazard_from_code,
    hazard_from_name,
    signal_in_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("台风蓝色预警信号", (Hazard.TYPHOON, Colour.BLUE)),
        ("暴雨橙色预警信号", (Hazard.RAINSTORM, Colour.ORANGE)),
        ("雷雨大风黄色预警信号", (Hazard.THUNDERSTORM_GALE, Colour.YELLOW)),
        ("高温红色预警信号", (Hazard.HIGH_TEMPERATURE, Colour.RED)),
        ("寒冷黄色预警信号", (Hazard.COLD, Colour.YELLOW)),
        ("大雾橙色预警信号", (Hazard.FOG, Colour.ORANGE)),
        ("灰霾黄色预警信号", (Hazard.HAZE, Colour.YELLOW)),
        ("森林火险红色预警信号", (Hazard.FOREST_FIRE, Colour.RED)),
        ("冰雹橙色预警信号", (Hazard.HAIL, Colour.ORANGE)),
        ("干旱橙色预警信号", (Hazard.DROUGHT, Colour.ORANGE)),
        ("大风蓝色预警信号", (Hazard.OTHER, Colour.BLUE)),
        ("解除台风白色预警信号", (Hazard.TYPHOON, Colour.WHITE)),
        ("台风预警信号", None),
    ],
)
def test_written_signal_names(text: str, expected: tuple[Hazard, Colour] | None) -> None:
    assert signal_in_text(text) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("11B01", Hazard.TYPHOON),
        ("11B03", Hazard.RAINSTORM),
        ("11B20", Hazard.THUNDERSTORM_GALE),
        ("1003", Hazard.RAINSTORM),
        ("1034", Hazard.COLD),
        ("11B06", Hazard.OTHER),
        ("ABC", None),
        ("", None),
    ],
)
def test_event_codes(code: str, expected: Hazard | None) -> None:
    assert hazard_from_code(code) is expected


def test_names_colours_and_severities() -> None:
    assert hazard_from_name("Tropical Cyclone Warning Signal") is Hazard.TYPHOON
    assert hazard_from_name("nothing here") is None
    assert [colour_from_name(n) for n in ("蓝色", "蓝", "Blue", "RED", "pink", "")] == [
        Colour.BLUE,
        Colour.BLUE,
        Colour.BLUE,
        Colour.RED,
        None,
        None,
    ]
    assert [colour_from_severity(s) for s in ("Minor", "Moderate", "Severe", "Extreme", "Unknown")] == [
        Colour.BLUE,
        Colour.YELLOW,
        Colour.ORANGE,
        Colour.RED,
        None,
    ]


@pytest.mark.parametrize(
    ("areas", "expected"),
    [
        ([("宝安区", ["440306"])], Scope.district()),
        ([("深圳市", ["440300"])], Scope.district()),
        ([("松岗、福永、沙井街道", [])], Scope.of_streets([Street.SONGGANG, Street.FUYONG, Street.SHAJING])),
        ([("宝安区", ["石岩街道"])], Scope.of_streets([Street.SHIYAN])),
        ([("西乡街道", []), ("宝安区", [])], Scope.district()),
        ([("除燕罗、松岗街道外", [])], Scope.of_streets(set(Street) - {Street.YANLUO, Street.SONGGANG})),
        ([("、".join(s.chinese for s in Street) + "街道", [])], Scope.district()),
        ([], Scope.district()),
    ],
)
def test_scopes(areas: list[tuple[str, list[str]]], expected: Scope) -> None:
    assert scope_of_areas(areas) == expected


@pytest.mark.parametrize("areas", [[("福田区", [])], [("深圳市南山区", [])], [("宝安区", ["440304"])]])
def test_other_districts_are_refused(areas: list[tuple[str, list[str]]]) -> None:
    with pytest.raises(Rejected, match="outside_district"):
        scope_of_areas(areas)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-04T06:45:00+08:00", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
        ("2024-05-04T06:45+08:00", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
        ("2024-05-03T22:45:00Z", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
        ("2024-05-04 06:45:00", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
        ("2024/5/4 6:45", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
        ("20240504064500", datetime(2024, 5, 3, 22, 45, tzinfo=UTC)),
    ],
)
def test_times_are_aware_and_naive_means_beijing(text: str, expected: datetime) -> None:
    parsed = parse_time(text, path="t")

    assert parsed == expected
    assert parsed.utcoffset() is not None


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "0001-01-01T00:00:00+08:00", "2024-13-01T00:00:00", "9" * 100]
)
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(Rejected, match="invalid_time"):
        parse_time(text, path="t")


def test_gbt_identifier_parts() -> None:
    gbt = parse_gbt_identifier("44030041600000_20250506131649")

    assert gbt is not None
    assert (gbt.admin_code, gbt.organisation_code, gbt.internal_code, gbt.sequence) == (
        "440300",
        "416",
        "00000",
        None,
    )
    assert gbt.issued_at == datetime(2025, 5, 6, 5, 16, 49, tzinfo=UTC)
    assert gbt.is_shenzhen


def test_gbt_identifier_sequence_and_refusals() -> None:
    with_sequence = parse_gbt_identifier("44030641600001_20240504064500_3")

    assert with_sequence is not None
    assert (with_sequence.admin_code, with_sequence.internal_code, with_sequence.sequence) == (
        "440306",
        "00001",
        3,
    )
    assert parse_gbt_identifier("44030041600000_20251306131649") is None  # month 13
    assert parse_gbt_identifier("10128060520240504051000123456789") is None
    assert parse_gbt_identifier("") is None
