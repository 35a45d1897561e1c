"""The exceptions of replay.

    SanfangError
    └── ReplayError          a replay cannot be made as asked
        ├── WindowError      the window is empty or reversed
        └── SourceError      the events could not be read (store or Kafka)

Third-party errors (SQLAlchemy, aiokafka, pydantic) are translated where they are caught.
"""

from __future__ import annotations

from services.core.errors import SanfangError

__all__ = ["ReplayError", "SourceError", "WindowError"]


class ReplayError(SanfangError):
    """A replay cannot be made as asked."""


class WindowError(ReplayError):
    """The window to replay is reversed or otherwise unusable."""


class SourceError(ReplayError):
    """The recorded events could not be read from the store or from Kafka."""
