"""A record of something rejected: what it was, where it came from, and why."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.envelope import Event

__all__ = ["DeadLetter"]

#: How much of a rejected payload a dead letter keeps (the rest is cut, and says so).
MAX_RAW_CHARS = 64 * 1024


class DeadLetter(Event):
    """Input that was refused. ``raw`` holds the payload as text (cut at 64 KiB)."""

    kind: Literal["deadletter"] = "deadletter"
    schema_version: Literal[1] = 1
    source: str = Field(description="where it came from: 'api:/api/v1/warnings', 'topic:…'")
    reason: str = Field(description="a short machine-readable reason, e.g. 'invalid_json'")
    detail: str = Field(default="", max_length=5000)
    content_type: str = ""
    raw: str = Field(default="", max_length=MAX_RAW_CHARS + 100)
    raw_truncated: bool = False
