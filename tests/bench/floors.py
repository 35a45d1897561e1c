"""The raw floors the benchmarks compare against: the same number of messages through plain
aiokafka (produce and consume) and through plain MQTT QoS 1 publishes to a subscriber in another process."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiomqtt
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.bench.watch import watching


async def kafka_floor(bootstrap: str, count: int, payload: bytes, *, replicated: bool = False) -> float:
    """Seconds to produce ``count`` messages and consume them all with plain aiokafka.
    ``replicated``: as the product runs on a Kafka cluster (3 replicas, ``min.insync.replicas``
    2, idempotent producer); otherwise one replica (the embedded broker has no more)."""
    topic = f"floor-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    replicas, configs = (3, {"min.insync.replicas": "2"}) if replicated else (1, {})
    await admin.create_topics(
        [NewTopic(topic, num_partitions=3, replication_factor=replicas, topic_configs=configs)]
    )
    await admin.close()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=topic,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
    )
    await consumer.start()
    await consumer.getmany(timeout_ms=100)  # joined and assigned before the clock starts
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, enable_idempotence=replicated
    )
    await producer.start()
    started = time.perf_counter()
    futures = [await producer.send(topic, payload, key=f"P{i:06d}".encode()) for i in range(count)]
    await asyncio.gather(*futures)
    seen = 0
    while seen < count:
        seen += sum(len(records) for records in (await consumer.getmany(timeout_ms=200)).values())
    elapsed = time.perf_counter() - started
    await producer.stop()
    await consumer.stop()
    return elapsed


async def mqtt_floor(host: str, port: int, count: int, payload: bytes) -> float:
    """Seconds to publish ``count`` QoS 1 messages until the last reaches a subscriber in another
    process: the same observer (:mod:`tests.bench.watch`) that counts the product's notices."""
    root = f"floor-{uuid.uuid4().hex[:8]}"
    async with (
        watching(port, root, count, within=600) as phones,
        aiomqtt.Client(host, port, max_inflight_messages=100) as publisher,
    ):
        limit = asyncio.Semaphore(200)

        async def one(i: int) -> None:
            async with limit:
                await publisher.publish(f"{root}/notices/P{i:06d}", payload, qos=1)

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(count)))
        last_at = (await phones.result(within=600))["last_at"]
    return last_at - started
