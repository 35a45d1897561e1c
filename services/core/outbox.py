"""The transactional outbox: events are written in the same transaction as the state that
caused them, and a relay publishes them to Kafka afterwards.

A crash between the two loses nothing (the rows wait in the outbox) and duplicates
nothing downstream (events carry deterministic ids and consumers are idempotent).

>>> async def demo(outbox: Outbox, events: list[AnyEvent]) -> None:  # doctest: +SKIP
...     async with outbox.transaction() as tx:
...         await tx.execute(...)                 # the state change
...         await outbox.add(tx, events)          # and the events it causes
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.deadletter import MAX_RAW_CHARS, DeadLetter
from schemas.envelope import derived_id
from schemas.topics import AnyEvent, Topic, event_key, topic_of
from services.core import metrics, tables
from services.core.backoff import Backoff
from services.core.bus import TRANSIENT, Bus, headers
from services.core.clock import Clock
from services.core.settling import SETTLED_ROUND
from services.core.store import Store, insert_ignore

__all__ = ["Outbox", "Relay"]

log = logging.getLogger(__name__)


class Outbox:
    """Writes events into the outbox table inside the caller's transaction."""

    def __init__(self, store: Store, clock: Clock, *, topic_prefix: str = "") -> None:
        self.store = store
        self._clock = clock
        self._prefix = topic_prefix
        self.wakeup = asyncio.Event()
        # Built once: the statement's cache key is then not worked out again on every add.
        self._insert = insert_ignore(tables.outbox, store.dialect).returning(tables.outbox.c.event_id)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A store transaction; the relay is woken once it has committed."""
        async with self.store.transaction() as tx:
            yield tx
        self.wakeup.set()

    async def add(self, tx: AsyncConnection, events: Sequence[AnyEvent]) -> int:
        """Queue ``events`` for publishing; an event already queued (same id) is skipped.

        Returns how many were new.
        """
        if not events:
            return 0
        now = self._clock.now()
        # The key and JSON text that ``serialise`` gives, taken straight from the event: its
        # bytes and headers would only be decoded and dropped here (the relay adds headers).
        rows = [
            {
                "event_id": event.event_id,
                "topic": self._prefix + topic_of(event).value,
                "key": event_key(event),
                "kind": event.kind,
                "payload": event.model_dump_json(),
                "created_at": now,
            }
            for event in events
        ]
        return len((await tx.execute(self._insert, rows)).all())


class Relay:
    """Publishes what the outbox holds, in order, and marks it published."""

    def __init__(
        self,
        outbox: Outbox,
        bus: Bus,
        clock: Clock,
        *,
        batch: int = 1000,
        idle: float = 0.25,
        prune_settled_only: bool = False,
    ) -> None:
        self._outbox = outbox
        # On a broker that keeps nothing, a published row is kept until it is settled
        # (services/core/settling.py): it may have to be published again.
        self._prune_settled_only = prune_settled_only
        self._store = outbox.store
        self._bus = bus
        self._clock = clock
        self._batch = batch
        self._idle = idle
        self._stopping = asyncio.Event()
        self._topics = frozenset(bus.settings.topic(topic.value) for topic in Topic)

    def stop(self) -> None:
        """Return from ``run`` after the batch in hand."""
        self._stopping.set()
        self._outbox.wakeup.set()

    async def run(self) -> None:
        """Publish until stopped; while Kafka is away, keep the rows and retry with backoff."""
        backoff = Backoff()
        rounds = 0
        while not self._stopping.is_set():
            try:
                published = await self.publish_pending()
            except TRANSIENT as exc:
                log.warning("outbox relay: %s; will retry", exc)
                await backoff.wait()
                continue
            backoff.reset()
            rounds += 1
            if rounds % 1000 == 0:
                await self.prune()
            if published == 0:
                self._outbox.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._outbox.wakeup.wait(), timeout=self._idle)

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were published."""
        if self._store.dialect == "postgresql":
            return await self._publish_locked()
        return await self._publish_single_writer()

    async def _publish_locked(self) -> int:
        # Several relays may share a PostgreSQL outbox: SKIP LOCKED gives each its own rows.
        async with self._store.transaction() as tx:
            rows = (await tx.execute(self._pending().with_for_update(skip_locked=True))).all()
            if rows:
                await self._send(rows)
                await self._mark(tx, rows)
            return len(rows)

    async def _publish_single_writer(self) -> int:
        # SQLite has one writer: read, send, then mark in a short transaction, so the
        # database is not held while Kafka is slow. A crash before the mark republishes
        # the batch, which idempotent consumers ignore.
        async with self._store.read() as conn:
            rows = (await conn.execute(self._pending())).all()
        if rows:
            await self._send(rows)
            async with self._store.transaction() as tx:
                await self._mark(tx, rows)
        return len(rows)

    def _pending(self) -> Select[Any]:
        o = tables.outbox.c
        return (
            select(o.seq, o.event_id, o.topic, o.key, o.kind, o.payload)
            .where(o.published_at.is_(None))
            .order_by(o.seq)
            .limit(self._batch)
        )

    async def _send(self, rows: Sequence[Row[Any]]) -> None:
        await self._bus.send_many(
            [
                (
                    row.topic,
                    row.key,
                    row.payload.encode(),
                    headers(row.kind),
                )
                for row in rows
                if row.topic in self._topics
            ]
        )

    async def _mark(self, tx: AsyncConnection, rows: Sequence[Row[Any]]) -> None:
        """Mark the batch published, and set aside (as dead letters) its rows that name a topic
        outside this deployment: written under other settings (another topic prefix), no
        broker of this deployment can take them, and retrying them would stall every row after."""
        o = tables.outbox.c
        seqs = [row.seq for row in rows]
        await tx.execute(update(tables.outbox).where(o.seq.in_(seqs)).values(published_at=self._clock.now()))
        foreign = [row for row in rows if row.topic not in self._topics]
        if foreign:
            await self._outbox.add(tx, [self._letter(row) for row in foreign])

    def _letter(self, row: Row[Any]) -> DeadLetter:
        log.error(
            "outbox relay: event %s names topic %s, none of this deployment's: dead-lettered",
            row.event_id,
            row.topic,
        )
        metrics.DEADLETTERS.labels("outbox", "unknown_topic").inc()
        return DeadLetter(
            event_id=derived_id("deadletter", "outbox", row.topic, row.event_id),
            occurred_at=self._clock.now(),
            source=f"outbox:{row.topic}",
            reason="unknown_topic",
            detail=(
                f"outbox row {row.seq} ({row.kind}, event {row.event_id}) names topic {row.topic!r}, "
                f"none of this deployment's (prefix {self._bus.settings.topic_prefix!r}): written under "
                "other settings, it was not published; its event is kept here"
            ),
            content_type="application/json",
            raw=row.payload[:MAX_RAW_CHARS],
            raw_truncated=len(row.payload) > MAX_RAW_CHARS,
        )

    async def prune(self, keep: timedelta = timedelta(days=1)) -> None:
        """Delete rows published longer ago than ``keep`` (the event store keeps history)."""
        cutoff = self._clock.now() - keep
        o = tables.outbox.c
        old = delete(tables.outbox).where(o.published_at.is_not(None), o.published_at < cutoff)
        if self._prune_settled_only:
            w = tables.watermarks.c
            settled = select(w.value).where(w.name == SETTLED_ROUND).scalar_subquery()
            old = old.where(o.settle_round <= settled)
        async with self._store.transaction() as tx:
            await tx.execute(old)
