"""`sanfang up` on the 3-broker Apache Kafka cluster of ``scripts/kafka``: replication 3,
``min.insync.replicas`` 2, the idempotent producer on; PostgreSQL and Mosquitto. One typhoon blue
signal reaches every one of the 3,183 persons exactly once, acks count; and so it does when the
broker leading the notices is SIGKILLed in the middle of the fan-out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from sqlalchemy import func, select

from services.core.broker import free_port
from services.core.store import Store
from services.core.tables import events
from tests.conftest import MQTT_HOST, MQTT_PORT, unique
from tests.integration.helpers import NoticeWatcher, wait_until
from tests.integration.test_end_to_end import typhoon_blue
from tests.kafka.conftest import KafkaCluster

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]

SANFANG = str(Path(sys.executable).with_name("sanfang"))
PERSONS = 3183
TOPICS = ("warnings", "responses", "notices", "deliveries", "acks", "commands")


@dataclass
class Up:
    """A running ``sanfang up``: an HTTP client to it, its topic prefix, MQTT root and output."""

    http: httpx.AsyncClient
    prefix: str
    mqtt_root: str
    log: Path


@contextlib.asynccontextmanager
async def sanfang_up(
    kafka: KafkaCluster, database_url: str, tmp_path: Path, partitions: int = 3
) -> AsyncIterator[Up]:
    """``sanfang up`` as a process on the cluster, yielded once it is ready; stopped with
    SIGTERM at the end, when it must exit 0."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")},
        "SANFANG_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "SANFANG_TOPIC_PREFIX": unique("k") + ".",
        "SANFANG_TOPIC_PARTITIONS": str(partitions),
        "SANFANG_TOPIC_REPLICATION": "3",
        "SANFANG_DATABASE_URL": database_url,
        "SANFANG_MQTT_HOST": MQTT_HOST,
        "SANFANG_MQTT_PORT": str(MQTT_PORT),
        "SANFANG_MQTT_TOPIC_ROOT": unique("kafka-"),
        "SANFANG_DEMO_DIRECTORY": "true",  # the invented Bao'an directory of 3,183 persons
        "SANFANG_DATA_DIR": str(tmp_path / "var"),
        "SANFANG_PORT": str(port),
        "COLUMNS": "200",
    }
    log_path = tmp_path / "sanfang.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            SANFANG, "up", env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:

            async def ready() -> bool:
                assert process.returncode is None, f"sanfang up exited:\n{log_path.read_text()[-3000:]}"
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_until(ready, within=90, what="sanfang up ready on Kafka")
            shown = log_path.read_text()
            assert kafka.bootstrap in shown, "it runs on the cluster, not the embedded broker"
            assert any("kafka_enable_idempotence" in line and "True" in line for line in shown.splitlines())
            yield Up(http, env["SANFANG_TOPIC_PREFIX"], env["SANFANG_MQTT_TOPIC_ROOT"], log_path)
        process.terminate()
        await asyncio.wait_for(process.wait(), 60)
        output = log_path.read_text()
        assert process.returncode == 0, output[-3000:]
        assert "Traceback" not in output, output[-3000:]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def describe(kafka: KafkaCluster, prefix: str) -> dict[str, list[dict]]:
    """Each of the run's topics → its partitions (leader, replicas, isr) as Kafka tells them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([f"{prefix}sanfang.{name}" for name in TOPICS])
    finally:
        await admin.close()
    return {topic["topic"]: topic["partitions"] for topic in described}


async def on_topic(kafka: KafkaCluster, prefix: str, name: str) -> Counter[str]:
    """event_id → how many times it is in the Kafka log of the run's topic ``name`` (read to its end)."""
    topic = f"{prefix}sanfang.{name}"
    described = (await describe(kafka, prefix))[topic]
    partitions = [TopicPartition(topic, p["partition"]) for p in described]
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        seen: Counter[str] = Counter()
        deadline = time.monotonic() + 60
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for records in (await consumer.getmany(timeout_ms=1000, max_records=2000)).values():
                for record in records:
                    seen[json.loads(record.value)["event_id"]] += 1
        return seen
    finally:
        await consumer.stop()


async def recorded(database_url: str, topic: str) -> int:
    """How many events of ``topic`` the recorder keeps in the event store (each id once)."""
    async with Store(database_url) as store, store.read() as conn:
        return int((await conn.execute(select(func.count()).where(events.c.topic == topic))).scalar_one())


async def counts(http: httpx.AsyncClient) -> dict[str, int]:
    found = (await http.get("/api/v1/responses")).json()
    return dict(found[0]["counts"]) if found else {}


async def acknowledge(http: httpx.AsyncClient, watcher: NoticeWatcher, how_many: int) -> None:
    """The first ``how_many`` persons acknowledge in their app, with the token pushed to them."""
    for notice_id in list(watcher.notices)[:how_many]:
        body = {"notice_id": notice_id, "token": watcher.token(notice_id), "channel": "app"}
        answer = await http.post("/api/v1/acks", json=body)
        assert answer.status_code == 202, answer.text


async def test_typhoon_blue_reaches_everyone_once_on_three_brokers(
    kafka: KafkaCluster, postgres_url: str, tmp_path: Path
) -> None:
    async with sanfang_up(kafka, postgres_url, tmp_path) as up:
        http, prefix = up.http, up.prefix
        # Every topic of the run: 3 partitions, each on all 3 brokers and all 3 in sync.
        topics = await describe(kafka, prefix)
        assert len(topics) == len(TOPICS)
        for name, partitions in topics.items():
            assert len(partitions) == 3, name
            assert all(len(p["replicas"]) == 3 and len(p["isr"]) == 3 for p in partitions), (name, partitions)

        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, up.mqtt_root)
        async with watcher.watching():
            posted = await http.post("/api/v1/warnings", json=typhoon_blue())
            assert posted.status_code == 202, posted.text
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=180, what="3,183 MQTT notices")

            async def all_delivered() -> bool:
                return (await counts(http)).get("delivered") == PERSONS

            await wait_until(all_delivered, within=60, what="3,183 delivered")
            await acknowledge(http, watcher, 100)

            async def acked() -> bool:
                return (await counts(http)).get("acknowledged") == 100

            await wait_until(acked, within=60, what="100 acknowledgements counted")

        assert len(watcher.notices) == PERSONS
        assert watcher.duplicates == 0
        assert len({n["person_id"] for n in watcher.notices.values()}) == PERSONS
        assert await counts(http) == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 100}
        # The notices are on Kafka too, each once, and the recorder kept each once.
        notices_topic = f"{prefix}sanfang.notices"
        on_kafka = await on_topic(kafka, prefix, "notices")
        assert len(on_kafka) == PERSONS
        assert set(on_kafka) == set(watcher.notices)

        async def all_recorded() -> bool:
            return await recorded(postgres_url, notices_topic) == PERSONS

        await wait_until(all_recorded, within=60, what="3,183 notices in the event store")


async def test_killing_the_leader_of_the_notices_mid_fan_out_loses_and_repeats_nothing(
    kafka: KafkaCluster, postgres_url: str, tmp_path: Path
) -> None:
    # One partition per topic: one broker leads every notice, and that is the one killed.
    async with sanfang_up(kafka, postgres_url, tmp_path, partitions=1) as up:
        http, prefix = up.http, up.prefix
        notices_topic = f"{prefix}sanfang.notices"
        (partition,) = (await describe(kafka, prefix))[notices_topic]
        leader = int(partition["leader"])
        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, up.mqtt_root)
        try:
            async with watcher.watching():
                posted = await http.post("/api/v1/warnings", json=typhoon_blue())
                assert posted.status_code == 202, posted.text
                await wait_until(
                    lambda: len(watcher.notices) >= 300, within=120, what="the fan-out under way"
                )
                on_kafka_before = len(await on_topic(kafka, prefix, "notices"))
                assert len(watcher.notices) < PERSONS, "the fan-out ended before the broker could be killed"
                assert on_kafka_before < PERSONS, "the notices were all on Kafka before the broker was killed"
                kafka.kill(leader)

                async def new_leader() -> bool:
                    # The controller fences the dead broker after broker.session.timeout.ms (9 s);
                    # until then a metadata request may go to the dead one.
                    try:
                        (partition,) = (await describe(kafka, prefix))[notices_topic]
                    except KafkaError:
                        return False
                    return int(partition["leader"]) not in (leader, -1)

                await wait_until(new_leader, within=60, what="another broker leading the notices")
                await wait_until(
                    lambda: len(watcher.notices) >= PERSONS, within=180, what="3,183 MQTT notices"
                )

                async def all_delivered() -> bool:
                    return (await counts(http)).get("delivered") == PERSONS

                await wait_until(all_delivered, within=90, what="3,183 delivered")
                # Acks go on with two brokers of three (min.insync.replicas 2).
                await acknowledge(http, watcher, 50)

                async def acked() -> bool:
                    return (await counts(http)).get("acknowledged") == 50

                await wait_until(acked, within=90, what="50 acknowledgements counted")
        finally:
            # The broker comes back and catches up, whatever happened above: the cluster is shared.
            kafka.start()

        assert len(watcher.notices) == PERSONS
        assert watcher.duplicates == 0
        assert len({n["person_id"] for n in watcher.notices.values()}) == PERSONS
        assert await counts(http) == {"notified": PERSONS, "delivered": PERSONS, "acknowledged": 50}
        assert set(await on_topic(kafka, prefix, "notices")) == set(watcher.notices), "none missing on Kafka"

        async def all_recorded() -> bool:
            return await recorded(postgres_url, notices_topic) == PERSONS

        await wait_until(all_recorded, within=60, what="3,183 notices in the event store")

        async def rejoined() -> bool:
            (partition,) = (await describe(kafka, prefix))[notices_topic]
            return leader in partition["isr"] and len(partition["isr"]) == 3

        await wait_until(rejoined, within=90, what=f"broker {leader} back in the notices' in-sync replicas")
