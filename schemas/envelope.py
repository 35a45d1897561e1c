"""The envelope every bus event shares, and how event ids are made.

Derived events get a deterministic id (a UUID5 over what they were derived from), so
re-running the same inputs produces the same ids and consumers can drop duplicates.

>>> derived_id("notice", "evt-1", "P0001") == derived_id("notice", "evt-1", "P0001")
True
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["Event", "Model", "derived_id", "new_id"]

# Fixed namespace for Sanfang's UUID5 ids; changing it would change every derived id.
_NAMESPACE = uuid.UUID("6a3c5f0e-2b7d-5a51-9d4e-5346414e4701")


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
    occurred_at: AwareDatetime
    correlation_id: str | None = Field(default=None, max_length=64)
    causation_id: str | None = Field(default=None, max_length=64)

    @property
    def occurred(self) -> datetime:
        """``occurred_at``, typed as a plain datetime for arithmetic."""
        return self.occurred_at
