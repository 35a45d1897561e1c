"""Drills: started now, or double-blind at a random moment inside a window that nobody is
told. A drill is a manual activation marked ``drill``: every notice says 【演练】 and the
counts are kept apart from real responses.

The moment of a double-blind drill is drawn with the system's secure random generator,
stored, and shown to no one (not in the API, not in the audit line) until it has started.
A scheduler job fires due drills; the row is marked in the same transaction as the
command is queued, so a drill starts once even with several console replicas.

>>> async def demo(drills: Drills, caller: Caller) -> None:  # doctest: +SKIP
...     await drills.create(DrillIn(streets=["沙井"], mode="double_blind",
...                                 window_start=start, window_end=end), caller)
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.areas import Scope
from schemas.commands import ManualLevelSet
from schemas.console import DrillIn, DrillPublic, Permission
from schemas.envelope import derived_id, new_id
from schemas.responses import Level, ResponseActivated
from services.console import tables as console_tables
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.web.audit import Actor, record
from services.web.auth import Caller
from services.web.errors import Invalid
from services.web.roles import needs_commander

__all__ = ["MAX_WINDOW", "Drills"]

log = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=31)
_SYSTEM = Actor("system:drills", "演练调度", "system", "local")
_RANDOM = secrets.SystemRandom()


class Drills:
    """Creates, lists and fires drills."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    async def create(self, body: DrillIn, caller: Caller) -> DrillPublic:
        """Start a drill now or schedule a double-blind one; 422 for a window that makes no sense."""
        if needs_commander(body.level):
            caller.need(Permission.DECIDE_HIGH, f"start a level {body.level.value} drill")
        now = self._clock.now()
        start, end = self._window(body, now)
        due = start + (end - start) * _RANDOM.random()
        drill_id = new_id()
        scope = body.scope()
        row = {
            "drill_id": drill_id,
            "scope": scope.model_dump_json(),
            "level": body.level.value,
            "mode": body.mode,
            "window_start": start,
            "window_end": end,
            "due_at": due,
            "note": body.note,
            "created_by": caller.officer.username,
            "created_at": now,
            "command_event_id": derived_id("drill", drill_id),
        }
        async with self._outbox.transaction() as tx:
            await tx.execute(console_tables.drills.insert().values(**row))
            await record(
                tx,
                caller.actor,
                "drill.create",
                f"drill:{drill_id}",
                now,
                after={
                    "scope": scope.key,
                    "level": body.level.value,
                    "mode": body.mode,
                    "window_start": start,
                    "window_end": end,
                    "note": body.note,
                },
            )
            if body.mode == "now":
                await self._fire(tx, row, caller.actor, now)
        return (await self._public([row]))[0] if body.mode == "double_blind" else await self._get(drill_id)

    def _window(self, body: DrillIn, now: datetime) -> tuple[datetime, datetime]:
        if body.mode == "now":
            return now, now
        if body.window_start is None or body.window_end is None:
            raise Invalid("a double-blind drill needs window_start and window_end")
        if body.window_end <= body.window_start:
            raise Invalid("window_end must be after window_start")
        if body.window_end <= now:
            raise Invalid("the window has already passed")
        if body.window_end - body.window_start > MAX_WINDOW:
            raise Invalid(f"the window may last at most {MAX_WINDOW.days} days")
        return max(body.window_start, now), body.window_end

    async def fire_due(self) -> int:
        """Start every drill whose moment has come; returns how many started."""
        d = console_tables.drills.c
        now = self._clock.now()
        async with self._outbox.transaction() as tx:
            due = (
                (await tx.execute(select(console_tables.drills).where(d.fired_at.is_(None), d.due_at <= now)))
                .mappings()
                .all()
            )
            started = [row for row in due if await self._fire(tx, dict(row), _SYSTEM, now)]
        for row in started:
            log.info("double-blind drill %s started", row["drill_id"])
        return len(started)

    async def _fire(self, tx: AsyncConnection, row: dict[str, Any], actor: Actor, now: datetime) -> bool:
        d = console_tables.drills.c
        claimed = await tx.execute(
            update(console_tables.drills)
            .where(d.drill_id == row["drill_id"], d.fired_at.is_(None))
            .values(fired_at=now)
        )
        if claimed.rowcount != 1:
            return False  # another replica started it
        command = ManualLevelSet(
            event_id=row["command_event_id"],
            occurred_at=now,
            scope=Scope.model_validate_json(row["scope"]),
            level=Level(row["level"]),
            drill=True,
            officer=row["created_by"],
            reason=f"演练 / drill {row['drill_id']}" + (f"：{row['note']}" if row["note"] else ""),
        )
        await self._outbox.add(tx, [command])
        await record(
            tx, actor, "drill.start", f"drill:{row['drill_id']}", now, after={"command_id": command.event_id}
        )
        return True

    async def all(self) -> list[DrillPublic]:
        """Every drill, newest first, with the notices of the response it started."""
        d = console_tables.drills.c
        async with self._outbox.store.read() as conn:
            rows = (
                (await conn.execute(select(console_tables.drills).order_by(d.created_at.desc())))
                .mappings()
                .all()
            )
        return await self._public([dict(row) for row in rows])

    async def _get(self, drill_id: str) -> DrillPublic:
        d = console_tables.drills.c
        async with self._outbox.store.read() as conn:
            row = (
                (await conn.execute(select(console_tables.drills).where(d.drill_id == drill_id)))
                .mappings()
                .one()
            )
        return (await self._public([dict(row)]))[0]

    async def _public(self, rows: list[dict[str, Any]]) -> list[DrillPublic]:
        e, n = tables.events.c, tables.notices.c
        out = []
        async with self._outbox.store.read() as conn:
            for row in rows:
                fired = row.get("fired_at")
                response_ids: list[str] = []
                notified = acknowledged = 0
                if fired is not None:
                    # The responses the drill started are those the rules activated because of its command.
                    payloads = (
                        await conn.execute(
                            select(e.payload).where(
                                e.kind == "response.activated",
                                e.payload.contains(
                                    f'"causation_id":"{row["command_event_id"]}"', autoescape=True
                                ),
                            )
                        )
                    ).scalars()
                    response_ids = sorted(
                        {ResponseActivated.model_validate_json(p).response_id for p in payloads}
                    )
                    if response_ids:
                        notified, acknowledged = (
                            await conn.execute(
                                select(func.count(), func.count(n.acked_at)).where(
                                    n.response_id.in_(response_ids)
                                )
                            )
                        ).one()
                out.append(
                    DrillPublic(
                        drill_id=row["drill_id"],
                        scope=Scope.model_validate_json(row["scope"]),
                        level=Level(row["level"]),
                        mode=row["mode"],
                        window_start=row["window_start"],
                        window_end=row["window_end"],
                        started_at=fired,
                        created_by=row["created_by"],
                        note=row["note"],
                        response_ids=response_ids,
                        notified=notified,
                        acknowledged=acknowledged,
                    )
                )
        return out
