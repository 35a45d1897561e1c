"""Reading timestamps from feeds, and the window every input time must fall in.

Times are always timezone-aware; naive ones are Beijing time. A time before
:data:`EARLIEST` or further ahead of the (injected) clock than an allowed margin is
refused with reason ``invalid_time`` or ``future_time``, in every input format.

>>> parse_time("2024-05-04 06:45", path="sent").isoformat()
'2024-05-03T22:45:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from schemas.warnings import WarningSignal
from services.ingest.errors import Rejected

__all__ = [
    "BEIJING",
    "DEFAULT_AHEAD",
    "EARLIEST",
    "LONGEST_VALIDITY",
    "check_signal_times",
    "check_time",
    "parse_time",
    "utc_key",
]

BEIJING = ZoneInfo("Asia/Shanghai")

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
"""No feed this system reads has data from before 2000: an earlier time is a typo or a default."""

DEFAULT_AHEAD = timedelta(days=1)
"""How far ahead of the clock a warning may say it was issued (senders' clocks drift,
a few publish just ahead of the hour); ``SANFANG_INGEST_FUTURE_HOURS`` sets it."""

LONGEST_VALIDITY = timedelta(days=30)
"""A warning's effective and expiry times are in the future by nature, but no weather
signal runs for a month: beyond this past the issue margin they are a fault."""

# Slash-separated local formats appear in spreadsheet exports of gauge data; ISO 8601 is
# handled by ``datetime.fromisoformat`` first.
_FALLBACK_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S")

# Before the clock is even consulted: it keeps the UTC conversion below away from
# ``OverflowError`` at the ends of the calendar.
_MIN_YEAR, _MAX_YEAR = EARLIEST.year, 2200


def parse_time(text: str, *, path: str) -> datetime:
    """Parse a feed timestamp into an aware UTC datetime.

    A time without an offset is Beijing time (every Chinese feed means that), never UTC.

    >>> parse_time("2024-05-04T06:45:00+08:00", path="sent") == parse_time("2024-05-03T22:45Z", path="x")
    True
    >>> parse_time("1999-12-31T00:00:00+08:00", path="sent")
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: invalid_time at sent: '1999-12-31T00:00:00+08:00' is outside 2000-2200
    """
    cleaned = text.strip()
    parsed = _parse(cleaned)
    if parsed is None:
        raise Rejected("invalid_time", f"{cleaned[:40]!r} is not a timestamp", path=path)
    if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        raise Rejected("invalid_time", f"{cleaned[:40]!r} is outside {_MIN_YEAR}-{_MAX_YEAR}", path=path)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BEIJING)
    try:
        moment = parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise Rejected("invalid_time", f"{cleaned[:40]!r} cannot be converted to UTC", path=path) from exc
    if moment < EARLIEST:  # 2000-01-01 05:00+08:00 passes the year test but is 1999 in UTC
        raise Rejected("invalid_time", f"{cleaned[:40]!r} is before {EARLIEST.date()}", path=path)
    return moment


def check_time(moment: datetime, *, now: datetime, ahead: timedelta, path: str) -> datetime:
    """``moment`` if it lies between :data:`EARLIEST` and ``ahead`` past ``now``; else :class:`Rejected`.

    ``now`` comes from the injected clock, so a replay or the demo decides what "the
    future" is.

    >>> now = datetime(2024, 5, 4, tzinfo=UTC)
    >>> check_time(datetime(2024, 5, 4, 12, tzinfo=UTC), now=now, ahead=DEFAULT_AHEAD, path="t").hour
    12
    >>> check_time(datetime(9999, 12, 31, tzinfo=UTC), now=now, ahead=DEFAULT_AHEAD, path="issued_at")
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: future_time at issued_at: 9999-12-31T00:00:00+00:00 is more than 24 h \
after now (2024-05-04T00:00:00+00:00)
    """
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise Rejected("invalid_time", f"{moment!s} cannot be converted to UTC", path=path) from exc
    if utc < EARLIEST:
        raise Rejected("invalid_time", f"{utc.isoformat()} is before {EARLIEST.date()}", path=path)
    if utc - now > ahead:  # a difference, so ``now + ahead`` never overflows either
        raise Rejected(
            "future_time",
            f"{utc.isoformat()} is more than {_span(ahead)} after now ({now.isoformat()})",
            path=path,
        )
    return utc


def check_signal_times(signal: WarningSignal, *, now: datetime, ahead: timedelta = DEFAULT_AHEAD) -> None:
    """Refuse a signal any of whose times is outside its window (:class:`Rejected`, path = field).

    The issue time may be at most ``ahead`` past ``now``; the effective and expiry times,
    which are ahead by nature, at most :data:`LONGEST_VALIDITY` more.

    >>> from schemas.areas import Scope
    >>> from schemas.warnings import Colour, Hazard, WarningAction
    >>> at = datetime(2024, 5, 4, tzinfo=UTC)
    >>> signal = WarningSignal(event_id="e", occurred_at=at, signal_id="s", hazard=Hazard.TYPHOON,
    ...     colour=Colour.BLUE, action=WarningAction.ISSUE, scope=Scope.district(), issued_at=at,
    ...     expires_at=datetime(2024, 9, 1, tzinfo=UTC))
    >>> check_signal_times(signal, now=at)
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: future_time at expires_at: 2024-09-01T00:00:00+00:00 is more than \
744 h after now (2024-05-04T00:00:00+00:00)
    """
    check_time(signal.issued_at, now=now, ahead=ahead, path="issued_at")
    check_time(signal.occurred_at, now=now, ahead=ahead, path="occurred_at")
    for name, moment in (("effective_at", signal.effective_at), ("expires_at", signal.expires_at)):
        if moment is not None:
            check_time(moment, now=now, ahead=ahead + LONGEST_VALIDITY, path=name)


def utc_key(moment: datetime) -> str:
    """The UTC ISO form of ``moment``, so one instant written two ways yields one id."""
    return moment.astimezone(UTC).isoformat()


def _span(length: timedelta) -> str:
    minutes = length.total_seconds() / 60
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:g} h"


def _parse(text: str) -> datetime | None:
    if not text or len(text) > 40:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _FALLBACK_FORMATS:
        try:
            # The result is made aware by the caller; strptime has no zone to give here.
            return datetime.strptime(text, pattern)  # noqa: DTZ007
        except ValueError:
            continue
    return None
