"""Bodies of the HTTP API: what clients send and what they get back.

API models are split by role (In / Public) and never reuse a storage row on the wire.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, field_validator

from schemas.areas import Scope, Street
from schemas.envelope import Model
from schemas.notices import Channel
from schemas.responses import Level
from schemas.warnings import Colour, Hazard, WarningAction, WarningStatus

__all__ = [
    "AckAccepted",
    "AckIn",
    "DeadLetterPublic",
    "ResponseCounts",
    "ResponsePublic",
    "WarningAccepted",
    "WarningIn",
]


class WarningIn(Model):
    """A warning in Sanfang's own JSON form (``POST /api/v1/warnings``).

    ``streets`` empty means the whole district; streets may be given by code (``songgang``)
    or Chinese name (``松岗`` or ``松岗街道``).
    """

    id: str = Field(min_length=1, max_length=128, description="the source's identifier of this message")
    hazard: Hazard
    colour: Colour | None = None
    action: WarningAction = WarningAction.ISSUE
    streets: tuple[Street, ...] = ()
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    status: WarningStatus = WarningStatus.ACTUAL
    references: tuple[str, ...] = Field(default=(), max_length=20)
    headline: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=5000)
    sender: str = Field(default="api", max_length=64)

    @field_validator("streets", mode="before")
    @classmethod
    def _streets(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(Street.parse(item) if isinstance(item, str) else item for item in value)
        return value

    def scope(self) -> Scope:
        """The district, or the named streets."""
        return Scope.of_streets(self.streets) if self.streets else Scope.district()


class WarningAccepted(Model):
    """The answer to an accepted warning: its event id, and whether it was a duplicate."""

    event_id: str
    signal_id: str
    duplicate: bool


class AckIn(Model):
    """A person acknowledges a notice (``POST /api/v1/acks``) with the ack token the app
    was pushed with it (``AppNotice.ack_token``): the token names the person and the notice."""

    notice_id: str = Field(min_length=1, max_length=64)
    token: str = Field(
        min_length=1, max_length=400, description="the notice's ack_token, as pushed to the person's app"
    )
    channel: Channel = Channel.APP


class AckAccepted(Model):
    """The answer to an acknowledgement."""

    ack_id: str
    notice_id: str
    person_id: str


class ResponseCounts(Model):
    """How far the notices of a response's latest change have got."""

    notified: int
    delivered: int
    acknowledged: int


class ResponsePublic(Model):
    """A response as the API shows it."""

    response_id: str
    scope: Scope
    level: Level
    state: str
    drill: bool
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    summary: str
    counts: ResponseCounts


class DeadLetterPublic(Model):
    """A refused input as the API lists it."""

    event_id: str
    source: str
    reason: str
    detail: str
    content_type: str
    raw: str
    raw_truncated: bool
    received_at: datetime
