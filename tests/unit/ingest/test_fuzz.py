"""Property-based fuzzing: whatever bytes arrive, a parser answers with a result or a Rejected.

Any other exception escaping a parser fails these tests; that is the contract the HTTP
layer and the dead-letter recorder rely on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.errors import Rejected
from services.ingest.formats.cap import parse_cap
from services.ingest.formats.cap_feed import cap_links
from services.ingest.formats.china_json import parse_china_json, parse_china_json_feed
from services.ingest.formats.gauge import screen_gauge_csv, screen_gauge_json
from services.ingest.formats.stations import load_stations_csv
from services.ingest.native import parse_native_json
from tests.unit.ingest.conftest import NOW, SAMPLES, sample

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STATIONS = load_stations_csv(sample("stations.csv"))

Parser = Callable[[bytes], object]
PARSERS: dict[str, Parser] = {
    "cap": partial(parse_cap, source="fuzz"),
    "cap_index": partial(cap_links, base_url="https://feeds.example/alerts/index.atom"),
    "native_json": partial(parse_native_json, source="fuzz"),
    "china_json": partial(parse_china_json, source="fuzz"),
    "china_json_feed": partial(parse_china_json_feed, source="fuzz"),
    "gauge_json": partial(screen_gauge_json, stations=STATIONS, now=NOW),
    "gauge_csv": partial(screen_gauge_csv, stations=STATIONS, now=NOW),
    "stations_csv": load_stations_csv,
}
CORPUS = sorted(path for path in SAMPLES.rglob("*") if path.is_file())


def outcome(parser: Parser, body: bytes) -> object:
    """Run ``parser``; a Rejected must explain itself, anything else propagates and fails."""
    try:
        result = parser(body)
    except Rejected as rejected:
        result = rejected
    check(result)
    return result


def check(result: object) -> None:
    """A refusal carries a reason, a message a person can act on, and a 4xx status."""
    if isinstance(result, Rejected):
        assert result.reason
        assert result.message.strip()
        assert result.status in (413, 422)


@FUZZ
@given(parser=st.sampled_from(sorted(PARSERS)), body=st.binary(max_size=2048))
def test_random_bytes(parser: str, body: bytes) -> None:
    outcome(PARSERS[parser], body)


@st.composite
def mutated_samples(draw: st.DrawFn) -> tuple[str, bytes]:
    """A corpus file with a few bytes replaced, dropped or inserted, for every parser."""
    path = draw(st.sampled_from(CORPUS))
    body = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(body)))
        kind = draw(st.sampled_from(["replace", "delete", "insert"]))
        chunk = draw(
            st.binary(min_size=1, max_size=4)
            | st.sampled_from([b"<", b">", b"&", b'"', b",", b"\n", b"\xe5"])
        )
        if kind == "insert" or position == len(body):
            body[position:position] = chunk
        elif kind == "delete":
            del body[position : position + len(chunk)]
        else:
            body[position : position + len(chunk)] = chunk
    return path.suffix, bytes(body)


@FUZZ
@given(case=mutated_samples())
def test_mutated_samples(case: tuple[str, bytes]) -> None:
    _, body = case
    for parser in PARSERS.values():
        outcome(parser, body)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
WARNING_KEYS = [
    "id",
    "alertId",
    "sender",
    "pubTime",
    "issuedTime",
    "startTime",
    "endTime",
    "title",
    "status",
    "severity",
    "severityColor",
    "level",
    "type",
    "typeName",
    "text",
    "related",
    "areaDesc",
    "messageType",
    "eventType",
    "color",
    "headline",
    # Sanfang's own JSON form
    "hazard",
    "colour",
    "action",
    "streets",
    "issued_at",
    "expires_at",
    "references",
    "description",
]
GAUGE_KEYS = [
    "station_id",
    "stationId",
    "observed_at",
    "obsTime",
    "interval_minutes",
    "interval",
    "rainfall_mm",
    "rainfall",
    "correction",
]
PLAUSIBLE = st.sampled_from(
    [
        "BA004",
        "BA099",
        "2024-05-04T06:45+08:00",
        "2024-05-04T06:45:00",
        "typhoon",
        "rainstorm",
        "blue",
        "issue",
        "songgang",
        "Exercise",
        "2099-01-01",
        "active",
        "update",
        "cancel",
        "预警中",
        "5",
        "60",
        "-1",
        "1e309",
        "暴雨橙色预警信号",
        "福田区",
        "除石岩外",
        "11B03",
        "1001",
        "Severe",
        "Orange",
        "yes",
        "",
        " ",
    ]
)


def documents(keys: list[str]) -> st.SearchStrategy[Any]:
    value = JSON_VALUES | PLAUSIBLE | st.integers(-10, 100)
    item = st.dictionaries(st.sampled_from(keys), value, max_size=len(keys))
    return (
        item
        | st.lists(item, max_size=4)
        | st.fixed_dictionaries({"warning": st.lists(item, max_size=3)})
        | (st.fixed_dictionaries({"readings": st.lists(item, max_size=3)}))
        | JSON_VALUES
    )


@FUZZ
@given(document=documents(WARNING_KEYS))
def test_random_json_warnings(document: Any) -> None:
    body = json.dumps(document, ensure_ascii=False).encode()
    outcome(PARSERS["china_json"], body)
    outcome(PARSERS["china_json_feed"], body)
    outcome(PARSERS["native_json"], body)


@FUZZ
@given(document=documents(GAUGE_KEYS))
def test_random_json_readings(document: Any) -> None:
    result = outcome(PARSERS["gauge_json"], json.dumps(document, ensure_ascii=False).encode())
    if not isinstance(result, Rejected):
        for rejected in result.rejected:  # type: ignore[attr-defined]
            check(rejected)
            assert rejected.path


@FUZZ
@given(rows=st.lists(st.lists(PLAUSIBLE | st.text(max_size=12), min_size=0, max_size=6), max_size=6))
def test_random_csv_readings(rows: list[list[str]]) -> None:
    header = "station_id,observed_at,interval_minutes,rainfall_mm,correction\n"
    lines = "\n".join(",".join(json.dumps(cell, ensure_ascii=False) for cell in row) for row in rows)
    outcome(PARSERS["gauge_csv"], (header + lines).encode())


CAP_FIELDS = st.fixed_dictionaries(
    {
        "identifier": st.text(max_size=140) | PLAUSIBLE,
        "sent": st.text(max_size=30) | PLAUSIBLE,
        "status": st.sampled_from(["Actual", "Exercise", "Test", "Draft", "System", "actual", "Real", ""]),
        "msgType": st.sampled_from(["Alert", "Update", "Cancel", "Ack", "Error", "Other", ""]),
        "references": st.text(max_size=60),
        "language": st.sampled_from(["zh-CN", "zh", "en-US", "", "zh-HK"]),
        "event": st.text(max_size=20) | PLAUSIBLE,
        "severity": st.sampled_from(["Minor", "Moderate", "Severe", "Extreme", "Unknown", ""]),
        "code": st.text(max_size=8) | PLAUSIBLE,
        "areaDesc": st.text(max_size=40) | PLAUSIBLE,
        "geocode": st.text(alphabet="0123456789", max_size=12),
        "expires": st.text(max_size=30) | PLAUSIBLE,
    }
)


@FUZZ
@given(fields=CAP_FIELDS)
def test_structured_cap_documents(fields: dict[str, str]) -> None:
    # Only characters XML 1.0 allows, so the fuzzing reaches the CAP logic, not just expat.
    clean = {
        k: escape(
            "".join(
                c
                for c in v
                if c in "\t\n\r"
                or (ord(c) >= 0x20 and c not in "\ufffe\uffff" and not 0xD800 <= ord(c) <= 0xDFFF)
            )
        )
        for k, v in fields.items()
    }
    body = (
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>{clean['identifier']}</identifier><sender>s</sender><sent>{clean['sent']}</sent>"
        f"<status>{clean['status']}</status><msgType>{clean['msgType']}</msgType><scope>Public</scope>"
        f"<references>{clean['references']}</references><info><language>{clean['language']}</language>"
        f"<event>{clean['event']}</event><severity>{clean['severity']}</severity>"
        f"<eventCode><valueName>GB/T 35561</valueName><value>{clean['code']}</value></eventCode>"
        f"<expires>{clean['expires']}</expires><area><areaDesc>{clean['areaDesc']}</areaDesc>"
        f"<geocode><valueName>GB/T 2260</valueName><value>{clean['geocode']}</value></geocode>"
        "</area></info></alert>"
    ).encode()
    outcome(PARSERS["cap"], body)
