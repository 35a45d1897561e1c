"""Manual notices: an officer writes to chosen units, roles or persons.

The console resolves the recipients against the directory, records the request and, in the
same transaction, its audit line and a ``ManualNoticeRequested`` on ``sanfang.commands``
(through the outbox). Dispatch makes one notice per recipient and sends it like a response's
notices (app push, ack link, escalation when an ack is asked). The request's status and counts
are read from dispatch's ``notices``, where its notices have the request id as ``response_id``.

>>> async def demo(notices: ManualNotices, caller: Caller) -> None:  # doctest: +SKIP
...     out = await notices.request(ManualNoticeIn(units=("U01",), title="…", text="…"), caller)
...     (await notices.get(out.request_id)).counts.acknowledged
...     await notices.pending(out.request_id, ladder)  # who has not acknowledged
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import RowMapping, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.console import (
    BoardCounts,
    ManualNoticeIn,
    ManualNoticeOut,
    ManualNoticePreview,
    ManualNoticePublic,
    PendingPerson,
)
from schemas.envelope import new_id
from schemas.notices import MANUAL_RECIPIENTS_LIMIT, ManualNoticeRequested
from services.console import tables as console_tables
from services.console.board import pending_of_manual
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.dispatch import tables as dispatch_tables
from services.dispatch.domain.ladder import Ladder
from services.web.audit import record
from services.web.auth import Caller
from services.web.errors import Invalid, NotFound

__all__ = ["ManualNotices"]

#: Stored with the request: the console has handed it to dispatch. The status shown is read
#: from dispatch's notices (see ``ManualNoticePublic.status``).
STATUS = "awaiting_dispatch"
_M = console_tables.manual_notices.c


class ManualNotices:
    """Resolves, records and queues manual notices, and says how far they have got."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock

    async def request(self, body: ManualNoticeIn, caller: Caller) -> ManualNoticeOut:
        """Record and queue a manual notice; 422 when a unit or person is unknown or nobody is chosen.

        Recipients: the persons named, plus everyone of the chosen units who has one of the
        chosen roles (units alone: everyone of those units; roles alone: those roles everywhere).
        """
        now = self._clock.now()
        roles = [role.value for role in body.roles]
        async with self._outbox.transaction() as tx:
            recipients = await _resolve(tx, body)
            request_id = new_id()
            await tx.execute(
                console_tables.manual_notices.insert().values(
                    request_id=request_id,
                    created_by=caller.officer.username,
                    created_at=now,
                    title=body.title,
                    text=body.text,
                    drill=body.drill,
                    ack_wanted=body.ack_wanted,
                    units=json.dumps(body.units),
                    roles=json.dumps(roles),
                    persons=json.dumps(body.persons),
                    recipients=json.dumps(recipients),
                    recipient_count=len(recipients),
                    status=STATUS,
                )
            )
            event = ManualNoticeRequested(
                event_id=request_id,
                occurred_at=now,
                request_id=request_id,
                officer=caller.officer.username,
                title=body.title,
                text=body.text,
                drill=body.drill,
                ack_wanted=body.ack_wanted,
                recipients=tuple(recipients),
                units=body.units,
                roles=body.roles,
                persons=body.persons,
            )
            await self._outbox.add(tx, [event])
            await record(
                tx,
                caller.actor,
                "notice.manual",
                f"notice:{request_id}",
                now,
                after={
                    "title": body.title,
                    "drill": body.drill,
                    "ack_wanted": body.ack_wanted,
                    "units": body.units,
                    "roles": roles,
                    "persons": body.persons,
                    "recipient_count": len(recipients),
                    "status": STATUS,
                },
            )
        return ManualNoticeOut(request_id=request_id, recipient_count=len(recipients), status=STATUS)

    async def preview(self, body: ManualNoticeIn) -> ManualNoticePreview:
        """How many persons ``body`` would reach, resolved as :meth:`request` does (and refused
        alike); records and sends nothing."""
        async with self._store.read() as conn:
            return ManualNoticePreview(recipient_count=len(await _resolve(conn, body)))

    async def get(self, request_id: str) -> ManualNoticePublic:
        """One request with its status and counts; ``NotFound`` when there is none."""
        async with self._store.read() as conn:
            row = (
                (await conn.execute(select(console_tables.manual_notices).where(_M.request_id == request_id)))
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound(f"no manual notice {request_id!r}")
            return (await _public(conn, [row]))[0]

    async def recent(self, limit: int = 50) -> list[ManualNoticePublic]:
        """The latest ``limit`` requests, newest first."""
        query = select(console_tables.manual_notices).order_by(_M.created_at.desc()).limit(limit)
        async with self._store.read() as conn:
            return await _public(conn, (await conn.execute(query)).mappings().all())

    async def pending(
        self, request_id: str, ladder: Ladder, *, offset: int = 0, limit: int = 200
    ) -> list[PendingPerson]:
        """Who has not acknowledged the request's notices, a page at a time; ``NotFound`` when
        there is no such request."""
        await self.get(request_id)
        return await pending_of_manual(self._store, request_id, ladder, offset=offset, limit=limit)


async def _resolve(tx: AsyncConnection, body: ManualNoticeIn) -> list[str]:
    """The person ids the officer's choice names, sorted; ``Invalid`` for unknown ids or nobody."""
    if not (body.units or body.roles or body.persons):
        raise Invalid("choose at least one unit, role or person")
    p, u = tables.persons.c, tables.units.c
    known_units = set((await tx.execute(select(u.unit_id).where(u.unit_id.in_(body.units)))).scalars())
    known_persons = set(
        (await tx.execute(select(p.person_id).where(p.person_id.in_(body.persons)))).scalars()
    )
    unknown = sorted(set(body.units) - known_units) + sorted(set(body.persons) - known_persons)
    if unknown:
        raise Invalid(f"unknown unit(s) or person(s): {', '.join(unknown[:20])}")
    matches = [p.person_id.in_(body.persons)]
    if body.units or body.roles:
        group = select(p.person_id)
        if body.units:
            group = group.where(p.unit_id.in_(body.units))
        if body.roles:
            group = group.where(p.role.in_([role.value for role in body.roles]))
        matches.append(p.person_id.in_(group))
    recipients = sorted((await tx.execute(select(p.person_id).where(or_(*matches)))).scalars())
    if not recipients:
        raise Invalid("nobody in the directory matches those units and roles")
    if len(recipients) > MANUAL_RECIPIENTS_LIMIT:
        raise Invalid(
            f"{len(recipients)} recipients: one manual notice reaches at most "
            f"{MANUAL_RECIPIENTS_LIMIT}; send it in parts (by unit or role)"
        )
    return recipients


async def _public(conn: AsyncConnection, rows: Sequence[RowMapping]) -> list[ManualNoticePublic]:
    counts = await _counts(conn, [row["request_id"] for row in rows])
    out = []
    for row in rows:
        found = counts.get(row["request_id"], BoardCounts())
        out.append(
            ManualNoticePublic(
                request_id=row["request_id"],
                title=row["title"],
                drill=row["drill"],
                ack_wanted=row["ack_wanted"],
                created_by=row["created_by"],
                created_at=row["created_at"],
                recipient_count=row["recipient_count"],
                # Dispatch writes all of a request's notices in one transaction: any means all.
                status="sent" if found.notified else "awaiting_dispatch",
                counts=found,
            )
        )
    return out


async def _counts(conn: AsyncConnection, request_ids: list[str]) -> dict[str, BoardCounts]:
    """Notified / delivered / acknowledged / escalated per request, from dispatch's tables."""
    if not request_ids:
        return {}
    n, e = tables.notices.c, dispatch_tables.escalations.c
    notices = await conn.execute(
        select(n.response_id, func.count(), func.count(n.delivered_at), func.count(n.acked_at))
        .where(n.response_id.in_(request_ids))
        .group_by(n.response_id)
    )
    escalated: dict[str, int] = {
        request_id: count
        for request_id, count in await conn.execute(
            select(e.response_id, func.count())
            .where(e.response_id.in_(request_ids), e.step > 0)
            .group_by(e.response_id)
        )
    }
    return {
        request_id: BoardCounts(
            notified=notified,
            delivered=delivered,
            acknowledged=acked,
            escalated=escalated.get(request_id, 0),
        )
        for request_id, notified, delivered, acked in notices
    }
