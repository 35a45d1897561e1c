"""The envelope every bus event shares, and how event ids are made.

Derived events get a deterministic id (a UUID5 over what they were derived from), so
re-running the same inputs produces the same ids and consumers can drop duplicates.

>>> derived_id("notice", "evt-1", "P0001") == derived_id("notice", "evt-1", "P0001")
True
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["Event", "Model", "Timestamp", "derived_id", "new_id"]

# Fixed namespace for Sanfang's UUID5 ids; changing it would change every derived id.
_NAMESPACE = uuid.UUID("6a3c5f0e-2b7d-5a51-9d4e-5346414e4701")


# Wide enough for any real event, narrow enough that a consumer adding days or years to a
# time (deadlines, windows, retention) never meets the end of the calendar.
_FIRST_YEAR, _LAST_YEAR = 1900, 2200


def _handleable(value: datetime) -> datetime:
    try:
        year = value.astimezone(UTC).year
    except (OverflowError, ValueError) as exc:  # 9999-12-31T23:59-12:00 is year 10000 in UTC
        raise ValueError("the time cannot be converted to UTC") from exc
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise ValueError(f"the time must lie in the years {_FIRST_YEAR}-{_LAST_YEAR} (UTC)")
    return value


Timestamp = Annotated[AwareDatetime, AfterValidator(_handleable)]
"""A timezone-aware time that every consumer can handle: its UTC form exists and lies in
1900-2200. Every time in an event is one, so a malformed event can never be valid.

>>> from pydantic import TypeAdapter, ValidationError
>>> try:
...     TypeAdapter(Timestamp).validate_python("9999-12-31T23:59:59-12:00")
... except ValidationError as exc:
...     print(exc.errors()[0]["msg"])
Value error, the time cannot be converted to UTC
"""


def derived_id(*parts: str) -> str:
    """Return a deterministic id for an event derived from ``parts``."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def new_id() -> str:
    """Return a fresh random id, for events that enter the system from outside."""
    return str(uuid.uuid4())


class Model(BaseModel):
    """Base of every contract: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Event(Model):
    """Fields common to every event on the bus.

    ``kind`` and ``schema_version`` are fixed per subclass; ``correlation_id`` names the
    chain an event belongs to (the warning or reading that started it) and
    ``causation_id`` the event that directly caused it.
    """

    event_id: str = Field(min_length=1, max_length=64)
    occurred_at: Timestamp
    correlation_id: str | None = Field(default=None, max_length=64)
    causation_id: str | None = Field(default=None, max_length=64)

    @property
    def occurred(self) -> datetime:
        """``occurred_at``, typed as a plain datetime for arithmetic."""
        return self.occurred_at
