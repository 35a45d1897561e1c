"""A responsible person's history: every notice they were sent, how it reached them, their
acknowledgements (their own or an officer's on their behalf) and the escalation steps.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     history = await person_history(store, "P0001", ladder)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from schemas.console import PersonHistory, PersonNotice
from schemas.notices import Channel, NoticeChange
from schemas.responses import Level
from services.console.escalations import Standing, standings
from services.core import tables
from services.core.store import Store
from services.dispatch.domain.ladder import Ladder
from services.web.errors import NotFound

__all__ = ["person_history"]


async def person_history(store: Store, person_id: str, ladder: Ladder, *, limit: int = 100) -> PersonHistory:
    """The person and their latest ``limit`` notices, newest first; ``NotFound`` if unknown."""
    p, u, n, a = tables.persons.c, tables.units.c, tables.notices.c, tables.acks.c
    async with store.read() as conn:
        person = (
            await conn.execute(
                select(p.person_id, p.name, p.role, p.unit_id, p.street, u.name.label("unit_name"))
                .select_from(tables.persons)
                .outerjoin(tables.units, u.unit_id == p.unit_id)
                .where(p.person_id == person_id)
            )
        ).first()
        if person is None:
            raise NotFound(f"no person {person_id!r} in the directory")
        notices = (
            (
                await conn.execute(
                    select(tables.notices)
                    .where(n.person_id == person_id)
                    .order_by(n.created_at.desc())
                    .limit(limit)
                )
            )
            .mappings()
            .all()
        )
        ids = [row["notice_id"] for row in notices]
        acks: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ack in (
            await conn.execute(select(tables.acks).where(a.notice_id.in_(ids)).order_by(a.received_at))
        ).mappings():
            acks[ack["notice_id"]].append(
                {key: ack[key] for key in ("channel", "received_at", "counted", "on_behalf_by", "reason")}
            )
        ladder_rows = await standings(conn, ids)
    return PersonHistory(
        person_id=person.person_id,
        name=person.name,
        role=person.role,
        unit_id=person.unit_id,
        unit_name=person.unit_name or person.unit_id,
        street=person.street,
        notices=[
            PersonNotice(
                notice_id=row["notice_id"],
                response_id=row["response_id"],
                change=row["change"],
                level=None if row["change"] == NoticeChange.MANUAL.value else Level(row["level"]),
                drill=row["drill"],
                created_at=row["created_at"],
                delivered_at=row["delivered_at"],
                acked_at=row["acked_at"],
                ack_channel=Channel(row["ack_channel"]) if row["ack_channel"] else None,
                acks=acks.get(row["notice_id"], []),
                escalations=_taken(ladder_rows.get(row["notice_id"]), ladder),
            )
            for row in notices
        ],
    )


def _taken(standing: Standing | None, ladder: Ladder) -> list[dict[str, Any]]:
    if standing is None:
        return []
    return [{"step": index + 1, "action": standing.actions(ladder, index)} for index in range(standing.step)]
