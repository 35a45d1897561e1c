"""Benchmark: one season of rain-gauge readings parsed, validated and published by ingest.

200 stations, a five-minute reading each, 181 days: 10,425,600 readings, sent as one CSV
body per station-day batch (``--chunk-hours``, default a day: 57,600 readings, the size
of a daily export). The product path is the real one: ``screen_gauge_csv`` against the
station registry, ``RainfallIntake.take`` (claim by event id, outbox, newest per
station), and the outbox ``Relay`` publishing to the embedded broker, with the outbox
pruned as a running service does. Beside it, in the same run and chunk by chunk, the
same payloads (the readings' JSON, keyed by station) sent with a plain aiokafka producer.
Generating the CSV is not counted in either figure.

    .venv/bin/python -m tests.bench.bench_gauge_ingest [--days 181] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas.areas import Street
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus, serialise
from services.core.clock import SystemClock
from services.core.outbox import Outbox, Relay
from services.core.settings import Settings
from services.core.store import Store
from services.ingest.formats import StationRegistry, load_stations_csv, screen_gauge_csv
from services.ingest.intake import CONSUMER, Intake
from services.ingest.ordering import WarningOrder
from services.ingest.rainfall import RainfallIntake
from tests.bench.report import Figure, report

SEASON_START = datetime(2024, 4, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)


def registry(stations: int) -> tuple[StationRegistry, list[str]]:
    """``stations`` gauges spread over the ten streets, inside Bao'an's box."""
    rng = random.Random(7)
    streets = list(Street)
    lines = ["station_id,name,street,latitude,longitude,status"]
    ids = [f"G{n:04d}" for n in range(stations)]
    for n, station_id in enumerate(ids):
        lat, lon = 22.55 + rng.random() * 0.25, 113.78 + rng.random() * 0.18
        lines.append(f"{station_id},站{n},{streets[n % 10].chinese},{lat:.4f},{lon:.4f},active")
    return load_stations_csv("\n".join(lines) + "\n"), ids


def chunk_csv(ids: list[str], start: datetime, slots: int, rng: random.Random) -> bytes:
    """One CSV body: every station's readings for ``slots`` five-minute intervals from ``start``."""
    rows = ["station_id,observed_at,interval_minutes,rainfall_mm"]
    for slot in range(slots):
        at = (start + STEP * (slot + 1)).isoformat()
        for station_id in ids:
            rain = 0.0 if rng.random() < 0.8 else round(rng.random() * 12, 1)
            rows.append(f"{station_id},{at},5,{rain}")
    return ("\n".join(rows) + "\n").encode()


async def raw_send(producer: AIOKafkaProducer, topic: str, messages: list[tuple[str, bytes]]) -> None:
    futures = [await producer.send(topic, value, key=key.encode()) for key, value in messages]
    await asyncio.gather(*futures)


async def run(days: int, stations: int, chunk_hours: int, database_url: str | None) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("services.ingest").setLevel(logging.ERROR)
    reg, ids = registry(stations)
    slots_per_chunk = chunk_hours * 12
    chunks = days * 24 // chunk_hours
    total = chunks * slots_per_chunk * stations
    rng = random.Random(42)
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="bench-gauge-") as workdir:
        settings = Settings(
            data_dir=Path(workdir), topic_prefix=f"bench{tag}.", database_url=database_url or ""
        )
        async with AsyncExitStack() as stack:
            broker = await stack.enter_async_context(EmbeddedBroker(log_file=Path(workdir) / "tansu.log"))
            store = await stack.enter_async_context(Store(settings.database_url_effective))
            await store.migrate()
            bus = await stack.enter_async_context(Bus(settings, broker.bootstrap))
            await bus.ensure_topics()
            clock = SystemClock()
            outbox = Outbox(store, clock, topic_prefix=settings.topic_prefix)
            relay = Relay(outbox, bus, clock)
            intake = Intake(outbox, clock, WarningOrder(CONSUMER, timedelta(minutes=2)))
            rainfall = RainfallIntake(outbox, clock, intake)

            floor_topic = f"floor-{tag}"
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            await admin.create_topics(
                [NewTopic(floor_topic, num_partitions=settings.topic_partitions, replication_factor=1)]
            )
            await admin.close()
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
            await producer.start()
            stack.push_async_callback(producer.stop)

            product = baseline = 0.0
            accepted = 0
            for index in range(chunks):
                body = chunk_csv(
                    ids, SEASON_START + timedelta(hours=chunk_hours * index), slots_per_chunk, rng
                )

                started = time.perf_counter()
                batch = screen_gauge_csv(body, stations=reg, now=clock.now())
                answer = await rainfall.take(batch, source="bench", body=body, media_type="text/csv")
                while await relay.publish_pending():
                    pass
                if index % 10 == 9:
                    await relay.prune(keep=timedelta(0))  # a running relay prunes published rows too
                product += time.perf_counter() - started
                accepted += answer.accepted
                if answer.rejected or answer.accepted != len(batch.readings):
                    raise SystemExit(
                        f"chunk {index}: {answer.rejected[:1]} {answer.accepted}/{len(batch.readings)}"
                    )

                # The floor: the very same payloads and keys, straight to Kafka.
                messages = [serialise(reading)[:2] for reading in batch.readings]
                started = time.perf_counter()
                await raw_send(producer, floor_topic, messages)
                baseline += time.perf_counter() - started
                if index % max(1, chunks // 20) == 0:
                    done = (index + 1) * slots_per_chunk * stations
                    rates = f"product {done / product:,.0f}/s, raw {done / baseline:,.0f}/s"
                    sys.stdout.write(f"  {done:>10,} readings: {rates}\n")

    assert accepted == total, (accepted, total)
    report(
        "gauge_ingest",
        Figure("readings parsed, validated, claimed and published", total / product, "readings/s", True),
        Figure("raw aiokafka publish of the same payloads", total / baseline, "readings/s", True),
        readings=float(total),
        days=float(days),
        stations=float(stations),
        product_seconds=product,
        baseline_seconds=baseline,
        database="postgresql" if database_url else "sqlite",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=181, help="days of the season (default the full 181)")
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--chunk-hours", type=int, default=24, help="hours of readings per body (divides 24)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    asyncio.run(run(args.days, args.stations, args.chunk_hours, args.database_url))


if __name__ == "__main__":
    main()
