"""The duty officer of the live season: sees the proposals the rules raise (the ``responses``
read model the console shows), and 2 to 12 simulated minutes later confirms or rejects each
one as the generated season's officer does (:func:`services.demo.season.officer.decide`).
The answer is a ``ProposalConfirmed`` / ``ProposalRejected`` command written to the outbox,
which the relay publishes on ``sanfang.commands`` for the rules — the console's own path.

>>> async def demo(officer: LiveOfficer) -> None:  # doctest: +SKIP
...     await officer.look()  # new proposals go on the agenda
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from schemas.areas import Scope
from schemas.commands import Command, ProposalConfirmed, ProposalRejected
from schemas.envelope import derived_id
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.demo.agenda import Agenda
from services.demo.season.officer import OFFICERS, after_district, decide

__all__ = ["LiveOfficer"]


@dataclass
class LiveOfficer:
    """Answers every proposal once (a re-raised proposal is already being answered)."""

    outbox: Outbox
    clock: Clock
    agenda: Agenda
    seed: int = 2024
    answered: list[Command] = field(default_factory=list)
    _seen: set[tuple[str, str, str]] = field(default_factory=set)

    async def look(self) -> int:
        """Put an answer to each new proposal on the agenda; returns how many were new."""
        r = tables.responses.c
        async with self.outbox.store.read() as conn:
            rows = (
                await conn.execute(
                    select(
                        r.response_id,
                        r.scope_key,
                        r.level,
                        r.state,
                        r.drill,
                        r.updated_at,
                        r.last_event_id,
                        r.explanation,
                    )
                )
            ).all()
        running = {(row.scope_key, row.drill) for row in rows if _running(row)}
        new = 0
        for row in rows:
            if row.state != "proposed":
                continue
            why = json.loads(row.explanation)
            previous = why.get("previous_level")
            mark = (row.response_id, row.level, str(previous))
            if mark in self._seen:
                continue
            self._seen.add(mark)
            new += 1
            confirm, note = decide(
                street_proposal=row.scope_key != Scope.district().key,
                district_active=(Scope.district().key, row.drill) in running,
                street_active=previous is not None,
                district_just_ended=after_district(why.get("summary", "")),
            )
            rng = random.Random(f"officer:{self.seed}:{row.response_id}:{row.level}")  # noqa: S311
            at = row.updated_at + timedelta(seconds=rng.uniform(120, 720))
            action = partial(
                self._answer, row.response_id, row.last_event_id, confirm, note, rng.choice(OFFICERS)
            )
            self.agenda.add(at, action)
        return new

    async def _answer(
        self, response_id: str, proposal_id: str, confirm: bool, note: str, officer: str
    ) -> None:
        common: dict[str, Any] = {
            "event_id": derived_id("demo-officer", proposal_id),
            "occurred_at": self.clock.now(),
            "response_id": response_id,
            "proposal_event_id": proposal_id,
            "officer": officer,
            "note": note,
        }
        command: Command = ProposalConfirmed(**common) if confirm else ProposalRejected(**common)
        async with self.outbox.transaction() as tx:
            await self.outbox.add(tx, [command])
        self.answered.append(command)


def _running(row: Any) -> bool:
    """Active, or active with a change proposed (a proposal with a level before it)."""
    if row.state == "active":
        return True
    return bool(row.state == "proposed" and json.loads(row.explanation).get("previous_level") is not None)
