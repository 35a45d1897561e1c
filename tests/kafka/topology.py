"""The production topology as the Kafka tests run it: each service its own ``sanfang run``
process (its own port and log), all on the ``scripts/kafka`` cluster, one PostgreSQL database
and one MQTT topic root, with the topic prefix of the test.

>>> async def demo(kafka: KafkaCluster, database_url: str, tmp_path: Path) -> None:  # doctest: +SKIP
...     async with Topology(kafka, database_url, tmp_path) as topology:
...         await topology.start(ingest="ingest", rules="rules", console="console")
...         await topology.http("ingest").post("/api/v1/warnings", json=typhoon_blue())
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import TracebackType

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from sqlalchemy import func, select

from schemas.console import AccountIn, Role
from services.core.broker import free_port
from services.core.clock import SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.core.tables import notices
from services.web.accounts import Accounts
from services.web.audit import Actor
from services.web.sessions import Sessions
from tests.conftest import MQTT_HOST, MQTT_PORT, unique
from tests.integration.helpers import OFFICER_PASSWORD
from tests.kafka.conftest import KafkaCluster

__all__ = [
    "SANFANG",
    "Topology",
    "acked_per_change",
    "group_assignment",
    "notices_per_change",
    "officer_bearer",
]

SANFANG = str(Path(sys.executable).with_name("sanfang"))
_READY_SECONDS = 120.0
_UP_LINE = "sanfang is up:"


class Process:
    """One ``sanfang run SERVICE`` process, restartable on the same port and log."""

    def __init__(self, name: str, service: str, env: dict[str, str], log: Path) -> None:
        self.name, self.service, self.env, self.log = name, service, env, log
        self.port = int(env["SANFANG_PORT"])
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def _ups(self) -> int:
        return self.log.read_text(errors="replace").count(_UP_LINE) if self.log.exists() else 0

    async def start(self) -> None:
        """Start it and wait until it says it is up (every consumer started, HTTP served)."""
        seen = self._ups()
        with self.log.open("a") as out:
            self.process = await asyncio.create_subprocess_exec(
                SANFANG, "run", self.service, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _READY_SECONDS
        while self._ups() <= seen:
            assert self.process.returncode is None, f"{self.name} exited:\n{self.tail()}"
            assert loop.time() < deadline, f"{self.name} not up within {_READY_SECONDS} s:\n{self.tail()}"
            await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no clean stop, no commit on the way out."""
        assert self.running, f"{self.name} is not running"
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> None:
        """SIGTERM; it must exit 0 within a minute, with no traceback in its log."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.process.wait(), 60)
        assert self.process.returncode == 0, f"{self.name} exited {self.process.returncode}:\n{self.tail()}"
        assert "Traceback" not in self.log.read_text(errors="replace"), f"{self.name}:\n{self.tail()}"

    async def wait_gone(self) -> None:
        if self.process is not None:
            await self.process.wait()

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"


class Topology:
    """``sanfang run`` processes sharing one deployment's settings; every process still running
    at the end is stopped (SIGTERM, must exit 0), or SIGKILLed if the test failed."""

    def __init__(self, kafka: KafkaCluster, database_url: str, tmp_path: Path, **extra: str) -> None:
        self.kafka, self.database_url, self.tmp_path = kafka, database_url, tmp_path
        self.prefix = unique("k") + "."
        self.mqtt_root = unique("topology-")
        self.processes: dict[str, Process] = {}
        # No SANFANG_TOPIC_REPLICATION: the product's default on Kafka (3) is what is tested.
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")},
            "SANFANG_KAFKA_BOOTSTRAP": kafka.bootstrap,
            "SANFANG_TOPIC_PREFIX": self.prefix,
            "SANFANG_TOPIC_PARTITIONS": "3",
            "SANFANG_DATABASE_URL": database_url,
            "SANFANG_MQTT_HOST": MQTT_HOST,
            "SANFANG_MQTT_PORT": str(MQTT_PORT),
            "SANFANG_MQTT_TOPIC_ROOT": self.mqtt_root,
            "SANFANG_MQTT_EMBEDDED": "never",
            # Two dispatch processes take app acks on one root: a shared subscription each.
            "SANFANG_MQTT_SHARED_ACKS": "true",
            "SANFANG_DEMO_DIRECTORY": "true",  # the invented Bao'an directory of 3,183 persons
            "SANFANG_DATA_DIR": str(tmp_path / "var"),
            "COLUMNS": "200",
            **extra,
        }
        self._clients: dict[str, httpx.AsyncClient] = {}

    async def __aenter__(self) -> Topology:
        migrate = await asyncio.create_subprocess_exec(
            SANFANG, "migrate", env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        shown, _ = await asyncio.wait_for(migrate.communicate(), 120)
        assert migrate.returncode == 0, shown.decode(errors="replace")
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        for client in self._clients.values():
            await client.aclose()
        running = [p for p in self.processes.values() if p.running]
        if kind is None:
            await asyncio.gather(*(p.stop() for p in running))
            return
        for process in running:
            process.kill()
        for process in running:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(process.wait_gone(), 30)

    async def start(self, **services: str) -> None:
        """Start processes, ``name=service`` each (new names get a port and a log), all at once."""
        for name, service in services.items():
            if name not in self.processes:
                port = free_port()
                env = {**self.env, "SANFANG_PORT": str(port)}
                if service == "dispatch":
                    # Ack links point at the dispatch process that made them.
                    env["SANFANG_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
                self.processes[name] = Process(name, service, env, self.tmp_path / f"{name}.log")
        await asyncio.gather(*(self.processes[name].start() for name in services))

    def http(self, name: str) -> httpx.AsyncClient:
        """An HTTP client to process ``name``."""
        if name not in self._clients:
            self._clients[name] = httpx.AsyncClient(base_url=self.processes[name].url, timeout=30)
        return self._clients[name]

    async def stop(self, *names: str) -> None:
        """SIGTERM these processes (all when none is named) at once; each must exit 0."""
        chosen = [self.processes[n] for n in names] if names else list(self.processes.values())
        await asyncio.gather(*(p.stop() for p in chosen if p.process is not None))


async def notices_per_change(database_url: str) -> dict[str, Counter[str]]:
    """Response change (its event id) → person → notices the ``notices`` table holds."""
    n = notices.c
    query = select(n.response_event_id, n.person_id, func.count()).group_by(n.response_event_id, n.person_id)
    found: dict[str, Counter[str]] = {}
    async with Store(database_url) as store, store.read() as conn:
        for change, person, count in await conn.execute(query):
            found.setdefault(change, Counter())[person] = int(count)
    return found


async def acked_per_change(database_url: str) -> dict[str, int]:
    """Response change (its event id) → how many of its notices are acknowledged."""
    n = notices.c
    query = select(n.response_event_id, func.count(n.acked_at)).group_by(n.response_event_id)
    async with Store(database_url) as store, store.read() as conn:
        return {change: int(acked) for change, acked in await conn.execute(query)}


async def group_assignment(kafka: KafkaCluster, group: str) -> list[set[tuple[str, int]]]:
    """The partitions each member of consumer group ``group`` owns now, one set per member."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        (answer,) = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    # (error_code, group, state, protocol_type, protocol, members, ...), whatever the version
    (described,) = answer.groups
    members = described[5]
    owned = []
    for member in members:
        assignment = member[-1]
        if not assignment:
            owned.append(set())
            continue
        decoded = ConsumerProtocolMemberAssignment.decode(assignment)
        owned.append({(topic, p) for topic, parts in decoded.assignment for p in parts})
    return owned


async def officer_bearer(database_url: str) -> dict[str, str]:
    """The bearer header of a new viewer officer, added and logged in in the deployment's
    database as ``sanfang users add`` and the console would: every process checks sessions there."""
    clock = SystemClock()
    name = unique("viewer-")
    settings = Settings(database_url=database_url)
    async with Store(database_url) as store:
        accounts, sessions = Accounts(store, clock), Sessions.from_settings(store, clock, settings)
        account = AccountIn(username=name, display_name=name, role=Role.VIEWER, password=OFFICER_PASSWORD)
        await accounts.add(account, by=Actor("cli:test", "测试", "administrator", "local"))
        login = await sessions.login(name, OFFICER_PASSWORD, source_ip="127.0.0.1")
    return {"Authorization": f"Bearer {login.token}"}
