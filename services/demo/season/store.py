"""Writes the generated season into an event store, as the recorder would have kept it, with
the directory it was generated for (so the review can group by unit, street and role).

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     count = await write_season(store, generate_baoan_directory(), seed=2024, clock=SystemClock())
"""

from __future__ import annotations

from collections.abc import Callable

from schemas.topics import event_key, topic_of
from services.core import tables
from services.core.clock import Clock
from services.core.store import Store, insert_ignore
from services.demo.season.log import season_log
from services.dispatch.directory_store import save_directory
from services.dispatch.domain.directory import Directory

__all__ = ["write_season"]

_BATCH = 5000


async def write_season(
    store: Store,
    directory: Directory,
    *,
    seed: int,
    clock: Clock,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Append every event of the season to ``events``, recorded at ``clock``'s now; returns how
    many were written."""
    now = clock.now()
    await save_directory(store, directory, source=f"demo season, seed {seed}", now=now)
    rows: list[dict[str, object]] = []
    count = 0
    for event in season_log(directory, seed=seed):
        rows.append(
            {
                "event_id": event.event_id,
                "topic": topic_of(event).value,
                "kind": event.kind,
                "key": event_key(event),
                "occurred_at": event.occurred_at,
                "recorded_at": now,
                "payload": event.model_dump_json(),
            }
        )
        if len(rows) >= _BATCH:
            count += await _insert(store, rows)
            rows = []
            if progress:
                progress(count)
    return count + await _insert(store, rows)


async def _insert(store: Store, rows: list[dict[str, object]]) -> int:
    if rows:
        async with store.transaction() as tx:
            await tx.execute(insert_ignore(tables.events, store.dialect), rows)
    return len(rows)
