"""What a responsible person is told, how it reached them, their acknowledgement, escalations."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.envelope import Event
from schemas.responses import Level

__all__ = [
    "Acknowledgement",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Escalation",
    "Notice",
    "NoticeChange",
]


class Channel(StrEnum):
    """How a notice reaches a person, or how they acknowledged it."""

    APP = "app"
    SMS = "sms"
    VOICE = "voice"
    WEBHOOK = "webhook"
    LINK = "link"
    CONSOLE = "console"


class NoticeChange(StrEnum):
    """Which change of the response a notice announces."""

    ACTIVATED = "activated"
    LEVEL_CHANGED = "level_changed"
    ENDED = "ended"


class Notice(Event):
    """One notice for one person about one change of one response.

    ``event_id`` is the notice id, derived from the response event and the person, so a
    re-run never makes a second notice for the same person and change.
    """

    kind: Literal["notice"] = "notice"
    schema_version: Literal[1] = 1
    response_id: str
    response_event_id: str
    person_id: str
    unit_id: str
    change: NoticeChange
    level: Level
    drill: bool = False
    title: str = Field(max_length=200)
    text: str = Field(max_length=2000)
    ack_by: AwareDatetime | None = Field(default=None, description="None when no ack is asked")
    directory_version: str


class DeliveryStatus(StrEnum):
    """The outcome of one attempt on one channel."""

    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class Delivery(Event):
    """One attempt to deliver a notice on a channel, and what came of it."""

    kind: Literal["delivery"] = "delivery"
    schema_version: Literal[1] = 1
    notice_id: str
    person_id: str
    response_id: str
    channel: Channel
    status: DeliveryStatus
    attempt: int = Field(default=1, ge=1)
    detail: str = Field(default="", max_length=500)


class Acknowledgement(Event):
    """A person acknowledged a notice (or an officer did on their behalf, with a reason)."""

    kind: Literal["ack"] = "ack"
    schema_version: Literal[1] = 1
    notice_id: str
    person_id: str
    response_id: str
    channel: Channel
    received_at: AwareDatetime
    on_behalf_by: str | None = None
    reason: str = Field(default="", max_length=500)


class Escalation(Event):
    """Nobody acknowledged in time, so the next step of the ladder was taken."""

    kind: Literal["escalation"] = "escalation"
    schema_version: Literal[1] = 1
    notice_id: str
    person_id: str
    response_id: str
    step: int = Field(ge=1)
    action: str = Field(description="e.g. 'sms', 'voice', 'deputy', 'unit_leader', 'duty_board'")
    target_person_id: str | None = None
