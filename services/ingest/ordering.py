"""Order of warning messages: an update or cancel waits, in the database, for what it references.

A message is held (``ingest_held_warnings``) while any signal id it references has not
been published yet. When the last of them is, the held message is published right after
it, and in turn whatever waited for that one, each wave in the order of issue. A held
message whose reference never comes is published anyway after the hold time (outcome
``timed_out``, logged): losing a real upgrade is worse than an update arriving without
its issue, which rules read as the signal's current state. Rows stay as the record.

>>> async def demo(order: WarningOrder, tx: AsyncConnection, cancel: WarningSignal) -> None:  # doctest: +SKIP
...     missing = await order.missing_references(tx, cancel)
...     if missing:
...         await order.hold(tx, cancel, missing, now)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import derived_id
from schemas.warnings import WarningAction, WarningSignal
from services.core import metrics
from services.core.tables import processed
from services.ingest.tables import held_warnings

__all__ = ["IN_ORDER", "TIMED_OUT", "WarningOrder", "warning_event_id"]

IN_ORDER = "in_order"
TIMED_OUT = "timed_out"


def warning_event_id(signal_id: str) -> str:
    """The event id of the warning message ``signal_id`` (as every warning parser derives it)."""
    return derived_id("warning", signal_id)


class WarningOrder:
    """Holds out-of-order updates and cancels, and says which may go now."""

    def __init__(self, consumer: str, hold: timedelta) -> None:
        self._consumer = consumer
        self.hold_time = hold

    async def missing_references(self, tx: AsyncConnection, signal: WarningSignal) -> tuple[str, ...]:
        """The referenced signal ids not published yet (an issue references nothing it waits for)."""
        if signal.action is WarningAction.ISSUE or not signal.references:
            return ()
        wanted = {warning_event_id(ref): ref for ref in signal.references if ref != signal.signal_id}
        if not wanted:
            return ()
        p, h = processed.c, held_warnings.c
        seen = set(
            (
                await tx.execute(
                    select(p.event_id).where(p.consumer == self._consumer, p.event_id.in_(list(wanted)))
                )
            ).scalars()
        )
        waiting = set(
            (
                await tx.execute(
                    select(h.event_id).where(h.released_at.is_(None), h.event_id.in_(list(wanted)))
                )
            ).scalars()
        )
        return tuple(ref for event_id, ref in wanted.items() if event_id not in seen or event_id in waiting)

    async def hold(
        self, tx: AsyncConnection, signal: WarningSignal, missing: Sequence[str], now: datetime
    ) -> None:
        """Keep ``signal`` until ``missing`` are published or the hold time is over."""
        await tx.execute(
            held_warnings.insert().values(
                event_id=signal.event_id,
                signal_id=signal.signal_id,
                awaiting=" ".join(missing),
                issued_at=signal.issued_at,
                payload=signal.model_dump_json(),
                held_at=now,
                release_by=now + self.hold_time,
            )
        )
        await self._count(tx)

    async def release_after(self, tx: AsyncConnection, signal_id: str, now: datetime) -> list[WarningSignal]:
        """Held messages that may go now that ``signal_id`` is published, chains included, in order."""
        released: list[WarningSignal] = []
        published = [signal_id]
        while published:
            current = published.pop(0)
            for row in await self._pending(tx):
                if current not in row.awaiting.split():
                    continue
                signal = WarningSignal.model_validate_json(row.payload)
                # It may also wait for another message that is still missing.
                if await self.missing_references(tx, signal):
                    continue
                await self._mark(tx, [signal.event_id], now, IN_ORDER)
                released.append(signal)
                published.append(signal.signal_id)
        if released:
            await self._count(tx)
        return released

    async def any_overdue(self, conn: AsyncConnection, now: datetime) -> bool:
        """Whether a held message is past its hold time (a cheap read before any write)."""
        h = held_warnings.c
        query = select(h.event_id).where(h.released_at.is_(None), h.release_by <= now).limit(1)
        return (await conn.execute(query)).first() is not None

    async def release_overdue(self, tx: AsyncConnection, now: datetime) -> list[WarningSignal]:
        """Held messages past their hold time (and what waited for them), to publish now."""
        h = held_warnings.c
        rows = (
            await tx.execute(
                select(h.payload)
                .where(h.released_at.is_(None), h.release_by <= now)
                .order_by(h.issued_at, h.held_at)
            )
        ).all()
        overdue = [WarningSignal.model_validate_json(row.payload) for row in rows]
        if not overdue:
            return []
        await self._mark(tx, [signal.event_id for signal in overdue], now, TIMED_OUT)
        released = list(overdue)
        for signal in overdue:
            released += await self.release_after(tx, signal.signal_id, now)
        await self._count(tx)
        return released

    async def _pending(self, tx: AsyncConnection) -> Sequence[Row[Any, Any]]:
        # The table holds a handful of rows at most: the referenced message usually
        # arrives within seconds, and every row goes within the hold time.
        h = held_warnings.c
        query = select(h.awaiting, h.payload).where(h.released_at.is_(None)).order_by(h.issued_at, h.held_at)
        return (await tx.execute(query)).all()

    async def _mark(self, tx: AsyncConnection, event_ids: list[str], now: datetime, outcome: str) -> None:
        h = held_warnings.c
        await tx.execute(
            update(held_warnings).where(h.event_id.in_(event_ids)).values(released_at=now, outcome=outcome)
        )

    async def _count(self, tx: AsyncConnection) -> None:
        h = held_warnings.c
        waiting = (await tx.execute(select(func.count()).where(h.released_at.is_(None)))).scalar_one()
        metrics.WARNINGS_HELD.set(waiting)
