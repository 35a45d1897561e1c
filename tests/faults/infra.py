"""The suite's own Mosquitto and PostgreSQL: private instances on free ports in a temp dir,
which it may restart at will (the shared ones on 1883 and 5432 are never touched).

>>> async def demo(workdir: Path) -> None:  # doctest: +SKIP
...     mqtt = PrivateMosquitto(workdir / "mqtt"); await mqtt.start(); await mqtt.restart()
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from services.core.broker import free_port
from tests.faults.procs import Group

__all__ = ["PrivateMosquitto", "PrivatePostgres", "answers"]


def answers(port: int) -> bool:
    """Whether something listens on ``127.0.0.1:port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


async def _until(port: int, *, up: bool, within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if answers(port) == up:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{what} on port {port} did not {'start' if up else 'stop'} within {within} s")


class PrivateMosquitto:
    """Mosquitto with persistence (sessions and queued QoS 1 messages survive a restart).

    Started as root, Mosquitto would drop to its ``mosquitto`` user, which cannot write the
    persistence file in a directory of root's (nor reach one under pytest's private temp
    dirs): it would lose every session, subscription and queued ack at each restart. So it
    runs as the user who started it (``user``; no effect unless root), and a stop that did not
    save is an error, never a silent loss."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            # Thousands of notices queue for a subscriber that is away: keep them all.
            "max_queued_messages 0\n"
            "max_inflight_messages 0\n"
            f"user {pwd.getpwuid(os.geteuid()).pw_name}\n"
        )
        self.log = workdir / "log"
        self._group = Group("mosquitto", ["mosquitto", "-c", str(conf)], dict(os.environ), self.log)

    async def start(self) -> None:
        self._group.start()
        await _until(self.port, up=True, within=10, what="mosquitto")

    async def stop(self) -> None:
        """A clean stop; raises when Mosquitto could not save its sessions and queued messages."""
        seen = self.log.stat().st_size if self.log.exists() else 0
        await asyncio.to_thread(self._group.terminate)
        await _until(self.port, up=False, within=10, what="mosquitto")
        with self.log.open("rb") as log:
            log.seek(seen)
            said = log.read().decode(errors="replace")
        if "Error saving" in said:
            problem = " ".join(line.split(": ", 1)[-1] for line in said.splitlines() if "Error" in line)
            raise RuntimeError(f"mosquitto did not save its sessions at the stop: {problem}")

    async def restart(self) -> None:
        """A clean stop (the persistence file is written) and a start on the same port."""
        await self.stop()
        await self.start()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no PostgreSQL {name} installed")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb`` in a temp dir, trust on loopback).

    PostgreSQL refuses to run as root; when the suite runs as root the cluster belongs to
    the ``postgres`` system user."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sanfang-faults-pg-"))
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self.data = self.dir / "data"

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as, *argv], check=True, capture_output=True, timeout=120, cwd=self.dir)

    async def start(self) -> None:
        if not self.data.exists():
            await asyncio.to_thread(
                self._run,
                _pg_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            )
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        )
        await asyncio.to_thread(
            self._run,
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    async def stop(self, mode: str = "fast") -> None:
        await asyncio.to_thread(self._run, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    async def restart(self) -> None:
        """An immediate stop (like a crash: no checkpoint) and a start on the same port."""
        await self.stop("immediate")
        await self.start()

    async def create_database(self, name: str) -> None:
        import asyncpg

        connection = await asyncpg.connect(self.admin_dsn)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    async def terminate_connections(self, database: str) -> int:
        """``pg_terminate_backend`` every connection to ``database``; returns how many."""
        import asyncpg

        connection = await asyncpg.connect(self.admin_dsn)
        try:
            rows = await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await connection.close()
        return sum(1 for row in rows if row[0])

    async def destroy(self) -> None:
        if self.data.exists():
            with contextlib.suppress(subprocess.CalledProcessError):  # not running
                await self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
