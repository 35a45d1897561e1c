"""Every rainfall rule of the default file, the pre-emptive case, quiet time, corrections."""

from __future__ import annotations

from datetime import datetime

import pytest

from schemas.areas import Street
from schemas.rainfall import GaugeReading
from schemas.responses import Level, ResponseEvent, ResponseProposed
from schemas.rules import RulesFile
from schemas.warnings import Colour, Hazard
from services.rules.domain import RulesState, Tick, apply, next_deadline
from tests.unit.rules.factories import (
    at,
    brief,
    cancel,
    confirm,
    rain,
    reading,
    rules_file,
    run,
    signal,
    streets,
    tick,
)

DEFAULT = rules_file("default")
SG, SJ = Street.SONGGANG, Street.SHAJING


def _interleave(*series: list[GaugeReading]) -> list[GaugeReading]:
    return sorted((r for s in series for r in s), key=lambda r: (r.observed_at, r.station_id))


def settle(state: RulesState, rules: RulesFile, until: datetime) -> tuple[RulesState, list[ResponseEvent]]:
    """Tick at every deadline the engine asks for, up to ``until``."""
    events: list[ResponseEvent] = []
    for _ in range(1000):
        deadline = next_deadline(state)
        if deadline is None or deadline > until:
            break
        state, decided = apply(state, Tick(now=deadline), rules)
        events += decided
    return state, events


# rule id, stations (id, street, mm, hours), level of the last proposal
RAIN_TABLE = [
    ("station-1h-40mm", [("G01", SG, 45, 1)], Level.IV),
    ("street-6h-50mm", [("G01", SG, 55, 6), ("G02", SG, 55, 6)], Level.IV),
    ("street-3h-50mm", [("G01", SG, 60, 3), ("G02", SG, 60, 3)], Level.III),
    ("street-3h-100mm", [("G01", SG, 110, 3), ("G02", SG, 110, 3)], Level.II),
    ("station-24h-250mm", [("G01", SG, 260, 24)], Level.III),
]


def test_the_table_covers_every_rainfall_rule_of_the_default_file() -> None:
    assert sorted(row[0] for row in RAIN_TABLE) == sorted(r.id for r in DEFAULT.rainfall)


@pytest.mark.parametrize(("rule", "stations", "level"), RAIN_TABLE, ids=[r[0] for r in RAIN_TABLE])
def test_default_rainfall_rule_proposes_a_street_activation(
    rule: str, stations: list[tuple[str, Street, float, float]], level: Level
) -> None:
    readings = _interleave(*(rain(sid, street, mm, start=0, hours=h) for sid, street, mm, h in stations))
    state, events = run(DEFAULT, readings)
    assert events, "the rule should have fired"
    assert {e.kind for e in events} == {"response.proposed"}  # rain proposes, an officer activates
    assert {e.scope.key for e in events} == {"streets:songgang"}
    assert len({e.response_id for e in events}) == 1
    last = events[-1]
    assert isinstance(last, ResponseProposed)
    assert (last.level, last.explanation.rule, last.explanation.new_level) == (level, rule, level)
    assert "G01" in last.explanation.summary
    assert "毫米" in last.explanation.summary
    assert " mm " in last.explanation.summary
    assert all(i.startswith("r-G0") for i in last.explanation.inputs)
    assert state.active_levels() == {}


@pytest.mark.parametrize(
    "stations",
    [
        pytest.param([("G01", SG, 60, 3)], id="one station is not a street"),
        pytest.param([("G01", SG, 60, 3), ("G02", SJ, 60, 3)], id="two stations in two streets"),
        pytest.param([("G01", SG, 39, 1), ("G02", SG, 49, 6)], id="just under every threshold"),
    ],
)
def test_rain_that_meets_no_rule_proposes_nothing(stations: list[tuple[str, Street, float, float]]) -> None:
    readings = _interleave(*(rain(sid, street, mm, start=0, hours=h) for sid, street, mm, h in stations))
    assert run(DEFAULT, readings)[1] == []


def test_pre_emptive_rain_proposes_before_the_signal_and_lowers_and_ends_when_the_rain_stops() -> None:
    readings = _interleave(rain("G01", SG, 60, start=0, hours=3), rain("G02", SG, 60, start=0, hours=3))
    state, events = run(DEFAULT, readings)
    assert brief(events) == [("proposed", "streets:songgang", "III")]
    assert events[0].occurred_at < at(180)  # before any signal
    state, more = run(
        DEFAULT,
        [
            confirm(events[0].response_id, minute=181),
            signal("w1", Hazard.RAINSTORM, Colour.ORANGE, minute=185, scope=streets(SG)),
        ],
        state,
    )
    assert brief(more) == [("activated", "streets:songgang", "III")]  # the later signal adds nothing
    state, later = run(DEFAULT, [cancel("w2", Hazard.RAINSTORM, minute=200, scope=streets(SG))], state)
    assert later == []
    state, after = settle(state, DEFAULT, at(24 * 60))
    kinds = [(e.kind, getattr(e, "level", None)) for e in after]
    assert kinds[0] == ("response.proposed", Level.IV)  # rain below the 3 h threshold: propose lowering
    assert "雨量条件已180分钟不满足" in after[0].explanation.summary
    assert after[0].explanation.previous_level == Level.III
    assert kinds[-1] == ("response.ended", None)  # no cause left at all: the response ends
    assert {e.response_id for e in after} == {events[0].response_id}
    assert state.active_levels() == {}
    assert next_deadline(state) is None


def test_a_correction_wins_over_the_original_even_when_the_original_comes_again() -> None:
    original = reading("G01", SG, 45, minute=5, interval=60)
    state, events = run(DEFAULT, [original])
    assert brief(events) == [("proposed", "streets:songgang", "IV")]
    corrected = original.model_copy(
        update={"event_id": "r-G01-fix", "rainfall_mm": 4.5, "corrects": original.event_id}
    )
    state, more = run(DEFAULT, [corrected, original, tick(30)], state)
    assert more == []
    assert state.stations["G01"].flags == ()


def test_old_buckets_are_pruned_so_the_state_stays_small() -> None:
    readings = rain("G01", SG, 100, start=0, hours=48)
    state, _ = run(DEFAULT, readings[:1])
    for item in readings[1:]:
        state, _ = apply(state, item, DEFAULT)
    assert len(state.stations["G01"].buckets) == 24 * 12
