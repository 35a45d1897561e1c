"""Live boards over Server-Sent Events: one watcher per response, shared by every screen
that shows it, looks every ``poll`` seconds whether the board changed (a cheap count
query) and, when it did, builds the board once and sends it to each subscriber.

Watching the database, not the bus, makes the board right whichever process recorded
the ack, and a slow screen only ever gets the newest board (a queue of one).

>>> async def demo(live: LiveBoards) -> None:  # doctest: +SKIP
...     async for frame in live.stream("r-123"):
...         ...   # "event: board\\ndata: {...}\\n\\n"
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from services.console.board import build_board, fingerprint
from services.core.bus import TRANSIENT
from services.core.store import Store
from services.dispatch.domain.ladder import Ladder

__all__ = ["LiveBoards"]

log = logging.getLogger(__name__)

_KEEPALIVE_SECONDS = 15.0
_CLOSED = ""  # what a closing hub puts in every queue


class _Watcher:
    """Watches one response for as long as someone subscribes."""

    def __init__(self, hub: LiveBoards, response_id: str) -> None:
        self.hub = hub
        self.response_id = response_id
        self.subscribers: set[asyncio.Queue[str]] = set()
        self.latest: str | None = None
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        seen: tuple[Any, ...] | None = None
        while self.subscribers:
            try:
                now_seen = await fingerprint(self.hub.store, self.response_id)
                if now_seen != seen:
                    board = await build_board(self.hub.store, self.response_id, self.hub.ladder)
                    seen, self.latest = now_seen, board.model_dump_json()
                    for queue in self.subscribers:
                        _offer(queue, self.latest)
            except TRANSIENT as exc:
                log.warning("live board %s: %s; looking again", self.response_id, exc)
            await asyncio.sleep(self.hub.poll)


def _offer(queue: asyncio.Queue[str], frame: str) -> None:
    """Put ``frame`` in a queue of one, replacing what the subscriber has not taken yet."""
    with contextlib.suppress(asyncio.QueueEmpty):
        queue.get_nowait()
    queue.put_nowait(frame)


class LiveBoards:
    """The hub of the live boards of one process."""

    def __init__(self, store: Store, ladder: Ladder, *, poll: float) -> None:
        self.store = store
        self.ladder = ladder
        self.poll = poll
        self._watchers: dict[str, _Watcher] = {}
        self._closing = False

    async def stream(self, response_id: str) -> AsyncIterator[str]:
        """SSE frames of the board of ``response_id``: the board now, then each change."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        watcher = self._watchers.get(response_id)
        if watcher is None:
            watcher = self._watchers[response_id] = _Watcher(self, response_id)
        watcher.subscribers.add(queue)
        if watcher.latest is not None:
            _offer(queue, watcher.latest)
        if watcher.task is None or watcher.task.done():
            watcher.task = asyncio.create_task(watcher.run(), name=f"live-board-{response_id}")
        try:
            yield "retry: 2000\n\n"
            while not self._closing:
                try:
                    frame = await asyncio.wait_for(queue.get(), timeout=_KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if frame == _CLOSED or self._closing:
                    return
                yield f"event: board\ndata: {frame}\n\n"
        finally:
            watcher.subscribers.discard(queue)
            if not watcher.subscribers and self._watchers.get(response_id) is watcher:
                del self._watchers[response_id]

    @property
    def watching(self) -> int:
        """How many responses are being watched (for tests and metrics)."""
        return len(self._watchers)

    async def run(self) -> None:
        """A background task of the process: on shutdown, end every stream so the HTTP
        server is not kept waiting by screens that never hang up."""
        try:
            await asyncio.Event().wait()
        finally:
            self._closing = True
            for watcher in list(self._watchers.values()):
                for queue in watcher.subscribers:
                    _offer(queue, _CLOSED)
                if watcher.task is not None:
                    watcher.task.cancel()
