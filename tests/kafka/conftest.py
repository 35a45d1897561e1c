"""The local Apache Kafka cluster (``scripts/kafka``) for the tests of this package.

One cluster for the session, started by ``scripts/kafka start`` (which fetches Kafka with Maven
the first time); each test keeps to its own topic prefix. The cluster lives in the checkout's
``var/kafka`` and may be shared with other test sessions or a developer: every session holds
a shared lock on ``var/kafka/tests.lock`` while it uses it, and the last one out stops it if a
test session started it (one a developer started is left running).
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "kafka"
STATE = ROOT / "var" / "kafka"
#: Written when a test session started the cluster: the last session out then stops it.
STARTED_BY_TESTS = STATE / "started-by-tests"


def _kafka(command: str, timeout: float = 600) -> str:
    """Run ``scripts/kafka COMMAND``; its output (it must exit 0)."""
    done = subprocess.run(
        [str(SCRIPT), command], capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/kafka {command} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class KafkaCluster:
    """The running cluster: its bootstrap list and a hand on each node's process."""

    bootstrap: str
    #: The session's hold on ``tests.lock`` (shared; exclusive while :meth:`stop` has it down).
    lock: IO[str] | None = field(default=None, compare=False, repr=False)

    @property
    def ports(self) -> dict[int, int]:
        """Node id → broker port (``scripts/kafka`` gives node i the i-th bootstrap entry)."""
        return {i: int(entry.rsplit(":", 1)[1]) for i, entry in enumerate(self.bootstrap.split(","), 1)}

    def pid(self, node: int) -> int | None:
        """The pid of node ``node`` while it runs."""
        pid_file = STATE / f"node-{node}" / "pid"
        if not pid_file.exists():
            return None
        pid = int(pid_file.read_text().strip())
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if f"node-{node}/server.properties".encode() in cmdline else None

    def kill(self, node: int) -> None:
        """SIGKILL node ``node`` (no controlled shutdown) and wait until it is gone."""
        pid = self.pid(node)
        assert pid is not None, f"kafka node {node} is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while self.pid(node) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.pid(node) is None, f"kafka node {node} outlived SIGKILL"

    def start(self) -> str:
        """``scripts/kafka start``: starts the nodes that are down, waits for all; its output.
        After :meth:`stop`, other sessions may use the cluster again."""
        shown = _kafka("start")
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_SH)  # from exclusive back to shared, if stop() took it
        return shown

    def stop(self) -> None:
        """``scripts/kafka stop``: every node down, data kept on disk; :meth:`start` brings them back.

        Only while no other test session uses the cluster: this one's shared hold on the lock
        becomes exclusive, or the test is skipped. Whether the session started the cluster (and
        so stops it at the end) is left as it was.
        """
        if self.lock is not None:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                # A refused conversion may have dropped the shared hold: take it again.
                fcntl.flock(self.lock, fcntl.LOCK_SH)
                pytest.skip("another test session uses the Kafka cluster: it cannot be stopped now")
        _kafka("stop", timeout=120)


@pytest.fixture(scope="session")
def kafka() -> Iterator[KafkaCluster]:
    """The 3-node Apache Kafka cluster of ``scripts/kafka``, started once per session."""
    STATE.mkdir(parents=True, exist_ok=True)
    with (STATE / "tests.lock").open("a") as lock:
        # Shared while in use; a session that is stopping the cluster holds it exclusively.
        fcntl.flock(lock, fcntl.LOCK_SH)
        shown = _kafka("start")
        if "started (pid" in shown:
            STARTED_BY_TESTS.touch()
        bootstrap = shown.strip().splitlines()[-1].removeprefix("SANFANG_KAFKA_BOOTSTRAP=")
        assert bootstrap.startswith("127.0.0.1:"), shown
        try:
            yield KafkaCluster(bootstrap, lock)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # another session still uses it: the last one out stops it
            else:
                if STARTED_BY_TESTS.exists():
                    _kafka("stop", timeout=120)
                    STARTED_BY_TESTS.unlink()
                fcntl.flock(lock, fcntl.LOCK_UN)
