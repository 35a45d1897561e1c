"""Benchmark: the fan-out on Apache Kafka with 1, 2 and 3 dispatch processes side by side.

Each dispatch is its own ``sanfang run dispatch`` process on the local cluster of
``scripts/kafka`` (replication 3, min ISR 2, idempotent producer), one PostgreSQL database
with the directory imported (100,000 persons by default) and the bench's own Mosquitto (an
unbounded queue, so that one observer can stand for every phone). The processes share the
partitions of the topics they read (one consumer group) and claim the sends from PostgreSQL;
an observer in its own process counts the notices. Measured: from the activation on the bus
to the last notice received. The floor, in the same run: as many ~notice-sized messages
through plain aiokafka on the same cluster (same replication, idempotent) and plain MQTT QoS 1.

    .venv/bin/python -m tests.bench.bench_scaleout                       # 100,000; 1, 2, 3
    .venv/bin/python -m tests.bench.bench_scaleout --persons 3183 --processes 1 --processes 3

Every process of the run shares the machine's cores with Kafka, PostgreSQL and Mosquitto: on
a 2-core box more processes cannot give more than the cores give (see docs/kafka.md).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from schemas.areas import Scope
from services.core.broker import free_port
from services.core.settings import Settings
from tests.bench.bench_fanout import mosquitto
from tests.bench.bus import bench_bus
from tests.bench.floors import kafka_floor, mqtt_floor
from tests.bench.people import seed_directory
from tests.bench.report import Figure, report
from tests.bench.watch import watching
from tests.integration.dispatch.helpers import activation, publish
from tests.kafka.topology import Process

#: The PostgreSQL server the bench makes its database on (trust auth on loopback).
ADMIN_URL = os.environ.get("SANFANG_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
PARTITIONS = 6


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def one_size(
    bootstrap: str, database_url: str, mqtt_port: int, persons: int, count: int, logs: Path
) -> float:
    """Seconds from the activation to the last of ``persons`` notices with ``count`` dispatch
    processes (started and up before the clock starts)."""
    tag = uuid.uuid4().hex[:8]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")},
        "SANFANG_KAFKA_BOOTSTRAP": bootstrap,
        "SANFANG_TOPIC_PREFIX": f"scale{tag}.",
        "SANFANG_TOPIC_PARTITIONS": str(PARTITIONS),
        "SANFANG_DATABASE_URL": database_url,
        "SANFANG_MQTT_HOST": "127.0.0.1",
        "SANFANG_MQTT_PORT": str(mqtt_port),
        "SANFANG_MQTT_TOPIC_ROOT": f"scale-{tag}",
        "SANFANG_MQTT_EMBEDDED": "never",
        "SANFANG_MQTT_SHARED_ACKS": "true",
        "SANFANG_DATA_DIR": str(logs / tag),
    }
    processes = []
    for n in range(count):
        port = free_port()
        own = {**env, "SANFANG_PORT": str(port), "SANFANG_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        processes.append(Process(f"dispatch-{n + 1}", "dispatch", own, logs / f"{tag}-dispatch-{n + 1}.log"))
    await asyncio.gather(*(p.start() for p in processes))
    try:
        settings = Settings(
            kafka_bootstrap=bootstrap,
            topic_prefix=env["SANFANG_TOPIC_PREFIX"],
            topic_partitions=PARTITIONS,
            database_url=database_url,
        )
        async with watching(mqtt_port, env["SANFANG_MQTT_TOPIC_ROOT"], persons, within=3600) as phones:
            started = time.monotonic()
            await publish(settings, bootstrap, activation(Scope.district()))
            result = await phones.result(within=3600)
        if result.get("duplicates"):
            raise AssertionError(f"{result['duplicates']} duplicate notices with {count} processes")
        return float(result["last_at"]) - started
    finally:
        # Stopped while the rest of the work (the SMS and voice steps of 100,000 persons) may
        # still run: a stop must still be clean, but the figure above is kept whatever it says.
        stopped = await asyncio.gather(*(p.stop() for p in processes), return_exceptions=True)
        for process, outcome in zip(processes, stopped, strict=True):
            if isinstance(outcome, BaseException):
                logging.getLogger(__name__).error("%s did not stop cleanly: %s", process.name, outcome)


async def main(persons: int, counts: list[int]) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    name = f"bench_scaleout_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    database_url = f"{base}/{name}"
    try:
        await seed_directory(Settings(database_url=database_url), persons)
        with tempfile.TemporaryDirectory() as workdir, mosquitto(Path(workdir)) as mqtt_port:
            async with bench_bus("kafka") as bus:
                payload = b"x" * 1400
                floor = await kafka_floor(bus.bootstrap, persons, payload, replicated=True)
                floor += await mqtt_floor("127.0.0.1", mqtt_port, persons, payload)
                first: float | None = None
                for count in counts:
                    seconds = await one_size(
                        bus.bootstrap, database_url, mqtt_port, persons, count, Path(workdir)
                    )
                    first = first if first is not None else seconds
                    made = f"activation → last of {persons:,} notices, {count} dispatch process(es)"
                    raw = f"aiokafka (3 replicas, idempotent) + MQTT QoS 1, {persons:,} each"
                    report(
                        f"scaleout_{persons}_kafka_dispatch{count}",
                        Figure(made, seconds, "s", False),
                        Figure(raw, floor, "s", False),
                        processes=str(count),
                        partitions=str(PARTITIONS),
                        notices_per_second=persons / seconds,
                        speedup_over_first=first / seconds,
                        cores=str(os.cpu_count()),
                    )
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--processes", type=int, action="append", help="default: 1, 2 and 3")
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.processes or [1, 2, 3]))
