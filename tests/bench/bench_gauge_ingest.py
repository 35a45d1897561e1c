"""Benchmark: a season of rain-gauge readings pushed to ingest, checked, deduplicated and published.

200 stations report every five minutes for 181 days: 10,425,600 readings. Each round is
one pushed body of 200 readings (CSV, or JSON with ``--format json``), the request a gauge
gateway sends to ``POST /api/v1/rainfall``.

Product: the code that endpoint runs on a body it has read (``screen_gauge_body``, then
``RainfallIntake.take``: every row checked against the station registry, event ids claimed
in the same transaction as the outbox rows and each station's newest reading), with the
outbox ``Relay`` running beside it as a task, as the runtime runs it, publishing to the
embedded broker. A day is timed from its first body to its last reading on Kafka,
published rows pruned (a running relay drops rows published over a day ago).

Baseline, in the same run and day by day: the very same messages (key, JSON value and
headers, on a topic with as many partitions) sent with a plain aiokafka producer configured
as the service's, a day's sends issued back to back and awaited together. Building the
bodies and the baseline's messages is not timed. At the end every reading must have been
claimed once and nothing be left in the outbox; ``--verify`` also reads the product topic
back and counts it (Tansu's end offsets fall short of the truth, so they are not used).

    .venv/bin/python -m tests.bench.bench_gauge_ingest [--days 181] [--format csv|json]
        [--relay-batch 1000] [--database-url URL] [--verify]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import func, select

from schemas.areas import Street
from schemas.rainfall import GaugeReading
from schemas.topics import Topic, event_key
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus
from services.core.clock import Clock, SystemClock
from services.core.outbox import Outbox, Relay
from services.core.settings import Settings
from services.core.store import Store
from services.core.tables import outbox as outbox_table
from services.core.tables import processed
from services.ingest.formats import StationRegistry, load_stations_csv
from services.ingest.formats.times import BEIJING
from services.ingest.intake import CONSUMER, Intake
from services.ingest.ordering import WarningOrder
from services.ingest.rainfall import RainfallIntake
from services.ingest.rainfall_http import screen_gauge_body
from tests.bench.report import Figure, report

SEASON_START = datetime(2024, 4, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
ROUNDS_PER_DAY = 288
SOURCE = "api:/api/v1/rainfall"
MEDIA = {"csv": "text/csv", "json": "application/json"}

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]


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


def round_body(ids: Sequence[str], at: datetime, rng: random.Random, form: str) -> bytes:
    """One pushed body: every station's five-minute reading ending at ``at`` (Beijing time)."""
    local = at.astimezone(BEIJING).isoformat()
    amounts = [0.0 if rng.random() < 0.8 else round(rng.random() * 12, 1) for _ in ids]
    if form == "json":
        items = [
            {"station_id": station, "observed_at": local, "interval_minutes": 5, "rainfall_mm": rain}
            for station, rain in zip(ids, amounts, strict=True)
        ]
        return json.dumps({"readings": items}).encode()
    rows = ["station_id,observed_at,interval_minutes,rainfall_mm"]
    rows += [f"{station},{local},5,{rain}" for station, rain in zip(ids, amounts, strict=True)]
    return ("\n".join(rows) + "\n").encode()


def messages(readings: Sequence[GaugeReading]) -> list[Message]:
    """What the relay sends for these readings: the outbox's key and JSON, the relay's headers."""
    return [
        (
            event_key(reading).encode(),
            reading.model_dump_json().encode(),
            [("kind", reading.kind.encode()), ("content-type", b"application/json")],
        )
        for reading in readings
    ]


async def raw_send(producer: AIOKafkaProducer, topic: str, batch: Sequence[Message]) -> None:
    """The floor: every message sent back to back, then all acknowledgements awaited."""
    futures = [await producer.send(topic, value, key=key, headers=headers) for key, value, headers in batch]
    await asyncio.gather(*futures)


@dataclass
class Tally:
    """Wall-clock and process CPU seconds spent in the timed blocks."""

    wall: float = 0.0
    cpu: float = 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Add the block's wall-clock and CPU time."""
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


async def push_day(
    bodies: Sequence[bytes],
    media: str,
    registry: StationRegistry,
    clock: Clock,
    rainfall: RainfallIntake,
    relay: Relay,
) -> list[GaugeReading]:
    """A day of pushed bodies through the endpoint's code, the relay publishing as they come.

    Returns once every reading is on Kafka and the published rows are pruned.
    """
    taken: list[GaugeReading] = []
    relaying = asyncio.create_task(relay.run(), name="outbox-relay")
    for body in bodies:
        batch = screen_gauge_body(body, media, registry, clock)
        answer = await rainfall.take(batch, source=SOURCE, body=body, media_type=media)
        if answer.rejected or answer.accepted != len(batch.readings):
            raise SystemExit(f"{answer.rejected[:1]}; {answer.accepted} of {len(batch.readings)} accepted")
        taken.extend(batch.readings)
    relay.stop()
    await relaying
    while await relay.publish_pending():  # what was committed after the relay's last round
        pass
    await relay.prune(keep=timedelta(0))
    return taken


async def consumed(bootstrap: str, topic: str, expected: int) -> int:
    """How many messages ``topic`` holds, read from its start (Tansu's end offsets fall short)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"count-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    count = 0
    try:
        while batches := await consumer.getmany(
            timeout_ms=5000 if count < expected else 1000, max_records=10_000
        ):
            count += sum(len(records) for records in batches.values())
    finally:
        await consumer.stop()
    return count


async def run(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("services.ingest").setLevel(logging.ERROR)
    reg, ids = registry(args.stations)
    media = MEDIA[args.format]
    total = args.days * ROUNDS_PER_DAY * args.stations
    rng = random.Random(42)
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="bench-gauge-") as workdir:
        settings = Settings(
            data_dir=Path(workdir), topic_prefix=f"bench{tag}.", database_url=args.database_url or ""
        )
        async with AsyncExitStack() as stack:
            broker = await stack.enter_async_context(EmbeddedBroker(log_file=Path(workdir) / "tansu.log"))
            store = await stack.enter_async_context(Store(settings.database_url_effective))
            await store.migrate()
            bus = await stack.enter_async_context(Bus(settings, broker.bootstrap))
            await bus.ensure_topics()
            clock = SystemClock()
            outbox = Outbox(store, clock, topic_prefix=settings.topic_prefix)
            intake = Intake(outbox, clock, WarningOrder(CONSUMER, timedelta(minutes=2)))
            rainfall = RainfallIntake(outbox, clock, intake)

            floor_topic = f"floor-{tag}"
            admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
            await admin.start()
            await admin.create_topics(
                [NewTopic(floor_topic, num_partitions=settings.topic_partitions, replication_factor=1)]
            )
            await admin.close()
            # Configured as the service's producer (services/core/bus.py).
            producer = AIOKafkaProducer(
                bootstrap_servers=broker.bootstrap,
                acks="all",
                enable_idempotence=settings.kafka_idempotence_effective,
                linger_ms=5,
                request_timeout_ms=settings.kafka_request_timeout_ms,
            )
            await producer.start()
            stack.push_async_callback(producer.stop)

            product, baseline = Tally(), Tally()
            accepted = 0
            for day in range(args.days):
                first = SEASON_START + timedelta(days=day)
                bodies = [
                    round_body(ids, first + STEP * (n + 1), rng, args.format) for n in range(ROUNDS_PER_DAY)
                ]
                with product.timing():
                    taken = await push_day(
                        bodies, media, reg, clock, rainfall, Relay(outbox, bus, clock, batch=args.relay_batch)
                    )
                accepted += len(taken)
                floor = messages(taken)
                with baseline.timing():
                    await raw_send(producer, floor_topic, floor)
                if day % max(1, args.days // 20) == 0 or day == args.days - 1:
                    rates = f"product {accepted / product.wall:,.0f}/s, raw {accepted / baseline.wall:,.0f}/s"
                    sys.stdout.write(f"  day {day + 1:>3}: {accepted:>10,} readings: {rates}\n")
                    sys.stdout.flush()

            async with store.read() as conn:
                claimed = (await conn.execute(select(func.count()).select_from(processed))).scalar_one()
                pending = (
                    await conn.execute(select(func.count()).where(outbox_table.c.published_at.is_(None)))
                ).scalar_one()
            on_kafka = (
                await consumed(broker.bootstrap, bus.topic(Topic.RAINFALL), total) if args.verify else -1
            )

    if accepted != total or claimed != total or pending or -1 < on_kafka < total:
        raise SystemExit(
            f"expected {total:,} readings: {accepted:,} accepted, {claimed:,} claimed, {pending:,} "
            f"left in the outbox, {on_kafka:,} on Kafka"
        )
    report(
        "gauge_ingest",
        Figure("readings pushed, checked, claimed and published", total / product.wall, "readings/s", True),
        Figure("raw aiokafka publish of the same messages", total / baseline.wall, "readings/s", True),
        readings=float(total),
        days=float(args.days),
        stations=float(args.stations),
        bodies=float(args.days * ROUNDS_PER_DAY),
        on_kafka=float(on_kafka) if args.verify else "not counted",
        product_seconds=product.wall,
        baseline_seconds=baseline.wall,
        # CPU of this process (both SQLite threads included): how far each side is CPU-bound.
        product_cpu_seconds=product.cpu,
        baseline_cpu_seconds=baseline.cpu,
        relay_batch=float(args.relay_batch),
        format=args.format,
        database="postgresql" if args.database_url else "sqlite",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=181, help="days of the season (default the full 181)")
    parser.add_argument("--stations", type=int, default=200, help="stations, one reading each per body")
    parser.add_argument("--format", choices=sorted(MEDIA), default="csv", help="body format (default csv)")
    parser.add_argument("--relay-batch", type=int, default=1000, help="outbox rows per relay round")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    parser.add_argument("--verify", action="store_true", help="read the product topic back and count it")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
