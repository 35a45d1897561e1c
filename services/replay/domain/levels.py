"""The level of each scope over time, as steps, from the response events (for the step chart).

>>> level_tracks([])
()
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from schemas.responses import ResponseActivated, ResponseEnded, ResponseEvent, ResponseLevelChanged
from services.replay.domain.metrics import scope_label
from services.replay.domain.results import LevelStep, LevelTrack

__all__ = ["level_tracks"]


def level_tracks(responses: Iterable[ResponseEvent]) -> tuple[LevelTrack, ...]:
    """One track per scope and kind (real, drill): a step at every activation, change and end."""
    steps: dict[tuple[str, bool], list[LevelStep]] = defaultdict(list)
    for event in sorted(responses, key=lambda r: (r.occurred_at, r.event_id)):
        key = (event.scope.key, event.drill)
        match event:
            case ResponseActivated() | ResponseLevelChanged():
                steps[key].append(
                    LevelStep(at=event.occurred_at, rank=event.level.rank, level=event.level.value)
                )
            case ResponseEnded():
                steps[key].append(LevelStep(at=event.occurred_at, rank=-1, level=None))
            case _:
                pass  # a proposal changes no level
    return tuple(
        LevelTrack(
            scope=scope, label=scope_label(scope) + ("（演练）" if drill else ""), drill=drill, steps=tuple(s)
        )
        for (scope, drill), s in sorted(
            steps.items(), key=lambda item: (item[0][1], item[0][0] != "district", item[0][0])
        )
    )
