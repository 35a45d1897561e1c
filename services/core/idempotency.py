"""The idempotent-consumer helper: claim event ids in the same transaction as the effect.

>>> async def handle(tx: AsyncConnection, batch: list[Received]) -> None:  # doctest: +SKIP
...     fresh = await claim(tx, "dispatch", [r.event for r in batch], now)
...     for event in fresh: ...      # only events this consumer never applied
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import TypeVar

from sqlalchemy import Insert
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import Event
from services.core import tables
from services.core.store import insert_ignore

__all__ = ["claim"]

E = TypeVar("E", bound=Event)


async def claim(tx: AsyncConnection, consumer: str, events: Sequence[E], now: datetime) -> list[E]:
    """Record ``events`` as applied by ``consumer`` and return those not applied before.

    Must run in the transaction that applies them: if it rolls back, so does the claim.
    Duplicates inside ``events`` are returned once.
    """
    unique: dict[str, E] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    if not unique:
        return []
    rows = [{"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in unique]
    claimed = set((await tx.execute(_claiming(tx.dialect.name), rows)).scalars())
    return [event for event_id, event in unique.items() if event_id in claimed]


@cache
def _claiming(dialect: str) -> Insert:
    # One statement per dialect, so its cache key is not worked out again on every claim.
    return insert_ignore(tables.processed, dialect).returning(tables.processed.c.event_id)
