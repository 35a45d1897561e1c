"""Sanfang as the suite runs it: the one-machine ``sanfang up`` (SQLite, embedded broker), or
one ``sanfang run SERVICE`` process per service on PostgreSQL and a Kafka-compatible broker.
Each is a process group the suite started, so it may SIGKILL or SIGSTOP it.

>>> async def demo(env: dict[str, str], workdir: Path) -> None:  # doctest: +SKIP
...     sanfang = OneMachine(workdir, env); await sanfang.start(); sanfang.kill("up"); await sanfang.start()
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sys
from pathlib import Path

import httpx

from services.core.broker import free_port
from tests.faults.procs import Group, members

__all__ = ["SERVICES", "Deployment", "OneMachine", "Split"]

SERVICES = ("ingest", "rules", "dispatch", "console", "recorder")
_READY_SECONDS = 90.0
_UP_LINE = b"sanfang is up"


def _sanfang() -> str:
    found = Path(sys.executable).with_name("sanfang")
    return str(found) if found.exists() else shutil.which("sanfang") or "sanfang"


class Deployment:
    """Processes by name, each restartable; ``ingest_url`` takes warnings and readings,
    ``ack_url`` the app acks and the gateway's callbacks."""

    ingest_url: str
    ack_url: str

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.restarted_by_itself = 0
        self.frozen: set[str] = set()  # groups SIGSTOPped now

    async def start(self, name: str | None = None) -> None:
        """Start one process (or all) and wait until it is up."""
        groups = [self.groups[name]] if name else list(self.groups.values())
        seen = [_up_lines(group) for group in groups]
        for group in groups:
            group.start()
        await asyncio.gather(*(self._ready(group, n) for group, n in zip(groups, seen, strict=True)))

    async def _ready(self, group: Group, seen: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _READY_SECONDS
        while loop.time() < deadline:
            if _up_lines(group) > seen:
                return
            if group.exited():
                raise RuntimeError(f"{group.name} exited while starting; see {group.log}")
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{group.name} was not up within {_READY_SECONDS} s; see {group.log}")

    async def kill_and_restart(self, name: str) -> None:
        """SIGKILL the process group and start it again on the same data."""
        await asyncio.to_thread(self.groups[name].kill)
        self.frozen.discard(name)
        await self.start(name)

    def freeze(self, name: str) -> None:
        self.groups[name].signal(signal.SIGSTOP)
        self.frozen.add(name)

    def thaw(self, name: str) -> None:
        self.groups[name].signal(signal.SIGCONT)
        self.frozen.discard(name)

    async def restart_exited(self) -> list[str]:
        """Start again what exited by itself (a supervisor's job); returns their names."""
        gone = [name for name, group in self.groups.items() if group.starts and group.exited()]
        for name in gone:
            await asyncio.to_thread(self.groups[name].kill)  # an orphaned child (the broker) too
            await self.start(name)
            self.restarted_by_itself += 1
        return gone

    async def stop(self) -> None:
        for group in self.groups.values():
            await asyncio.to_thread(group.terminate)

    def bootstrap(self) -> str:
        """Where the Kafka-compatible broker listens now."""
        raise NotImplementedError


def _up_lines(group: Group) -> int:
    if group.log is None or not group.log.exists():
        return 0
    return group.log.read_bytes().count(_UP_LINE)


class OneMachine(Deployment):
    """``sanfang up``: every service, the embedded broker (a child process) and SQLite."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        super().__init__()
        port = free_port()
        self.ingest_url = self.ack_url = f"http://127.0.0.1:{port}"
        env = {**env, "SANFANG_PORT": str(port), "SANFANG_PUBLIC_URL": self.ack_url}
        self.groups["up"] = Group("sanfang up", [_sanfang(), "up"], env, workdir / "up.log")

    def broker_pid(self) -> int | None:
        """The embedded broker's process (Tansu, a child of ``sanfang up``)."""
        found = [pid for pid, cmd in members(self.groups["up"].pgid) if "tansu" in cmd]
        return found[0] if found else None

    def bootstrap(self) -> str:
        for _, cmd in members(self.groups["up"].pgid):
            match = re.search(r"--listener-url tcp://(127\.0\.0\.1:\d+)", cmd)
            if match:
                return match.group(1)
        raise RuntimeError("sanfang up runs no embedded broker right now")


class Split(Deployment):
    """``sanfang run SERVICE``, one process each, on the given Kafka bootstrap and database:
    the suite's own Tansu (one node: one replica, no idempotent producer), or with ``kafka``
    the ``scripts/kafka`` cluster with the product's own settings for Kafka."""

    def __init__(self, workdir: Path, env: dict[str, str], bootstrap: str, *, kafka: bool = False) -> None:
        super().__init__()
        self._bootstrap = bootstrap
        ports = {name: free_port() for name in SERVICES}
        self.ingest_url = f"http://127.0.0.1:{ports['ingest']}"
        self.ack_url = f"http://127.0.0.1:{ports['dispatch']}"
        for name in SERVICES:
            own = {
                **env,
                "SANFANG_PORT": str(ports[name]),
                "SANFANG_PUBLIC_URL": self.ack_url,
                "SANFANG_KAFKA_BOOTSTRAP": bootstrap,
            }
            if not kafka:  # the suite's own Tansu: one node, no idempotent producer
                own.update({"SANFANG_KAFKA_ENABLE_IDEMPOTENCE": "false", "SANFANG_TOPIC_REPLICATION": "1"})
            self.groups[name] = Group(
                f"sanfang run {name}", [_sanfang(), "run", name], own, workdir / f"{name}.log"
            )

    def bootstrap(self) -> str:
        return self._bootstrap


async def answers_http(url: str) -> bool:
    """Whether ``url``/readyz answers 200 now."""
    try:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"{url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False
