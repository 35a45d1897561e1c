"""GB/T 35965.1-2018 message identifiers, as China's national warning release system writes them.

An identifier such as ``44030041600000_20250506131649`` is a 6-digit administrative
division code (440300 = Shenzhen), a 3-digit organisation code, a 5-digit internal code,
then the Beijing time of issue; a ``_N`` sequence may follow.

>>> gbt = parse_gbt_identifier("44030041600000_20250506131649")
>>> gbt.admin_code, gbt.issued_at.isoformat()
('440300', '2025-05-06T05:16:49+00:00')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from services.ingest.formats.times import BEIJING

__all__ = ["GbtIdentifier", "parse_gbt_identifier"]

_PATTERN = re.compile(
    r"(?P<admin>\d{6})(?P<org>\d{3})(?P<internal>\d{5})_(?P<time>\d{14})(?:_(?P<seq>\d{1,6}))?"
)


@dataclass(frozen=True, slots=True)
class GbtIdentifier:
    """The parts of a GB/T 35965.1 identifier; ``issued_at`` is aware (UTC)."""

    text: str
    admin_code: str
    organisation_code: str
    internal_code: str
    issued_at: datetime
    sequence: int | None

    @property
    def is_shenzhen(self) -> bool:
        """Whether the issuer is Shenzhen (440300) or one of its districts (4403xx)."""
        return self.admin_code.startswith("4403")


def parse_gbt_identifier(text: str) -> GbtIdentifier | None:
    """Split a GB/T 35965.1 identifier into its parts, or return None if it is not one.

    >>> parse_gbt_identifier("44030041600000_20250506131649_2").sequence
    2
    >>> parse_gbt_identifier("not-an-id") is None
    True
    """
    match = _PATTERN.fullmatch(text.strip())
    if match is None:
        return None
    try:
        # The digits are Beijing wall-clock time; the zone is attached right after.
        local = datetime.strptime(match["time"], "%Y%m%d%H%M%S")  # noqa: DTZ007
    except ValueError:
        return None
    seq = match["seq"]
    return GbtIdentifier(
        text=match[0],
        admin_code=match["admin"],
        organisation_code=match["org"],
        internal_code=match["internal"],
        issued_at=local.replace(tzinfo=BEIJING).astimezone(UTC),
        sequence=int(seq) if seq is not None else None,
    )
