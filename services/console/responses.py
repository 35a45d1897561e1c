"""Read model of responses for the API: level, scope, state, and notice counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from schemas.api import ResponseCounts, ResponsePublic
from schemas.areas import Scope
from schemas.responses import Explanation, Level
from services.core import tables
from services.core.store import Store

__all__ = ["get_response", "list_responses"]


async def list_responses(store: Store, *, state: str | None = None, limit: int = 100) -> list[ResponsePublic]:
    """Responses, newest first; ``state`` filters on active, ended or proposed."""
    r = tables.responses.c
    query = select(tables.responses).order_by(r.updated_at.desc()).limit(limit)
    if state:
        query = query.where(r.state == state)
    async with store.read() as conn:
        rows = (await conn.execute(query)).mappings().all()
        counts = await _counts(conn, [row["last_event_id"] for row in rows])
    return [_public(row, counts.get(row["last_event_id"])) for row in rows]


async def get_response(store: Store, response_id: str) -> ResponsePublic | None:
    """One response, or None."""
    async with store.read() as conn:
        row = (
            (
                await conn.execute(
                    select(tables.responses).where(tables.responses.c.response_id == response_id)
                )
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            return None
        counts = await _counts(conn, [row["last_event_id"]])
    return _public(row, counts.get(row["last_event_id"]))


async def _counts(conn: Any, event_ids: list[str]) -> dict[str, ResponseCounts]:
    if not event_ids:
        return {}
    n = tables.notices.c
    query = (
        select(n.response_event_id, func.count(), func.count(n.delivered_at), func.count(n.acked_at))
        .where(n.response_event_id.in_(event_ids))
        .group_by(n.response_event_id)
    )
    rows = (await conn.execute(query)).all()
    return {
        event_id: ResponseCounts(notified=notified, delivered=delivered, acknowledged=acked)
        for event_id, notified, delivered, acked in rows
    }


def _public(row: Any, counts: ResponseCounts | None) -> ResponsePublic:
    explanation = Explanation.model_validate_json(row["explanation"])
    return ResponsePublic(
        response_id=row["response_id"],
        scope=Scope.model_validate_json(row["scope"]),
        level=Level(row["level"]),
        state=row["state"],
        drill=row["drill"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        ended_at=row["ended_at"],
        summary=explanation.summary,
        counts=counts or ResponseCounts(notified=0, delivered=0, acknowledged=0),
    )
