"""The one interface every channel implements, and what a send comes back with.

A transport sends a batch and reports one :class:`Outcome` per message; it never raises
for a message that failed (that is an outcome), only for misuse. ``already_sent`` is how
a send left in doubt by a crash is resolved: the channel is asked which of the messages
it already has, and only the others are sent again.

>>> Outcome.failed("r-1", "HTTP 429", retryable=True).ok
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from schemas.notices import Channel

__all__ = ["Outcome", "Outgoing", "Transport"]


@dataclass(frozen=True)
class Outgoing:
    """One message: its ref (idempotency key), the notice it is about, where it goes, what it says."""

    ref: str
    notice_id: str
    address: str
    body: str


@dataclass(frozen=True)
class Outcome:
    """What became of one message. ``retryable`` failures are tried again, within limits."""

    ref: str
    ok: bool
    retryable: bool = False
    detail: str = ""

    @classmethod
    def sent(cls, ref: str, detail: str) -> Outcome:
        """The channel took the message."""
        return cls(ref, True, False, detail)

    @classmethod
    def failed(cls, ref: str, detail: str, *, retryable: bool) -> Outcome:
        """The channel did not take it (``retryable``: a later try may succeed)."""
        return cls(ref, False, retryable, detail[:500])


class Transport(Protocol):
    """A channel: sends batches of messages, and tells which messages it already has."""

    channel: Channel

    async def send(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Send ``messages``; one outcome each, in order."""
        ...

    async def already_sent(self, messages: Sequence[Outgoing]) -> set[str]:
        """The refs of ``messages`` this channel has already taken (after a crash)."""
        ...
