"""The one backoff: exponential, capped, with full jitter, for anything that retries.

Full jitter spreads the retries of many clients that failed together (consumers after a
broker restart, pollers after a network cut) over the whole window instead of a band.

>>> backoff = Backoff(base=1, cap=10, draw=lambda: 0.5)  # a fixed draw, for the example
>>> [backoff.next_delay() for _ in range(6)]
[0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
>>> backoff.reset()
>>> backoff.next_delay()
0.5
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

__all__ = ["Backoff"]

#: Past this many doublings every ceiling is the cap anyway; stopping here keeps
#: ``base * 2**attempt`` a float however long a dependency stays away.
_MAX_DOUBLINGS = 64


class Backoff:
    """Exponential backoff with full jitter, capped; ``reset`` after a success.

    The n-th delay since the last reset (counting from 0) is drawn uniformly from
    ``[0, min(cap, base * 2**n)]``: ``random.uniform(0, ceiling)``. ``draw`` is the random
    source, a fraction in ``[0, 1)`` like ``random.random``; tests pass a fixed one.

    >>> backoff = Backoff(base=0.2, cap=15)
    >>> 0 <= backoff.next_delay() <= 0.2 and backoff.ceiling == 0.4
    True
    """

    def __init__(
        self, base: float = 0.2, cap: float = 15.0, *, draw: Callable[[], float] = random.random
    ) -> None:
        if base <= 0 or cap <= 0:
            raise ValueError("a backoff needs a positive base and cap")
        self._base = base
        self._cap = cap
        self._draw = draw
        self._attempt = 0

    @property
    def ceiling(self) -> float:
        """The longest the next delay can be."""
        return min(self._cap, self._base * 2.0 ** min(self._attempt, _MAX_DOUBLINGS))

    def next_delay(self) -> float:
        """The next delay in seconds, drawn from ``[0, ceiling]``; the ceiling then doubles."""
        ceiling = self.ceiling
        self._attempt += 1
        return ceiling * self._draw()

    def reset(self) -> None:
        """Start again from the shortest ceiling."""
        self._attempt = 0

    async def wait(self) -> None:
        """Sleep for the next delay."""
        await asyncio.sleep(self.next_delay())
