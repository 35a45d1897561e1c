"""The rules service: feeds warnings and readings through the pure engine, persists its
state, and publishes the decisions, all in one transaction per batch.

Each warning signal received is recorded (``rules_warnings``) with the engine's judgement of
it at the time it is received: a stale one (expired, or too old) is shown to officers and
decides nothing by itself.

The engine's state lives in memory and in ``rules_state``; the memory copy is replaced
only after the transaction that stored it committed, so a failed batch is simply retried.
Rules run as one active consumer (one replica), because decisions depend on the order of
all inputs together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.rainfall import GaugeReading
from schemas.responses import (
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.rules import RulesFile
from schemas.topics import Topic
from schemas.warnings import WarningSignal
from services.core import tables
from services.core.bus import Bus, ConsumerLoop, Received
from services.core.clock import Clock
from services.core.idempotency import claim
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.rules.domain.decisions import overtaken
from services.rules.domain.engine import Tick, apply, apply_all, next_deadline
from services.rules.domain.staleness import DEFAULT_LIMIT, Staleness
from services.rules.domain.state import RulesState
from services.rules.proposals import close_overtaken, remember_change, remember_proposal
from services.rules.source import RulesSource, read_rules_file
from services.rules.tables import received_warnings

__all__ = ["RulesService", "read_rules_file"]

log = logging.getLogger(__name__)

_STATE_NAME = "engine"
_INPUTS = (WarningSignal, GaugeReading, ProposalConfirmed, ProposalRejected, ManualLevelSet, ManualEnd)


class RulesService:
    """Decides response levels from the inputs on the bus."""

    group = "rules"

    def __init__(
        self, outbox: Outbox, clock: Clock, source: RulesSource, *, stale_after: timedelta = DEFAULT_LIMIT
    ) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock
        self.source = source
        self.stale_after = stale_after
        self._state = RulesState.empty()
        self._lock = asyncio.Lock()

    @property
    def rules(self) -> RulesFile:
        """The rules that run now (the last good ones read from the file)."""
        return self.source.current

    @property
    def state(self) -> RulesState:
        """The engine's state as last committed."""
        return self._state

    async def restore(self) -> None:
        """Load the state persisted by the previous run, if any."""
        async with self._store.read() as conn:
            text = (
                await conn.execute(
                    select(tables.rules_state.c.state).where(tables.rules_state.c.name == _STATE_NAME)
                )
            ).scalar_one_or_none()
        if text is not None:
            self._state = RulesState.from_json(text)

    def consumer(self, bus: Bus) -> ConsumerLoop:
        """The consumer loop over warnings and rainfall."""
        return ConsumerLoop(
            bus,
            group=self.group,
            topics=[Topic.WARNINGS, Topic.RAINFALL, Topic.COMMANDS],
            handler=self.on_inputs,
        )

    async def on_inputs(self, batch: Sequence[Received]) -> None:
        """Apply a batch of warnings, readings and officers' commands, once each, in order."""
        inputs = [item.event for item in batch if isinstance(item.event, _INPUTS)]
        if not inputs:
            return
        async with self._lock:
            rules = self.rules  # one rules file for the whole batch, even if a reload comes
            now = self._clock.now()
            staleness = Staleness(now, self.stale_after)
            async with self._outbox.transaction() as tx:
                fresh = await claim(tx, self.group, inputs, now)
                state, decided = apply_all(self._state, fresh, rules, staleness)
                signals = [item for item in fresh if isinstance(item, WarningSignal)]
                if signals:
                    await tx.execute(
                        insert_ignore(received_warnings, tx.dialect.name),
                        [_received_row(signal, staleness, now) for signal in signals],
                    )
                answered = [
                    c.response_id for c in fresh if isinstance(c, ProposalConfirmed | ProposalRejected)
                ]
                rejected = {
                    c.response_id: _rejected_words(c) for c in fresh if isinstance(c, ProposalRejected)
                }
                await self._persist(tx, state, decided, answered, rejected)
            self._state = state
        _log_decisions(decided)

    async def tick(self) -> None:
        """Take the decisions that are due by now (hold times, re-raised proposals)."""
        async with self._lock:
            due = next_deadline(self._state)
            now = self._clock.now()
            if due is None or due > now:
                return
            state, decided = apply(self._state, Tick(now=now), self.rules)
            async with self._outbox.transaction() as tx:
                await self._persist(tx, state, decided, (), {})
            self._state = state
        _log_decisions(decided)

    async def _persist(
        self,
        tx: AsyncConnection,
        state: RulesState,
        decided: Sequence[ResponseEvent],
        answered: Sequence[str],
        rejected: dict[str, tuple[str, str]],
    ) -> None:
        now = self._clock.now()
        s = tables.rules_state.c
        payload = state.to_json()
        result = await tx.execute(
            update(tables.rules_state).where(s.name == _STATE_NAME).values(state=payload, updated_at=now)
        )
        if result.rowcount == 0:
            await tx.execute(
                tables.rules_state.insert().values(name=_STATE_NAME, state=payload, updated_at=now)
            )
        for event in decided:
            await _project(tx, event)
        # A proposal the rules dropped (overtaken, or rejected) is closed with its reason,
        # not left waiting.
        for closed in overtaken(self._state, state, decided, answered, rejected):
            log.info("proposal of %s overtaken: %s", closed.response_id, closed.reason[1])
            await close_overtaken(tx, closed, now)
        await self._outbox.add(tx, list(decided))


async def _project(tx: AsyncConnection, event: ResponseEvent) -> None:
    """Keep the ``responses`` read model in step with a decision."""
    r = tables.responses.c
    held = (
        (
            await tx.execute(
                select(r.state, r.level, r.last_event_id, r.explanation).where(
                    r.response_id == event.response_id
                )
            )
        )
        .mappings()
        .first()
    )
    exists = held is not None
    if isinstance(event, ResponseProposed):
        await remember_proposal(tx, event, held)
    at = event.occurred_at
    common = {"explanation": event.explanation.model_dump_json(), "updated_at": at}
    match event:
        case ResponseProposed() | ResponseActivated():
            state = "proposed" if isinstance(event, ResponseProposed) else "active"
            values = {**common, "level": event.level.value, "state": state, "last_event_id": event.event_id}
            if exists:
                await tx.execute(
                    update(tables.responses).where(r.response_id == event.response_id).values(**values)
                )
            else:
                await tx.execute(
                    tables.responses.insert().values(
                        response_id=event.response_id,
                        scope_key=event.scope.key,
                        scope=event.scope.model_dump_json(),
                        drill=event.drill,
                        started_at=at,
                        ended_at=None,
                        **values,
                    )
                )
        case ResponseLevelChanged():
            if held is not None and held["state"] == "proposed" and event.changed_by == "rules":
                # Raised automatically while a higher proposal still waits: the row keeps showing
                # the proposal; the running level is what it falls back to if that is overtaken.
                await remember_change(tx, held["last_event_id"], event)
                return
            await tx.execute(
                update(tables.responses)
                .where(r.response_id == event.response_id)
                # A confirmed change shows the response running again, not still proposed.
                .values(**common, level=event.level.value, state="active", last_event_id=event.event_id)
            )
        case ResponseEnded():
            await tx.execute(
                update(tables.responses)
                .where(r.response_id == event.response_id)
                .values(**common, state="ended", ended_at=at)
            )


def _rejected_words(command: ProposalRejected) -> tuple[str, str]:
    note_zh, note_en = (f"（{command.note}）", f" ({command.note})") if command.note else ("", "")
    return f"值班员{command.officer}不启动{note_zh}", f"rejected by duty officer {command.officer}{note_en}"


def _received_row(signal: WarningSignal, staleness: Staleness, now: datetime) -> dict[str, object]:
    stale = staleness.of(signal)
    if stale is not None:
        log.warning(
            "warning %s (%s %s %s) is stale: %s%s",
            signal.signal_id,
            signal.hazard.value,
            signal.colour.value if signal.colour else "-",
            signal.action.value,
            stale.en,
            "" if not staleness.blocks(signal) else "; it decides nothing by itself",
        )
    return {
        "event_id": signal.event_id,
        "signal_id": signal.signal_id,
        "source": signal.source,
        "hazard": signal.hazard.value,
        "colour": signal.colour.value if signal.colour else None,
        "action": signal.action.value,
        "status": signal.status.value,
        "scope": signal.scope.model_dump_json(),
        "headline": signal.headline,
        "issued_at": signal.issued_at,
        "expires_at": signal.expires_at,
        "received_at": now,
        "stale": stale.reason if stale else None,
        "stale_note": f"{stale.zh} / {stale.en}" if stale else None,
        "acted": signal.actionable and not staleness.blocks(signal),
    }


def _log_decisions(decided: Sequence[ResponseEvent]) -> None:
    for event in decided:
        log.info("decision %s for %s: %s", event.kind, event.scope.key, event.explanation.summary)
