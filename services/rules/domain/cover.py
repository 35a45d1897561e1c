"""Street tracks under the district-wide response: when it starts, changes or ends, the
street proposals it now covers are dropped (and so closed, with that reason), and a street
whose causes ask for more than the district response gives is proposed again.

>>> from services.rules.domain.state import RulesState
>>> cover_streets(RulesState.empty(), [], RulesFile(id="x", version="1"))
(RulesState(tracks={}, stations={}, seen=()), [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from schemas.responses import Level, ResponseEvent, ResponseProposed
from schemas.rules import Direction, RulesFile
from services.rules.domain.decisions import coverage, covering, reconcile
from services.rules.domain.explain import Trigger, Words, level_words
from services.rules.domain.state import RulesState, Track

__all__ = ["DISTRICT_ENDED", "cover_streets"]

#: The reason a street is proposed when the district-wide response over it has ended.
DISTRICT_ENDED: Words = ("全区应急响应已结束", "the district-wide response ended")


def cover_streets(
    state: RulesState, decided: Sequence[ResponseEvent], rules: RulesFile
) -> tuple[RulesState, list[ResponseEvent]]:
    """Bring the street tracks in line with every district-wide response change in
    ``decided``; return the new state and the proposals raised again."""
    changes = {
        e.drill: e for e in decided if e.scope.kind == "district" and not isinstance(e, ResponseProposed)
    }
    events: list[ResponseEvent] = []
    for drill, change in sorted(changes.items()):
        tracks = dict(state.tracks)
        for key, track in sorted(state.tracks.items()):
            if track.drill is not drill or track.street is None:
                continue
            covered = covering(state, track)
            if _covers(track, covered):
                tracks[key] = track.model_copy(update={"proposal": None})
            elif _asks_above(track, covered):
                trigger = Trigger(
                    at=change.occurred_at,
                    input_id=f"uncovered:{key}:{change.event_id}",
                    source=None,
                    rule="coverage",
                    inputs=(change.event_id,),
                    reason=_uncovered(covered),
                    causation_id=change.event_id,
                )
                tracks[key], raised = reconcile(track, trigger, rules, coverage(state, track), covered)
                events += raised
        state = replace(state, tracks=tracks)
    return state, events


def _uncovered(covered: Level | None) -> Words:
    if covered is None:
        return DISTRICT_ENDED
    zh, en = level_words(covered)
    return f"全区应急响应已降为{zh}", f"the district-wide response is now {en}"


def _covers(track: Track, covered: Level | None) -> bool:
    p = track.proposal
    return p is not None and p.direction is Direction.UP and covered is not None and p.level <= covered


def _asks_above(track: Track, covered: Level | None) -> bool:
    top = track.desired()
    current = track.response.level if track.response else None
    return (
        track.proposal is None
        and top is not None
        and (current is None or top.level > current)
        and (covered is None or top.level > covered)
    )
