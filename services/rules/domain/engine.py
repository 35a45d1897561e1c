"""The rules engine's entry point: one input and the state in, the new state and the response
events out. Pure and deterministic: no clock, no IO; ids are derived from the inputs. The
caller may hand in a :class:`Staleness` (the time the input is received and the limit): a
stale signal is then remembered as seen but decides nothing.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Scope
>>> from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
>>> from services.rules.domain.rulesfile import load_rules
>>> rules = load_rules("id: demo\\nversion: 1\\nsignals:\\n"
...     "  - {id: typhoon-blue, hazard: typhoon, colour: blue, level: IV, bureau_confirmed: true}\\n"
...     "confirmation: {otherwise: automatic}\\n")
>>> at = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)
>>> blue = WarningSignal(event_id="w1", occurred_at=at, signal_id="s1", hazard=Hazard.TYPHOON,
...     colour=Colour.BLUE, action=WarningAction.ISSUE, scope=Scope.district(), issued_at=at)
>>> state, events = apply(RulesState.empty(), blue, rules)
>>> [(e.kind, e.level.value) for e in events]
[('response.activated', 'IV')]
>>> apply(state, blue, rules)[1]  # the same signal again changes nothing
[]
>>> from datetime import timedelta
>>> late = Staleness(now=at + timedelta(days=2))
>>> apply(RulesState.empty(), blue, rules, late)[1]  # received two days after it was issued
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from pydantic import AwareDatetime

from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.envelope import Model
from schemas.rainfall import GaugeReading
from schemas.responses import ResponseEvent
from schemas.rules import RulesFile
from schemas.warnings import WarningSignal
from services.rules.domain.cover import cover_streets
from services.rules.domain.officer import apply_command
from services.rules.domain.rainfall import apply_reading, dry_step
from services.rules.domain.signals import apply_signal
from services.rules.domain.staleness import Staleness
from services.rules.domain.state import MAX_SEEN, RulesState, Station
from services.rules.domain.ticks import apply_tick

__all__ = ["Input", "Staleness", "Tick", "apply", "apply_all", "next_deadline"]


class Tick(Model):
    """Time has reached ``now``: take the decisions that were waiting for it.

    >>> from datetime import UTC, datetime
    >>> Tick(now=datetime(2024, 5, 4, 8, 0, tzinfo=UTC)).now.hour
    8
    """

    now: AwareDatetime


Input = (
    WarningSignal | GaugeReading | Tick | ProposalConfirmed | ProposalRejected | ManualLevelSet | ManualEnd
)


def apply(
    state: RulesState, item: Input, rules: RulesFile, staleness: Staleness | None = None
) -> tuple[RulesState, list[ResponseEvent]]:
    """Apply one input; return the new state and the response events it decides, in order.

    ``state`` is not changed. A signal or command whose ``event_id`` was seen recently
    changes nothing; a redelivered gauge reading changes nothing because readings are
    stored by (station, minute). CAP Test and Draft signals are ignored, and so are signals
    that ``staleness`` finds stale (save a cancel, which only ever ends). Without
    ``staleness`` (a replay of what happened) every signal counts.
    See the module docstring for an example.
    """
    state, events = _decide(state, item, rules, staleness)
    if not events:
        return state, events
    state, raised = cover_streets(state, events, rules)
    return state, events + raised


def _decide(
    state: RulesState, item: Input, rules: RulesFile, staleness: Staleness | None
) -> tuple[RulesState, list[ResponseEvent]]:
    if isinstance(item, Tick):
        return apply_tick(state, item.now, rules)
    if isinstance(item, GaugeReading):
        return apply_reading(state, item, rules)
    if item.event_id in state.seen:
        return state, []
    state = replace(state, seen=(*state.seen[-(MAX_SEEN - 1) :], item.event_id))
    if isinstance(item, WarningSignal):
        if not item.actionable or (staleness is not None and staleness.blocks(item)):
            return state, []
        return apply_signal(state, item, rules)
    return apply_command(state, item, rules)


def apply_all(
    state: RulesState, items: Iterable[Input], rules: RulesFile, staleness: Staleness | None = None
) -> tuple[RulesState, list[ResponseEvent]]:
    """Apply inputs in order (a batch, a replay); return the last state and every event.

    Gives exactly what ``apply`` one input at a time gives, and leaves ``state`` alone too;
    but the readings that can decide nothing (dry, at a station over no threshold) are
    written into one stations index made by this call, instead of a new index each.

    >>> apply_all(RulesState.empty(), [], RulesFile(id="x", version="1"))
    (RulesState(tracks={}, stations={}, seen=()), [])
    """
    events: list[ResponseEvent] = []
    own: dict[str, Station] | None = None  # made here and not handed to anyone yet
    for item in items:
        if isinstance(item, GaugeReading) and (moved := dry_step(state, item, rules)) is not None:
            if own is None or state.stations is not own:
                own = dict(state.stations)
                state = RulesState(state.tracks, own, state.seen)
            own[item.station_id] = moved
            continue
        state, decided = apply(state, item, rules, staleness)
        own = None  # the state may now share it: copy again before the next write
        events += decided
    return state, events


def next_deadline(state: RulesState) -> datetime | None:
    """When the engine next needs a :class:`Tick`, or None if nothing is waiting.

    >>> next_deadline(RulesState.empty()) is None
    True
    """
    return state.next_deadline()
