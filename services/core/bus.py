"""The one wrapper over aiokafka: topics, a producer for the outbox relay, consumer loops.

A consumer loop hands batches of parsed events to a plain async handler, commits the
offsets only after the handler returned (its effect is durable by then), retries with
backoff while the database or broker is away, and sends poison messages to
``sanfang.deadletter`` instead of stopping.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     async with Bus(settings) as bus:
...         await bus.ensure_topics()
...         loop = ConsumerLoop(bus, group="rules", topics=[Topic.WARNINGS], handler=handle)
...         await loop.run()
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from schemas.deadletter import MAX_RAW_CHARS, DeadLetter
from schemas.envelope import derived_id
from schemas.topics import AnyEvent, Topic, event_key, event_types, parse_event, topic_of
from services.core.errors import BusError, SanfangError, TransientError
from services.core.settings import Settings

__all__ = ["Backoff", "BatchHandler", "Bus", "ConsumerLoop", "Received", "headers", "serialise"]

log = logging.getLogger(__name__)

#: Errors after which the same batch is tried again: the database or broker is away.
TRANSIENT = (TransientError, SQLAlchemyError, KafkaError, OSError, TimeoutError)


@dataclass(frozen=True)
class Received:
    """One event read off the bus, with where it came from."""

    event: AnyEvent
    topic: str
    partition: int
    offset: int


BatchHandler = Callable[[Sequence[Received]], Awaitable[None]]


#: Each event kind's schema version, so headers can be made from the kind alone (the outbox
#: keeps only the kind beside the payload).
_SCHEMA_VERSIONS = {
    model.model_fields["kind"].default: str(model.model_fields["schema_version"].default)
    for model in event_types()
}


def headers(kind: str) -> list[tuple[str, bytes]]:
    """The headers every event travels with: its kind, schema version and content type."""
    return [
        ("kind", kind.encode()),
        ("schema_version", _SCHEMA_VERSIONS[kind].encode()),
        ("content-type", b"application/json"),
    ]


def serialise(event: AnyEvent) -> tuple[str, bytes, list[tuple[str, bytes]]]:
    """The key, value and headers an event travels with."""
    return event_key(event), event.model_dump_json().encode(), headers(event.kind)


class Backoff:
    """Exponential backoff with full jitter, capped; ``reset`` after a success."""

    def __init__(self, first: float = 0.2, cap: float = 15.0) -> None:
        self._first = first
        self._cap = cap
        self._attempt = 0

    def reset(self) -> None:
        """Start again from the shortest wait."""
        self._attempt = 0

    async def wait(self) -> None:
        """Sleep for the next backoff interval."""
        ceiling = min(self._cap, self._first * 2**self._attempt)
        self._attempt += 1
        # Jitter spreads the retries of many consumers; not a security use of random.
        await asyncio.sleep(random.uniform(ceiling / 2, ceiling))  # noqa: S311


class Bus:
    """The Kafka connection of one service: an admin client and one producer."""

    def __init__(self, settings: Settings, bootstrap: str) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None

    def topic(self, topic: Topic) -> str:
        """The full name of a topic, with the deployment's prefix."""
        return self.settings.topic(topic.value)

    async def __aenter__(self) -> Bus:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=self.settings.kafka_idempotence_effective,
            linger_ms=5,
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
        )
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            self._producer = None
            hint = ""
            if self.settings.kafka_idempotence_effective:
                hint = (
                    " (the idempotent producer is on: a broker without it, such as Tansu, needs "
                    "SANFANG_KAFKA_ENABLE_IDEMPOTENCE=false)"
                )
            raise BusError(f"cannot reach Kafka at {self.bootstrap}: {exc}{hint}") from exc
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        """The started producer."""
        if self._producer is None:
            raise BusError("the bus is not open; use 'async with Bus(...)'")
        return self._producer

    async def ensure_topics(self) -> None:
        """Create every Sanfang topic that does not exist yet."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=15000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            wanted = [
                NewTopic(
                    self.topic(topic),
                    num_partitions=self.settings.topic_partitions,
                    replication_factor=self.settings.topic_replication,
                )
                for topic in Topic
                if self.topic(topic) not in existing
            ]
            if wanted:
                await admin.create_topics(wanted)
        except TopicAlreadyExistsError:
            pass  # another service created them first
        except KafkaError as exc:
            raise BusError(f"cannot create topics on {self.bootstrap}: {exc}") from exc
        finally:
            await admin.close()

    async def send_many(self, messages: Sequence[tuple[str, str, bytes, list[tuple[str, bytes]]]]) -> None:
        """Send ``(topic, key, value, headers)`` messages and wait until Kafka has all of them."""
        try:
            futures = [
                await self.producer.send(topic, value=value, key=key.encode(), headers=headers)
                for topic, key, value, headers in messages
            ]
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise BusError(f"Kafka did not take {len(messages)} message(s): {exc}") from exc

    async def publish(self, event: AnyEvent) -> None:
        """Send one event straight to its topic (the outbox relay is the usual way)."""
        key, value, headers = serialise(event)
        await self.send_many([(self.topic(topic_of(event)), key, value, headers)])


class ConsumerLoop:
    """Reads batches from some topics in one consumer group and hands them to a handler."""

    def __init__(
        self,
        bus: Bus,
        *,
        group: str,
        topics: Sequence[Topic],
        handler: BatchHandler,
        max_batch: int = 500,
    ) -> None:
        self._bus = bus
        self.group = bus.settings.topic(group)
        self._topics = [bus.topic(t) for t in topics]
        self._handler = handler
        self._max_batch = max_batch
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._in_hand = 0
        self.started = asyncio.Event()

    def stop(self) -> None:
        """Finish the batch in hand, commit it, and return from ``run``."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until ``stop`` is called or the task is cancelled."""
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._bus.bootstrap,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self._max_batch,
            session_timeout_ms=self._bus.settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(300, self._bus.settings.kafka_session_timeout_ms // 3),
        )
        backoff = Backoff()
        while True:
            try:
                await consumer.start()
                break
            except KafkaError as exc:
                log.warning("consumer %s cannot reach Kafka yet (%s); retrying", self.group, exc)
                await backoff.wait()
        self._consumer = consumer
        self.started.set()
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=self._max_batch)
                self._in_hand = sum(len(records) for records in batches.values())
                for partition, records in batches.items():
                    await self._process(records)
                    await self._commit(consumer, partition, records[-1].offset + 1)
                    self._in_hand -= len(records)
        finally:
            self._consumer = None
            await consumer.stop()

    async def lag(self) -> int | None:
        """Records on this loop's partitions not yet handled and committed: the broker's end
        offsets less what was taken, plus what is in hand. ``None`` while the loop has no
        partitions (not started, or rebalancing) or the broker does not answer, when the
        answer would be a guess."""
        consumer = self._consumer
        partitions = consumer.assignment() if consumer is not None else set()
        if consumer is None or not partitions:
            return None
        try:
            ends = await consumer.end_offsets(list(partitions))
            behind: list[int] = [max(0, end - await consumer.position(tp)) for tp, end in ends.items()]
        except KafkaError as exc:
            log.debug("consumer %s cannot tell its lag now: %s", self.group, exc)
            return None
        return sum(behind) + self._in_hand

    async def _process(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        received: list[Received] = []
        for record in records:
            try:
                event = parse_event(record.value or b"")
            except ValidationError as exc:
                await self._dead_letter(record, "invalid_event", str(exc))
                continue
            received.append(Received(event, record.topic, record.partition, record.offset))
        if received:
            await self._handle(received)

    async def _handle(self, received: Sequence[Received]) -> None:
        backoff = Backoff()
        while True:
            try:
                await self._handler(received)
            except TRANSIENT as exc:
                log.warning("consumer %s: %s; retrying the batch", self.group, exc)
                await backoff.wait()
            except SanfangError as exc:
                await self._isolate(received, exc)
                return
            else:
                return

    async def _isolate(self, received: Sequence[Received], error: Exception) -> None:
        """A batch failed for a reason that is not transient: find the poison, pass the rest."""
        if len(received) == 1:
            item = received[0]
            log.error("consumer %s: event %s refused: %s", self.group, item.event.event_id, error)
            await self._bus.publish(
                self._letter(
                    item.topic, item.offset, "handler_refused", str(error), item.event.model_dump_json()
                )
            )
            return
        for item in received:
            await self._handle([item])

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str) -> None:
        raw = (record.value or b"").decode("utf-8", errors="replace")
        log.warning(
            "consumer %s: poison message at %s:%s: %s", self.group, record.topic, record.offset, reason
        )
        letter = self._letter(record.topic, record.offset, reason, detail, raw, partition=record.partition)
        backoff = Backoff()
        while True:
            try:
                await self._bus.publish(letter)
            except BusError as exc:
                log.warning("cannot publish dead letter yet: %s", exc)
                await backoff.wait()
            else:
                return

    def _letter(
        self, topic: str, offset: int, reason: str, detail: str, raw: str, partition: int = -1
    ) -> DeadLetter:
        return DeadLetter(
            event_id=derived_id("deadletter", self.group, topic, str(partition), str(offset)),
            occurred_at=datetime.now(UTC),
            source=f"topic:{topic}",
            reason=reason,
            detail=detail[:5000],
            content_type="application/json",
            raw=raw[:MAX_RAW_CHARS],
            raw_truncated=len(raw) > MAX_RAW_CHARS,
        )

    async def _commit(self, consumer: AIOKafkaConsumer, partition: TopicPartition, offset: int) -> None:
        backoff = Backoff()
        while True:
            try:
                await consumer.commit({partition: offset})
            except CommitFailedError as exc:
                # The partition went to another member; it will redeliver, and handlers are idempotent.
                log.warning("consumer %s: commit refused after a rebalance: %s", self.group, exc)
                return
            except KafkaError as exc:
                if self._stopping.is_set():
                    # The effects are durable and idempotent: a redelivery after restart is harmless.
                    log.warning("consumer %s: could not commit on the way out: %s", self.group, exc)
                    return
                log.warning("consumer %s: commit failed (%s); retrying", self.group, exc)
                await backoff.wait()
            else:
                return
