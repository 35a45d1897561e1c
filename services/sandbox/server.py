"""Run the sandbox gateway in the current event loop (tests, the demo), on a free port.

>>> async def demo() -> None:  # doctest: +SKIP
...     async with SandboxGateway(token="t") as gateway:
...         print(gateway.url, len(gateway.state.sent))
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from types import TracebackType

import httpx
import uvicorn

from services.core.broker import free_port
from services.sandbox.app import create_sandbox_app
from services.sandbox.state import GatewayState

__all__ = ["SandboxGateway"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the host process owns the signals


class SandboxGateway:
    """The sandbox as an async context manager; ``url`` is its base address."""

    def __init__(self, *, token: str, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.state = GatewayState()
        self.port = port or free_port()
        self.url = f"http://{host}:{self.port}"
        app = create_sandbox_app(self.state, token=token)
        self._server = _Server(
            uvicorn.Config(
                app, host=host, port=self.port, log_level="warning", access_log=False, lifespan="off"
            )
        )
        self._task: asyncio.Task[None] | None = None
        #: A client of the sandbox's own API (its control endpoints), while it runs.
        self.http = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def __aenter__(self) -> SandboxGateway:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the sandbox gateway stopped while starting")
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.http.aclose()
        self._server.should_exit = True
        if self._task is not None:
            await self._task
