"""Runs a set of services in one process: ``sanfang up`` runs all of them, ``sanfang run X`` some.

Every IO component is an async context manager, entered in one ``AsyncExitStack``; each
service's ``component.build`` returns its consumer loops, routes, checks and background
tasks, which run as tasks that stop together when ``stop`` is set or when one fails.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     stop = asyncio.Event()
...     await Runtime(settings, ALL_SERVICES).run(stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from services.app import create_app
from services.console import component as console_component
from services.core import metrics
from services.core.backoff import Backoff
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus, ConsumerLoop
from services.core.clock import Clock, SystemClock
from services.core.component import Builder, Component, ReadinessCheck, Wiring
from services.core.errors import BusError, ConfigError
from services.core.jobs import RunningJobs
from services.core.mqtt_broker import EmbeddedMqtt, mqtt_answers
from services.core.outbox import Outbox, Relay
from services.core.settings import Settings
from services.core.settling import Settler, republish_unsettled
from services.core.store import Store
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch import component as dispatch_component
from services.dispatch.directory_store import InventedDirectory
from services.ingest import component as ingest_component
from services.recorder import component as recorder_component
from services.replay import component as replay_component
from services.rules import component as rules_component

__all__ = ["ALL_SERVICES", "BUILDERS", "Runtime"]

log = logging.getLogger(__name__)
#: How long a stop waits for scheduled jobs that are running (an escalation pass, a poll).
_JOBS_GRACE_SECONDS = 10.0
#: How often each consumer group's lag is sampled for ``sanfang_consumer_lag``.
_LAG_SECONDS = 5.0

#: The directory dispatch uses when none was imported and ``SANFANG_DEMO_DIRECTORY=true`` asks
#: for one: the demo's invented Bao'an directory. Handed in here, so dispatch imports no demo.
_DEMO_DIRECTORY = InventedDirectory("generated: Bao'an (demo)", generate_baoan_directory)

#: Every service, in the order a process builds them.
BUILDERS: dict[str, Builder] = {
    "ingest": ingest_component.build,
    "rules": rules_component.build,
    "dispatch": functools.partial(dispatch_component.build, invented=_DEMO_DIRECTORY),
    "recorder": recorder_component.build,
    "console": console_component.build,
    "replay": replay_component.build,
}
ALL_SERVICES = frozenset(BUILDERS)


def _version() -> str:
    try:
        return version("sanfang")
    except PackageNotFoundError:
        return "0.0.0"


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the runtime owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Runtime:
    """The services of one process, wired to one broker, database and MQTT server."""

    settings: Settings
    services: frozenset[str]
    clock: Clock = field(default_factory=SystemClock)
    bootstrap: str | None = None
    port: int | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    components: dict[str, Component] = field(default_factory=dict)

    async def consumer_lag(self) -> int | None:
        """Records the consumers of every service have still to handle; ``None`` while one of
        them has no partitions (starting or rebalancing)."""
        lags = [await loop.lag() for c in self.components.values() for loop in c.loops]
        known = [lag for lag in lags if lag is not None]
        return sum(known) if len(known) == len(lags) else None

    async def run(self, stop: asyncio.Event) -> None:
        """Start everything, run until ``stop`` is set, then stop everything cleanly."""
        unknown = self.services - ALL_SERVICES
        if unknown:
            raise ConfigError(
                f"unknown service(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(ALL_SERVICES))}"
            )
        if "rules" in self.services:
            rules_component.preflight(self.settings)
        async with AsyncExitStack() as stack:
            embedded = await self._embedded_broker(stack)
            bootstrap = embedded.bootstrap if embedded is not None else self._bootstrap()
            await self._mqtt(stack)
            store = await stack.enter_async_context(Store(self.settings.database_url_effective))
            await store.migrate()
            if embedded is not None:
                # A new embedded broker is empty: what no consumer was seen to apply goes again.
                await republish_unsettled(store)
            bus = await stack.enter_async_context(Bus(self.settings, bootstrap))
            await _ensure_topics(bus)
            outbox = Outbox(store, self.clock, topic_prefix=self.settings.topic_prefix)
            relay = Relay(outbox, bus, self.clock, prune_settled_only=embedded is not None)
            scheduler = AsyncIOScheduler(timezone="UTC")
            running = RunningJobs(scheduler)
            wiring = Wiring(self.settings, self.clock, store, bus, outbox, stack, scheduler)
            for name, build in BUILDERS.items():
                if name in self.services:
                    self.components[name] = await build(wiring)

            loops = [loop for c in self.components.values() for loop in c.loops]
            for loop in loops:
                loop.bind(outbox, lambda: _answers(store), self.clock)
            checks: list[ReadinessCheck] = [("database", lambda: _database_ok(store))]
            checks += [check for c in self.components.values() for check in c.checks]
            checks.append(("consumers", lambda: _consumers_ok(loops)))
            tasks: list[asyncio.Task[None]] = [asyncio.create_task(relay.run(), name="outbox-relay")]
            settler = Settler(store, bus, loops)
            if embedded is not None:
                tasks.append(asyncio.create_task(settler.run(), name="outbox-settler"))
                tasks.append(asyncio.create_task(embedded.watch(), name="embedded-broker"))
            tasks += [asyncio.create_task(loop.run(), name=f"consumer-{loop.group}") for loop in loops]
            background = [
                asyncio.create_task(work(), name=f"{c.name}-task")
                for c in self.components.values()
                for work in c.tasks
            ]
            server = self._server([r for c in self.components.values() for r in c.routers], checks)
            if server is not None:
                tasks.append(asyncio.create_task(server.serve(), name="http"))
            scheduler.add_job(
                _report_lag,
                "interval",
                args=[loops],
                seconds=_LAG_SECONDS,
                id="consumer-lag",
                max_instances=1,
            )
            scheduler.start()
            try:
                await self._until_ready(loops, server, tasks + background)
                self.ready.set()
                log.info("sanfang is up: %s", ", ".join(sorted(self.services)))
                await _wait_stop_or_failure(stop, tasks + background)
            finally:
                scheduler.pause()  # no new runs; the ones running finish their transaction
                if not await running.finished(within=_JOBS_GRACE_SECONDS):
                    log.warning(
                        "%d scheduled job(s) still running after %ss; cancelling",
                        running.count,
                        _JOBS_GRACE_SECONDS,
                    )
                scheduler.shutdown(wait=False)
                for task in background:
                    task.cancel()
                for loop in loops:
                    loop.stop()
                relay.stop()
                settler.stop()
                if server is not None:
                    server.should_exit = True
                await _drain(tasks + background)
        log.info("sanfang stopped")

    def _bootstrap(self) -> str:
        return self.bootstrap or self.settings.kafka_bootstrap

    async def _embedded_broker(self, stack: AsyncExitStack) -> EmbeddedBroker | None:
        """The embedded broker this process starts, when no Kafka was given."""
        if self._bootstrap():
            return None
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return await stack.enter_async_context(EmbeddedBroker(log_file=self.settings.data_dir / "broker.log"))

    async def _mqtt(self, stack: AsyncExitStack) -> None:
        s = self.settings
        loopback = s.mqtt_host in ("127.0.0.1", "localhost", "::1")
        wanted = "dispatch" in self.services and s.mqtt_embedded == "auto" and loopback
        if wanted and not await asyncio.to_thread(mqtt_answers, s.mqtt_host, s.mqtt_port):
            await stack.enter_async_context(EmbeddedMqtt(s.mqtt_port))

    def _server(self, routers: list[Any], checks: list[ReadinessCheck]) -> _Server | None:
        if not routers:
            return None
        app = create_app(
            routers, checks, version=_version(), hsts=self.settings.environment == "production"
        )
        return _Server(
            uvicorn.Config(
                app,
                host=self.settings.host,
                port=self.settings.port if self.port is None else self.port,
                log_level="warning",
                lifespan="off",
                access_log=False,
                # The client address is ours to work out (SANFANG_TRUSTED_PROXIES), never uvicorn's.
                proxy_headers=False,
            )
        )

    async def _until_ready(
        self, loops: list[ConsumerLoop], server: _Server | None, tasks: list[asyncio.Task[None]]
    ) -> None:
        for loop in loops:
            await _race(loop.started.wait(), tasks)
        while server is not None and not server.started:
            await _race(asyncio.sleep(0.05), tasks)


async def _ensure_topics(bus: Bus) -> None:
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


async def _race(awaitable: Awaitable[Any], tasks: list[asyncio.Task[None]]) -> None:
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
        if task is not stopper:
            error = task.exception()
            if error is not None:
                log.error("%s failed: %s", task.get_name(), error)
                raise error
            log.error("%s stopped on its own; stopping the process", task.get_name())


async def _drain(tasks: list[asyncio.Task[None]], grace: float = 10.0) -> None:
    _, pending = await asyncio.wait(tasks, timeout=grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _answers(store: Store) -> bool:
    return (await _database_ok(store))[0]


async def _database_ok(store: Store) -> tuple[bool, str]:
    try:
        async with store.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure instead of raising
        return False, str(exc)[:200]
    return True, store.dialect


async def _report_lag(loops: list[ConsumerLoop]) -> None:
    """Sample every consumer group's lag into ``sanfang_consumer_lag``."""
    for loop in loops:
        lag = await loop.lag()
        if lag is not None:
            metrics.CONSUMER_LAG.labels(loop.group).set(lag)
        metrics.CONSUMER_STUCK.labels(loop.group).set(1 if loop.stuck else 0)


async def _consumers_ok(loops: list[ConsumerLoop]) -> tuple[bool, str]:
    waiting = [loop.group for loop in loops if not loop.started.is_set()]
    if waiting:
        return False, "waiting: " + ", ".join(waiting)
    stuck = [loop.group for loop in loops if loop.stuck]
    for loop in loops:
        metrics.CONSUMER_STUCK.labels(loop.group).set(1 if loop.stuck else 0)
    if stuck:
        return False, "stuck (events in hand, no progress): " + ", ".join(stuck)
    return True, f"{len(loops)} running"
