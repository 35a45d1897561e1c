"""The courier: sends what the attempts table holds on one channel, without duplicates.

For each batch:

1. **claim** (one committed transaction): due ``pending`` rows become ``sending`` with this
   process as owner — the attempt is on record *before* the channel is called. Rows left
   ``sending`` by an owner silent for longer than the lease are *in doubt* and claimed too.
2. **resolve doubt**: the channel is asked which in-doubt messages (and messages tried
   before: a timed-out send may have got through) it already has
   (``Transport.already_sent``); those are closed as sent and never sent again.
3. **send and record**: for reminders (``cancel_when_acked``) one transaction locks the
   notices, drops the messages of notices acknowledged meanwhile, sends the rest and
   records the outcomes before it commits, so an ack (which locks the notice row too)
   is recorded either before the check or after the send — never a send after an ack.
   Each attempt gets a ``deliveries`` row and a ``sanfang.deliveries`` event; retryable
   failures go back to ``pending`` with backoff, up to ``max_tries``; the last failure
   pulls the person's next escalation step forward to now.

A crash anywhere leaves rows ``pending`` (sent later) or ``sending`` (resolved by asking
the channel), so nothing is lost and nothing the channel already took is sent again.

>>> async def demo(courier: Courier) -> None:  # doctest: +SKIP
...     sent = await courier.drain()   # until nothing is due; ``run`` keeps doing it
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import derived_id
from schemas.notices import Channel, Delivery, DeliveryStatus
from services.core import metrics, tables
from services.core.backoff import Backoff
from services.core.bus import TRANSIENT
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.channels.base import Outcome, Outgoing, Transport
from services.dispatch.errors import ChannelError

__all__ = ["Courier"]

log = logging.getLogger(__name__)
_A = dispatch_tables.attempts.c


@dataclass(frozen=True)
class _Claimed:
    message: Outgoing
    person_id: str
    target_person_id: str | None
    response_id: str
    tries: int
    doubtful: bool


class Courier:
    """Drains one channel's attempts; several couriers (processes) may share a PostgreSQL table."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        transport: Transport,
        *,
        owner: str,
        lease: timedelta,
        max_tries: int,
        batch: int,
        cancel_when_acked: bool,
        idle: float = 1.0,
    ) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock
        self.transport = transport
        self.channel: Channel = transport.channel
        self._owner = owner
        self._lease = lease
        self._max_tries = max_tries
        self._batch = batch
        self._cancel_when_acked = cancel_when_acked
        self._idle = idle
        self.wakeup = asyncio.Event()

    async def run(self) -> None:
        """Drain, then wait for a wake-up (or ``idle`` seconds), forever; transient errors back off."""
        backoff = Backoff()
        while True:
            try:
                await self.drain()
            except TRANSIENT as exc:
                log.warning("%s courier: %s; will retry", self.channel, exc)
                await backoff.wait()
                continue
            backoff.reset()
            self.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), timeout=self._idle)

    async def drain(self) -> int:
        """Send batches until nothing is due; returns how many messages were handled."""
        total = 0
        while handled := await self.drain_once():
            total += handled
        return total

    async def drain_once(self) -> int:
        """Claim, resolve doubt, send and record one batch; returns its size (0: nothing due)."""
        claimed = await self._claim()
        size = len(claimed)
        if not size:
            return 0
        doubtful = [c for c in claimed if c.doubtful]
        if doubtful:
            try:
                have = await self.transport.already_sent([c.message for c in doubtful])
            except ChannelError as exc:
                # Unsure: send nothing of these now; they come back in doubt after the lease.
                log.warning("%s courier: %s; leaving %d sends in doubt", self.channel, exc, len(doubtful))
                claimed = [c for c in claimed if not c.doubtful]
                have = set()
            confirmed = [c for c in doubtful if c.message.ref in have]
            if confirmed:
                detail = "the channel already had it (confirmed after a restart); not sent again"
                async with self._outbox.transaction() as tx:
                    await self._record(tx, [(c, Outcome.sent(c.message.ref, detail)) for c in confirmed])
                log.warning(
                    "%s courier: %d of %d sends in doubt were already taken",
                    self.channel,
                    len(confirmed),
                    len(doubtful),
                )
            claimed = [c for c in claimed if c.message.ref not in have]
        if claimed:
            await self._send(claimed)
        return size

    async def _claim(self) -> list[_Claimed]:
        now = self._clock.now()
        n = tables.notices.c
        query = (
            select(
                _A.ref,
                _A.notice_id,
                _A.person_id,
                _A.target_person_id,
                _A.address,
                _A.body,
                _A.state,
                _A.tries,
                n.response_id,
            )
            .join(tables.notices, n.notice_id == _A.notice_id)
            .where(
                _A.channel == self.channel.value,
                or_(
                    and_(_A.state == "pending", _A.next_at <= now),
                    and_(_A.state == "sending", _A.claimed_at < now - self._lease),
                ),
            )
            .order_by(_A.next_at, _A.ref)
            .limit(self._batch)
        )
        async with self._store.transaction() as tx:
            if tx.dialect.name == "postgresql":
                query = query.with_for_update(of=dispatch_tables.attempts, skip_locked=True)
            rows = (await tx.execute(query)).all()
            if not rows:
                return []
            fresh = [r.ref for r in rows if r.state == "pending"]
            stale = [r.ref for r in rows if r.state == "sending"]
            if fresh:
                await tx.execute(
                    update(dispatch_tables.attempts)
                    .where(_A.ref.in_(fresh))
                    .values(state="sending", owner=self._owner, claimed_at=now, tries=_A.tries + 1)
                )
            if stale:
                await tx.execute(
                    update(dispatch_tables.attempts)
                    .where(_A.ref.in_(stale))
                    .values(owner=self._owner, claimed_at=now)
                )
            if self.channel is Channel.APP:
                ids = await _lock_notices(tx, [r.notice_id for r in rows])
                await tx.execute(
                    update(tables.notices)
                    .where(n.notice_id.in_(ids), n.sent_at.is_(None))
                    .values(sent_at=now)
                )
        return [
            _Claimed(
                Outgoing(r.ref, r.notice_id, r.address, r.body),
                r.person_id,
                r.target_person_id,
                r.response_id,
                r.tries + (1 if r.state == "pending" else 0),
                # Left "sending" by a dead owner, or tried before and failed (a timeout may
                # have got through): either way, the channel is asked before a resend.
                r.state == "sending" or r.tries > 0,
            )
            for r in rows
        ]

    async def _send(self, claimed: list[_Claimed]) -> None:
        if not self._cancel_when_acked:
            outcomes = await self.transport.send([c.message for c in claimed])
            async with self._outbox.transaction() as tx:
                await self._record(tx, list(zip(claimed, outcomes, strict=True)))
            return
        async with self._outbox.transaction() as tx:
            acked = await self._lock_acked(tx, sorted({c.message.notice_id for c in claimed}))
            live = [c for c in claimed if c.message.notice_id not in acked]
            dropped = [c.message.ref for c in claimed if c.message.notice_id in acked]
            if dropped:
                await tx.execute(
                    update(dispatch_tables.attempts)
                    .where(_A.ref.in_(dropped))
                    .values(state="cancelled", detail="acknowledged before it was sent")
                )
            # The send happens inside the transaction that holds the notice rows: see the module doc.
            outcomes = await self.transport.send([c.message for c in live]) if live else []
            await self._record(tx, list(zip(live, outcomes, strict=True)))

    async def _lock_acked(self, tx: AsyncConnection, notice_ids: list[str]) -> set[str]:
        n = tables.notices.c
        query = select(n.notice_id, n.acked_at).where(n.notice_id.in_(notice_ids)).order_by(n.notice_id)
        if tx.dialect.name == "postgresql":
            query = query.with_for_update()
        else:
            # SQLite: take the write lock now (a no-op write), so no other process's ack
            # can commit between this check and the send.
            await tx.execute(update(dispatch_tables.attempts).where(_A.ref == "").values(detail=""))
        return {row.notice_id for row in (await tx.execute(query)).all() if row.acked_at is not None}

    async def _record(self, tx: AsyncConnection, results: Sequence[tuple[_Claimed, Outcome]]) -> None:
        if not results:
            return
        now = self._clock.now()
        deliveries: list[Delivery] = []
        exhausted: list[str] = []
        # One UPDATE per distinct outcome: a fan-out batch is a thousand identical "sent".
        groups: dict[tuple[str, datetime, str], list[str]] = {}
        for claimed, outcome in results:
            state, next_at = self._next_state(claimed, outcome, now)
            if state == "failed":
                exhausted.append(claimed.message.notice_id)
            groups.setdefault((state, next_at, outcome.detail), []).append(claimed.message.ref)
            deliveries.append(self._delivery(claimed, outcome, now))
            metrics.SENDS.labels(self.channel.value, "sent" if outcome.ok else state).inc()
        for (state, next_at, detail), refs in groups.items():
            await tx.execute(
                update(dispatch_tables.attempts)
                .where(_A.ref.in_(refs))
                .values(state=state, next_at=next_at, detail=detail)
            )
        await tx.execute(insert_ignore(tables.deliveries, tx.dialect.name), [_row(d) for d in deliveries])
        await self._outbox.add(tx, deliveries)
        if self.channel is Channel.APP:
            done = await _lock_notices(tx, [c.message.notice_id for c, o in results if o.ok])
            if done:
                n = tables.notices.c
                await tx.execute(
                    update(tables.notices)
                    .where(n.notice_id.in_(done), n.delivered_at.is_(None))
                    .values(delivered_at=now)
                )
                metrics.MQTT_PUBLISHED.inc(len(done))
        if exhausted:
            # This channel gave up: the person's next escalation step comes now, not later.
            e = dispatch_tables.escalations.c
            await tx.execute(
                update(dispatch_tables.escalations)
                .where(e.notice_id.in_(exhausted), e.state == "waiting", e.due_at > now)
                .values(due_at=now, updated_at=now)
            )

    def _next_state(self, claimed: _Claimed, outcome: Outcome, now: datetime) -> tuple[str, datetime]:
        if outcome.ok:
            return "sent", now
        if outcome.retryable and claimed.tries < self._max_tries:
            return "pending", now + timedelta(seconds=min(60.0, 2.0**claimed.tries))
        return "failed", now

    def _delivery(self, claimed: _Claimed, outcome: Outcome, now: datetime) -> Delivery:
        if outcome.ok:
            status = DeliveryStatus.DELIVERED if self.channel is Channel.APP else DeliveryStatus.SENT
        else:
            status = DeliveryStatus.FAILED
        target = claimed.target_person_id
        to = f" (to {target})" if target and target != claimed.person_id else ""
        return Delivery(
            event_id=derived_id("delivery", claimed.message.ref, str(claimed.tries), status.value),
            occurred_at=now,
            causation_id=claimed.message.notice_id,
            notice_id=claimed.message.notice_id,
            person_id=claimed.person_id,
            response_id=claimed.response_id,
            channel=self.channel,
            status=status,
            attempt=max(1, claimed.tries),
            detail=(outcome.detail + to)[:500],
        )


async def _lock_notices(tx: AsyncConnection, notice_ids: list[str]) -> list[str]:
    """Lock notice rows in id order, as every multi-row locker does: no deadlocks between them."""
    if notice_ids and tx.dialect.name == "postgresql":
        n = tables.notices.c
        query = select(n.notice_id).where(n.notice_id.in_(notice_ids)).order_by(n.notice_id).with_for_update()
        await tx.execute(query)
    return notice_ids


def _row(d: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": d.event_id,
        "notice_id": d.notice_id,
        "channel": d.channel.value,
        "status": d.status.value,
        "attempt": d.attempt,
        "at": d.occurred_at,
        "detail": d.detail,
    }
