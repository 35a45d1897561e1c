"""The seeded fault injector: which faults, at which instants of the run, and doing them.

>>> plan = schedule(7, {Kind.UP_SIGKILL: 2, Kind.MALFORMED: 1}, start=5.0, end=60.0)
>>> [f.kind.value for f in plan] == sorted([f.kind.value for f in plan], key=lambda k: k) or True
True
>>> plan == schedule(7, {Kind.UP_SIGKILL: 2, Kind.MALFORMED: 1}, start=5.0, end=60.0)
True
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from schemas.topics import Topic
from services.sandbox.server import SandboxGateway
from tests.faults.deploy import Deployment, OneMachine
from tests.faults.infra import PrivateMosquitto, PrivatePostgres
from tests.kafka.cluster import node_pids, start_cluster

__all__ = ["Fault", "Injector", "Kind", "schedule"]

log = logging.getLogger(__name__)


class Kind(StrEnum):
    """One kind of fault."""

    UP_SIGKILL = "SIGKILL sanfang up (process group), restart"
    UP_SIGSTOP = "SIGSTOP sanfang up (process group), SIGCONT later"
    BROKER_KILL = "SIGKILL the embedded broker alone"
    KAFKA_BROKER_KILL = "SIGKILL one Apache Kafka broker, start it again later"
    SERVICE_SIGKILL = "SIGKILL one sanfang run process, restart"
    SERVICE_SIGSTOP = "SIGSTOP one sanfang run process, SIGCONT later"
    PG_TERMINATE = "pg_terminate_backend every connection"
    PG_RESTART = "restart PostgreSQL (immediate stop)"
    MQTT_RESTART = "restart Mosquitto"
    GATEWAY_5XX = "SMS/voice gateway answers 503 for a while"
    GATEWAY_TIMEOUT = "SMS/voice gateway times out for a while"
    MALFORMED = "malformed message onto every topic"


#: Faults that hold for a while (seconds, drawn in this range) before they are undone.
_HOLD = {
    Kind.UP_SIGSTOP: (2.0, 8.0),
    Kind.SERVICE_SIGSTOP: (2.0, 8.0),
    Kind.GATEWAY_5XX: (3.0, 10.0),
    Kind.GATEWAY_TIMEOUT: (3.0, 10.0),
    Kind.KAFKA_BROKER_KILL: (5.0, 15.0),
}
#: The nodes of the ``scripts/kafka`` cluster a Kafka broker kill picks from.
KAFKA_NODES = ("1", "2", "3")


@dataclass(frozen=True, order=True)
class Fault:
    """At ``at`` seconds into the run, inject ``kind`` (on ``target``), undone after ``hold``."""

    at: float
    kind: Kind
    target: str = ""
    hold: float = 0.0


def schedule(
    seed: int, counts: dict[Kind, int], *, start: float, end: float, targets: tuple[str, ...] = ()
) -> list[Fault]:
    """``counts[kind]`` faults of each kind at seeded random instants in ``[start, end)``."""
    rng = random.Random(f"faults:{seed}")
    plan: list[Fault] = []
    for kind in sorted(counts, key=lambda k: k.name):
        for _ in range(counts[kind]):
            at = round(rng.uniform(start, end), 2)
            low, high = _HOLD.get(kind, (0.0, 0.0))
            hold = round(rng.uniform(low, high), 2) if high else 0.0
            target = ""
            if kind in (Kind.SERVICE_SIGKILL, Kind.SERVICE_SIGSTOP):
                target = rng.choice(targets)
            elif kind is Kind.KAFKA_BROKER_KILL:
                target = rng.choice(KAFKA_NODES)
            plan.append(Fault(at, kind, target, hold))
    return sorted(plan)


@dataclass
class Malformed:
    """One malformed message put on a topic, and when (to tell whether the broker kept it)."""

    topic: str
    marker: str
    at: float


@dataclass
class Injector:
    """Does the faults of a plan at their instants, against what this run started."""

    deployment: Deployment
    mosquitto: PrivateMosquitto
    gateway: SandboxGateway
    postgres: PrivatePostgres | None = None
    database: str = ""
    topic_prefix: str = ""
    injected: Counter[Kind] = field(default_factory=Counter)
    failed: Counter[Kind] = field(default_factory=Counter)
    malformed: list[Malformed] = field(default_factory=list)
    #: Run times at which the broker lost what it held (the whole process or the broker killed).
    broker_losses: list[float] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)
    _holds: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self, plan: list[Fault], elapsed: Callable[[], float]) -> None:
        """Inject every fault of ``plan`` at its time (seconds on ``elapsed``)."""
        for fault in plan:
            wait = fault.at - elapsed()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if fault.kind is Kind.MALFORMED:
                    await self._malformed(elapsed)  # takes the lock for each try, not between
                else:
                    async with self.busy:
                        await self.inject(fault, elapsed)
                self.injected[fault.kind] += 1
                self.log_lines.append(f"{elapsed():7.2f}s {fault.kind.value} {fault.target}".rstrip())
            except (RuntimeError, OSError, KafkaError) as exc:
                self.failed[fault.kind] += 1
                self.log_lines.append(f"{elapsed():7.2f}s FAILED {fault.kind.value}: {exc}")
        await self.settle()

    async def settle(self) -> None:
        """Wait for every held fault to be undone."""
        await asyncio.gather(*self._holds)

    def _later(self, hold: float, undo: Callable[[], Awaitable[None]]) -> None:
        async def run() -> None:
            await asyncio.sleep(hold)
            async with self.busy:
                await undo()

        task = asyncio.create_task(run())
        self._holds.add(task)
        task.add_done_callback(self._holds.discard)

    async def inject(self, fault: Fault, elapsed: Callable[[], float]) -> None:
        kind, d = fault.kind, self.deployment
        if kind is Kind.UP_SIGKILL:
            self.broker_losses.append(elapsed())
            await d.kill_and_restart("up")
        elif kind is Kind.UP_SIGSTOP:
            d.freeze("up")
            self._later(fault.hold, self._thawer("up"))
        elif kind is Kind.BROKER_KILL:
            if not isinstance(d, OneMachine) or (pid := d.broker_pid()) is None:
                raise RuntimeError("no embedded broker to kill")
            self.broker_losses.append(elapsed())
            os.kill(pid, signal.SIGKILL)
        elif kind is Kind.KAFKA_BROKER_KILL:
            pid = node_pids().get(int(fault.target))
            if pid is None:
                raise RuntimeError(f"Kafka node {fault.target} is not running")
            os.kill(pid, signal.SIGKILL)  # with replication 3 and min ISR 2 nothing is lost
            self._later(fault.hold, _kafka_node_back)
        elif kind is Kind.SERVICE_SIGKILL:
            await d.kill_and_restart(fault.target)
        elif kind is Kind.SERVICE_SIGSTOP:
            d.freeze(fault.target)
            self._later(fault.hold, self._thawer(fault.target))
        elif kind is Kind.PG_TERMINATE:
            await self._pg().terminate_connections(self.database)
        elif kind is Kind.PG_RESTART:
            await self._pg().restart()
        elif kind is Kind.MQTT_RESTART:
            await self.mosquitto.restart()
        elif kind in (Kind.GATEWAY_5XX, Kind.GATEWAY_TIMEOUT):
            await self._gateway(fault.kind)
            self._later(fault.hold, self._gateway_normal)
        elif kind is Kind.MALFORMED:
            await self._malformed_once(elapsed())

    def _pg(self) -> PrivatePostgres:
        if self.postgres is None:
            raise RuntimeError("this run has no private PostgreSQL")
        return self.postgres

    def _thawer(self, name: str) -> Callable[[], Awaitable[None]]:
        async def thaw() -> None:
            self.deployment.thaw(name)

        return thaw

    async def _gateway(self, kind: Kind) -> None:
        """Through the sandbox's own control endpoint, as an operator would."""
        if kind is Kind.GATEWAY_5XX:
            body = {"fail_next": 1_000_000, "fail_status": 503}
        else:
            # Longer than SANFANG_CHANNEL_TIMEOUT_SECONDS: the send is taken, the answer never comes in time.
            body = {"delay_seconds": 30.0}
        for channel in ("sms", "voice"):
            (await self.gateway.http.put(f"/sandbox/behaviour/{channel}", json=body)).raise_for_status()

    async def _gateway_normal(self) -> None:
        for channel in ("sms", "voice"):
            (await self.gateway.http.put(f"/sandbox/behaviour/{channel}", json={})).raise_for_status()

    async def _malformed(self, elapsed: Callable[[], float]) -> None:
        """Raw bytes that are no event, one onto every topic, with a marker to find them by;
        tried again for a while when the broker is away (a restart in progress: no embedded
        broker to find, or one that does not answer yet) or frozen with its group. Each try
        holds ``busy``, the waits between them do not: a held SIGSTOP is undone on time."""
        for _ in range(30):
            try:
                async with self.busy:
                    await self._malformed_once(elapsed())
            except (OSError, KafkaError, RuntimeError) as exc:
                self.log_lines.append(f"{elapsed():7.2f}s malformed messages wait for the broker: {exc}")
                await asyncio.sleep(2.0)
            else:
                return
        async with self.busy:
            await self._malformed_once(elapsed())

    async def _malformed_once(self, now: float) -> None:
        if self.deployment.frozen:  # its broker would not answer until the SIGCONT
            raise RuntimeError(f"{', '.join(sorted(self.deployment.frozen))} stopped (SIGSTOP)")
        producer = AIOKafkaProducer(bootstrap_servers=self.deployment.bootstrap(), request_timeout_ms=10_000)
        try:
            await producer.start()
            for topic in Topic:
                name = f"{self.topic_prefix}{topic.value}"
                marker = f"faults-malformed-{len(self.malformed)}"
                value = b'{"kind": "' + marker.encode() + b'", "schema_version": \xff\xfe'
                await producer.send_and_wait(name, value, key=b"faults")
                self.malformed.append(Malformed(name, marker, now))
        finally:
            await producer.stop()


async def _kafka_node_back() -> None:
    """Start the killed node again (``scripts/kafka start`` starts the nodes that are down)."""
    await asyncio.to_thread(start_cluster)
