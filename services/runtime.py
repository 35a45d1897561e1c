"""Runs a set of services in one process: ``sanfang up`` runs all of them, ``sanfang run X`` one.

Every IO component is an async context manager, entered in one ``AsyncExitStack``; the
long-running loops (consumers, the outbox relay, the HTTP server, the scheduler) are
tasks that stop together when ``stop`` is set, or when one of them fails.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     stop = asyncio.Event()
...     await Runtime(settings, ALL_SERVICES).run(stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import APIRouter
from sqlalchemy import text

from services.app import ReadinessCheck, create_app
from services.console.http import console_router
from services.core.broker import EmbeddedBroker
from services.core.bus import Backoff, Bus, ConsumerLoop
from services.core.clock import Clock, SystemClock
from services.core.errors import BusError, ConfigError
from services.core.outbox import Outbox, Relay
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch.directory_store import load_directory, save_directory
from services.dispatch.domain.generator import generate_baoan_directory
from services.dispatch.domain.targeting import TargetingPolicy
from services.dispatch.push import MqttPush
from services.dispatch.service import Dispatch
from services.ingest.http import ingest_router
from services.ingest.intake import Intake
from services.recorder.service import Recorder
from services.rules.service import RulesService, read_rules_file

__all__ = ["ALL_SERVICES", "Runtime", "default_rules_file"]

log = logging.getLogger(__name__)

ALL_SERVICES = frozenset({"ingest", "rules", "dispatch", "console", "recorder"})


def default_rules_file() -> Path:
    """The rules file used when none is configured: ``rules/default.yaml`` of the source tree."""
    return Path(__file__).resolve().parent.parent / "rules" / "default.yaml"


def _version() -> str:
    try:
        return version("sanfang")
    except PackageNotFoundError:
        return "0.0.0"


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the runtime owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


@dataclass
class Runtime:
    """The services of one process, wired to one broker, database and MQTT server."""

    settings: Settings
    services: frozenset[str]
    clock: Clock = field(default_factory=SystemClock)
    bootstrap: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    rules: RulesService | None = None
    dispatch: Dispatch | None = None
    port: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Start everything, run until ``stop`` is set, then stop everything cleanly."""
        unknown = self.services - ALL_SERVICES
        if unknown:
            raise ConfigError(
                f"unknown service(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(ALL_SERVICES))}"
            )
        async with AsyncExitStack() as stack:
            bootstrap = await self._broker(stack)
            store = await stack.enter_async_context(Store(self.settings.database_url_effective))
            await store.migrate()
            bus = await stack.enter_async_context(Bus(self.settings, bootstrap))
            await self._ensure_topics(bus)
            outbox = Outbox(store, self.clock, topic_prefix=self.settings.topic_prefix)
            relay = Relay(outbox, bus, self.clock)
            loops: list[ConsumerLoop] = []
            routers: list[APIRouter] = []
            checks: list[ReadinessCheck] = [("database", lambda: _database_ok(store))]
            scheduler = AsyncIOScheduler(timezone="UTC")

            if "ingest" in self.services:
                routers.append(ingest_router(Intake(outbox, self.clock), store, self.settings))
            if "rules" in self.services:
                self.rules = await self._rules(outbox)
                loops.append(self.rules.consumer(bus))
                # The scheduler only wakes the code that looks for due work; deadlines are in the state.
                scheduler.add_job(self.rules.tick, "interval", seconds=1, id="rules-tick", max_instances=1)
            if "dispatch" in self.services:
                push = await stack.enter_async_context(self._push())
                self.dispatch = await self._dispatch(outbox)
                loops.append(self.dispatch.consumer(bus, push))
            if "recorder" in self.services:
                loops.append(Recorder(store, self.clock).consumer(bus))
            if "console" in self.services:
                routers.append(console_router(outbox, self.clock))
            checks.append(("consumers", lambda: _consumers_ok(loops)))

            tasks: list[asyncio.Task[None]] = [asyncio.create_task(relay.run(), name="outbox-relay")]
            tasks += [asyncio.create_task(loop.run(), name=f"consumer-{loop.group}") for loop in loops]
            server: _Server | None = None
            if routers:
                app = create_app(routers, checks, version=_version())
                server = _Server(
                    uvicorn.Config(
                        app,
                        host=self.settings.host,
                        port=self.settings.port if self.port is None else self.port,
                        log_level="warning",
                        lifespan="off",
                        access_log=False,
                    )
                )
                tasks.append(asyncio.create_task(server.serve(), name="http"))
            scheduler.start()
            try:
                await self._until_ready(loops, server, tasks)
                self.ready.set()
                log.info("sanfang is up: %s", ", ".join(sorted(self.services)))
                await _wait_stop_or_failure(stop, tasks)
            finally:
                scheduler.shutdown(wait=False)
                for loop in loops:
                    loop.stop()
                relay.stop()
                if server is not None:
                    server.should_exit = True
                await _drain(tasks)
        log.info("sanfang stopped")

    async def _broker(self, stack: AsyncExitStack) -> str:
        if self.bootstrap:
            return self.bootstrap
        if self.settings.kafka_bootstrap:
            return self.settings.kafka_bootstrap
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        broker = await stack.enter_async_context(
            EmbeddedBroker(log_file=self.settings.data_dir / "broker.log")
        )
        return broker.bootstrap

    async def _ensure_topics(self, bus: Bus) -> None:
        backoff = Backoff(cap=5)
        for _ in range(30):
            try:
                await bus.ensure_topics()
            except BusError as exc:
                log.warning("%s; retrying", exc)
                await backoff.wait()
            else:
                return
        await bus.ensure_topics()

    async def _rules(self, outbox: Outbox) -> RulesService:
        path = self.settings.rules_file or default_rules_file()
        rules = read_rules_file(path)
        service = RulesService(outbox, self.clock, rules)
        await service.restore()
        log.info("rules %s %s loaded from %s", rules.id, rules.version, path)
        return service

    def _push(self) -> MqttPush:
        s = self.settings
        return MqttPush(
            s.mqtt_host,
            s.mqtt_port,
            root=s.mqtt_topic_root,
            username=s.mqtt_username,
            password=s.mqtt_password.get_secret_value() if s.mqtt_password else None,
        )

    async def _dispatch(self, outbox: Outbox) -> Dispatch:
        directory = await load_directory(outbox.store)
        if directory is None:
            directory = generate_baoan_directory()
            await save_directory(outbox.store, directory, source="generated: Bao'an", now=self.clock.now())
            log.info(
                "no directory loaded yet: generated Bao'an's (%d units, %d persons)",
                len(directory.units),
                len(directory.persons),
            )
        return Dispatch(
            outbox,
            self.clock,
            directory,
            policy=TargetingPolicy(),
            ack_minutes=self.settings.ack_minutes,
            public_url=self.settings.public_url_effective,
        )

    async def _until_ready(
        self, loops: list[ConsumerLoop], server: _Server | None, tasks: list[asyncio.Task[None]]
    ) -> None:
        waits: list[Callable[[], Awaitable[bool]]] = [loop.started.wait for loop in loops]
        for wait in waits:
            await _race(wait(), tasks)
        while server is not None and not server.started:
            await _race(asyncio.sleep(0.05), tasks)


async def _race(
    awaitable: Coroutine[Any, Any, Any] | Awaitable[Any], tasks: list[asyncio.Task[None]]
) -> None:
    """Await ``awaitable``, but fail at once if one of ``tasks`` failed first."""
    waiter = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        for task in done:
            task.result()
        raise RuntimeError("a service stopped while starting")


async def _wait_stop_or_failure(stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    stopper = asyncio.create_task(stop.wait(), name="stop")
    done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("%s failed: %s", task.get_name(), task.exception())
            raise task.exception()  # type: ignore[misc]


async def _drain(tasks: list[asyncio.Task[None]], grace: float = 10.0) -> None:
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _database_ok(store: Store) -> tuple[bool, str]:
    try:
        async with store.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure instead of raising
        return False, str(exc)[:200]
    return True, store.dialect


async def _consumers_ok(loops: list[ConsumerLoop]) -> tuple[bool, str]:
    waiting = [loop.group for loop in loops if not loop.started.is_set()]
    return (not waiting, "waiting: " + ", ".join(waiting) if waiting else f"{len(loops)} running")
