"""What ingest raises for input it refuses.

Every refusal is a :class:`Rejected` with a short machine-readable ``reason``, a message
a person can act on, and where it could be told, the path of the offending field.
"""

from __future__ import annotations

__all__ = ["Rejected"]


class Rejected(ValueError):
    """Input that ingest refuses; becomes a 4xx answer and a dead-letter record.

    >>> str(Rejected("unknown_colour", "colour 'pink' is not a signal colour", path="colour"))
    "unknown_colour at colour: colour 'pink' is not a signal colour"
    """

    def __init__(self, reason: str, message: str, *, path: str = "", status: int = 422) -> None:
        self.reason = reason
        self.message = message
        self.path = path
        self.status = status
        where = f" at {path}" if path else ""
        super().__init__(f"{reason}{where}: {message}")
