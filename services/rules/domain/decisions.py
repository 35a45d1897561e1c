"""Bring one track's response in line with its causes: activate, raise, propose, lower, end.

This is the only place response events are decided from causes; the signal, rainfall and
tick paths change causes and then call :func:`reconcile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from schemas.areas import Scope
from schemas.envelope import derived_id
from schemas.responses import (
    Level,
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.rules import Decision, Direction, RulesFile, Source
from services.rules.domain.explain import Trigger, Words, explanation, level_words, scope_words
from services.rules.domain.state import Active, Cause, Proposal, RulesState, Track, track_key

__all__ = ["Overtaken", "coverage", "covering", "overtaken", "reconcile", "reconcile_in", "response_id_for"]

_UNCONFIRMED: Words = ("该映射尚待区三防指挥部确认", "the bureau has not yet confirmed this mapping")


def reconcile_in(
    state: RulesState, track: Track, trigger: Trigger, rules: RulesFile
) -> tuple[Track, list[ResponseEvent]]:
    """:func:`reconcile` a track of ``state``, with the district-wide response around it."""
    return reconcile(track, trigger, rules, coverage(state, track), covering(state, track))


def reconcile(
    track: Track,
    trigger: Trigger,
    rules: RulesFile,
    note: Words | None = None,
    covered: Level | None = None,
) -> tuple[Track, list[ResponseEvent]]:
    """Decide what ``track`` needs now that its causes changed, and the events that say so.

    Overlapping causes combine to the highest level; a level reached automatically is
    applied at once even while a higher one waits for an officer. ``covered`` is the level
    of a district-wide response over a street track: an officer is not asked to start or
    raise the street to that level or below, as the district response already covers it.
    """
    if not track.causes:
        track = track.model_copy(update={"veto": None, "rejected": None, "declined_lower": None})
    top = track.desired()
    response = track.response
    manual = response.manual_level if response else None
    target = _highest(top.level if top else None, manual)
    if response is not None and target is None:
        return _end(track, trigger, rules, note)
    if response is not None and target is not None and target < response.level:
        return _lower(track, target, trigger, rules, note)
    events: list[ResponseEvent] = []
    auto = _automatic_cause(track, rules)
    current = response.level if response else None
    if auto is not None and (current is None or auto.level > current) and not _vetoed(track, auto.level):
        track, raised = _apply_up(track, auto, trigger, rules, note)
        events += raised
        current = auto.level
    wanted = (
        top is not None
        and (current is None or top.level > current)
        and (covered is None or top.level > covered)
    )
    if top is not None and wanted and not _vetoed(track, top.level) and not _rejected(track, top.level):
        track, proposed = _propose_up(track, top, trigger, rules, note)
        return track, events + proposed
    return track.model_copy(update={"proposal": None}), events


def response_id_for(track: Track, trigger_id: str) -> str:
    """The id of the track's response, or of the one ``trigger_id`` starts."""
    if track.response is not None:
        return track.response.response_id
    if track.proposal is not None:
        return track.proposal.response_id
    return derived_id("response", track.scope.key, "drill" if track.drill else "real", trigger_id)


def covering(state: RulesState, track: Track) -> Level | None:
    """The level of the district-wide response (of the same kind, real or drill) that covers
    a street track; None for the district track itself, or when no district response runs."""
    if track.street is None:
        return None
    district = state.tracks.get(track_key(Scope.district(), track.drill))
    return district.response.level if district is not None and district.response is not None else None


def coverage(state: RulesState, track: Track) -> Words | None:
    """How the district and street responses relate, for the explanation of a decision."""
    if track.street is not None:
        level = covering(state, track)
        if level is None:
            return None
        zh, en = level_words(level)
        return f"全区{zh}应急响应同时覆盖本街道", f"the district-wide {en} response also covers this street"
    streets = [
        t for t in state.tracks.values() if t.drill == track.drill and t.street is not None and t.response
    ]
    if not streets:
        return None
    zh = "、".join(
        f"{t.street.chinese}{t.response.level.chinese}" for t in streets if t.street and t.response
    )
    en = ", ".join(f"{t.street.value} {t.response.level.value}" for t in streets if t.street and t.response)
    return f"另有街道响应：{zh}", f"street responses also running: {en}"


@dataclass(frozen=True)
class Overtaken:
    """A proposal the rules dropped without an officer answering it, and why.

    ``running`` is the level the track's response runs at now (None: no response), so the
    read model can show the response as it stands instead of a proposal nobody can answer.
    """

    response_id: str
    raised_ids: tuple[str, ...]
    level: Level
    running: Level | None
    reason: Words


def overtaken(
    before: RulesState,
    after: RulesState,
    decided: Sequence[ResponseEvent],
    answered: Iterable[str] = (),
    rejected: Mapping[str, Words] | None = None,
) -> list[Overtaken]:
    """The proposals pending in ``before`` (or raised in ``decided``) that ``after`` no longer
    holds and that no officer answered (``answered``: response ids of confirmations and
    rejections): overtaken by a cancelled signal, rain that stopped, or a response that
    started, changed or ended meanwhile. A proposal an officer rejected (``rejected``: the
    officer's words by response id) is closed too, with those words.

    >>> overtaken(RulesState.empty(), RulesState.empty(), [])
    []
    """
    settled = set(answered)
    pending: dict[str, tuple[str, Proposal | None, tuple[str, ...], Level]] = {}
    for key, track in before.tracks.items():
        if track.proposal is not None:
            p = track.proposal
            pending[p.response_id] = (key, p, p.raised_ids or (p.event_id,), p.level)
    for event in decided:
        if isinstance(event, ResponseProposed):
            held = pending.get(event.response_id)
            ids = (*(held[2] if held else ()), event.event_id)
            key = track_key(event.scope, event.drill)
            pending[event.response_id] = (key, held[1] if held else None, ids, event.level)
    found = []
    for response_id, (key, proposal, ids, level) in sorted(pending.items()):
        now_track = after.tracks.get(key)
        still = now_track.proposal if now_track is not None else None
        if still is not None and still.response_id == response_id:
            continue
        refused = (rejected or {}).get(response_id)
        if response_id in settled and refused is None:
            continue
        running = now_track.response.level if now_track is not None and now_track.response else None
        covered = covering(after, now_track) if now_track is not None else None
        old = before.tracks.get(key)
        found.append(
            Overtaken(
                response_id=response_id,
                raised_ids=ids,
                level=level,
                running=running,
                reason=refused or _overtaken_reason(old, now_track, proposal, level, covered),
            )
        )
    return found


def _overtaken_reason(
    before: Track | None, after: Track | None, proposal: Proposal | None, level: Level, covered: Level | None
) -> Words:
    running = after.response if after is not None else None
    down = proposal is not None and proposal.direction is Direction.DOWN
    if before is not None and before.response is not None and running is None:
        zh, en = level_words(before.response.level)
        return f"{zh}应急响应已结束", f"the {en} response ended"
    if running is not None and not down and running.level >= level:
        zh, en = level_words(running.level)
        return f"响应已按{zh}运行，无需再确认", f"a response at {en} already runs"
    if covered is not None and not down and covered >= level:
        zh, en = level_words(covered)
        return f"全区{zh}应急响应已覆盖本街道", f"the district-wide {en} response covers this street"
    gone = [
        cause
        for k, cause in (before.causes.items() if before is not None else ())
        if after is None or k not in after.causes
    ]
    if gone:
        return (
            "、".join(c.label_zh for c in gone) + "已不再生效",
            "; ".join(c.label_en for c in gone) + ": no longer in force",
        )
    if running is not None:
        zh, en = level_words(running.level)
        return f"响应级别已变为{zh}", f"the response level changed to {en}"
    return "提请的原因已消除", "its cause is gone"


def _highest(a: Level | None, b: Level | None) -> Level | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _vetoed(track: Track, level: Level) -> bool:
    return track.veto is not None and level <= track.veto


def _rejected(track: Track, level: Level) -> bool:
    return track.rejected is not None and level <= track.rejected


def _choice(track: Track, cause: Cause, rules: RulesFile) -> tuple[Decision, str]:
    choice = rules.confirmation.decide(
        source=cause.source,
        direction=Direction.UP,
        drill=track.drill,
        level=cause.level,
        bureau_confirmed=cause.bureau_confirmed,
    )
    return choice.decision, choice.rule


def _automatic_cause(track: Track, rules: RulesFile) -> Cause | None:
    best: Cause | None = None
    for key in sorted(track.causes):
        cause = track.causes[key]
        if _choice(track, cause, rules)[0] is Decision.AUTOMATIC and (
            best is None or cause.level > best.level
        ):
            best = cause
    return best


def _correlation(track: Track, trigger: Trigger, cause: Cause | None) -> str:
    if trigger.correlation_id:
        return trigger.correlation_id
    if track.response is not None:
        return track.response.correlation_id
    if track.proposal is not None:
        return track.proposal.correlation_id
    return cause.correlation_id if cause is not None else trigger.input_id


def _change_words(track: Track, previous: Level | None, new: Level) -> Words:
    scope_zh, scope_en = scope_words(track.scope)
    new_zh, new_en = level_words(new)
    if previous is None:
        return f"启动{scope_zh}{new_zh}应急响应", f"activate {new_en} for {scope_en}"
    old_zh, old_en = level_words(previous)
    verb_zh, verb_en = ("提升", "raise") if new > previous else ("降低", "lower")
    return (
        f"{scope_zh}应急响应由{old_zh}{verb_zh}至{new_zh}",
        f"{verb_en} {scope_en} from {old_en} to {new_en}",
    )


def _reason(trigger: Trigger, cause: Cause | None) -> list[Words]:
    parts = [trigger.reason]
    if cause is not None and (cause.label_zh, cause.label_en) != trigger.reason:
        parts.append((f"生效中：{cause.label_zh}", f"in force: {cause.label_en}"))
    return parts


def _apply_up(
    track: Track, cause: Cause, trigger: Trigger, rules: RulesFile, note: Words | None
) -> tuple[Track, list[ResponseEvent]]:
    response_id = response_id_for(track, trigger.input_id)
    previous = track.response.level if track.response else None
    policy = _choice(track, cause, rules)[1]
    parts = [
        *_reason(trigger, cause),
        _change_words(track, previous, cause.level),
        (f"规则 {cause.rule}，自动生效（策略 {policy}）", f"rule {cause.rule}, automatic (policy {policy})"),
    ]
    why = explanation(
        rules, cause.rule, (*trigger.inputs, *cause.inputs), previous, cause.level, [*parts, note or ("", "")]
    )
    common = {
        "occurred_at": trigger.at,
        "correlation_id": _correlation(track, trigger, cause),
        "causation_id": trigger.causation_id,
        "response_id": response_id,
        "scope": track.scope,
        "drill": track.drill,
        "explanation": why,
        "level": cause.level,
    }
    event: ResponseEvent
    if track.response is None:
        event = ResponseActivated(
            event_id=derived_id("response.activated", response_id, trigger.input_id), **common
        )
        active = Active(response_id=response_id, level=cause.level, correlation_id=event.correlation_id or "")
    else:
        event = ResponseLevelChanged(
            event_id=derived_id("response.level_changed", response_id, trigger.input_id),
            previous_level=track.response.level,
            **common,
        )
        active = track.response.model_copy(update={"level": cause.level})
    keep = track.proposal if track.proposal and track.proposal.level > cause.level else None
    return track.model_copy(update={"response": active, "proposal": keep}), [event]


def _propose(
    track: Track,
    direction: Direction,
    level: Level,
    trigger: Trigger,
    rules: RulesFile,
    rule: str,
    inputs: tuple[str, ...],
    parts: list[Words],
    cause: Cause | None,
) -> tuple[Track, list[ResponseEvent]]:
    pending = track.proposal
    if pending is not None and pending.level is level and pending.direction is direction:
        return track, []
    response_id = response_id_for(track, trigger.input_id)
    previous = track.response.level if track.response else None
    why = explanation(rules, rule, inputs, previous, level, parts)
    event = ResponseProposed(
        event_id=derived_id("response.proposed", response_id, trigger.input_id),
        occurred_at=trigger.at,
        correlation_id=_correlation(track, trigger, cause),
        causation_id=trigger.causation_id,
        response_id=response_id,
        scope=track.scope,
        drill=track.drill,
        explanation=why,
        level=level,
        confirm_within_minutes=rules.confirmation.confirm_within_minutes,
    )
    proposal = Proposal(
        response_id=response_id,
        event_id=event.event_id,
        raised_ids=(event.event_id,),
        level=level,
        direction=direction,
        correlation_id=event.correlation_id or "",
        explanation=why,
        raised_at=trigger.at,
        reraise_at=trigger.at + _minutes(rules.confirmation.reraise_after_minutes),
    )
    return track.model_copy(update={"proposal": proposal}), [event]


def _propose_up(
    track: Track, cause: Cause, trigger: Trigger, rules: RulesFile, note: Words | None
) -> tuple[Track, list[ResponseEvent]]:
    previous = track.response.level if track.response else None
    policy = _choice(track, cause, rules)[1]
    why: Words = (
        _UNCONFIRMED if policy == "unconfirmed_mappings" else (f"确认策略 {policy}", f"policy {policy}")
    )
    zh, en = _change_words(track, previous, cause.level)
    parts = [
        *_reason(trigger, cause),
        (f"建议{zh}", f"propose to {en}"),
        (
            f"规则 {cause.rule}，等待值班员确认（{why[0]}）",
            f"rule {cause.rule}, waits for a duty officer ({why[1]})",
        ),
        note or ("", ""),
    ]
    return _propose(
        track,
        Direction.UP,
        cause.level,
        trigger,
        rules,
        cause.rule,
        (*trigger.inputs, *cause.inputs),
        parts,
        cause,
    )


def _lower(
    track: Track, target: Level, trigger: Trigger, rules: RulesFile, note: Words | None
) -> tuple[Track, list[ResponseEvent]]:
    assert track.response is not None  # noqa: S101 - only called with a running response
    top = track.desired()
    source = trigger.source or (top.source if top else Source.SIGNAL)
    if track.declined_lower is not None and target >= track.declined_lower:
        return track.model_copy(update={"proposal": None}), []
    previous = track.response.level
    choice = rules.confirmation.decide(
        source=source, direction=Direction.DOWN, drill=track.drill, level=previous
    )
    zh, en = _change_words(track, previous, target)
    still = [] if top is None else [(f"仍生效：{top.label_zh}", f"still in force: {top.label_en}")]
    if track.response.manual_level is not None and (top is None or top.level < target):
        still.append(("值班员手动设定的级别保持不变", "the level a duty officer set by hand is kept"))
    inputs = (*trigger.inputs, *(top.inputs if top else ()))
    if choice.decision is Decision.OFFICER:
        parts = [
            trigger.reason,
            *still,
            (f"建议{zh}", f"propose to {en}"),
            (f"等待值班员确认（策略 {choice.rule}）", f"waits for a duty officer (policy {choice.rule})"),
            note or ("", ""),
        ]
        return _propose(track, Direction.DOWN, target, trigger, rules, trigger.rule, inputs, parts, top)
    response_id = track.response.response_id
    parts = [
        trigger.reason,
        *still,
        (zh, en),
        (f"自动（策略 {choice.rule}）", f"automatic (policy {choice.rule})"),
        note or ("", ""),
    ]
    event = ResponseLevelChanged(
        event_id=derived_id("response.level_changed", response_id, trigger.input_id),
        occurred_at=trigger.at,
        correlation_id=_correlation(track, trigger, top),
        causation_id=trigger.causation_id,
        response_id=response_id,
        scope=track.scope,
        drill=track.drill,
        explanation=explanation(rules, trigger.rule, inputs, previous, target, parts),
        previous_level=previous,
        level=target,
    )
    active = track.response.model_copy(update={"level": target})
    return track.model_copy(update={"response": active, "proposal": None}), [event]


def _end(
    track: Track, trigger: Trigger, rules: RulesFile, note: Words | None
) -> tuple[Track, list[ResponseEvent]]:
    assert track.response is not None  # noqa: S101 - only called with a running response
    response = track.response
    scope_zh, scope_en = scope_words(track.scope)
    old_zh, old_en = level_words(response.level)
    parts = [
        trigger.reason,
        (
            f"全部原因已消除，结束{scope_zh}{old_zh}应急响应",
            f"every cause is gone: end the {old_en} response for {scope_en}",
        ),
        note or ("", ""),
    ]
    event = ResponseEnded(
        event_id=derived_id("response.ended", response.response_id, trigger.input_id),
        occurred_at=trigger.at,
        correlation_id=_correlation(track, trigger, None),
        causation_id=trigger.causation_id,
        response_id=response.response_id,
        scope=track.scope,
        drill=track.drill,
        explanation=explanation(rules, trigger.rule, trigger.inputs, response.level, None, parts),
        previous_level=response.level,
    )
    return track.model_copy(update={"response": None, "proposal": None}), [event]


def _minutes(count: int) -> timedelta:
    return timedelta(minutes=count)
