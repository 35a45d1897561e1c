"""Benchmark: dispatch's fan-out, from the activation on the bus to the last MQTT notice received.

For 3,183 persons (Bao'an) and 100,000 (a province), dispatch runs alone (embedded broker,
SQLite) with a directory of that many persons; a QoS 0 wildcard subscriber in its own
process (:mod:`tests.bench.watch`) counts the notices. The bench starts its own Mosquitto
with an unbounded per-client queue: with the default (1,000) one observer standing for
100,000 phones loses messages. Beside it, in the same run, the raw floor: the same number
of ~notice-sized messages produced and consumed with plain aiokafka on the same broker,
plus as many plain MQTT QoS 1 publishes received by the same kind of observer process.
Each side runs in a child process so that its peak memory (max RSS) is its own (the
observer's is not counted: ``RUSAGE_SELF``).

    .venv/bin/python -m tests.bench.bench_fanout                     # 3,183 and 100,000
    .venv/bin/python -m tests.bench.bench_fanout --persons 3183
    .venv/bin/python -m tests.bench.bench_fanout --bus kafka         # on scripts/kafka's cluster

On Kafka the floor is produced with the product's replication (3, min ISR 2) and idempotence.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Generator
from pathlib import Path

from schemas.areas import Scope
from services.core.broker import free_port
from services.core.clock import SystemClock
from tests.bench.bus import BUSES, BenchBus, bench_bus
from tests.bench.floors import kafka_floor, mqtt_floor
from tests.bench.people import seed_elsewhere
from tests.bench.report import Figure, report
from tests.bench.watch import watching
from tests.integration.dispatch.helpers import activation, dispatch_running, publish

MOSQUITTO_CONF = "\n".join(
    [
        "listener {port} 127.0.0.1",
        "allow_anonymous true",
        "persistence false",
        "max_queued_messages 0",
        "max_inflight_messages 0",
        "",
    ]
)


async def product(bus: BenchBus, mqtt_port: int, persons: int, workdir: Path) -> float:
    """Seconds from the activation on the bus to the last of ``persons`` notices over MQTT,
    received by an observer in its own process."""
    tag = uuid.uuid4().hex[:8]
    settings = bus.settings(
        data_dir=workdir / tag,
        topic_prefix=f"bench{tag}.",
        port=free_port(),
        mqtt_port=mqtt_port,
        mqtt_topic_root=f"bench-{tag}",
    )
    await asyncio.to_thread(seed_elsewhere, settings.data_dir, persons)
    async with (
        watching(mqtt_port, settings.mqtt_topic_root, persons) as phones,
        dispatch_running(settings, bus.bootstrap, SystemClock()),
    ):
        started = time.monotonic()
        await publish(settings, bus.bootstrap, activation(Scope.district()))
        last_at = (await phones.result(within=3600))["last_at"]
    return last_at - started


async def floor(bus: BenchBus, mqtt_port: int, persons: int, payload: bytes) -> float:
    """Seconds for the same number of messages through plain aiokafka and plain MQTT QoS 1."""
    kafka = await kafka_floor(bus.bootstrap, persons, payload, replicated=bus.kafka)
    return kafka + await mqtt_floor("127.0.0.1", mqtt_port, persons, payload)


def child(args: argparse.Namespace) -> None:
    """Run one side in this process and print its time and peak memory as JSON."""
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    bus = BenchBus(args.bus, args.bootstrap)
    with tempfile.TemporaryDirectory() as workdir:
        if args.child == "product":
            seconds = asyncio.run(product(bus, args.mqtt_port, args.persons, Path(workdir)))
        else:
            seconds = asyncio.run(floor(bus, args.mqtt_port, args.persons, b"x" * 1400))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps({"seconds": seconds, "peak_mb": peak_mb}) + "\n")


def run_child(side: str, bus: BenchBus, mqtt_port: int, persons: int) -> dict[str, float]:
    command = [sys.executable, "-m", "tests.bench.bench_fanout", "--child", side]
    command += ["--bus", bus.kind, "--bootstrap", bus.bootstrap, "--mqtt-port", str(mqtt_port)]
    out = subprocess.run(
        [*command, "--persons", str(persons)], capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


@contextlib.contextmanager
def mosquitto(workdir: Path) -> Generator[int]:
    """A Mosquitto of the bench's own, on a free port."""
    port = free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(MOSQUITTO_CONF.format(port=port), encoding="utf-8")
    process = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def main(sizes: list[int], bus_kind: str) -> None:
    with tempfile.TemporaryDirectory() as workdir, mosquitto(Path(workdir)) as mqtt_port:
        async with bench_bus(bus_kind) as bus:
            for persons in sizes:
                await measure(bus, mqtt_port, persons)


async def measure(bus: BenchBus, mqtt_port: int, persons: int) -> None:
    """One size: the floor, then the product, each in a child process."""
    base = await asyncio.to_thread(run_child, "floor", bus, mqtt_port, persons)
    made = await asyncio.to_thread(run_child, "product", bus, mqtt_port, persons)
    report(
        bus.named(f"fanout_{persons}"),
        Figure(f"activation → last of {persons:,} MQTT notices", made["seconds"], "s", False),
        Figure(f"aiokafka produce+consume + MQTT QoS 1, {persons:,} each", base["seconds"], "s", False),
        product_peak_mb=made["peak_mb"],
        floor_peak_mb=base["peak_mb"],
        memory_ratio=made["peak_mb"] / base["peak_mb"],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, action="append", help="default: 3183 and 100000")
    parser.add_argument("--bus", choices=BUSES, default="embedded")
    parser.add_argument("--child", choices=["product", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--bootstrap", help=argparse.SUPPRESS)
    parser.add_argument("--mqtt-port", type=int, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.child:
        parsed.persons = parsed.persons[0]
        child(parsed)
    else:
        asyncio.run(main(parsed.persons or [3183, 100_000], parsed.bus))
