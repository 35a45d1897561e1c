"""The bus a benchmark runs on: the embedded broker (the default, memory only) or the local
Apache Kafka cluster of ``scripts/kafka`` (``--bus kafka``: three brokers, replication 3,
``min.insync.replicas`` 2, idempotent producer, ``acks=all``, as the product runs on Kafka).

The product's settings and the raw floor are made here for both, so that each figure on Kafka
sits beside a floor measured on the same cluster with the same durability.

    async with bench_bus("kafka") as bus:
        settings = bus.settings(data_dir=..., topic_prefix=...)
        floor = await kafka_floor(bus.bootstrap, 3183, payload, replicated=bus.kafka)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from services.core.broker import EmbeddedBroker
from services.core.settings import Settings
from tests.kafka.cluster import start_cluster

__all__ = ["BUSES", "BenchBus", "bench_bus"]

BUSES = ("embedded", "kafka")


@dataclass(frozen=True)
class BenchBus:
    """Where a benchmark's events go: ``kind`` is ``embedded`` or ``kafka``."""

    kind: str
    bootstrap: str

    @property
    def kafka(self) -> bool:
        """Whether this is the Apache Kafka cluster."""
        return self.kind == "kafka"

    def settings(self, **fields: Any) -> Settings:
        """The product's settings on this bus (on Kafka: its replication, min ISR, idempotence)."""
        return Settings(kafka_bootstrap=self.bootstrap if self.kafka else "", **fields)

    def named(self, benchmark: str) -> str:
        """The benchmark's name in the history: ``fanout_3183`` or ``fanout_3183_kafka``."""
        return f"{benchmark}_kafka" if self.kafka else benchmark


@asynccontextmanager
async def bench_bus(kind: str, bootstrap: str | None = None) -> AsyncIterator[BenchBus]:
    """The bus of ``kind``; ``bootstrap`` is one a parent process already has (a child side)."""
    if kind not in BUSES:
        raise ValueError(f"no bus {kind!r}: one of {', '.join(BUSES)}")
    if bootstrap is not None:
        yield BenchBus(kind, bootstrap)
    elif kind == "kafka":
        yield BenchBus(kind, await asyncio.to_thread(start_cluster))
    else:
        async with EmbeddedBroker() as broker:
            yield BenchBus(kind, broker.bootstrap)
