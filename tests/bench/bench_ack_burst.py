"""Benchmark: 3,183 acknowledgements arriving at once, from a load generator in its own process.

Dispatch runs alone in this process (embedded broker, SQLite, Mosquitto) and notifies all
3,183 persons; an observer process (:mod:`tests.bench.watch`) receives the notices and keeps
each one's ack body with the token the person's app was pushed. Then ``wrk`` (another
process, 50 connections, ``burst.lua``) sends every ack once over ``POST /api/v1/acks``.
Measured: from wrk's first request until every ack answered 2xx **and** counted, and every
person's escalation stopped, as the database says (polled every 50 ms on one connection).
The floor, in the same run, the same way: wrk sends as many ``GET /healthz`` to the same
server with the same connections, from its first request to its last answer.

    .venv/bin/python -m tests.bench.bench_ack_burst [--persons 3183] [--bus kafka]

With ``--bus kafka`` dispatch runs on the local Apache Kafka cluster (``scripts/kafka``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select

from schemas.areas import Scope
from services.core import tables
from services.core.broker import free_port
from services.core.clock import SystemClock
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from tests.bench.bus import BUSES, bench_bus
from tests.bench.load import CONNECTIONS, burst
from tests.bench.people import BAOAN, seed_directory
from tests.bench.report import Figure, report
from tests.bench.watch import watching
from tests.integration.dispatch.helpers import activation, dispatch_running, publish

MQTT_PORT = 1883


async def settled_at(url: str, persons: int, within: float) -> float:
    """``time.monotonic()`` when every ack is counted and every escalation stopped."""
    e = dispatch_tables.escalations.c
    stopped = select(func.count()).where(e.state == "stopped")
    counted = select(func.count()).where(tables.acks.c.counted.is_(True))
    deadline = time.monotonic() + within
    async with Store(url) as store:
        while time.monotonic() < deadline:
            async with store.read() as conn:
                done = (await conn.execute(counted)).scalar_one() >= persons
                done = done and (await conn.execute(stopped)).scalar_one() >= persons
            if done:
                return time.monotonic()
            await asyncio.sleep(0.05)
    raise TimeoutError(f"not every ack counted and escalation stopped within {within} s")


async def main(persons: int, bus_kind: str) -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as workdir:
        async with bench_bus(bus_kind) as bus:
            tag = uuid.uuid4().hex[:8]
            settings = bus.settings(
                data_dir=Path(workdir) / tag,
                topic_prefix=f"bench{tag}.",
                port=free_port(),
                mqtt_port=MQTT_PORT,
                mqtt_topic_root=f"bench-{tag}",
            )
            await seed_directory(settings, persons)
            url = settings.database_url_effective
            bodies = Path(workdir) / "acks.jsonl"
            async with (
                watching(MQTT_PORT, settings.mqtt_topic_root, persons, within=600, tokens=bodies) as phones,
                dispatch_running(settings, bus.bootstrap, SystemClock()),
            ):
                await publish(settings, bus.bootstrap, activation(Scope.district()))
                await phones.result(within=600)
                e = dispatch_tables.escalations.c
                async with Store(url) as store:
                    for _ in range(1200):  # the escalations are written with the notices
                        async with store.read() as conn:
                            waiting = select(func.count()).where(e.state == "waiting")
                            if (await conn.execute(waiting)).scalar_one() >= persons:
                                break
                        await asyncio.sleep(0.05)
                floor = await burst(settings.port, persons, bodies=None)
                acks = await burst(settings.port, persons, bodies=bodies)
                done_at = await settled_at(url, persons, within=300)
    floor_seconds = floor["finished"] - floor["started"]
    elapsed = max(done_at, acks["finished"]) - acks["started"]
    report(
        bus.named("ack_burst"),
        Figure(f"{persons:,} acks at once (wrk) → all counted, all escalations stopped", elapsed, "s", False),
        Figure(f"{persons:,} GET /healthz (wrk), same server and connections", floor_seconds, "s", False),
        connections=str(CONNECTIONS),
        ack_rate=persons / elapsed,
        healthz_rate=persons / floor_seconds,
        answered_at=acks["finished"] - acks["started"],
        repeats=str(int(acks["repeats"])),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=BAOAN)
    parser.add_argument("--bus", choices=BUSES, default="embedded")
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.bus))
