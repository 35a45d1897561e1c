"""The live board of a response: per unit and per street, how many were notified, reached,
acknowledged and escalated, and who has not acknowledged with what happens next.

It reads the notices of the response's latest change (dispatch's ``notices``), the
directory (``persons``, ``units``) and where each stands on dispatch's escalation ladder.

>>> async def demo(store: Store, now: datetime) -> None:  # doctest: +SKIP
...     board = await build_board(store, "r-123", ladder)
...     board.totals.acknowledged
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.areas import Street
from schemas.console import Board, BoardCounts, BoardRow, PendingPerson
from schemas.directory import Role as PersonRole
from services.console.escalations import Standing, escalation_fingerprint, standings
from services.console.responses import get_response
from services.core import tables
from services.core.store import Store
from services.dispatch.domain.ladder import Ladder
from services.web.errors import NotFound

__all__ = ["BOARD_PENDING", "build_board", "fingerprint", "pending_of_manual", "pending_persons"]

#: How many of those who have not acknowledged the board itself lists; the rest by page.
BOARD_PENDING = 200


@dataclass(frozen=True)
class _Line:
    notice_id: str
    person_id: str
    name: str
    role: str
    unit_id: str
    unit_name: str
    street: str | None
    delivered: bool
    acked: bool
    ack_by: datetime | None
    standing: Standing | None


async def build_board(store: Store, response_id: str, ladder: Ladder) -> Board:
    """The board of ``response_id``; ``NotFound`` when there is no such response."""
    response, change, lines = await _lines(store, response_id)
    pending = [line for line in lines if not line.acked]
    return Board(
        response=response,
        change_event_id=change,
        totals=_count(lines),
        units=_rows(lines, lambda line: (line.unit_id, line.unit_name)),
        streets=_rows(lines, lambda line: _street(line.street)),
        pending=[_pending(line, ladder) for line in pending[:BOARD_PENDING]],
        pending_total=len(pending),
    )


async def pending_persons(
    store: Store,
    response_id: str,
    ladder: Ladder,
    *,
    unit: str | None,
    street: str | None,
    offset: int,
    limit: int,
) -> list[PendingPerson]:
    """Everyone who has not acknowledged, optionally of one unit or street, a page at a time."""
    _, _, lines = await _lines(store, response_id)
    chosen = [
        line
        for line in lines
        if not line.acked
        and (unit is None or line.unit_id == unit)
        and (street is None or (line.street or "district") == street)
    ]
    return [_pending(line, ladder) for line in chosen[offset : offset + limit]]


async def pending_of_manual(
    store: Store, request_id: str, ladder: Ladder, *, offset: int, limit: int
) -> list[PendingPerson]:
    """Who has not acknowledged a manual notice (dispatch's notices carry its request id as
    ``response_id``), a page at a time; nobody before dispatch has written them."""
    n = tables.notices.c
    async with store.read() as conn:
        lines = await _notice_lines(conn, and_(n.response_id == request_id, n.acked_at.is_(None)))
    return [_pending(line, ladder) for line in lines[offset : offset + limit]]


async def fingerprint(store: Store, response_id: str) -> tuple[Any, ...]:
    """A cheap summary that changes whenever the board would: counts, level, state."""
    r, n = tables.responses.c, tables.notices.c
    async with store.read() as conn:
        row = (
            await conn.execute(
                select(r.last_event_id, r.level, r.state, r.updated_at, r.started_at).where(
                    r.response_id == response_id
                )
            )
        ).first()
        if row is None:
            return ("missing",)
        counts = (
            await conn.execute(
                select(func.count(), func.count(n.delivered_at), func.count(n.acked_at)).where(
                    n.response_event_id == row.last_event_id
                )
            )
        ).one()
        escalated = await escalation_fingerprint(conn, response_id)
    return (*row, *counts, *escalated)


async def _lines(store: Store, response_id: str) -> tuple[Any, str, list[_Line]]:
    response = await get_response(store, response_id)
    if response is None:
        raise NotFound(f"no response {response_id!r}")
    r = tables.responses.c
    async with store.read() as conn:
        change = (
            await conn.execute(select(r.last_event_id).where(r.response_id == response_id))
        ).scalar_one()
        lines = await _notice_lines(conn, tables.notices.c.response_event_id == change)
    return response, change, lines


async def _notice_lines(conn: AsyncConnection, which: ColumnElement[bool]) -> list[_Line]:
    """The notices ``which`` selects, each with its person, unit and escalation standing."""
    n, p, u = tables.notices.c, tables.persons.c, tables.units.c
    rows = (
        await conn.execute(
            select(
                n.notice_id,
                n.person_id,
                n.unit_id,
                n.delivered_at,
                n.acked_at,
                n.ack_by,
                p.name,
                p.role,
                p.street,
                u.name.label("unit_name"),
            )
            .select_from(tables.notices)
            .outerjoin(tables.persons, p.person_id == n.person_id)
            .outerjoin(tables.units, u.unit_id == n.unit_id)
            .where(which)
            .order_by(n.unit_id, n.person_id)
        )
    ).all()
    ladder_rows = await standings(conn, [row.notice_id for row in rows])
    return [
        _Line(
            notice_id=row.notice_id,
            person_id=row.person_id,
            name=row.name or row.person_id,
            role=row.role or "",
            unit_id=row.unit_id,
            unit_name=row.unit_name or row.unit_id,
            street=row.street,
            delivered=row.delivered_at is not None,
            acked=row.acked_at is not None,
            ack_by=row.ack_by,
            standing=ladder_rows.get(row.notice_id),
        )
        for row in rows
    ]


def _count(lines: Iterable[_Line]) -> BoardCounts:
    notified = delivered = acked = escalated = 0
    for line in lines:
        notified += 1
        delivered += line.delivered
        acked += line.acked
        escalated += bool(line.standing and line.standing.step)
    return BoardCounts(notified=notified, delivered=delivered, acknowledged=acked, escalated=escalated)


def _rows(lines: list[_Line], group: Any) -> list[BoardRow]:
    groups: dict[tuple[str, str], list[_Line]] = defaultdict(list)
    for line in lines:
        groups[group(line)].append(line)
    return [
        BoardRow(key=key, name=name, counts=_count(members))
        for (key, name), members in sorted(groups.items())
    ]


def _street(code: str | None) -> tuple[str, str]:
    if code is None:
        return "district", "区级单位"
    try:
        return code, Street(code).chinese + "街道"
    except ValueError:
        return code, code


def _pending(line: _Line, ladder: Ladder) -> PendingPerson:
    standing = line.standing or Standing(0, line.ack_by, "waiting" if line.ack_by else "none")
    return PendingPerson(
        person_id=line.person_id,
        name=line.name,
        role=_role(line.role),
        unit_id=line.unit_id,
        unit_name=line.unit_name,
        street=line.street,
        notice_id=line.notice_id,
        delivered=line.delivered,
        ack_by=line.ack_by,
        escalation_step=standing.step,
        last_action=standing.last_action(ladder),
        next_step=standing.next_step(ladder),
    )


def _role(code: str) -> str:
    try:
        return PersonRole(code).chinese
    except ValueError:
        return code
