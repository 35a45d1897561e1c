"""Whether a warning signal is stale when the rules receive it: its expiry has passed, or (with
no expiry) it was issued longer ago than a limit. A stale signal is recorded and shown to
officers; it never activates, raises or proposes a response by itself.

Judged against the clock at the time it is received (the rules service's clock, which
replay and the demo drive), so a season played on its own clock is fresh as it plays.

>>> from datetime import UTC, datetime, timedelta
>>> from schemas.areas import Scope
>>> from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
>>> at = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)
>>> blue = WarningSignal(event_id="w1", occurred_at=at, signal_id="s1", hazard=Hazard.TYPHOON,
...     colour=Colour.BLUE, action=WarningAction.ISSUE, scope=Scope.district(), issued_at=at)
>>> Staleness(now=at + timedelta(hours=1), limit=timedelta(hours=6)).of(blue) is None
True
>>> Staleness(now=at + timedelta(days=400), limit=timedelta(hours=6)).of(blue).reason
'old'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from schemas.warnings import WarningAction, WarningSignal

__all__ = ["DEFAULT_LIMIT", "Stale", "Staleness"]

DEFAULT_LIMIT = timedelta(hours=6)
"""A signal with no expiry is stale this long after its issue time (``SANFANG_WARNING_STALE_HOURS``)."""

_BEIJING = ZoneInfo("Asia/Shanghai")  # how officers read times


class Stale(NamedTuple):
    """Why a signal is stale: ``expired`` or ``old``, in words for officers (Chinese, English)."""

    reason: Literal["expired", "old"]
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Staleness:
    """The judge of staleness at one instant: ``now`` (when the signal is received), ``limit``."""

    now: datetime
    limit: timedelta = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if self.limit <= timedelta(0):
            raise ValueError(f"the staleness limit must be positive, not {self.limit}")

    def of(self, signal: WarningSignal) -> Stale | None:
        """Why ``signal`` is stale now, or None if it is fresh.

        A cancel's expiry says nothing about the cancel (some senders set it to the send
        time), so only its age counts.
        """
        expires = signal.expires_at if signal.action is not WarningAction.CANCEL else None
        if expires is not None and expires <= self.now:
            shown = expires.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M")
            return Stale("expired", f"已于{shown}过期", f"expired at {shown} (Beijing time)")
        age = self.now - signal.issued_at
        if expires is None and age > self.limit:
            hours = f"{age.total_seconds() / 3600:.1f}"
            limit = f"{self.limit.total_seconds() / 3600:g}"
            return Stale(
                "old",
                f"发布于{hours}小时前，超过{limit}小时",
                f"issued {hours} h before it was received, more than {limit} h",
            )
        return None

    def blocks(self, signal: WarningSignal) -> bool:
        """Whether the engine must leave ``signal`` alone: stale, and not a cancel.

        A cancel never starts anything, and dropping one would leave a response running on
        a signal the observatory has ended; so a stale cancel is still applied.
        """
        return signal.action is not WarningAction.CANCEL and self.of(signal) is not None
