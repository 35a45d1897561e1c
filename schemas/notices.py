"""What a responsible person is told, how it reached them, their acknowledgement, escalations,
and the manual notices duty officers ask dispatch to send."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from schemas.directory import Role
from schemas.envelope import Event, Timestamp
from schemas.responses import Level

__all__ = [
    "MANUAL_RECIPIENTS_LIMIT",
    "Acknowledgement",
    "AppNotice",
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Escalation",
    "ManualNoticeRequested",
    "Notice",
    "NoticeChange",
]

#: The most persons one manual notice request may name (its event stays well under Kafka's 1 MB).
MANUAL_RECIPIENTS_LIMIT = 20_000


class Channel(StrEnum):
    """How a notice reaches a person, or how they acknowledged it."""

    APP = "app"
    SMS = "sms"
    VOICE = "voice"
    WEBHOOK = "webhook"
    LINK = "link"
    CONSOLE = "console"


class NoticeChange(StrEnum):
    """Which change of the response a notice announces; ``manual``: a duty officer's own notice."""

    ACTIVATED = "activated"
    LEVEL_CHANGED = "level_changed"
    ENDED = "ended"
    MANUAL = "manual"


class Notice(Event):
    """One notice for one person about one change of one response.

    ``event_id`` is the notice id, derived from the response event and the person, so a
    re-run never makes a second notice for the same person and change.

    A manual notice (``change`` = ``manual``, from a :class:`ManualNoticeRequested`) belongs
    to no response: its ``response_id`` and ``response_event_id`` are both the request id
    (which no response has), and ``level`` is ``watch``, the lowest stage, as it names none.
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
    ack_by: Timestamp | None = Field(default=None, description="None when no ack is asked")
    directory_version: str


class AppNotice(Notice):
    """What the "一键通" app receives over MQTT (``{root}/notices/{person_id}``): the notice,
    with the token and link by which its person acknowledges it.

    The app sends ``ack_token`` with its ack (``POST /api/v1/acks``); ``ack_url`` is the ack
    link of the notice's text. Both are None when the notice asks no ack (``ack_by`` None),
    and in pushes written before they existed.
    No bus event: it travels only on the person's own topic (``sanfang.notices`` carries the
    plain :class:`Notice`).
    """

    ack_token: str | None = Field(default=None, description="the person's ack token; None: no ack asked")
    ack_url: str | None = Field(default=None, description="the person's ack link; None: no ack asked")


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
    received_at: Timestamp
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


class ManualNoticeRequested(Event):
    """A duty officer asks dispatch to send a notice of their own to chosen persons.

    The console resolves the officer's choice of units, roles and persons against the
    directory; ``recipients`` are the person ids it resolved to (the selection is kept for the
    record). ``event_id`` is the ``request_id``. Dispatch makes one notice per recipient, its
    id derived from the request and the person.
    """

    kind: Literal["command.manual_notice"] = "command.manual_notice"
    schema_version: Literal[1] = 1
    request_id: str = Field(min_length=1, max_length=64)
    officer: str = Field(min_length=1, max_length=64, description="the duty officer's id")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)
    drill: bool = False
    ack_wanted: bool = Field(default=True, description="ask each recipient to acknowledge (and escalate)")
    recipients: tuple[str, ...] = Field(min_length=1, max_length=MANUAL_RECIPIENTS_LIMIT)
    units: tuple[str, ...] = Field(default=(), max_length=100, description="the units chosen")
    roles: tuple[Role, ...] = Field(default=(), max_length=4, description="the roles chosen")
    persons: tuple[str, ...] = Field(default=(), max_length=5000, description="the persons chosen by name")
