"""Polling one feed over HTTP: conditional GET, timeouts, exponential backoff with jitter, health.

A poll never raises: a failure is counted, reported (``/readyz`` detail, the
``sanfang_source_up`` metric) and retried after a growing, jittered delay, and one
source's trouble never touches another's.

>>> async def demo(poller: SourcePoller) -> None:  # doctest: +SKIP
...     if poller.due(loop.time()):
...         await poller.poll()
...     poller.health.describe()                   # 'up' or 'down (HTTP 500) after 3 failures'
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from schemas.sources import Source
from services.core import metrics
from services.core.backoff import Backoff
from services.core.bus import TRANSIENT
from services.core.clock import Clock

__all__ = ["FeedHandler", "FetchFailed", "SourceHealth", "SourcePoller"]

log = logging.getLogger(__name__)

FeedHandler = Callable[["SourcePoller", bytes, str], Awaitable[None]]
"""Takes what a source answered: the poller (to fetch linked documents), body, media type."""


class FetchFailed(Exception):
    """A feed could not be fetched: refused connection, timeout, or an HTTP error status."""


@dataclass
class SourceHealth:
    """What the last polls of one source did."""

    up: bool | None = None
    failures: int = 0
    last_error: str = ""
    last_ok_at: datetime | None = None
    next_in: float = 0.0

    def describe(self) -> str:
        """One phrase for ``/readyz``: ``up``, ``down (…) after N failures``, ``not polled yet``."""
        if self.up is None:
            return "not polled yet"
        if self.up:
            return "up"
        return f"down ({self.last_error}) after {self.failures} failure(s), next try in {self.next_in:.0f} s"


class SourcePoller:
    """Polls one source when due; remembers its ETag / Last-Modified for conditional GETs."""

    def __init__(
        self,
        source: Source,
        client: httpx.AsyncClient,
        handler: FeedHandler,
        clock: Clock,
        *,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.source = source
        self._client = client
        self._handler = handler
        self._clock = clock
        # A failed poll waits up to the interval, doubling per failure in a row up to the
        # source's cap; the jitter keeps pollers that failed together from retrying together.
        self._backoff = Backoff(source.interval_seconds, source.max_backoff_seconds, draw=draw)
        self._validators: dict[str, str] = {}
        self._next_due = 0.0
        self.in_flight = False
        self.health = SourceHealth()
        self.seen_documents: dict[str, None] = {}
        """Linked documents (CAP index entries) already taken, oldest first, bounded."""

    def due(self, now: float) -> bool:
        """Whether a poll should start at loop time ``now``."""
        return not self.in_flight and now >= self._next_due

    async def poll(self) -> None:
        """Fetch the source (conditionally) and hand a new answer to the handler."""
        loop = asyncio.get_running_loop()
        self.in_flight = True
        try:
            response = await self.fetch(self.source.url, conditional=True)
            if response.status_code == 304:
                outcome = "not_modified"
            else:
                await self._handler(self, response.content, _media_type(response))
                outcome = "ok"
                self._remember_validators(response)
        except FetchFailed as exc:
            self._failed(str(exc), loop.time())
        except TRANSIENT as exc:
            # The feed answered but the database or broker is away: try the same answer again.
            self._failed(f"could not store what it sent: {str(exc)[:120]}", loop.time())
        else:
            self._succeeded(outcome, loop.time())
        finally:
            self.in_flight = False
            if self._next_due <= loop.time():
                # Only an unexpected error gets here: wait an interval rather than spin.
                self._next_due = loop.time() + self.source.interval_seconds

    async def fetch(self, url: str, *, conditional: bool = False) -> httpx.Response:
        """GET ``url`` with the source's headers and time limit; raise :class:`FetchFailed` on trouble."""
        headers = dict(self.source.headers)
        if conditional:
            headers.update(self._validators)
        try:
            async with asyncio.timeout(self.source.timeout_seconds):
                response = await self._client.get(url, headers=headers, timeout=self.source.timeout_seconds)
        except TimeoutError as exc:
            raise FetchFailed(f"no answer within {self.source.timeout_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{type(exc).__name__}: {str(exc)[:120] or 'request failed'}") from exc
        if response.status_code >= 400 or (response.status_code >= 300 and response.status_code != 304):
            raise FetchFailed(f"HTTP {response.status_code}")
        return response

    def _remember_validators(self, response: httpx.Response) -> None:
        self._validators = {}
        if etag := response.headers.get("etag"):
            self._validators["If-None-Match"] = etag
        if modified := response.headers.get("last-modified"):
            self._validators["If-Modified-Since"] = modified

    def _succeeded(self, outcome: str, now: float) -> None:
        if self.health.up is False:
            log.info("source %s is up again after %d failure(s)", self.source.name, self.health.failures)
        self.health.up = True
        self.health.failures = 0
        self._backoff.reset()
        self.health.last_error = ""
        self.health.last_ok_at = self._clock.now()
        self.health.next_in = self.source.interval_seconds
        self._next_due = now + self.source.interval_seconds
        metrics.SOURCE_UP.labels(self.source.name).set(1)
        metrics.SOURCE_POLLS.labels(self.source.name, outcome).inc()

    def _failed(self, error: str, now: float) -> None:
        self.health.up = False
        self.health.failures += 1
        self.health.last_error = error
        delay = self._backoff.next_delay()
        self.health.next_in = delay
        self._next_due = now + delay
        metrics.SOURCE_UP.labels(self.source.name).set(0)
        metrics.SOURCE_POLLS.labels(self.source.name, "failed").inc()
        log.warning(
            "source %s: %s (failure %d); next try in %.1f s",
            self.source.name,
            error,
            self.health.failures,
            delay,
        )


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower()
