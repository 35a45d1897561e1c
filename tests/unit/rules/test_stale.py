"""A stale warning (expired, or issued longer ago than the limit) is recorded but decides
nothing by itself; judged against the time it is received, so a replay on its own clock
activates as on the day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.responses import Level, ResponseActivated
from schemas.warnings import Colour, Hazard, WarningAction
from services.rules.domain import RulesState, Staleness, apply, apply_all
from tests.unit.rules.factories import T0, at, cancel, rules_file, signal

LIMIT = timedelta(hours=6)


@pytest.fixture
def rules():  # type: ignore[no-untyped-def]
    return rules_file("default")


def test_a_fresh_signal_activates_as_before(rules) -> None:  # type: ignore[no-untyped-def]
    blue = signal("w1", Hazard.TYPHOON, Colour.BLUE)
    _, events = apply(RulesState.empty(), blue, rules, Staleness(at(3), LIMIT))
    assert [(e.kind, e.level) for e in events] == [("response.activated", Level.IV)]


@pytest.mark.parametrize("late", [timedelta(hours=6, seconds=1), timedelta(days=400)])
def test_a_signal_received_long_after_it_was_issued_decides_nothing(rules, late: timedelta) -> None:  # type: ignore[no-untyped-def]
    blue = signal("w1", Hazard.TYPHOON, Colour.BLUE)
    judge = Staleness(T0 + late, LIMIT)
    assert judge.of(blue) is not None
    assert judge.of(blue).reason == "old"
    state, events = apply(RulesState.empty(), blue, rules, judge)
    assert events == []
    assert state.tracks == {}
    assert "w1" in state.seen  # remembered, so a redelivery is not judged again


def test_an_expired_signal_is_stale_even_when_recent(rules) -> None:  # type: ignore[no-untyped-def]
    yellow = signal("w1", Hazard.TYPHOON, Colour.YELLOW).model_copy(update={"expires_at": at(30)})
    assert Staleness(at(20), LIMIT).of(yellow) is None
    stale = Staleness(at(30), LIMIT).of(yellow)
    assert stale is not None
    assert stale.reason == "expired"
    assert "过期" in stale.zh
    assert "expired" in stale.en
    assert apply(RulesState.empty(), yellow, rules, Staleness(at(31), LIMIT))[1] == []


def test_an_expiry_overrides_the_age_limit(rules) -> None:  # type: ignore[no-untyped-def]
    # A signal valid for 24 hours is not stale after 6: its own expiry says how long it holds.
    long_lived = signal("w1", Hazard.TYPHOON, Colour.BLUE).model_copy(update={"expires_at": at(24 * 60)})
    assert Staleness(at(8 * 60), LIMIT).of(long_lived) is None
    _, events = apply(RulesState.empty(), long_lived, rules, Staleness(at(8 * 60), LIMIT))
    assert [e.kind for e in events] == ["response.activated"]


def test_a_stale_signal_does_not_raise_a_running_response(rules) -> None:  # type: ignore[no-untyped-def]
    state, _ = apply(
        RulesState.empty(), signal("w1", Hazard.TYPHOON, Colour.BLUE), rules, Staleness(at(1), LIMIT)
    )
    old_yellow = signal("w2", Hazard.TYPHOON, Colour.YELLOW, minute=2)
    _, events = apply(state, old_yellow, rules, Staleness(at(2) + timedelta(days=1), LIMIT))
    assert events == []


def test_a_stale_cancel_still_ends_what_it_cancels(rules) -> None:  # type: ignore[no-untyped-def]
    # A cancel never starts anything; dropping it would leave a response on an ended signal.
    state, _ = apply(
        RulesState.empty(), signal("w1", Hazard.TYPHOON, Colour.BLUE), rules, Staleness(at(1), LIMIT)
    )
    end = cancel("w2", Hazard.TYPHOON, minute=10)
    judge = Staleness(at(10) + timedelta(hours=7), LIMIT)
    assert judge.of(end) is not None
    assert not judge.blocks(end)
    state, events = apply(state, end, rules, judge)
    assert all(e.kind != "response.activated" for e in events)
    # Whatever the hold time, the cancel was applied: the signal's cause is gone or going.
    track = next(iter(state.tracks.values()))
    cause = track.causes.get("signal:typhoon")
    assert cause is None or cause.ends_at is not None


def test_a_replay_without_a_judge_acts_on_every_signal(rules) -> None:  # type: ignore[no-untyped-def]
    blue = signal("w1", Hazard.TYPHOON, Colour.BLUE)
    _, events = apply_all(RulesState.empty(), [blue], rules)
    assert isinstance(events[0], ResponseActivated)


def test_the_judge_refuses_a_naive_clock_and_a_nonpositive_limit() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Staleness(T0.replace(tzinfo=None), LIMIT)
    with pytest.raises(ValueError, match="positive"):
        Staleness(T0, timedelta(0))


def test_a_cancel_with_a_past_expiry_is_not_stale_for_that() -> None:
    end = cancel("w2", Hazard.TYPHOON, minute=10).model_copy(update={"expires_at": at(10)})
    assert end.action is WarningAction.CANCEL
    assert Staleness(at(11), LIMIT).of(end) is None
