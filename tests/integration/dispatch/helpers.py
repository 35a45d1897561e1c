"""Helpers of dispatch's integration tests: response events on the bus, store counts, the
sandbox gateway, a dispatch process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from schemas.areas import Scope
from schemas.envelope import derived_id
from schemas.responses import Explanation, Level, ResponseActivated
from services.core import tables
from services.core.bus import Bus
from services.core.clock import Clock
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from services.dispatch.component import DispatchParts
from services.runtime import Runtime
from tests.integration.helpers import Sanfang

ROOT = Path(__file__).resolve().parents[3]


async def notices_of_one_response(store: Store, count: int, at: datetime) -> None:
    """``count`` notices ``n-0000``… of response ``resp-1``, to persons ``p-0000``…, as dispatch
    writes them, straight into the store (for tests of acks without a fan-out first)."""
    rows = [
        {
            "notice_id": f"n-{i:04d}",
            "response_id": "resp-1",
            "response_event_id": "act-1",
            "person_id": f"p-{i:04d}",
            "unit_id": "u-1",
            "change": "activated",
            "level": "IV",
            "drill": False,
            "created_at": at,
        }
        for i in range(count)
    ]
    async with store.transaction() as tx:
        await tx.execute(tables.notices.insert(), rows)


def activation(scope: Scope, level: Level = Level.IV, *, at: datetime | None = None) -> ResponseActivated:
    """An activation as the rules publish it."""
    occurred = at or datetime.now(UTC)
    return ResponseActivated(
        event_id=derived_id("it-activation", scope.key, level, occurred.isoformat()),
        occurred_at=occurred,
        correlation_id="44030041600000_20240504064500",
        response_id=derived_id("it-response", scope.key, occurred.isoformat()),
        scope=scope,
        level=level,
        explanation=Explanation(rules_id="baoan", rules_version="test", rule="rainstorm-orange"),
    )


async def publish(settings: Settings, bootstrap: str, event: Any) -> None:
    """Put ``event`` on its topic, as another service would."""
    async with Bus(settings, bootstrap) as bus:
        await bus.ensure_topics()
        await bus.publish(event)


async def scalar(url: str, query: Any) -> Any:
    """One value from the database."""
    async with Store(url) as store, store.read() as conn:
        return (await conn.execute(query)).scalar_one()


async def rows(url: str, query: Any) -> list[Any]:
    """Rows from the database."""
    async with Store(url) as store, store.read() as conn:
        return list((await conn.execute(query)).all())


def count_notices(**where: Any) -> Any:
    """``SELECT count(*) FROM notices`` with equality filters."""
    n = tables.notices.c
    return select(func.count()).select_from(tables.notices).where(*(n[k] == v for k, v in where.items()))


def attempts_where(**where: Any) -> Any:
    """Attempts rows with equality filters."""
    a = dispatch_tables.attempts.c
    return select(dispatch_tables.attempts).where(*(a[k] == v for k, v in where.items()))


def dispatch_env(settings: Settings, bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment of a ``sanfang run dispatch`` process with these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")}
    env.update(
        SANFANG_KAFKA_BOOTSTRAP=bootstrap,
        SANFANG_KAFKA_ENABLE_IDEMPOTENCE="false",
        SANFANG_DATABASE_URL=settings.database_url_effective,
        SANFANG_TOPIC_PREFIX=settings.topic_prefix,
        SANFANG_TOPIC_PARTITIONS=str(settings.topic_partitions),
        SANFANG_MQTT_HOST=settings.mqtt_host,
        SANFANG_MQTT_PORT=str(settings.mqtt_port),
        SANFANG_MQTT_TOPIC_ROOT=settings.mqtt_topic_root,
        SANFANG_PORT=str(settings.port),
        SANFANG_DATA_DIR=str(settings.data_dir),
        SANFANG_LOG_LEVEL="WARNING",
        SANFANG_DEMO_DIRECTORY=str(settings.demo_directory).lower(),
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def dispatch_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``sanfang run dispatch`` as its own OS process; killed at the end if still running."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "dispatch"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


@contextlib.asynccontextmanager
async def nothing() -> AsyncIterator[None]:
    """An empty async context, for optional ones."""
    yield


@contextlib.asynccontextmanager
async def dispatch_running(settings: Settings, bootstrap: str, clock: Clock) -> AsyncIterator[Sanfang]:
    """Dispatch alone in this loop, on ``clock`` (a ManualClock drives the ladder)."""
    runtime = Runtime(settings, frozenset({"dispatch"}), clock=clock, bootstrap=bootstrap)
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    ready = asyncio.create_task(runtime.ready.wait())
    await asyncio.wait([task, ready], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    assert ready.done(), "dispatch did not become ready within 60 s"
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.port}", timeout=30) as http:
            yield Sanfang(runtime, http, settings)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


def parts(sanfang: Sanfang) -> DispatchParts:
    """The running dispatch's pieces."""
    handle = sanfang.runtime.components["dispatch"].handle
    assert isinstance(handle, DispatchParts)
    return handle
