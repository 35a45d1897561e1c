"""Benchmark: 3,183 acknowledgements arriving at once.

Dispatch runs alone (embedded broker, SQLite, Mosquitto) and has notified all 3,183
persons; then every person acknowledges at the same moment over ``POST /api/v1/acks``
(50 connections), each with the ack token their app was pushed. Measured: the time until
every ack is recorded (first ack counted) and every person's escalation stopped, as the
database says. Beside it, in the same run, the HTTP floor: 3,183 ``GET /healthz`` round
trips to the same server with the same concurrency.

    .venv/bin/python -m tests.bench.bench_ack_burst
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select

from schemas.areas import Scope
from services.core import tables
from services.core.broker import EmbeddedBroker, free_port
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.dispatch import tables as dispatch_tables
from tests.bench.report import Figure, report
from tests.integration.dispatch.helpers import activation, dispatch_running, publish, scalar
from tests.integration.helpers import NoticeWatcher, wait_until

PERSONS = 3183
CONNECTIONS = 50


async def burst(http: httpx.AsyncClient, requests: list[tuple[str, str, dict[str, str] | None]]) -> float:
    """Seconds to make ``requests`` with ``CONNECTIONS`` in flight."""
    limit = asyncio.Semaphore(CONNECTIONS)

    async def one(method: str, path: str, body: dict[str, str] | None) -> None:
        async with limit:
            answer = await http.request(method, path, json=body)
            answer.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(one(*r) for r in requests))
    return time.perf_counter() - started


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("mqtt").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as workdir:
        async with EmbeddedBroker() as broker:
            tag = uuid.uuid4().hex[:8]
            settings = Settings(
                data_dir=Path(workdir) / tag,
                topic_prefix=f"bench{tag}.",
                port=free_port(),
                mqtt_topic_root=f"bench-{tag}",
                demo_directory=True,
            )
            url = settings.database_url_effective
            watcher = NoticeWatcher("127.0.0.1", 1883, settings.mqtt_topic_root)
            async with (
                watcher.watching(),
                dispatch_running(settings, broker.bootstrap, SystemClock()) as sanfang,
            ):
                await publish(settings, broker.bootstrap, activation(Scope.district()))
                await wait_until(lambda: len(watcher.notices) >= PERSONS, within=300, what="the notices")
                e = dispatch_tables.escalations.c
                waiting = select(func.count()).where(e.state == "waiting")

                async def all_waiting() -> bool:
                    return bool(await scalar(url, waiting) == PERSONS)

                await wait_until(all_waiting, within=60, what="every escalation waiting")
                floor = await burst(sanfang.http, [("GET", "/healthz", None)] * PERSONS)
                acks: list[tuple[str, str, dict[str, str] | None]] = [
                    ("POST", "/api/v1/acks", {"notice_id": notice_id, "token": watcher.token(notice_id)})
                    for notice_id in watcher.notices
                ]
                started = time.perf_counter()
                await burst(sanfang.http, acks)
                stopped = select(func.count()).where(e.state == "stopped")
                counted = select(func.count()).where(tables.acks.c.counted.is_(True))

                async def settled() -> bool:
                    return bool(
                        await scalar(url, stopped) == PERSONS and await scalar(url, counted) == PERSONS
                    )

                await wait_until(settled, within=300, what="every ack recorded and escalation stopped")
                elapsed = time.perf_counter() - started
    report(
        "ack_burst",
        Figure("3,183 acks at once → all recorded, all escalations stopped", elapsed, "s", False),
        Figure("3,183 GET /healthz round trips, same server and concurrency", floor, "s", False),
        connections=str(CONNECTIONS),
    )


if __name__ == "__main__":
    asyncio.run(main())
