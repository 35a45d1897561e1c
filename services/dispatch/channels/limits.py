"""A per-channel rate limit: a token bucket that paces sends to the provider's allowance.

>>> async def demo() -> None:  # doctest: +SKIP
...     limit = RateLimit(per_second=50)
...     await limit.acquire()   # returns at once while the bucket has tokens, else waits
"""

from __future__ import annotations

import asyncio

__all__ = ["RateLimit"]


class RateLimit:
    """At most ``per_second`` acquisitions per second on average, bursts up to ``burst``.

    Pacing is real elapsed time (the event loop's monotonic clock), not the injected
    clock: it protects a provider that counts real seconds.
    """

    def __init__(self, per_second: float, burst: float | None = None) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = per_second
        self._burst = burst if burst is not None else max(1.0, per_second)
        self._tokens = self._burst
        self._last: float | None = None
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one more send is allowed."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if self._last is not None:
                self._tokens = min(self._burst, self._tokens + (now - self._last) * self.per_second)
            self._last = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.per_second
                await asyncio.sleep(wait)
                self._last = loop.time()
                self._tokens = 1.0
            self._tokens -= 1

    def pause(self, seconds: float) -> None:
        """The provider said 429: spend the bucket so the next sends wait ``seconds`` more."""
        self._tokens = min(self._tokens, 1 - seconds * self.per_second)
