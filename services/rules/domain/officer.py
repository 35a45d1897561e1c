"""A duty officer's commands: confirm or reject a proposal, set or end a level by hand."""

from __future__ import annotations

from dataclasses import replace

from schemas.commands import Command, ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.envelope import derived_id
from schemas.responses import (
    Explanation,
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
)
from schemas.rules import Direction, RulesFile
from services.rules.domain.decisions import coverage, response_id_for
from services.rules.domain.explain import Words, explanation, level_words, scope_words
from services.rules.domain.signals import signal_scopes
from services.rules.domain.state import Active, RulesState, Track, track_key

__all__ = ["apply_command"]


def apply_command(
    state: RulesState, command: Command, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    """Apply one command; commands about unknown or settled responses change nothing."""
    match command:
        case ProposalConfirmed():
            return _confirm(state, command)
        case ProposalRejected():
            return _reject(state, command)
        case ManualLevelSet():
            return _set(state, command, rules)
        case ManualEnd():
            return _end(state, command, rules)


def _with(state: RulesState, key: str, track: Track) -> RulesState:
    return replace(state, tracks={**state.tracks, key: track})


def _proposal_of(
    state: RulesState, command: ProposalConfirmed | ProposalRejected
) -> tuple[str, Track] | None:
    """The track whose pending proposal the command is about; None if it was settled or, when
    the command names the proposal it answers, replaced since (the officer never saw it)."""
    for key, track in sorted(state.tracks.items()):
        proposal = track.proposal
        if proposal is None or proposal.response_id != command.response_id:
            continue
        seen = command.proposal_event_id
        # A proposal stored before raised_ids existed knows only its latest event.
        raised = proposal.raised_ids or (proposal.event_id,)
        if seen is not None and seen not in raised:
            return None
        return key, track
    return None


def _officer_words(officer: str, note: str, verb: Words) -> Words:
    extra_zh, extra_en = (f"（{note}）", f" ({note})") if note else ("", "")
    return f"值班员{officer}{verb[0]}{extra_zh}", f"{verb[1]} by duty officer {officer}{extra_en}"


def _confirm(state: RulesState, command: ProposalConfirmed) -> tuple[RulesState, list[ResponseEvent]]:
    found = _proposal_of(state, command)
    if found is None:
        return state, []  # already settled, rejected or superseded: nothing to confirm
    key, track = found
    proposal = track.proposal
    assert proposal is not None  # noqa: S101 - found by its proposal
    zh, _, en = proposal.explanation.summary.partition(" / ")
    by_zh, by_en = _officer_words(command.officer, command.note, ("确认", "confirmed"))
    previous = track.response.level if track.response else None
    why = Explanation(
        **{
            **proposal.explanation.model_dump(),
            "inputs": (*proposal.explanation.inputs, command.event_id),
            "summary": f"{by_zh}：{zh} / {by_en}: {en}",
            "previous_level": previous,
            "new_level": proposal.level,
        },
    )
    common = {
        "occurred_at": command.occurred_at,
        "correlation_id": proposal.correlation_id,
        "causation_id": command.event_id,
        "response_id": proposal.response_id,
        "scope": track.scope,
        "drill": track.drill,
        "explanation": why,
        "level": proposal.level,
    }
    event: ResponseEvent
    if track.response is None:
        event = ResponseActivated(
            event_id=derived_id("response.activated", proposal.response_id, command.event_id),
            activated_by=command.officer,
            **common,
        )
        active = Active(
            response_id=proposal.response_id, level=proposal.level, correlation_id=proposal.correlation_id
        )
    else:
        event = ResponseLevelChanged(
            event_id=derived_id("response.level_changed", proposal.response_id, command.event_id),
            previous_level=track.response.level,
            changed_by=command.officer,
            **common,
        )
        active = track.response.model_copy(update={"level": proposal.level})
    return _with(state, key, track.model_copy(update={"response": active, "proposal": None})), [event]


def _reject(state: RulesState, command: ProposalRejected) -> tuple[RulesState, list[ResponseEvent]]:
    found = _proposal_of(state, command)
    if found is None:
        return state, []
    key, track = found
    proposal = track.proposal
    assert proposal is not None  # noqa: S101 - found by its proposal
    if proposal.direction is Direction.UP:
        rejected = proposal.level if track.rejected is None else max(track.rejected, proposal.level)
        track = track.model_copy(update={"rejected": rejected, "proposal": None})
    else:
        track = track.model_copy(update={"declined_lower": proposal.level, "proposal": None})
    return _with(state, key, track), []


def _set(
    state: RulesState, command: ManualLevelSet, rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    events: list[ResponseEvent] = []
    for scope in signal_scopes(command.scope):
        key = track_key(scope, command.drill)
        track = state.tracks.get(key) or Track(scope=scope, drill=command.drill)
        top = track.desired()
        response_id = response_id_for(track, command.event_id)
        previous = track.response.level if track.response else None
        scope_zh, scope_en = scope_words(scope)
        level_zh, level_en = level_words(command.level)
        parts: list[Words] = [
            _officer_words(
                command.officer,
                command.reason,
                (f"手动设定{scope_zh}{level_zh}应急响应", f"{scope_en} set to {level_en} by hand"),
            ),
            (
                "手动设定的级别不会被规则自动降低或结束",
                "a level set by hand is never lowered or ended by the rules",
            ),
        ]
        note = coverage(state, track)
        why = explanation(
            rules, "manual", (command.event_id,), previous, command.level, [*parts, note or ("", "")]
        )
        correlation = (
            track.response.correlation_id if track.response else (command.correlation_id or command.event_id)
        )
        common = {
            "occurred_at": command.occurred_at,
            "correlation_id": correlation,
            "causation_id": command.event_id,
            "response_id": response_id,
            "scope": scope,
            "drill": command.drill,
            "explanation": why,
            "level": command.level,
        }
        if track.response is None:
            events.append(
                ResponseActivated(
                    event_id=derived_id("response.activated", response_id, command.event_id),
                    activated_by=command.officer,
                    **common,
                )
            )
        elif previous is not command.level and previous is not None:
            events.append(
                ResponseLevelChanged(
                    event_id=derived_id("response.level_changed", response_id, command.event_id),
                    previous_level=previous,
                    changed_by=command.officer,
                    **common,
                )
            )
        active = Active(
            response_id=response_id,
            level=command.level,
            correlation_id=correlation,
            manual_level=command.level,
        )
        # Causes calling for more than the officer chose must not raise it straight back.
        veto = top.level if top is not None and top.level > command.level else None
        track = track.model_copy(
            update={
                "response": active,
                "proposal": None,
                "veto": veto,
                "rejected": None,
                "declined_lower": None,
            }
        )
        state = _with(state, key, track)
    return state, events


def _end(state: RulesState, command: ManualEnd, rules: RulesFile) -> tuple[RulesState, list[ResponseEvent]]:
    found = next(
        (
            (k, t)
            for k, t in sorted(state.tracks.items())
            if t.response and t.response.response_id == command.response_id
        ),
        None,
    )
    if found is None:
        return state, []
    key, track = found
    response = track.response
    assert response is not None  # noqa: S101 - found by its response
    top = track.desired()
    scope_zh, scope_en = scope_words(track.scope)
    level_zh, level_en = level_words(response.level)
    parts: list[Words] = [
        _officer_words(
            command.officer,
            command.reason,
            (
                f"手动结束{scope_zh}{level_zh}应急响应",
                f"the {level_en} response for {scope_en} ended by hand",
            ),
        )
    ]
    if top is not None:
        parts.append(
            (
                f"仍生效的{top.label_zh}不再自动重新启动同级响应",
                f"{top.label_en} still in force will not restart it at the same level",
            )
        )
    event = ResponseEnded(
        event_id=derived_id("response.ended", response.response_id, command.event_id),
        occurred_at=command.occurred_at,
        correlation_id=response.correlation_id,
        causation_id=command.event_id,
        response_id=response.response_id,
        scope=track.scope,
        drill=track.drill,
        explanation=explanation(rules, "manual", (command.event_id,), response.level, None, parts),
        previous_level=response.level,
        ended_by=command.officer,
    )
    track = track.model_copy(
        update={
            "response": None,
            "proposal": None,
            "veto": top.level if top else None,
            "rejected": None,
        }
    )
    return _with(state, key, track), [event]
