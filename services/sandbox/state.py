"""What the sandbox gateway remembers: every message it took, and how it is told to behave.

>>> state = GatewayState()
>>> state.behaviour["sms"].fail_next = 2
>>> state.refuse("sms", now=0.0)
500
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

__all__ = ["Behaviour", "GatewayState", "Sent"]


class Behaviour(BaseModel):
    """How one channel of the sandbox behaves; set through ``PUT /sandbox/behaviour/{channel}``."""

    fail_next: int = Field(default=0, ge=0, description="answer the next N sends with fail_status")
    fail_status: int = Field(default=500, ge=400, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=120, description="wait before answering a send")
    rate_per_second: float | None = Field(default=None, gt=0, description="beyond it: 429")
    receipts: bool = Field(default=True, description="post a delivery receipt after each send")
    auto_reply: str | None = Field(default=None, description="SMS: the recipient replies this")
    auto_keypress: str | None = Field(default=None, description="voice: the callee presses this")


@dataclass(frozen=True)
class Sent:
    """One message the sandbox took (repeats of a ref are kept: they are what tests count)."""

    channel: str
    ref: str
    to: str
    text: str
    callback: str
    at: float


@dataclass
class GatewayState:
    """Messages taken and behaviours, per channel (``sms``, ``voice``)."""

    sent: list[Sent] = field(default_factory=list)
    behaviour: dict[str, Behaviour] = field(
        default_factory=lambda: {"sms": Behaviour(), "voice": Behaviour()}
    )
    refused: int = 0
    _window: dict[str, deque[float]] = field(default_factory=lambda: {"sms": deque(), "voice": deque()})

    def refuse(self, channel: str, now: float) -> int | None:
        """The error status to answer a send with now, or None to take it."""
        rule = self.behaviour[channel]
        if rule.fail_next > 0:
            rule.fail_next -= 1
            self.refused += 1
            return rule.fail_status
        if rule.rate_per_second is not None:
            window = self._window[channel]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= rule.rate_per_second:
                self.refused += 1
                return 429
            window.append(now)
        return None

    def has(self, channel: str, ref: str) -> bool:
        """Whether a message with ``ref`` was taken on ``channel``."""
        return any(s.channel == channel and s.ref == ref for s in self.sent)

    def last_callback(self, to: str) -> str | None:
        """Where replies from ``to`` go: the callback of the last SMS sent to that number."""
        for s in reversed(self.sent):
            if s.channel == "sms" and s.to == to:
                return s.callback
        return None
