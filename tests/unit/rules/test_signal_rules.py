"""Every signal rule of the default file, one row each, and how each decision explains itself."""

from __future__ import annotations

import pytest

from schemas.envelope import derived_id
from schemas.responses import Level, ResponseActivated, ResponseProposed
from schemas.warnings import Colour, Hazard
from tests.unit.rules.factories import at, confirm, rules_file, run, signal

DEFAULT = rules_file("default")

# rule id, hazard, colour, what the default file does at once, level
SIGNAL_TABLE = [
    ("typhoon-blue", Hazard.TYPHOON, Colour.BLUE, "activated", Level.IV),
    ("typhoon-yellow", Hazard.TYPHOON, Colour.YELLOW, "activated", Level.III),
    ("typhoon-white", Hazard.TYPHOON, Colour.WHITE, "proposed", Level.WATCH),
    ("typhoon-orange", Hazard.TYPHOON, Colour.ORANGE, "proposed", Level.II),
    ("typhoon-red", Hazard.TYPHOON, Colour.RED, "proposed", Level.I),
    ("rainstorm-yellow", Hazard.RAINSTORM, Colour.YELLOW, "proposed", Level.IV),
    ("rainstorm-orange", Hazard.RAINSTORM, Colour.ORANGE, "proposed", Level.III),
    ("rainstorm-red", Hazard.RAINSTORM, Colour.RED, "proposed", Level.II),
]


def test_the_table_covers_every_signal_rule_of_the_default_file() -> None:
    assert sorted(row[0] for row in SIGNAL_TABLE) == sorted(r.id for r in DEFAULT.signals)


@pytest.mark.parametrize(
    ("rule", "hazard", "colour", "outcome", "level"), SIGNAL_TABLE, ids=[r[0] for r in SIGNAL_TABLE]
)
def test_default_signal_rule(rule: str, hazard: Hazard, colour: Colour, outcome: str, level: Level) -> None:
    warning = signal("w1", hazard, colour)
    _, events = run(DEFAULT, [warning])
    assert len(events) == 1
    event = events[0]
    assert event.kind == f"response.{outcome}"
    assert isinstance(event, ResponseActivated | ResponseProposed)
    assert (event.level, event.scope.key, event.drill) == (level, "district", False)
    assert event.occurred_at == warning.occurred_at  # the signal's time, never a wall clock
    why = event.explanation
    assert (why.rules_id, why.rules_version, why.rule) == ("baoan-default", "2024.1", rule)
    assert why.inputs == ("w1",)
    assert (why.previous_level, why.new_level) == (None, level)
    zh, _, en = why.summary.partition(" / ")
    assert hazard.chinese in zh
    assert colour.chinese in zh
    assert f"{hazard.value} {colour.value} signal" in en
    if outcome == "proposed":
        assert "等待值班员确认" in zh
        assert "waits for a duty officer" in en
        assert "the bureau has not yet confirmed this mapping" in en


@pytest.mark.parametrize(
    ("rule", "hazard", "colour", "level"),
    [(r[0], r[1], r[2], r[4]) for r in SIGNAL_TABLE if r[3] == "proposed"],
    ids=[r[0] for r in SIGNAL_TABLE if r[3] == "proposed"],
)
def test_a_confirmed_proposal_activates_by_the_officer(
    rule: str, hazard: Hazard, colour: Colour, level: Level
) -> None:
    state, proposed = run(DEFAULT, [signal("w1", hazard, colour)])
    response_id = proposed[0].response_id
    state, events = run(DEFAULT, [confirm(response_id, minute=3)], state)
    assert len(events) == 1
    activated = events[0]
    assert isinstance(activated, ResponseActivated)
    assert (activated.response_id, activated.level, activated.activated_by) == (response_id, level, "duty-01")
    assert activated.occurred_at == at(3)
    assert activated.explanation.rule == rule
    assert activated.explanation.summary.startswith("值班员duty-01确认")
    assert state.active_levels() == {"real|district": level}


def test_ids_are_derived_from_the_inputs() -> None:
    _, events = run(DEFAULT, [signal("w1", Hazard.TYPHOON, Colour.BLUE)])
    response_id = derived_id("response", "district", "real", "w1")
    assert events[0].response_id == response_id
    assert events[0].event_id == derived_id("response.activated", response_id, "w1")
    assert (events[0].causation_id, events[0].correlation_id) == ("w1", "w1")
    again = run(DEFAULT, [signal("w1", Hazard.TYPHOON, Colour.BLUE)])[1]
    assert again == events


@pytest.mark.parametrize("hazard", [Hazard.FOG, Hazard.HIGH_TEMPERATURE, Hazard.THUNDERSTORM_GALE])
def test_signals_the_file_does_not_map_change_nothing(hazard: Hazard) -> None:
    assert run(DEFAULT, [signal("w1", hazard, Colour.YELLOW)])[1] == []
