"""Reading timestamps from feeds: always timezone-aware, naive ones taken as Beijing time.

>>> parse_time("2024-05-04 06:45", path="sent").isoformat()
'2024-05-03T22:45:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.ingest.errors import Rejected

__all__ = ["BEIJING", "parse_time", "utc_key"]

BEIJING = ZoneInfo("Asia/Shanghai")

# Slash-separated local formats appear in spreadsheet exports of gauge data; ISO 8601 is
# handled by ``datetime.fromisoformat`` first.
_FALLBACK_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y%m%d%H%M%S")

# Outside this range a timestamp is a typo or an attack; it also keeps the UTC
# conversion below away from ``OverflowError`` at the ends of the calendar.
_MIN_YEAR, _MAX_YEAR = 1900, 2200


def parse_time(text: str, *, path: str) -> datetime:
    """Parse a feed timestamp into an aware UTC datetime.

    A time without an offset is Beijing time (every Chinese feed means that), never UTC.

    >>> parse_time("2024-05-04T06:45:00+08:00", path="sent") == parse_time("2024-05-03T22:45Z", path="x")
    True
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
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise Rejected("invalid_time", f"{cleaned[:40]!r} cannot be converted to UTC", path=path) from exc


def utc_key(moment: datetime) -> str:
    """The UTC ISO form of ``moment``, so one instant written two ways yields one id."""
    return moment.astimezone(UTC).isoformat()


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
