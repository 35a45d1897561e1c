"""A tiny HTTP server on 127.0.0.1 playing a weather or gauge feed, for the poller tests.

Each path answers what the test sets in ``routes``: a status, a body, an ETag (then a
matching ``If-None-Match`` gets 304), or a delay longer than the poller's timeout. It
counts requests per path and keeps their headers, so a test can see conditional GETs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    etag: str | None = None
    delay: float = 0.0


@dataclass
class FeedServer:
    """Serves ``routes`` until the ``serving`` block ends."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    not_modified: Counter[str] = field(default_factory=Counter)
    port: int = 0

    def url(self, path: str) -> str:
        """The address of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[FeedServer]:
        """Listen on a free loopback port while the block runs."""
        server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), timeout=2)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            path = head.split(" ", 2)[1]
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in head.split("\r\n")[1:] if line)
            }
            self.hits[path] += 1
            route = self.routes.get(path, Route(b"not found", status=404, content_type="text/plain"))
            if route.delay:
                await asyncio.sleep(route.delay)
            status, body = route.status, route.body
            extra = f"ETag: {route.etag}\r\n" if route.etag else ""
            if route.etag and headers.get("if-none-match") == route.etag and status == 200:
                self.not_modified[path] += 1
                status, body = 304, b""
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: {route.content_type}\r\n"
                f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the poller gave up (its timeout) before the answer came
        finally:
            writer.close()
