"""The season's duty officers: they answer every proposal within minutes.

They confirm what the rules propose, except a street-level activation while the district
response is running, or proposed because it has just ended: that street is (or was) covered,
so they reject it (and say so). Pure: the live demo asks the same question of the API's view
of the responses.

>>> decide(street_proposal=True, district_active=True, street_active=False)
(False, '全区应急响应已覆盖该街道 / covered by the district response')
"""

from __future__ import annotations

import random
from datetime import timedelta

from schemas.commands import Command, ProposalConfirmed, ProposalRejected
from schemas.envelope import derived_id
from schemas.responses import ResponseProposed
from services.replay.domain.whatif import Answer
from services.rules.domain.cover import DISTRICT_ENDED
from services.rules.domain.state import RulesState, track_key

__all__ = ["OFFICERS", "after_district", "decide", "officer_answer", "season_officer"]

OFFICERS = ("duty-chen", "duty-li", "duty-wang", "duty-zhao")
_COVERED = "全区应急响应已覆盖该街道 / covered by the district response"
_CONFIRMED = "已会商确认 / confirmed after consultation"
_HANDLED = "已在刚结束的全区应急响应中处置 / handled under the district response that just ended"


def decide(
    *, street_proposal: bool, district_active: bool, street_active: bool, district_just_ended: bool = False
) -> tuple[bool, str]:
    """Whether to confirm a proposal, and the note the officer writes. ``district_just_ended``:
    the proposal was raised because the district response over the street ended."""
    if street_proposal and not street_active and (district_active or district_just_ended):
        return False, _COVERED if district_active else _HANDLED
    return True, _CONFIRMED


def after_district(summary: str) -> bool:
    """Whether a proposal's explanation says the district response over the street ended."""
    return summary.startswith(DISTRICT_ENDED[0])


def officer_answer(proposal: ResponseProposed, confirm: bool, note: str, rng: random.Random) -> Command:
    """The officer's command answering ``proposal``, 2 to 12 minutes after it was raised."""
    common = {
        "event_id": derived_id("demo-officer", proposal.event_id),
        "occurred_at": proposal.occurred_at + timedelta(seconds=rng.uniform(120, 720)),
        "response_id": proposal.response_id,
        "officer": rng.choice(OFFICERS),
        "note": note,
    }
    return ProposalConfirmed(**common) if confirm else ProposalRejected(**common)


def season_officer(seed: int, made: list[Command]) -> Answer:
    """The officer of the season's run through the engine; every command is added to ``made``."""
    rng = random.Random(f"officer:{seed}")  # noqa: S311 - a reproducible simulation
    answered: set[tuple[str, str, str]] = set()

    def answer(event: ResponseProposed, state: RulesState) -> Command | None:
        previous = event.explanation.previous_level
        direction = "down" if previous is not None and event.level < previous else "up"
        mark = (event.response_id, event.level.value, direction)
        if mark in answered:
            return None  # a proposal raised again: it is already being answered
        answered.add(mark)
        district = state.tracks.get(track_key(event.scope.district(), event.drill))
        street = state.tracks.get(track_key(event.scope, event.drill))
        confirm, note = decide(
            street_proposal=event.scope.kind == "streets",
            district_active=district is not None and district.response is not None,
            street_active=street is not None and street.response is not None,
            district_just_ended=after_district(event.explanation.summary),
        )
        command = officer_answer(event, confirm, note, rng)
        made.append(command)
        return command

    return answer
