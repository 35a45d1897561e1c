"""Properties of the engine over generated inputs: monotone in rain, blind to redelivery,
and every activation ends once its causes are gone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.areas import Scope, Street
from schemas.commands import ManualLevelSet
from schemas.rainfall import GaugeReading
from schemas.responses import Level, ResponseEvent
from schemas.rules import RulesFile
from schemas.warnings import Colour, Hazard, WarningStatus
from services.rules.domain import Input, RulesState, Tick, apply, apply_all, next_deadline
from tests.unit.rules.factories import at, cancel, confirm, manual, reading, rules_file, signal

DEFAULT = rules_file("default")
STRICT = rules_file("strict")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STATIONS = {
    "G01": Street.SONGGANG,
    "G02": Street.SONGGANG,
    "G03": Street.SONGGANG,
    "G04": Street.SHAJING,
    "G05": Street.SHAJING,
}
SCOPES = [
    Scope.district(),
    Scope.of_streets([Street.SONGGANG]),
    Scope.of_streets([Street.SONGGANG, Street.SHAJING]),
]


@st.composite
def rain_series(draw: st.DrawFn) -> list[tuple[str, int, float]]:
    """(station, 5-minute slot, mm) over six hours, one reading per station and slot."""
    slots = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(STATIONS)), st.integers(1, 72)),
            unique=True,
            min_size=1,
            max_size=120,
        )
    )
    return [
        (sid, slot, draw(st.floats(0, 25, allow_nan=False)))
        for sid, slot in sorted(slots, key=lambda s: s[1])
    ]


def _readings(series: list[tuple[str, int, float]], extra: list[float]) -> list[GaugeReading]:
    return [
        reading(sid, STATIONS[sid], round(mm + more, 1), minute=slot * 5)
        for (sid, slot, mm), more in zip(series, extra, strict=True)
    ]


def _highest(events: list[ResponseEvent]) -> dict[str, Level]:
    top: dict[str, Level] = {}
    for event in events:
        level = getattr(event, "level", None)
        if isinstance(level, Level) and (event.scope.key not in top or level > top[event.scope.key]):
            top[event.scope.key] = level
    return top


@FAST
@given(data=st.data(), series=rain_series())
def test_more_rain_never_lowers_a_proposed_level(
    data: st.DataObject, series: list[tuple[str, int, float]]
) -> None:
    extra = data.draw(st.lists(st.floats(0, 30, allow_nan=False), min_size=len(series), max_size=len(series)))
    less = _highest(apply_all(RulesState.empty(), _readings(series, [0.0] * len(series)), DEFAULT)[1])
    more = _highest(apply_all(RulesState.empty(), _readings(series, extra), DEFAULT)[1])
    for scope, level in less.items():
        assert scope in more
        assert more[scope] >= level


@st.composite
def happenings(draw: st.DrawFn) -> list[Input]:
    """Signals, readings and ticks in time order (minute by minute), ids unique."""
    items: list[Input] = []
    for step in range(draw(st.integers(1, 25))):
        minute = step * 10
        what = draw(st.sampled_from(["signal", "cancel", "rain", "tick", "manual"]))
        hazard = draw(st.sampled_from([Hazard.TYPHOON, Hazard.RAINSTORM]))
        scope = draw(st.sampled_from(SCOPES))
        status = draw(
            st.sampled_from(
                [WarningStatus.ACTUAL, WarningStatus.ACTUAL, WarningStatus.EXERCISE, WarningStatus.TEST]
            )
        )
        if what == "signal":
            colour = draw(st.sampled_from(list(Colour)))
            items.append(signal(f"s{step}", hazard, colour, minute=minute, scope=scope, status=status))
        elif what == "cancel":
            items.append(cancel(f"s{step}", hazard, minute=minute, scope=scope, status=status))
        elif what == "rain":
            sid = draw(st.sampled_from(sorted(STATIONS)))
            items.append(reading(sid, STATIONS[sid], draw(st.floats(0, 60, allow_nan=False)), minute=minute))
        elif what == "manual":
            items.append(
                manual(scope, draw(st.sampled_from(list(Level))), minute=minute, event_id=f"m{step}")
            )
        else:
            items.append(Tick(now=at(minute + draw(st.integers(0, 120)))))
    return items


@FAST
@given(items=happenings(), data=st.data())
def test_decisions_do_not_depend_on_redelivery(items: list[Input], data: st.DataObject) -> None:
    redelivered = list(items)
    for _ in range(data.draw(st.integers(1, 10))):
        originals = [i for i, item in enumerate(redelivered) if not isinstance(item, Tick)]
        if not originals:
            break
        source = data.draw(st.sampled_from(originals))
        target = data.draw(st.integers(source + 1, len(redelivered)))
        redelivered.insert(target, redelivered[source])
    once = apply_all(RulesState.empty(), items, STRICT)
    twice = apply_all(RulesState.empty(), redelivered, STRICT)
    assert twice[1] == once[1]
    assert twice[0].tracks == once[0].tracks


def _run_confirming(
    items: list[Input], rules: RulesFile, confirm_all: bool
) -> tuple[RulesState, list[ResponseEvent]]:
    state, events = RulesState.empty(), []
    for n, item in enumerate(items):
        state, decided = apply(state, item, rules)
        events += decided
        if confirm_all:
            for track in sorted(state.tracks.values(), key=lambda t: t.scope.key):
                if track.proposal is not None:
                    minute = (n * 10) + 1
                    state, more = apply(
                        state,
                        confirm(
                            track.proposal.response_id,
                            minute=minute,
                            event_id=f"c{n}-{track.scope.key}-{track.drill}",
                        ),
                        rules,
                    )
                    events += more
    return state, events


@FAST
@given(items=happenings(), confirm_all=st.booleans())
def test_every_activation_ends_once_all_its_causes_are_gone(items: list[Input], confirm_all: bool) -> None:
    # Levels set by hand are never ended by the rules, so this property is about the rules' own.
    items = [item for item in items if not isinstance(item, ManualLevelSet)]
    state, events = _run_confirming(items, DEFAULT, confirm_all)
    finale: list[Input] = []
    for n, (hazard, scope, status) in enumerate(
        (h, s, st_)
        for h in (Hazard.TYPHOON, Hazard.RAINSTORM)
        for s in (Scope.district(), Scope.of_streets(list(Street)))
        for st_ in (WarningStatus.ACTUAL, WarningStatus.EXERCISE)
    ):
        finale.append(cancel(f"final{n}", hazard, minute=10_000, scope=scope, status=status))
    state, more = apply_all(state, finale, DEFAULT)
    events += more
    for _ in range(1000):
        deadline = next_deadline(state)
        if deadline is None:
            break
        state, decided = apply(state, Tick(now=deadline), DEFAULT)
        events += decided
    assert next_deadline(state) is None
    activated = {e.response_id for e in events if e.kind == "response.activated"}
    ended = {e.response_id for e in events if e.kind == "response.ended"}
    assert activated == ended
    assert state.active_levels() == {}
    assert all(t.proposal is None for t in state.tracks.values())


@FAST
@given(items=happenings())
def test_apply_leaves_the_state_it_was_given_alone(items: list[Input]) -> None:
    # The state is made of plain (unfrozen) dataclasses for speed; this is what keeps it pure.
    state = RulesState.empty()
    for item in items:
        before = state.to_json()
        after, _ = apply(state, item, DEFAULT)
        assert state.to_json() == before
        state = after


@FAST
@given(items=happenings(), cut=st.integers(0, 25))
def test_apply_all_decides_what_apply_decides_and_leaves_its_input_alone(
    items: list[Input], cut: int
) -> None:
    one_by_one, expected = RulesState.empty(), []
    for item in items:
        one_by_one, decided = apply(one_by_one, item, DEFAULT)
        expected += decided
    first, early = apply_all(RulesState.empty(), items[:cut], DEFAULT)
    before = first.to_json()
    last, late = apply_all(first, items[cut:], DEFAULT)
    assert first.to_json() == before
    assert early + late == expected
    assert last == one_by_one
