"""What the running services still have to do, read from the database: whether they are at
rest (so the clock may skip ahead) and the next deadline they keep (escalation steps,
retries), so a skip never jumps over one.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     before = await activity(store)
...     ...
...     at_rest = before.at_rest and before == await activity(store)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from services.core import tables
from services.core.store import Store
from services.dispatch import tables as dispatch_tables

__all__ = ["Activity", "activity", "next_service_deadline"]


@dataclass(frozen=True)
class Activity:
    """Counters that move while the services work; equal twice in a row means nothing moved."""

    unpublished: int
    sending: int
    recorded: int
    claimed: int

    @property
    def at_rest(self) -> bool:
        """Nothing waits in the outbox and no message is on its way to a channel."""
        return self.unpublished == 0 and self.sending == 0


async def activity(store: Store) -> Activity:
    """The counters now."""
    o, a = tables.outbox.c, dispatch_tables.attempts.c
    async with store.read() as conn:
        unpublished = await conn.scalar(select(func.count()).where(o.published_at.is_(None)))
        sending = await conn.scalar(select(func.count()).where(a.state == "sending"))
        recorded = await conn.scalar(select(func.max(tables.events.c.seq)))
        claimed = await conn.scalar(select(func.count()).select_from(tables.processed))
    return Activity(unpublished or 0, sending or 0, recorded or 0, claimed or 0)


async def next_service_deadline(store: Store) -> datetime | None:
    """The earliest escalation step or channel retry the services will take by themselves."""
    e, a = dispatch_tables.escalations.c, dispatch_tables.attempts.c
    async with store.read() as conn:
        step = await conn.scalar(select(func.min(e.due_at)).where(e.state == "waiting"))
        retry = await conn.scalar(select(func.min(a.next_at)).where(a.state == "pending"))
    found = [at for at in (step, retry) if at is not None]
    return min(found, default=None)
