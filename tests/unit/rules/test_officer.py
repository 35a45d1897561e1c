"""Duty officers: proposals re-raised until answered, rejections, levels set and ended by hand."""

from __future__ import annotations

from schemas.areas import Scope, Street
from schemas.envelope import derived_id
from schemas.responses import Level, ResponseProposed
from schemas.warnings import Colour, Hazard
from services.rules.domain import next_deadline
from tests.unit.rules.factories import (
    at,
    brief,
    cancel,
    confirm,
    manual,
    manual_end,
    reject,
    rules_file,
    run,
    signal,
    streets,
    tick,
)

DEFAULT = rules_file("default")
TY, RS = Hazard.TYPHOON, Hazard.RAINSTORM


def test_an_unanswered_proposal_is_raised_again_with_a_new_id() -> None:
    state, events = run(DEFAULT, [signal("w1", TY, Colour.ORANGE)])
    first = events[0]
    assert next_deadline(state) == at(15)
    state, again = run(DEFAULT, [tick(14), tick(15)], state)
    assert brief(again) == [("proposed", "district", "II")]
    second = again[0]
    assert isinstance(second, ResponseProposed)
    assert second.event_id == derived_id("response.proposed", first.response_id, first.event_id)
    assert (second.response_id, second.occurred_at, second.causation_id) == (
        first.response_id,
        at(15),
        first.event_id,
    )
    assert second.explanation.summary.startswith("再次提请确认")
    # a tick that comes late raises it once, at the last deadline it missed
    state, late = run(DEFAULT, [tick(62)], state)
    assert [e.occurred_at for e in late] == [at(60)]
    state, confirmed = run(DEFAULT, [confirm(first.response_id, minute=63)], state)
    assert brief(confirmed) == [("activated", "district", "II")]
    assert next_deadline(state) is None


def test_a_rejected_proposal_is_dropped_and_not_proposed_again_for_the_same_level() -> None:
    state, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE)])
    state, none = run(
        DEFAULT,
        [reject(events[0].response_id, minute=5), tick(60), signal("w2", RS, Colour.ORANGE, minute=70)],
        state,
    )
    assert none == []
    assert next_deadline(state) is None
    state, higher = run(DEFAULT, [signal("w3", RS, Colour.RED, minute=80)], state)
    assert brief(higher) == [("proposed", "district", "II")]


def test_confirming_something_already_settled_changes_nothing() -> None:
    state, events = run(DEFAULT, [signal("w1", RS, Colour.ORANGE), cancel("w2", RS, minute=5), tick(65)])
    assert brief(events) == [("proposed", "district", "III")]
    assert run(DEFAULT, [confirm(events[0].response_id, minute=70)], state)[1] == []


def test_a_level_set_by_hand_is_never_lowered_or_ended_automatically() -> None:
    state, events = run(
        DEFAULT, [signal("w1", TY, Colour.BLUE), manual(Scope.district(), Level.II, minute=10)]
    )
    assert brief(events) == [("activated", "district", "IV"), ("level_changed", "district", "II")]
    assert events[1].changed_by == "duty-01"  # type: ignore[union-attr]
    assert "手动设定全区Ⅱ级应急响应" in events[1].explanation.summary
    state, after = run(DEFAULT, [cancel("w2", TY, minute=20), tick(600), tick(6000)], state)
    assert after == []
    assert state.active_levels() == {"real|district": Level.II}
    state, ended = run(DEFAULT, [manual_end(events[0].response_id, minute=6001)], state)
    assert brief(ended) == [("ended", "district", None)]
    assert ended[0].ended_by == "duty-01"  # type: ignore[union-attr]


def test_rules_still_raise_above_a_level_set_by_hand_and_come_back_down_to_it() -> None:
    state, events = run(
        DEFAULT,
        [
            manual(streets(Street.XINAN), Level.IV, minute=0),
            signal("w1", TY, Colour.YELLOW, minute=5, scope=streets(Street.XINAN)),
            cancel("w2", TY, minute=10, scope=streets(Street.XINAN)),
            tick(200),
        ],
    )
    assert brief(events) == [
        ("activated", "streets:xinan", "IV"),
        ("level_changed", "streets:xinan", "III"),
        ("level_changed", "streets:xinan", "IV"),
    ]
    assert "值班员手动设定的级别保持不变" in events[2].explanation.summary
    assert state.active_levels() == {"real|streets:xinan": Level.IV}


def test_an_officer_lowering_by_hand_is_not_raised_straight_back() -> None:
    state, events = run(
        DEFAULT,
        [
            signal("w1", TY, Colour.YELLOW),
            manual(Scope.district(), Level.IV, minute=5),
            signal("w2", TY, Colour.YELLOW, minute=10),
        ],
    )
    assert brief(events) == [("activated", "district", "III"), ("level_changed", "district", "IV")]
    state, more = run(DEFAULT, [signal("w3", TY, Colour.ORANGE, minute=20)], state)
    assert brief(more) == [("proposed", "district", "II")]


def test_a_response_ended_by_hand_is_not_restarted_by_the_signal_still_in_force() -> None:
    state, events = run(DEFAULT, [signal("w1", TY, Colour.BLUE)])
    state, more = run(
        DEFAULT,
        [manual_end(events[0].response_id, minute=5), signal("w2", TY, Colour.BLUE, minute=10)],
        state,
    )
    assert brief(more) == [("ended", "district", None)]
    state, later = run(
        DEFAULT, [cancel("w3", TY, minute=20), tick(80), signal("w4", TY, Colour.BLUE, minute=90)], state
    )
    assert brief(later) == [("activated", "district", "IV")]
    assert later[0].response_id != events[0].response_id


def test_a_manual_street_activation_makes_one_response_per_street() -> None:
    state, events = run(DEFAULT, [manual(streets(Street.FUHAI, Street.XINQIAO), Level.III, minute=0)])
    assert brief(events) == [("activated", "streets:fuhai", "III"), ("activated", "streets:xinqiao", "III")]
    assert all(e.activated_by == "duty-01" for e in events)  # type: ignore[union-attr]
    assert run(DEFAULT, [manual(streets(Street.FUHAI, Street.XINQIAO), Level.III, minute=0)], state)[1] == []


def test_a_confirmation_of_a_proposal_replaced_since_changes_nothing() -> None:
    # The officer reads "propose II" for typhoon orange; before they click, red makes it "propose I".
    state, seen = run(DEFAULT, [signal("w1", TY, Colour.ORANGE)])
    state, replaced = run(DEFAULT, [signal("w2", TY, Colour.RED, minute=2)], state)
    assert brief(replaced) == [("proposed", "district", "I")]
    response_id = seen[0].response_id
    state, nothing = run(DEFAULT, [confirm(response_id, minute=3, seen=seen[0].event_id)], state)
    assert nothing == []
    assert state.active_levels() == {}
    # Confirming what is on the screen now activates it.
    now_shown = confirm(response_id, minute=4, event_id="c2", seen=replaced[0].event_id)
    _, events = run(DEFAULT, [now_shown], state)
    assert brief(events) == [("activated", "district", "I")]


def test_a_confirmation_of_a_raised_again_proposal_names_any_of_its_raises() -> None:
    state, first = run(DEFAULT, [signal("w1", TY, Colour.ORANGE)])
    state, again = run(DEFAULT, [tick(15)], state)
    assert brief(again) == [("proposed", "district", "II")]
    _, events = run(DEFAULT, [confirm(first[0].response_id, minute=16, seen=first[0].event_id)], state)
    assert brief(events) == [("activated", "district", "II")]


def test_a_rejection_of_a_proposal_replaced_since_does_not_block_the_new_one() -> None:
    state, seen = run(DEFAULT, [signal("w1", TY, Colour.ORANGE)])
    state, _ = run(DEFAULT, [signal("w2", TY, Colour.RED, minute=2)], state)
    state, _ = run(DEFAULT, [reject(seen[0].response_id, minute=3, seen=seen[0].event_id)], state)
    (track,) = state.tracks.values()
    assert track.proposal is not None
    assert track.proposal.level is Level.I
    assert track.rejected is None
