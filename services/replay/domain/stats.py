"""Percentiles by the nearest-rank method, and the spread of a set of durations.

Nearest rank (the smallest value with at least p % of the values at or below it) never
invents a duration nobody waited, which is what a reviewer reading "p90 = 4 min" expects.

>>> nearest_rank([1.0, 2.0, 3.0, 4.0], 50)
2.0
>>> spread([30.0, 10.0, 20.0]).p90
30.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from schemas.envelope import Model

__all__ = ["Spread", "nearest_rank", "spread"]


class Spread(Model):
    """How many values, and their p50 / p90 / p99 (None when there are none), in seconds."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


def nearest_rank(ordered: Sequence[float], percent: float) -> float:
    """The ``percent`` percentile of ``ordered`` (sorted ascending, not empty)."""
    if not ordered:
        raise ValueError("no values to take a percentile of")
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def spread(values: Iterable[float]) -> Spread:
    """The count and p50 / p90 / p99 of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return Spread(count=0)
    return Spread(
        count=len(ordered),
        p50=nearest_rank(ordered, 50),
        p90=nearest_rank(ordered, 90),
        p99=nearest_rank(ordered, 99),
    )
