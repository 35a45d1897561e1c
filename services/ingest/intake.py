"""Ingest's effects: accept a signal once and in order, or record refusals as dead letters."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

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
from services.ingest.formats.times import DEFAULT_AHEAD, check_signal_times
from services.ingest.ordering import WarningOrder
from services.recorder.service import deadletter_row

__all__ = ["CONSUMER", "Intake", "Refusal"]

log = logging.getLogger(__name__)

CONSUMER = "ingest"
"""The name under which ingest claims the event ids it has taken (``processed`` table)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused input: why, and the raw bytes it came as."""

    rejected: Rejected
    raw: bytes
    content_type: str


class Intake:
    """Publishes accepted inputs through the outbox and keeps refused ones as dead letters.

    >>> async def demo(intake: Intake, signal: WarningSignal) -> None:  # doctest: +SKIP
    ...     accepted = await intake.accept_warning(signal)
    ...     accepted.duplicate                      # True the second time
    """

    consumer = CONSUMER

    def __init__(
        self, outbox: Outbox, clock: Clock, order: WarningOrder, *, ahead: timedelta = DEFAULT_AHEAD
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self.order = order
        self.ahead = ahead

    async def accept_warning(self, signal: WarningSignal) -> WarningAccepted:
        """Queue a signal for ``sanfang.warnings`` once; an update or cancel may be held for order.

        Whatever format it came in, a signal whose times are outside their window (before
        2000, or issued more than ``ahead`` past the clock) is refused here with
        :class:`Rejected`, before anything is stored: the caller dead-letters it.
        """
        now = self._clock.now()
        check_signal_times(signal, now=now, ahead=self.ahead)
        missing: tuple[str, ...] = ()
        async with self._outbox.transaction() as tx:
            fresh = await claim(tx, self.consumer, [signal], now)
            if fresh:
                missing = await self.order.missing_references(tx, signal)
                if missing:
                    await self.order.hold(tx, signal, missing, now)
                else:
                    await self._outbox.add(
                        tx, [signal, *await self.order.release_after(tx, signal.signal_id, now)]
                    )
        duplicate = not fresh
        (metrics.WARNINGS_DUPLICATE if duplicate else metrics.WARNINGS_ACCEPTED).labels(signal.source).inc()
        log.info(
            "warning %s (%s %s %s, %s) from %s %s",
            signal.signal_id,
            signal.hazard.value,
            signal.colour.value if signal.colour else "-",
            signal.action.value,
            signal.scope.key,
            signal.source,
            "was a duplicate" if duplicate else f"held for {', '.join(missing)}" if missing else "accepted",
        )
        return WarningAccepted(event_id=signal.event_id, signal_id=signal.signal_id, duplicate=duplicate)

    async def release_overdue(self) -> int:
        """Publish held messages whose reference did not come in time; how many went."""
        now = self._clock.now()
        # Called every second: only take the (SQLite: single) write lock when there is work.
        async with self._outbox.store.read() as conn:
            if not await self.order.any_overdue(conn, now):
                return 0
        async with self._outbox.transaction() as tx:
            released = await self.order.release_overdue(tx, now)
            await self._outbox.add(tx, released)
        for signal in released:
            log.warning(
                "warning %s (%s) published without %s: not received within %s",
                signal.signal_id,
                signal.action.value,
                ", ".join(signal.references),
                self.order.hold_time,
            )
        return len(released)

    async def reject(self, source: str, rejected: Rejected, raw: bytes, content_type: str) -> DeadLetter:
        """Record a refused input, with its raw payload, as a dead letter."""
        (letter,) = await self.reject_many(source, [Refusal(rejected, raw, content_type)])
        return letter

    async def reject_many(self, source: str, refusals: Sequence[Refusal]) -> list[DeadLetter]:
        """Record several refused inputs (say the bad rows of one body) in one transaction."""
        letters = [self._letter(source, refusal) for refusal in refusals]
        if not letters:
            return []
        async with self._outbox.transaction() as tx:
            await tx.execute(
                insert_ignore(tables.deadletters, tx.dialect.name),
                [deadletter_row(letter) for letter in letters],
            )
            await self._outbox.add(tx, letters)
        for refusal in refusals:
            metrics.DEADLETTERS.labels(source, refusal.rejected.reason).inc()
        log.warning("refused %d input(s) from %s, first: %s", len(refusals), source, refusals[0].rejected)
        return letters

    def _letter(self, source: str, refusal: Refusal) -> DeadLetter:
        text = refusal.raw.decode("utf-8", errors="replace")
        return DeadLetter(
            event_id=new_id(),
            occurred_at=self._clock.now(),
            source=source,
            reason=refusal.rejected.reason,
            detail=str(refusal.rejected)[:5000],
            content_type=refusal.content_type[:200],
            raw=text[:MAX_RAW_CHARS],
            raw_truncated=len(text) > MAX_RAW_CHARS,
        )
