"""Benchmark: from ``POST /api/v1/warnings`` to the last of 3,183 MQTT notices received.

Beside it, in the same run, the raw floor: 3,183 messages produced and consumed with plain
aiokafka on the same broker, plus 3,183 plain MQTT QoS 1 publishes received by a subscriber.

    .venv/bin/python -m tests.bench.bench_warning_to_notices [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from services.core.broker import EmbeddedBroker, free_port
from services.core.settings import Settings
from tests.bench.floors import kafka_floor, mqtt_floor
from tests.bench.report import Figure, report
from tests.integration.helpers import NoticeWatcher, running, wait_until

PERSONS = 3183
MQTT = ("127.0.0.1", 1883)


async def product_round(broker: EmbeddedBroker, workdir: Path) -> float:
    """Seconds from the POST to the last notice arriving over MQTT, with everything in one process."""
    tag = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=workdir / tag,
        topic_prefix=f"bench{tag}.",
        port=free_port(),
        mqtt_topic_root=f"bench-{tag}",
        demo_directory=True,
    )
    watcher = NoticeWatcher(*MQTT, settings.mqtt_topic_root)
    async with watcher.watching(), running(settings, broker.bootstrap) as sanfang:
        warning = {
            "id": f"bench-{tag}",
            "hazard": "typhoon",
            "colour": "blue",
            "issued_at": "2024-06-01T08:00:00+08:00",
        }
        started = time.perf_counter()
        answer = await sanfang.http.post("/api/v1/warnings", json=warning)
        answer.raise_for_status()
        await wait_until(lambda: len(watcher.notices) >= PERSONS, within=300, what="3,183 notices")
        return watcher.last_at - started


async def main(rounds: int) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    payload = b"x" * 900  # about the size of one notice as JSON
    products, floors = [], []
    with tempfile.TemporaryDirectory() as workdir:
        async with EmbeddedBroker() as broker:
            for _ in range(rounds):
                kafka = await kafka_floor(broker.bootstrap, PERSONS, payload)
                mqtt = await mqtt_floor(*MQTT, PERSONS, payload)
                floors.append(kafka + mqtt)
                products.append(await product_round(broker, Path(workdir)))
    report(
        "warning_to_notices",
        Figure("POST warning → last of 3,183 MQTT notices (median)", statistics.median(products), "s", False),
        Figure("aiokafka produce+consume 3,183 + MQTT 3,183 QoS 1", statistics.median(floors), "s", False),
        rounds=str(rounds),
        product_runs=" ".join(f"{p:.2f}" for p in products),
        floor_runs=" ".join(f"{f:.2f}" for f in floors),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
