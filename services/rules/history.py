"""The decisions taken about one response, read back for the API with their explanations.

The event store (``events``, filled by the recorder) holds every decision once it went over
the bus; the outbox holds those the relay or recorder has not got to yet (or all of them when
no recorder runs in this deployment). Both are read, each decision once, in decision order.
"""

from __future__ import annotations

from sqlalchemy import select

from schemas.responses import (
    Level,
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.rules import DecisionPublic
from schemas.topics import parse_event
from services.core import tables
from services.core.store import Store

__all__ = ["decisions_of"]

_RESPONSE_KINDS = ("response.proposed", "response.activated", "response.level_changed", "response.ended")


async def decisions_of(store: Store, response_id: str) -> list[DecisionPublic]:
    """Every decision about ``response_id``, oldest first; empty for an unknown response."""
    e, o = tables.events.c, tables.outbox.c
    recorded = (
        select(e.event_id, e.payload).where(e.key == response_id, e.kind.in_(_RESPONSE_KINDS)).order_by(e.seq)
    )
    pending = (
        select(o.event_id, o.payload).where(o.key == response_id, o.kind.in_(_RESPONSE_KINDS)).order_by(o.seq)
    )
    async with store.read() as conn:
        rows = [*(await conn.execute(recorded)).all(), *(await conn.execute(pending)).all()]
    payloads = dict((row.event_id, row.payload) for row in rows)  # first seen wins: recorded order
    events = [parse_event(payload) for payload in payloads.values()]
    decided = [event for event in events if isinstance(event, _EVENT_TYPES)]
    return [_public(event) for event in sorted(decided, key=lambda event: event.occurred_at)]


_EVENT_TYPES = (ResponseProposed, ResponseActivated, ResponseLevelChanged, ResponseEnded)


def _public(event: ResponseEvent) -> DecisionPublic:
    previous: Level | None
    level: Level | None
    match event:
        case ResponseProposed():
            by, previous, level = "rules", event.explanation.previous_level, event.level
        case ResponseActivated():
            by, previous, level = event.activated_by, None, event.level
        case ResponseLevelChanged():
            by, previous, level = event.changed_by, event.previous_level, event.level
        case ResponseEnded():
            by, previous, level = event.ended_by, event.previous_level, None
    return DecisionPublic(
        event_id=event.event_id,
        kind=event.kind,
        occurred_at=event.occurred_at,
        scope=event.scope,
        drill=event.drill,
        previous_level=previous,
        level=level,
        by=by,
        waits_for_confirmation=isinstance(event, ResponseProposed),
        confirm_within_minutes=event.confirm_within_minutes if isinstance(event, ResponseProposed) else None,
        explanation=event.explanation,
    )
