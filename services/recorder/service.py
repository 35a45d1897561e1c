"""The recorder service: consumes every topic and appends each event once to the event store.

Dead letters are also kept in their own table, so the API can list what was refused.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas.deadletter import DeadLetter
from schemas.topics import Topic, event_key
from services.core import tables
from services.core.bus import Bus, ConsumerLoop, Received
from services.core.clock import Clock
from services.core.store import Store, insert_ignore

__all__ = ["Recorder", "deadletter_row"]


def deadletter_row(letter: DeadLetter) -> dict[str, object]:
    """The ``deadletters`` row of a dead letter."""
    return {
        "event_id": letter.event_id,
        "source": letter.source,
        "reason": letter.reason,
        "detail": letter.detail,
        "content_type": letter.content_type,
        "raw": letter.raw,
        "raw_truncated": letter.raw_truncated,
        "received_at": letter.occurred_at,
    }


class Recorder:
    """Appends events to ``events``; the unique event id makes redeliveries harmless."""

    group = "recorder"

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def consumer(self, bus: Bus) -> ConsumerLoop:
        """The consumer loop that feeds this recorder from every topic."""
        return ConsumerLoop(bus, group=self.group, topics=list(Topic), handler=self.handle, max_batch=1000)

    async def handle(self, batch: Sequence[Received]) -> None:
        """Append a batch of events in one transaction."""
        now = self._clock.now()
        rows = [
            {
                "event_id": item.event.event_id,
                "topic": item.topic,
                "kind": item.event.kind,
                "key": event_key(item.event),
                "occurred_at": item.event.occurred_at,
                "recorded_at": now,
                "payload": item.event.model_dump_json(),
            }
            for item in batch
        ]
        letters = [deadletter_row(item.event) for item in batch if isinstance(item.event, DeadLetter)]
        async with self._store.transaction() as tx:
            await tx.execute(insert_ignore(tables.events, self._store.dialect), rows)
            if letters:
                await tx.execute(insert_ignore(tables.deadletters, self._store.dialect), letters)
