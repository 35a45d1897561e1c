"""Taking a batch of gauge readings: publish the new ones once, dead-letter the refused rows.

Readings are deduplicated by event id (derived from station, time and interval, so a
re-sent reading is the same reading); a correction has its own id (the value is part of
it) and names the reading it replaces in ``corrects``. Each station's newest reading is
kept for ``GET /api/v1/stations`` and the silent-station check.

>>> async def demo(rainfall: RainfallIntake, batch: GaugeBatch) -> None:  # doctest: +SKIP
...     answer = await rainfall.take(batch, source="api:/api/v1/rainfall", body=b"...",
...                                  media_type="text/csv")
...     answer.accepted, answer.duplicates, answer.rejected
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.api import RainfallAccepted, RowRejected
from schemas.rainfall import GaugeReading
from services.core import metrics
from services.core.clock import Clock
from services.core.idempotency import claim
from services.core.outbox import Outbox
from services.ingest.formats.gauge import GaugeBatch
from services.ingest.intake import CONSUMER, Intake, Refusal
from services.ingest.rows import row_texts
from services.ingest.tables import station_latest

__all__ = ["RainfallIntake"]

log = logging.getLogger(__name__)


class RainfallIntake:
    """Publishes readings through the outbox, once each, and records each station's newest."""

    def __init__(self, outbox: Outbox, clock: Clock, intake: Intake) -> None:
        self._outbox = outbox
        self._clock = clock
        self._intake = intake

    async def take(self, batch: GaugeBatch, *, source: str, body: bytes, media_type: str) -> RainfallAccepted:
        """Accept the batch's good readings and dead-letter its refused rows (with their raw text)."""
        fresh = await self.accept(batch.readings, source=source)
        texts = row_texts(body, media_type, [rejected.path for rejected in batch.rejected])
        letters = await self._intake.reject_many(
            source,
            [
                Refusal(rejected, text.encode(), media_type)
                for rejected, text in zip(batch.rejected, texts, strict=True)
            ],
        )
        corrections = sum(1 for reading in fresh if reading.corrects)
        return RainfallAccepted(
            accepted=len(fresh),
            corrections=corrections,
            duplicates=len(batch.readings) - len(fresh),
            rejected=[
                RowRejected(
                    path=rejected.path,
                    reason=rejected.reason,
                    message=rejected.message,
                    dead_letter_id=letter.event_id,
                )
                for rejected, letter in zip(batch.rejected, letters, strict=True)
            ],
        )

    async def accept(self, readings: Sequence[GaugeReading], *, source: str) -> list[GaugeReading]:
        """Queue the readings not taken before for ``sanfang.rainfall``; returns those."""
        if not readings:
            return []
        now = self._clock.now()
        async with self._outbox.transaction() as tx:
            fresh = await claim(tx, CONSUMER, readings, now)
            await self._outbox.add(tx, fresh)
            await _note_newest(tx, fresh, now)
        corrections = sum(1 for reading in fresh if reading.corrects)
        metrics.RAINFALL_READINGS.labels(source, "accepted").inc(len(fresh) - corrections)
        metrics.RAINFALL_READINGS.labels(source, "correction").inc(corrections)
        metrics.RAINFALL_READINGS.labels(source, "duplicate").inc(len(readings) - len(fresh))
        if corrections:
            log.info("%d corrected reading(s) from %s replace earlier values", corrections, source)
        return fresh


async def _note_newest(tx: AsyncConnection, readings: Sequence[GaugeReading], now: datetime) -> None:
    newest: dict[str, GaugeReading] = {}
    for reading in readings:
        known = newest.get(reading.station_id)
        if known is None or reading.observed_at >= known.observed_at:
            newest[reading.station_id] = reading
    if not newest:
        return
    rows = [
        {
            "station_id": reading.station_id,
            "event_id": reading.event_id,
            "observed_at": reading.observed_at,
            "interval_minutes": reading.interval_minutes,
            "rainfall_mm": reading.rainfall_mm,
            "received_at": now,
        }
        for reading in newest.values()
    ]
    await tx.execute(_newer_wins(tx.dialect.name), rows)


@cache
def _newer_wins(dialect: str) -> Insert:
    # One statement (built once) for both dialects: insert, or replace only when the reading is newer
    # (or the same slot, corrected), so a late or re-sent old reading never rolls it back.
    insert = postgresql.insert(station_latest) if dialect == "postgresql" else sqlite.insert(station_latest)
    new, old = insert.excluded, station_latest.c
    return insert.on_conflict_do_update(
        index_elements=[old.station_id],
        set_={
            "event_id": new.event_id,
            "observed_at": new.observed_at,
            "interval_minutes": new.interval_minutes,
            "rainfall_mm": new.rainfall_mm,
            "received_at": new.received_at,
        },
        where=new.observed_at >= old.observed_at,
    )
