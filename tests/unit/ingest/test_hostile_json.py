"""Hostile JSON and CSV: deep nesting, huge numbers, NaN, oversized bodies are refused with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from services.ingest.errors import Rejected
from services.ingest.formats.china_json import parse_china_json, parse_china_json_feed
from services.ingest.formats.gauge import (
    MAX_GAUGE_BYTES,
    parse_gauge_csv,
    parse_gauge_json,
    screen_gauge_json,
)
from services.ingest.formats.stations import StationRegistry
from tests.unit.ingest.conftest import NOW

EMPTY = StationRegistry([])


def json_parsers() -> list[Callable[[bytes], object]]:
    return [
        lambda body: parse_china_json(body, source="hostile"),
        lambda body: parse_china_json_feed(body, source="hostile"),
        lambda body: parse_gauge_json(body, stations=EMPTY, now=NOW),
    ]


@pytest.mark.parametrize("parser", json_parsers(), ids=["warning", "feed", "gauge"])
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
        (b'{"id": ' + b"9" * 5000 + b"}", "invalid_json"),
        (b'{"id": Infinity}', "invalid_json"),
        (b"\xff\xfe\xfd", "invalid_json"),
        (b"", "invalid_json"),
    ],
    ids=["deep-nesting", "huge-integer", "infinity", "not-utf8", "empty"],
)
def test_hostile_json_is_refused(parser: Callable[[bytes], object], body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        parser(body)

    assert caught.value.reason == reason
    assert caught.value.message


@pytest.mark.parametrize("field", ["interval_minutes", "rainfall_mm", "correction"])
def test_deeply_nested_field_value_refuses_only_that_reading(stations: StationRegistry, field: str) -> None:
    nested = "[" * 900 + "]" * 900
    good = (
        '{"station_id": "BA004", "observed_at": "2024-05-04T06:45", "interval_minutes": 5, "rainfall_mm": 1}'
    )
    bad = good.replace("}", f', "{field}": {nested}}}')
    body = f"[{good}, {bad}]".encode()

    batch = screen_gauge_json(body, stations=stations, now=NOW)

    assert len(batch.readings) == 1
    assert [(r.reason, r.path) for r in batch.rejected] == [
        ("unsupported_interval" if field == "interval_minutes" else "invalid_field", f"[1].{field}")
    ]


def test_oversized_gauge_body_is_413() -> None:
    body = b" " * (MAX_GAUGE_BYTES + 1)

    for parse in (parse_gauge_json, parse_gauge_csv):
        with pytest.raises(Rejected) as caught:
            parse(body, stations=EMPTY, now=datetime(2024, 5, 4, tzinfo=UTC))
        assert (caught.value.reason, caught.value.status) == ("too_large", 413)
