"""Settling the outbox on a broker that keeps nothing: the database stays the source of truth.

The embedded broker keeps its topics in memory, so an event the broker took is not yet safe:
it is safe once every consumer that reads its topic has applied it. The ``Settler`` finds
that point in rounds: it tags every outbox row published so far with a round number, reads
the topics' end offsets, waits until every consumer loop of the process has committed past
them, and records the round as settled. After a crash of the process, or of the broker
alone, ``republish_unsettled`` queues every row of a later round (or of none) again; the
consumers are idempotent, so what they had applied already changes nothing.

>>> async def demo(store: Store, bus: Bus, loops: list[ConsumerLoop]) -> None:  # doctest: +SKIP
...     await republish_unsettled(store)      # at start, before the relay runs
...     await Settler(store, bus, loops).run()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.core import tables
from services.core.backoff import Backoff
from services.core.bus import Bus, ConsumerLoop, is_transient
from services.core.store import Store

__all__ = ["SETTLED_ROUND", "Settler", "republish_unsettled", "settled_round"]

log = logging.getLogger(__name__)

#: The ``watermarks`` row holding the newest round every consumer has applied.
SETTLED_ROUND = "settled_round"


async def settled_round(conn: AsyncConnection) -> int:
    """The newest settled round (0 when none is)."""
    w = tables.watermarks.c
    value = (await conn.execute(select(w.value).where(w.name == SETTLED_ROUND))).scalar()
    return int(value or 0)


async def republish_unsettled(store: Store) -> int:
    """Queue again every published outbox row not known to be applied by every consumer.

    Call it at start, when the broker is new and empty. Returns how many rows were queued.
    """
    o = tables.outbox.c
    async with store.transaction() as tx:
        settled = await settled_round(tx)
        result = await tx.execute(
            update(tables.outbox)
            .where(o.published_at.is_not(None), (o.settle_round.is_(None)) | (o.settle_round > settled))
            .values(published_at=None, settle_round=None)
        )
    count = int(result.rowcount or 0)
    if count:
        log.info("publishing again %d outbox event(s) not yet applied by every consumer", count)
    return count


class Settler:
    """Keeps ``settled_round`` up to date for the consumer loops of this process."""

    def __init__(
        self, store: Store, bus: Bus, loops: Sequence[ConsumerLoop], *, interval: float = 0.5
    ) -> None:
        self._store = store
        self._bus = bus
        self._loops = list(loops)
        self._topics = sorted({topic for loop in self._loops for topic in loop.topics})
        self._interval = interval
        self._stopping = asyncio.Event()
        self._round: int | None = None

    def stop(self) -> None:
        """Return from ``run`` (a round in progress stays unsettled, which is safe)."""
        self._stopping.set()

    async def run(self) -> None:
        """Settle round after round until stopped; while a dependency is away, back off."""
        backoff = Backoff()
        while not self._stopping.is_set():
            try:
                await self.settle_once()
            except Exception as exc:  # sorted: only a transient failure is retried
                if not is_transient(exc):
                    raise
                log.warning("outbox settler: %s; will retry", exc)
                await backoff.wait()
                continue
            backoff.reset()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    async def settle_once(self) -> bool:
        """Tag what was published since the last round, wait until every loop has applied it,
        record the round. Returns whether a round was settled (``False``: nothing new, or
        stopped while waiting)."""
        number = await self._next_round()
        o = tables.outbox.c
        async with self._store.transaction() as tx:
            tagged = await tx.execute(
                update(tables.outbox)
                .where(o.published_at.is_not(None), o.settle_round.is_(None))
                .values(settle_round=number)
            )
        if not tagged.rowcount:
            return False
        self._round = number
        # Rows are marked published only after the broker took them, so every row just
        # tagged lies below these end offsets.
        ends = await self._bus.end_offsets(self._topics)
        while not all(loop.has_applied(ends) for loop in self._loops):
            if self._stopping.is_set():
                return False
            await asyncio.sleep(0.05)
        await self._record(number)
        return True

    async def _next_round(self) -> int:
        if self._round is None:
            async with self._store.read() as conn:
                settled = await settled_round(conn)
                tagged = (await conn.execute(select(func.max(tables.outbox.c.settle_round)))).scalar()
            self._round = max(settled, int(tagged or 0))
        return self._round + 1

    async def _record(self, number: int) -> None:
        w = tables.watermarks.c
        async with self._store.transaction() as tx:
            done = await tx.execute(
                update(tables.watermarks).where(w.name == SETTLED_ROUND).values(value=number)
            )
            if not done.rowcount:
                await tx.execute(insert(tables.watermarks).values(name=SETTLED_ROUND, value=number))
