"""Where a replay reads the recorded events: the event store (the ``events`` table) or the
Kafka topics themselves, and the directory (``units``, ``persons``) for grouping.

The store yields the events' JSON payloads and Kafka parsed events, in chunks; both report
progress as (read, total). Errors of the database or of Kafka are translated to
:class:`SourceError` here.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     async for chunk in read_store(store, start=None, end=None):
...         add_payloads(ledger, chunk)
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import SQLAlchemyError

from schemas.directory import Person, Unit
from schemas.topics import AnyEvent, Topic, parse_event
from services.core import tables
from services.core.settings import Settings
from services.core.store import Store
from services.replay.domain.ledger import NoticeTimes
from services.replay.domain.people import People
from services.replay.errors import SourceError

__all__ = ["CHUNK", "Progress", "count_store", "read_kafka", "read_notice_times", "read_people", "read_store"]

log = logging.getLogger(__name__)

#: Events parsed and handed on at a time.
CHUNK = 5000
_IDLE_MS = 500
_GIVE_UP_MS = 15000
#: Told (events read so far, events in all, if known) after every chunk.
Progress = Callable[[int, int | None], None]


def _window(start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    e = tables.events.c
    where = []
    if start is not None:
        where.append(e.occurred_at >= start)
    if end is not None:
        where.append(e.occurred_at < end)
    return where


def _inside(event: AnyEvent, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or event.occurred_at >= start) and (end is None or event.occurred_at < end)


async def count_store(store: Store, *, start: datetime | None, end: datetime | None) -> int:
    """How many recorded events the window holds."""
    try:
        async with store.read() as conn:
            query = select(func.count()).select_from(tables.events).where(*_window(start, end))
            return int((await conn.execute(query)).scalar_one())
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot count the recorded events: {exc}") from exc


async def read_store(
    store: Store, *, start: datetime | None, end: datetime | None, progress: Progress | None = None
) -> AsyncIterator[list[str]]:
    """The window's recorded events as their JSON payloads, in the order they were recorded,
    in chunks: parsing is the ledger's (:func:`~services.replay.domain.payloads.add_payloads`),
    which reads most of them without building their models."""
    total = await count_store(store, start=start, end=end) if progress else None
    e = tables.events.c
    query = select(e.payload).where(*_window(start, end)).order_by(e.seq).execution_options(yield_per=CHUNK)
    done = 0
    try:
        async with store.read() as conn:
            result = await conn.stream_scalars(query)
            async for chunk in result.partitions(CHUNK):
                done += len(chunk)
                if progress:
                    progress(done, total)
                yield list(chunk)
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot read the recorded events: {exc}") from exc


async def read_notice_times(
    store: Store, *, start: datetime | None, end: datetime | None
) -> dict[str, NoticeTimes]:
    """When dispatch wrote, sent and delivered each notice of the window, by notice id: the
    ``notices`` rows, with the times dispatch put there as it worked."""
    n = tables.notices.c
    where = []
    if start is not None:
        where.append(n.created_at >= start)
    if end is not None:
        where.append(n.created_at < end)
    query = select(n.notice_id, n.created_at, n.sent_at, n.delivered_at).where(*where)
    try:
        async with store.read() as conn:
            rows = (await conn.execute(query)).all()
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot read the notices' times: {exc}") from exc
    return {row.notice_id: NoticeTimes(row.created_at, row.sent_at, row.delivered_at) for row in rows}


async def read_people(store: Store) -> People:
    """The current directory's persons, with their unit names (empty when none is loaded)."""
    try:
        async with store.read() as conn:
            units = [
                Unit.model_validate(dict(r)) for r in (await conn.execute(select(tables.units))).mappings()
            ]
            rows = (await conn.execute(select(tables.persons))).mappings().all()
    except SQLAlchemyError as exc:
        raise SourceError(f"cannot read the directory: {exc}") from exc
    persons = [Person.model_validate({k: v for k, v in row.items() if k != "hazard_kind"}) for row in rows]
    return People.from_directory(units, persons)


async def read_kafka(
    settings: Settings,
    bootstrap: str,
    *,
    start: datetime | None,
    end: datetime | None,
    progress: Progress | None = None,
) -> AsyncIterator[list[AnyEvent]]:
    """Every event on Sanfang's topics, from the beginning to the offsets at the start of the
    read, in chunks; no consumer group is joined, so nothing is committed or disturbed.

    Messages that are not valid events are skipped (the recorder dead-letters them).
    """
    topics = [settings.topic(t.value) for t in Topic if t is not Topic.DEADLETTER]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, request_timeout_ms=15000
    )
    try:
        await consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            await consumer.topics()  # metadata may not be loaded yet
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        first = await consumer.beginning_offsets(partitions)
        last = await consumer.end_offsets(partitions)
        total = sum(last[p] - first[p] for p in partitions)
        async for chunk in _drain(consumer, partitions, last, start, end, total, progress):
            yield chunk
    except KafkaError as exc:
        raise SourceError(f"cannot read the topics at {bootstrap}: {exc}") from exc
    finally:
        await consumer.stop()


async def _drain(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    last: dict[TopicPartition, int],
    start: datetime | None,
    end: datetime | None,
    total: int,
    progress: Progress | None,
) -> AsyncIterator[list[AnyEvent]]:
    """Read until every partition is past the end offsets *and* a fetch brings nothing older
    than the read itself. The second condition is needed because the embedded broker (Tansu)
    reports an end offset that can lag the last batch; records produced after the read began
    (a live system) are left for the next replay."""
    started_ms = time.time() * 1000
    done = skipped = idle = 0
    while True:
        batches: dict[TopicPartition, list[Any]] = await consumer.getmany(
            timeout_ms=_IDLE_MS, max_records=CHUNK
        )
        chunk: list[AnyEvent] = []
        fresh = 0
        for records in batches.values():
            for record in records:
                if record.timestamp > started_ms:
                    continue
                fresh += 1
                try:
                    event = parse_event(record.value or b"")
                except ValidationError:
                    skipped += 1
                    continue
                if _inside(event, start, end):
                    chunk.append(event)
        done += fresh
        if progress:
            progress(done, max(total, done))
        if chunk:
            yield chunk
        if fresh:
            idle = 0
            continue
        if all([await consumer.position(p) >= last[p] for p in partitions]):
            break
        idle += 1
        if idle * _IDLE_MS > _GIVE_UP_MS:
            log.warning("replay from Kafka: no records for %d s before the end offsets", _GIVE_UP_MS // 1000)
            break
    if skipped:
        log.warning("replay from Kafka skipped %d message(s) that are not valid events", skipped)
