"""Warning signals in: each signal sets, replaces or (after a hold time) removes the cause of
its hazard in the district track or in each named street's track."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from schemas.areas import Scope
from schemas.responses import ResponseEvent
from schemas.rules import RulesFile, Source
from schemas.warnings import WarningAction, WarningSignal
from services.rules.domain.decisions import reconcile_in
from services.rules.domain.explain import Trigger, signal_words
from services.rules.domain.state import Cause, RulesState, Track, track_key

__all__ = ["apply_signal", "signal_scopes"]


def signal_scopes(scope: Scope) -> list[Scope]:
    """The tracks a scope touches: the district, or each named street on its own."""
    if scope.kind == "district":
        return [scope]
    return [Scope.of_streets([street]) for street in scope.streets]


def apply_signal(
    state: RulesState, signal: WarningSignal, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    """Apply one actionable signal to every track of its scope."""
    events: list[ResponseEvent] = []
    tracks = dict(state.tracks)
    for scope in signal_scopes(signal.scope):
        key = track_key(scope, signal.drill)
        track = tracks.get(key) or Track(scope=scope, drill=signal.drill)
        newest = track.latest.get(signal.hazard.value)
        if newest is not None and signal.issued_at < newest:
            continue  # an older message arriving late: what it would replace is newer
        old = track.causes.get(f"signal:{signal.hazard.value}")
        track = track.model_copy(update={"latest": {**track.latest, signal.hazard.value: signal.issued_at}})
        track, changed = _update_cause(track, signal, scope, rules)
        if changed:
            rule = old.rule if old is not None else f"signal:{signal.hazard.value}"
            trigger = _trigger(signal, scope, rule)
            track, decided = reconcile_in(state, track, trigger, rules)
            events += decided
        tracks[key] = track
        state = replace(state, tracks=tracks)
    return state, events


def _update_cause(track: Track, signal: WarningSignal, scope: Scope, rules: RulesFile) -> tuple[Track, bool]:
    """The track with the signal's cause updated, and whether the level may change now."""
    key = f"signal:{signal.hazard.value}"
    causes = dict(track.causes)
    old = causes.get(key)
    hold = timedelta(minutes=rules.de_escalation.cancel_hold_minutes)
    if signal.action is WarningAction.CANCEL or signal.colour is None:
        if old is None:
            return track, False
        if not hold:
            del causes[key]
            return track.model_copy(update={"causes": causes}), True
        causes[key] = old.model_copy(
            update={"ends_at": signal.occurred_at + hold, "end_input": signal.event_id, "successor": None}
        )
        return track.model_copy(update={"causes": causes}), False
    rule = rules.signal_rule(signal.hazard, signal.colour)
    if rule is None:
        return track, False  # the rules file maps this signal to nothing: it changes nothing
    label_zh, label_en = signal_words(signal, scope)
    new = Cause(
        key=key,
        source=Source.SIGNAL,
        rule=rule.id,
        level=rule.level,
        bureau_confirmed=rule.bureau_confirmed,
        label_zh=label_zh,
        label_en=label_en,
        inputs=(signal.event_id,),
        correlation_id=signal.correlation_id or signal.event_id,
        since=signal.issued_at,
    )
    if old is not None and new.level < old.level and hold:
        # A lowered signal is a de-escalation: the old level holds as after a cancel.
        causes[key] = old.model_copy(
            update={"ends_at": signal.occurred_at + hold, "end_input": signal.event_id, "successor": new}
        )
        return track.model_copy(update={"causes": causes}), False
    causes[key] = new
    return track.model_copy(update={"causes": causes}), True


def _trigger(signal: WarningSignal, scope: Scope, rule: str) -> Trigger:
    return Trigger(
        at=signal.occurred_at,
        input_id=signal.event_id,
        source=Source.SIGNAL,
        rule=rule,
        inputs=(signal.event_id,),
        reason=signal_words(signal, scope),
        causation_id=signal.event_id,
        correlation_id=signal.correlation_id or signal.event_id,
    )
