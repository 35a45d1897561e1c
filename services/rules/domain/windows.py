"""Rolling rain totals over per-station minute buckets (1 h, 3 h, 6 h, 24 h windows).

A bucket is the rain of one reading, keyed by the minute its interval ends; the total of a
window of W hours at minute t is the rain of the buckets in (t - W h, t].

>>> totals({0: 10.0, 60: 5.0, 120: 2.5}, {}, at=120)
{1: 2.5, 3: 17.5, 6: 17.5, 24: 17.5}
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime

from schemas.rules import WINDOW_HOURS

__all__ = ["KEEP_MINUTES", "at_minute", "leaves_at", "measure", "minute_of", "prune", "totals"]

#: Buckets older than this (behind a station's newest reading) are dropped.
KEEP_MINUTES = max(WINDOW_HOURS) * 60


def minute_of(moment: datetime) -> int:
    """Whole minutes since the Unix epoch (an aware datetime)."""
    return int(moment.timestamp()) // 60


def at_minute(minute: int) -> datetime:
    """The UTC datetime of a minute since the epoch."""
    return datetime.fromtimestamp(minute * 60, tz=UTC)


def _merged(buckets: dict[int, float], corrections: dict[int, float]) -> dict[int, float]:
    return {**buckets, **corrections} if corrections else buckets


def totals(buckets: dict[int, float], corrections: dict[int, float], *, at: int) -> dict[int, float]:
    """Rain in each window ending at minute ``at``, in mm, rounded to 0.1 mm."""
    return measure(buckets, corrections, at=at)[0]


def measure(
    buckets: dict[int, float], corrections: dict[int, float], *, at: int
) -> tuple[dict[int, float], dict[int, int | None]]:
    """In one pass: :func:`totals` at ``at``, and for each window the minute its oldest rain
    leaves it (what :func:`leaves_at` gives), or None.

    Buckets are summed in time order whatever order they arrived in, so redelivered or late
    readings give the very same totals.

    >>> measure({0: 10.0, 60: 5.0, 120: 2.5}, {}, at=120)
    ({1: 2.5, 3: 17.5, 6: 17.5, 24: 17.5}, {1: 180, 3: 180, 6: 360, 24: 1440})
    """
    sums = dict.fromkeys(WINDOW_HOURS, 0.0)
    leaving: dict[int, int | None] = dict.fromkeys(WINDOW_HOURS)
    merged = _merged(buckets, corrections)
    if not merged:
        return sums, leaving
    minutes = sorted(merged)
    values = [merged[m] for m in minutes]
    end = bisect_right(minutes, at)
    for hours in WINDOW_HOURS:
        # A bucket is in the window when its age (at - minute) is under the window's length.
        start = bisect_right(minutes, at - hours * 60, hi=end)
        sums[hours] = round(sum(values[start:end]), 1)
        first = next((minutes[i] for i in range(start, end) if values[i] > 0), None)
        leaving[hours] = None if first is None else first + hours * 60
    return sums, leaving


def leaves_at(buckets: dict[int, float], corrections: dict[int, float], *, at: int, hours: int) -> int | None:
    """The first minute after ``at`` when rain leaves the ``hours`` window (its total drops)."""
    return measure(buckets, corrections, at=at)[1][hours]


def prune(values: dict[int, float], *, newest: int) -> dict[int, float]:
    """``values`` without the buckets too old to be in any window behind ``newest``."""
    oldest = newest - KEEP_MINUTES
    # Buckets mostly arrive in time order, so the first is the oldest; a late one behind it is
    # dropped with the next full pass, and counts in no window meanwhile.
    if not values or next(iter(values)) > oldest:
        return values
    return {minute: mm for minute, mm in values.items() if minute > oldest}
