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
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError, for_code
from pydantic import ValidationError
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from schemas.deadletter import MAX_RAW_CHARS, DeadLetter
from schemas.envelope import derived_id
from schemas.topics import AnyEvent, Topic, event_key, event_types, parse_event, topic_of
from services.core import metrics
from services.core.backoff import Backoff
from services.core.clock import Clock, SystemClock
from services.core.errors import BusError, TransientError
from services.core.settings import Settings

if TYPE_CHECKING:
    from services.core.outbox import Outbox

__all__ = [
    "BatchHandler",
    "Bus",
    "ConsumerLoop",
    "Received",
    "headers",
    "is_transient",
    "serialise",
]

log = logging.getLogger(__name__)

#: Errors after which the same batch is tried again: the database or broker is away.
TRANSIENT = (TransientError, SQLAlchemyError, KafkaError, OSError, TimeoutError)

#: Database errors that say the statement or its data is wrong, not that the database is away.
_REFUSED_BY_DATABASE = (IntegrityError, DataError, ProgrammingError, NotSupportedError)


def is_transient(exc: BaseException) -> bool:
    """Whether the same work may succeed when tried again later: a dependency is away.

    A database that answers but refuses the statement (an integrity or data error), or a
    value SQLAlchemy could not even bind (an ``OverflowError`` wrapped in a ``StatementError``),
    is not transient: retrying would stall the consumer for ever.

    >>> is_transient(TimeoutError()), is_transient(OverflowError("date value out of range"))
    (True, False)
    """
    if isinstance(exc, TransientError | KafkaError | OSError | TimeoutError | PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or not isinstance(exc, _REFUSED_BY_DATABASE)
    return isinstance(exc, DisconnectionError)


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


class Bus:
    """The Kafka connection of one service: an admin client and one producer."""

    def __init__(self, settings: Settings, bootstrap: str) -> None:
        self.settings = settings
        self.bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None
        self._reader: AIOKafkaConsumer | None = None

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
        reader, self._reader = self._reader, None
        if reader is not None:
            await reader.stop()
        if producer is not None:
            await producer.stop()

    @property
    def producer(self) -> AIOKafkaProducer:
        """The started producer."""
        if self._producer is None:
            raise BusError("the bus is not open; use 'async with Bus(...)'")
        return self._producer

    async def ensure_topics(self) -> None:
        """Create every Sanfang topic that does not exist yet.

        Each gets ``topic_partitions`` partitions and ``topic_replication_effective`` replicas
        and, from 3 replicas up, its own ``min.insync.replicas`` of 2: the guarantee of an
        ``acks=all`` write is the topic's, not whatever the brokers' defaults are. A topic that
        exists is left as it is.
        """
        min_insync = self.settings.topic_min_insync_replicas
        configs = {} if min_insync is None else {"min.insync.replicas": str(min_insync)}
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=15000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            wanted = [
                NewTopic(
                    self.topic(topic),
                    num_partitions=self.settings.topic_partitions,
                    replication_factor=self.settings.topic_replication_effective,
                    topic_configs=configs,
                )
                for topic in Topic
                if self.topic(topic) not in existing
            ]
            if wanted:
                answer = await admin.create_topics(wanted)
                # aiokafka hands back the per-topic errors rather than raising them: a refusal
                # (too few brokers for the replicas, a bad config) must not pass unnoticed.
                refused = [
                    f"{entry[0]}: {entry[2] if len(entry) > 2 and entry[2] else for_code(entry[1]).__name__}"
                    for entry in answer.topic_errors
                    if entry[1] not in (0, TopicAlreadyExistsError.errno)  # another service was first
                ]
                if refused:
                    raise BusError(
                        f"Kafka refused to create topics on {self.bootstrap}: {'; '.join(refused)}"
                    )
        except TopicAlreadyExistsError:
            pass  # another service created them first
        except KafkaError as exc:
            raise BusError(f"cannot create topics on {self.bootstrap}: {exc}") from exc
        finally:
            await admin.close()

    async def end_offsets(self, topics: Sequence[str]) -> dict[tuple[str, int], int]:
        """The offset the next record of each partition of ``topics`` will get."""
        try:
            if self._reader is None:
                reader = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
                await reader.start()
                self._reader = reader
            await self._reader.topics()  # refreshes the metadata: partitions of new topics
            partitions = [
                TopicPartition(topic, partition)
                for topic in topics
                for partition in sorted(self._reader.partitions_for_topic(topic) or ())
            ]
            ends = await self._reader.end_offsets(partitions)
        except KafkaError as exc:
            raise BusError(f"cannot read the end offsets on {self.bootstrap}: {exc}") from exc
        return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}

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
    """Reads batches from some topics in one consumer group and hands them to a handler.

    An event the handler refuses (any error a retry cannot cure) is dead-lettered and the
    loop moves on; a transient error is retried with backoff, and after ``consumer_max_tries``
    tries while the database still answers, the event is dead-lettered too. A loop that has
    events in hand and made no progress for ``consumer_stuck_seconds`` reports itself stuck.
    """

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
        self.topics = [bus.topic(t) for t in topics]
        self._handler = handler
        self._max_batch = max_batch
        self._max_tries = bus.settings.consumer_max_tries
        self._stuck_after = bus.settings.consumer_stuck_seconds
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._in_hand = 0
        self._last_progress = time.monotonic()
        self._committed: dict[tuple[str, int], int] = {}
        self._outbox: Outbox | None = None
        self._dependencies_ok: Callable[[], Awaitable[bool]] | None = None
        # The real time until ``bind`` hands over the service's clock (replay, demo, tests).
        self._clock: Clock = SystemClock()
        self.started = asyncio.Event()

    def bind(self, outbox: Outbox, dependencies_ok: Callable[[], Awaitable[bool]], clock: Clock) -> None:
        """Send dead letters through ``outbox`` (so a crash cannot lose them), stamped by the
        service's ``clock``, and ask ``dependencies_ok`` before blaming an event for errors
        that look transient."""
        self._outbox = outbox
        self._dependencies_ok = dependencies_ok
        self._clock = clock

    def stop(self) -> None:
        """Finish the batch in hand, commit it, and return from ``run``."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until ``stop`` is called or the task is cancelled."""
        consumer = AIOKafkaConsumer(
            *self.topics,
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
                if not batches:
                    self._last_progress = time.monotonic()
                for partition, records in batches.items():
                    await self._process(records)
                    await self._commit(consumer, partition, records[-1].offset + 1)
                    self._in_hand -= len(records)
                    self._last_progress = time.monotonic()
        finally:
            self._consumer = None
            await consumer.stop()

    @property
    def stuck(self) -> bool:
        """Events in hand and no progress for longer than ``consumer_stuck_seconds``."""
        return self._in_hand > 0 and time.monotonic() - self._last_progress > self._stuck_after

    def has_applied(self, ends: Mapping[tuple[str, int], int]) -> bool:
        """Whether this loop has handled and committed every record below ``ends`` (end
        offsets by topic and partition) on the topics it reads."""
        return all(
            self._committed.get(partition, 0) >= end
            for partition, end in ends.items()
            if partition[0] in self.topics
        )

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
                await self._dead_letter_raw(record, str(exc))
                continue
            received.append(Received(event, record.topic, record.partition, record.offset))
        if received:
            await self._handle(received)

    async def _handle(self, received: Sequence[Received]) -> None:
        backoff = Backoff()
        tries = 0
        while True:
            try:
                await self._handler(received)
            except Exception as exc:  # noqa: BLE001 - every failure is sorted: retry or dead letter
                if not is_transient(exc):
                    await self._isolate(received, "handler_refused", exc)
                    return
                tries += 1
                if tries >= self._max_tries and await self._dependencies_answer():
                    # The database answers, yet this batch keeps failing: something in it does.
                    await self._isolate(received, "retries_exhausted", exc)
                    return
                metrics.CONSUMER_RETRIES.labels(self.group).inc()
                log.warning("consumer %s: %s (try %d); retrying the batch", self.group, _describe(exc), tries)
                await backoff.wait()
            else:
                return

    async def _dependencies_answer(self) -> bool:
        return True if self._dependencies_ok is None else await self._dependencies_ok()

    async def _isolate(self, received: Sequence[Received], reason: str, error: Exception) -> None:
        """A batch failed for a reason a retry does not cure: find the poison, pass the rest."""
        if len(received) > 1:
            for item in received:
                await self._handle([item])
            return
        item = received[0]
        log.error(
            "consumer %s: event %s (%s at %s:%s:%s) dead-lettered: %s",
            self.group,
            item.event.event_id,
            item.event.kind,
            item.topic,
            item.partition,
            item.offset,
            _describe(error),
        )
        raw = item.event.model_dump_json()
        await self._send_letter(self._letter(item.topic, reason, _describe(error), raw, item.event.event_id))

    async def _dead_letter_raw(self, record: ConsumerRecord[bytes, bytes], detail: str) -> None:
        raw = (record.value or b"").decode("utf-8", errors="replace")
        log.error(
            "consumer %s: malformed message at %s:%s:%s dead-lettered",
            self.group,
            record.topic,
            record.partition,
            record.offset,
        )
        # Named by content, not offset: offsets start again when an embedded broker restarts.
        digest = hashlib.sha256(record.value or b"").hexdigest()
        await self._send_letter(self._letter(record.topic, "invalid_event", detail, raw, digest))

    async def _send_letter(self, letter: DeadLetter) -> None:
        metrics.DEADLETTERS.labels(f"consumer:{self.group}", letter.reason).inc()
        backoff = Backoff()
        while True:
            try:
                if self._outbox is None:
                    await self._bus.publish(letter)
                else:
                    async with self._outbox.transaction() as tx:
                        await self._outbox.add(tx, [letter])
            except Exception as exc:  # sorted: only a transient failure is retried
                if not is_transient(exc):
                    raise
                log.warning("consumer %s: cannot keep a dead letter yet: %s", self.group, exc)
                await backoff.wait()
            else:
                return

    def _letter(self, topic: str, reason: str, detail: str, raw: str, what: str) -> DeadLetter:
        return DeadLetter(
            event_id=derived_id("deadletter", self.group, topic, what),
            occurred_at=self._clock.now(),
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
                self._committed[(partition.topic, partition.partition)] = offset
                return


def _describe(error: BaseException) -> str:
    """One line naming an error: its type and message (a wrapped one's too)."""
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    cause = error.__cause__ or getattr(error, "orig", None)
    if isinstance(cause, BaseException) and str(cause) not in text:
        text += f" ({type(cause).__name__}: {cause})".splitlines()[0]
    return text[:1000]
