"""Ingest's effects: accept a signal once, or record a refusal as a dead letter."""

from __future__ import annotations

import logging

from schemas.api import WarningAccepted
from schemas.deadletter import MAX_RAW_CHARS, DeadLetter
from schemas.envelope import new_id
from schemas.warnings import WarningSignal
from services.core import metrics, tables
from services.core.clock import Clock
from services.core.idempotency import claim
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.ingest.errors import Rejected
from services.recorder.service import deadletter_row

__all__ = ["Intake"]

log = logging.getLogger(__name__)


class Intake:
    """Publishes accepted inputs through the outbox and keeps refused ones as dead letters."""

    consumer = "ingest"

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    async def accept_warning(self, signal: WarningSignal) -> WarningAccepted:
        """Queue a signal for ``sanfang.warnings``; the same signal again is a duplicate."""
        async with self._outbox.transaction() as tx:
            fresh = await claim(tx, self.consumer, [signal], self._clock.now())
            if fresh:
                await self._outbox.add(tx, fresh)
        duplicate = not fresh
        (metrics.WARNINGS_DUPLICATE if duplicate else metrics.WARNINGS_ACCEPTED).labels(signal.source).inc()
        log.info(
            "warning %s (%s %s %s, %s) %s",
            signal.signal_id,
            signal.hazard.value,
            signal.colour.value if signal.colour else "-",
            signal.action.value,
            signal.scope.key,
            "was a duplicate" if duplicate else "accepted",
        )
        return WarningAccepted(event_id=signal.event_id, signal_id=signal.signal_id, duplicate=duplicate)

    async def reject(self, source: str, rejected: Rejected, raw: bytes, content_type: str) -> DeadLetter:
        """Record a refused input, with its raw payload, as a dead letter."""
        text = raw.decode("utf-8", errors="replace")
        letter = DeadLetter(
            event_id=new_id(),
            occurred_at=self._clock.now(),
            source=source,
            reason=rejected.reason,
            detail=str(rejected)[:5000],
            content_type=content_type[:200],
            raw=text[:MAX_RAW_CHARS],
            raw_truncated=len(text) > MAX_RAW_CHARS,
        )
        async with self._outbox.transaction() as tx:
            await tx.execute(
                insert_ignore(tables.deadletters, tx.dialect.name).values(deadletter_row(letter))
            )
            await self._outbox.add(tx, [letter])
        metrics.DEADLETTERS.labels(source, rejected.reason).inc()
        log.warning("refused input from %s: %s", source, rejected)
        return letter
