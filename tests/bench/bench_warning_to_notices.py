"""Benchmark: from ``POST /api/v1/warnings`` to the last of 3,183 MQTT notices received.

Every service runs in this process (embedded broker, SQLite, Mosquitto on 127.0.0.1:1883);
the notices are received by an observer in its own process (:mod:`tests.bench.watch`).
Beside it, in the same run, the raw floor: 3,183 messages produced and consumed with plain
aiokafka on the same broker, plus 3,183 plain MQTT QoS 1 publishes received by the same
kind of observer process.

    .venv/bin/python -m tests.bench.bench_warning_to_notices [--rounds 3] [--persons 3183] [--bus kafka]

With ``--bus kafka`` the services run on the local Apache Kafka cluster (``scripts/kafka``)
and the aiokafka floor is produced there with the same replication and idempotence.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from statistics import median

from services.core.broker import free_port
from tests.bench.bus import BUSES, BenchBus, bench_bus
from tests.bench.floors import kafka_floor, mqtt_floor
from tests.bench.people import BAOAN, seed_directory
from tests.bench.report import Figure, report
from tests.bench.watch import watching
from tests.integration.helpers import running

MQTT = ("127.0.0.1", 1883)


async def product_round(bus: BenchBus, workdir: Path, persons: int) -> float:
    """Seconds from the POST to the last notice arriving over MQTT in the observer process."""
    tag = uuid.uuid4().hex[:8]
    settings = bus.settings(
        data_dir=workdir / tag,
        topic_prefix=f"bench{tag}.",
        port=free_port(),
        mqtt_topic_root=f"bench-{tag}",
    )
    await seed_directory(settings, persons)
    async with (
        watching(MQTT[1], settings.mqtt_topic_root, persons, within=600) as phones,
        running(settings, bus.bootstrap) as sanfang,
    ):
        warning = {
            "id": f"bench-{tag}",
            "hazard": "typhoon",
            "colour": "blue",
            "issued_at": datetime.now(UTC).isoformat(),  # an old one is stale and starts nothing
        }
        started = time.monotonic()
        answer = await sanfang.http.post("/api/v1/warnings", json=warning)
        answer.raise_for_status()
        last_at = (await phones.result(within=600))["last_at"]
        return last_at - started


async def main(rounds: int, persons: int, bus_kind: str) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    payload = b"x" * 900  # about the size of one notice as JSON
    products, floors = [], []
    with tempfile.TemporaryDirectory() as workdir:
        async with bench_bus(bus_kind) as bus:
            for _ in range(rounds):
                kafka = await kafka_floor(bus.bootstrap, persons, payload, replicated=bus.kafka)
                mqtt = await mqtt_floor(*MQTT, persons, payload)
                floors.append(kafka + mqtt)
                products.append(await product_round(bus, Path(workdir), persons))
    report(
        bus.named("warning_to_notices"),
        Figure(f"POST warning → last of {persons:,} MQTT notices (median)", median(products), "s", False),
        Figure(f"aiokafka produce+consume + MQTT QoS 1, {persons:,} each", median(floors), "s", False),
        rounds=str(rounds),
        product_runs=" ".join(f"{p:.2f}" for p in products),
        floor_runs=" ".join(f"{f:.2f}" for f in floors),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--persons", type=int, default=BAOAN)
    parser.add_argument("--bus", choices=BUSES, default="embedded")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.persons, args.bus))
