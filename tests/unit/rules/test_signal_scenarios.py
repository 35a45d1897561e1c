"""Signals over time: streets, overlaps, upgrades, cancels with hold time, drills, redelivery."""

from __future__ import annotations

from schemas.areas import Street
from schemas.responses import Level, ResponseEnded, ResponseLevelChanged
from schemas.warnings import Colour, Hazard, WarningStatus
from services.rules.domain import RulesState, next_deadline
from tests.unit.rules.factories import at, brief, cancel, confirm, rules_file, run, signal, streets, tick

DEFAULT = rules_file("default")
MINIMAL = rules_file("minimal")
STRICT = rules_file("strict")
TY, RS = Hazard.TYPHOON, Hazard.RAINSTORM
SONGGANG_SHAJING = streets(Street.SONGGANG, Street.SHAJING)


def test_a_street_signal_makes_one_response_per_named_street_and_none_for_the_district() -> None:
    state, events = run(STRICT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG_SHAJING)])
    assert brief(events) == [("activated", "streets:shajing", "II"), ("activated", "streets:songgang", "II")]
    assert len({e.response_id for e in events}) == 2
    assert state.active_levels() == {"real|streets:shajing": Level.II, "real|streets:songgang": Level.II}


def test_a_street_signal_under_default_proposes_for_those_streets_only() -> None:
    state, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE, scope=SONGGANG_SHAJING)])
    assert brief(events) == [("proposed", "streets:shajing", "III"), ("proposed", "streets:songgang", "III")]
    assert "沙井街道暴雨橙色预警信号" in events[0].explanation.summary
    songgang = events[1].response_id
    state, confirmed = run(DEFAULT, [confirm(songgang, minute=2)], state)
    assert brief(confirmed) == [("activated", "streets:songgang", "III")]
    assert state.active_levels() == {"real|streets:songgang": Level.III}


def test_typhoon_yellow_after_blue_raises_the_same_response_from_iv_to_iii() -> None:
    _, events = run(DEFAULT, [signal("w1", TY, Colour.BLUE), signal("w2", TY, Colour.YELLOW, minute=30)])
    assert brief(events) == [("activated", "district", "IV"), ("level_changed", "district", "III")]
    raised = events[1]
    assert isinstance(raised, ResponseLevelChanged)
    assert raised.response_id == events[0].response_id
    assert (raised.previous_level, raised.explanation.previous_level, raised.explanation.new_level) == (
        Level.IV,
        Level.IV,
        Level.III,
    )
    assert "由Ⅳ级提升至Ⅲ级" in raised.explanation.summary


def test_a_cancel_ends_the_response_only_after_the_hold_time() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.BLUE),
            signal("w2", TY, Colour.YELLOW, minute=30),
            cancel("w3", TY, minute=120),
        ],
    )
    assert len(events) == 2
    assert next_deadline(state) == at(180)
    state, early = run(DEFAULT, [tick(179)], state)
    assert early == []
    state, ended = run(DEFAULT, [tick(200)], state)
    assert brief(ended) == [("ended", "district", None)]
    end = ended[0]
    assert isinstance(end, ResponseEnded)
    assert (end.previous_level, end.occurred_at, end.causation_id) == (Level.III, at(180), "w3")
    assert end.response_id == events[0].response_id
    assert "保持60分钟期满" in end.explanation.summary
    assert state.active_levels() == {}
    assert next_deadline(state) is None


def test_a_signal_issued_again_during_the_hold_time_keeps_the_response() -> None:
    state, _ = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.BLUE),
            cancel("w2", TY, minute=10),
            signal("w3", TY, Colour.BLUE, minute=30),
        ],
    )
    state, events = run(DEFAULT, [tick(600)], state)
    assert events == []
    assert state.active_levels() == {"real|district": Level.IV}


def test_a_lowered_signal_lowers_the_level_after_the_hold_time() -> None:
    state, events = run(DEFAULT, [signal("w1", TY, Colour.YELLOW), signal("w2", TY, Colour.BLUE, minute=60)])
    assert brief(events) == [("activated", "district", "III")]
    state, lowered = run(DEFAULT, [tick(119), tick(120)], state)
    assert brief(lowered) == [("level_changed", "district", "IV")]
    assert lowered[0].occurred_at == at(120)


def test_minimal_rules_end_at_once_and_ignore_what_they_do_not_map() -> None:
    state, events = run(
        MINIMAL,
        [
            signal("w1", TY, Colour.BLUE),
            signal("w2", TY, Colour.YELLOW, minute=10),
            signal("w3", TY, Colour.ORANGE, minute=20),  # not in the minimal file: III stays
            signal("w4", RS, Colour.RED, minute=25),
            cancel("w5", TY, minute=30),
        ],
    )
    assert brief(events) == [
        ("activated", "district", "IV"),
        ("level_changed", "district", "III"),
        ("ended", "district", None),
    ]
    assert events[2].occurred_at == at(30)
    assert next_deadline(state) is None


def test_overlapping_causes_in_one_scope_combine_to_the_highest() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.BLUE),
            signal("w2", RS, Colour.RED, minute=5),  # II, waits for an officer; IV stays meanwhile
        ],
    )
    assert brief(events) == [("activated", "district", "IV"), ("proposed", "district", "II")]
    state, more = run(
        DEFAULT,
        [
            confirm(events[1].response_id, minute=8),
            cancel("w3", RS, minute=60),
            tick(120),
            cancel("w4", TY, minute=130),
            tick(190),
        ],
        state,
    )
    assert brief(more) == [
        ("level_changed", "district", "II"),
        ("level_changed", "district", "IV"),
        ("ended", "district", None),
    ]
    assert [e.occurred_at for e in more] == [at(8), at(120), at(190)]
    assert "仍生效：全区台风蓝色预警信号" in more[1].explanation.summary
    assert len({e.response_id for e in events + more}) == 1


def test_a_lower_signal_of_another_hazard_does_not_lower_the_level() -> None:
    _, events = run(DEFAULT, [signal("w1", TY, Colour.YELLOW), signal("w2", RS, Colour.YELLOW, minute=5)])
    assert brief(events) == [("activated", "district", "III")]


def test_a_street_the_district_response_covers_is_proposed_once_that_ends() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.YELLOW),
            signal("w2", RS, Colour.ORANGE, minute=10, scope=streets(Street.SONGGANG)),
        ],
    )
    # The district-wide level III response covers Songgang: no officer is asked for it.
    assert brief(events) == [("activated", "district", "III")]
    state, more = run(DEFAULT, [cancel("w3", TY, minute=30), tick(90)], state)
    assert brief(more) == [("ended", "district", None), ("proposed", "streets:songgang", "III")]
    assert more[1].occurred_at == more[0].occurred_at
    assert "全区应急响应已结束" in more[1].explanation.summary
    assert "松岗街道暴雨橙色预警信号" in more[1].explanation.summary
    state, last = run(DEFAULT, [confirm(more[1].response_id, minute=95)], state)
    assert brief(last) == [("activated", "streets:songgang", "III")]
    assert state.active_levels() == {"real|streets:songgang": Level.III}


def test_a_street_asking_for_more_than_the_district_gives_is_proposed_and_explained() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.BLUE),
            signal("w2", RS, Colour.ORANGE, minute=10, scope=streets(Street.SONGGANG)),
        ],
    )
    assert brief(events) == [("activated", "district", "IV"), ("proposed", "streets:songgang", "III")]
    assert "全区Ⅳ级应急响应同时覆盖本街道" in events[1].explanation.summary
    assert "the district-wide level IV response also covers this street" in events[1].explanation.summary
    state, more = run(
        DEFAULT, [confirm(events[1].response_id, minute=12), cancel("w3", TY, minute=30), tick(90)], state
    )
    assert brief(more) == [("activated", "streets:songgang", "III"), ("ended", "district", None)]
    assert "另有街道响应：松岗Ⅲ级" in more[1].explanation.summary
    assert state.active_levels() == {"real|streets:songgang": Level.III}


def test_a_district_cancel_leaves_street_signals_alone() -> None:
    state, _ = run(
        STRICT,
        [
            signal("w1", RS, Colour.YELLOW),
            signal("w2", RS, Colour.RED, minute=5, scope=streets(Street.FUYONG)),
        ],
    )
    state, events = run(STRICT, [cancel("w3", RS, minute=10), tick(10 + 120)], state)
    assert brief(events) == [("ended", "district", None)]
    assert state.active_levels() == {"real|streets:fuyong": Level.I}


def test_drills_make_their_own_responses_that_never_mix_with_real_ones() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("d1", TY, Colour.YELLOW, status=WarningStatus.EXERCISE),
            signal("w1", TY, Colour.BLUE, minute=1),
            cancel("d2", TY, minute=2, status=WarningStatus.EXERCISE),
            tick(62),
        ],
    )
    assert [(e.kind, e.drill, e.level.value if hasattr(e, "level") else None) for e in events] == [
        ("response.activated", True, "III"),
        ("response.activated", False, "IV"),
        ("response.ended", True, None),
    ]
    assert events[0].response_id != events[1].response_id
    assert state.active_levels() == {"real|district": Level.IV}


def test_test_and_draft_signals_are_recorded_elsewhere_but_not_acted_on() -> None:
    items = [
        signal("t1", TY, Colour.RED, status=WarningStatus.TEST),
        signal("t2", TY, Colour.RED, status=WarningStatus.DRAFT),
    ]
    state, events = run(DEFAULT, items)
    assert events == []
    assert state.tracks == {}


def test_the_same_signal_delivered_again_changes_nothing() -> None:
    blue = signal("w1", TY, Colour.BLUE)
    state, _ = run(DEFAULT, [blue, cancel("w2", TY, minute=10)])
    state2, again = run(DEFAULT, [blue, cancel("w2", TY, minute=10)], state)
    assert again == []
    assert state2.tracks == state.tracks


def test_an_older_signal_arriving_late_is_ignored() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w2", TY, Colour.YELLOW, minute=10),
            signal("w1", TY, Colour.BLUE, minute=5),  # issued before yellow, delivered after
            cancel("w0", TY, minute=8),  # a cancel older than the yellow it would end
        ],
    )
    assert brief(events) == [("activated", "district", "III")]
    assert next_deadline(state) is None


def test_state_round_trips_through_json_and_stays_compact() -> None:
    state, _ = run(DEFAULT, [signal("w1", TY, Colour.BLUE), signal("w2", RS, Colour.RED, minute=1)])
    blob = state.to_json()
    assert RulesState.from_json(blob) == state
    assert len(blob) < 8000
