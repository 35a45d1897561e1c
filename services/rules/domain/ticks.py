"""Time passing: hold and quiet times running out, unanswered proposals raised again, rain
leaving its windows. Each decision is dated at the deadline it met, not at the tick."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.responses import ResponseEvent, ResponseProposed
from schemas.rules import RulesFile, Source
from services.rules.domain.decisions import reconcile_in
from services.rules.domain.explain import Trigger, Words
from services.rules.domain.rainfall import recheck_stations
from services.rules.domain.state import Cause, RulesState

__all__ = ["apply_tick"]


def apply_tick(state: RulesState, now: datetime, rules: RulesFile) -> tuple[RulesState, list[ResponseEvent]]:
    """Take every decision due at or before ``now``, in the order of their deadlines."""
    state, events = recheck_stations(state, now, rules)
    while (due := _next_due(state, now)) is not None:
        _, kind, key, cause_key = due
        if kind == 0:
            state, decided = _expire(state, key, cause_key, rules)
        else:
            state, decided = _reraise(state, key, now, rules)
        events += decided
    return state, events


def _next_due(state: RulesState, now: datetime) -> tuple[datetime, int, str, str] | None:
    due: list[tuple[datetime, int, str, str]] = []
    for key, track in state.tracks.items():
        due += [
            (c.ends_at, 0, key, ck)
            for ck, c in track.causes.items()
            if c.ends_at is not None and c.ends_at <= now
        ]
        reraise = track.reraise_at()
        if reraise is not None and reraise <= now:
            due.append((reraise, 1, key, ""))
    return min(due, default=None)


def _expire(
    state: RulesState, key: str, cause_key: str, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    track = state.tracks[key]
    cause = track.causes[cause_key]
    assert cause.ends_at is not None  # noqa: S101 - only due causes expire
    causes = dict(track.causes)
    if cause.successor is not None:
        causes[cause_key] = cause.successor
    else:
        del causes[cause_key]
    end_input = cause.end_input or f"tick:{cause.ends_at.isoformat()}"
    trigger = Trigger(
        at=cause.ends_at,
        input_id=f"expiry:{cause_key}:{end_input}",
        source=cause.source,
        rule=cause.rule,
        inputs=() if end_input.startswith("tick:") else (end_input,),
        reason=_why(cause, rules),
        causation_id=None if end_input.startswith("tick:") else end_input,
    )
    track = track.model_copy(update={"causes": causes})
    track, events = reconcile_in(state, track, trigger, rules)
    return replace(state, tracks={**state.tracks, key: track}), events


def _why(cause: Cause, rules: RulesFile) -> Words:
    if cause.source is Source.RAINFALL:
        quiet = rules.de_escalation.rainfall_quiet_minutes
        return (
            f"规则 {cause.rule} 的雨量条件已{quiet}分钟不满足",
            f"rule {cause.rule} has been below its threshold for {quiet} min",
        )
    hold = rules.de_escalation.cancel_hold_minutes
    if cause.successor is not None:
        return (
            f"{cause.label_zh}已降为{cause.successor.label_zh}，保持{hold}分钟期满",
            f"{cause.label_en} lowered to {cause.successor.label_en}, {hold} min hold over",
        )
    return f"{cause.label_zh}已解除，保持{hold}分钟期满", f"{cause.label_en} cancelled, {hold} min hold over"


def _reraise(
    state: RulesState, key: str, now: datetime, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    track = state.tracks[key]
    proposal = track.proposal
    assert proposal is not None  # noqa: S101 - only due proposals are raised again
    every = timedelta(minutes=rules.confirmation.reraise_after_minutes)
    # A late tick raises a proposal once, at the last deadline it missed, not once per deadline.
    at = proposal.reraise_at + every * ((now - proposal.reraise_at) // every)
    zh, _, en = proposal.explanation.summary.partition(" / ")
    why = proposal.explanation.model_copy(
        update={"summary": f"再次提请确认：{zh} / raised again, still unanswered: {en}"}
    )
    event = ResponseProposed(
        event_id=derived_id("response.proposed", proposal.response_id, proposal.event_id),
        occurred_at=at,
        correlation_id=proposal.correlation_id,
        causation_id=proposal.event_id,
        response_id=proposal.response_id,
        scope=track.scope,
        drill=track.drill,
        explanation=why,
        level=proposal.level,
        confirm_within_minutes=rules.confirmation.confirm_within_minutes,
    )
    fresh = proposal.model_copy(
        update={
            "event_id": event.event_id,
            "raised_ids": (*proposal.raised_ids, event.event_id),
            "raised_at": at,
            "reraise_at": at + every,
        }
    )
    track = track.model_copy(update={"proposal": fresh})
    return replace(state, tracks={**state.tracks, key: track}), [event]
