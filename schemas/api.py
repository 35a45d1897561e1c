"""Bodies of the HTTP API: what clients send and what they get back.

API models are split by role (In / Public) and never reuse a storage row on the wire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from schemas.areas import Scope, Street
from schemas.envelope import Model, Timestamp
from schemas.identifiers import ExternalId
from schemas.notices import Channel
from schemas.responses import Level
from schemas.warnings import Colour, Hazard, WarningAction, WarningStatus

__all__ = [
    "AckAccepted",
    "AckIn",
    "DeadLetterPublic",
    "HeldWarningPublic",
    "RainfallAccepted",
    "ResponseCounts",
    "ResponsePublic",
    "RowRejected",
    "StationPublic",
    "WarningAccepted",
    "WarningIn",
]


class WarningIn(Model):
    """A warning in Sanfang's own JSON form (``POST /api/v1/warnings``).

    ``streets`` empty means the whole district; streets may be given by code (``songgang``)
    or Chinese name (``松岗`` or ``松岗街道``).
    """

    id: ExternalId = Field(
        min_length=1,
        max_length=128,
        description="the source's identifier of this message: letters, digits, '.', '_', ':' or '-'",
    )
    hazard: Hazard
    colour: Colour | None = None
    action: WarningAction = WarningAction.ISSUE
    streets: tuple[Street, ...] = ()
    issued_at: Timestamp
    expires_at: Timestamp | None = None
    status: WarningStatus = WarningStatus.ACTUAL
    references: tuple[ExternalId, ...] = Field(default=(), max_length=20)
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
    channel: Channel = Field(
        default=Channel.APP,
        description="ignored, kept so older apps are not refused: the route records an app ack",
    )


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


# Ingest's gauge, station and held-warning endpoints (what clients get back).


class RowRejected(Model):
    """One refused reading: where it was in the body, why, and its dead letter."""

    path: str
    reason: str
    message: str
    dead_letter_id: str


class RainfallAccepted(Model):
    """What became of a body of readings.

    ``accepted`` new readings (``corrections`` of them replace an earlier value),
    ``duplicates`` already taken before, ``rejected`` refused and dead-lettered.
    """

    accepted: int
    corrections: int
    duplicates: int
    rejected: list[RowRejected]


class StationPublic(Model):
    """A station of the registry with its newest reading and whether it is reporting.

    ``reporting``: heard within the silence limit; ``silent``: active but not heard (or
    never); ``not_expected``: under maintenance or retired. ``missing_readings`` counts
    the intervals since the newest reading.
    """

    station_id: str
    name: str
    name_en: str
    street: Street
    latitude: float
    longitude: float
    registry_status: str
    state: Literal["reporting", "silent", "not_expected"]
    last_observed_at: datetime | None
    last_received_at: datetime | None
    last_rainfall_mm: float | None
    interval_minutes: int | None
    missing_readings: int


class HeldWarningPublic(Model):
    """An update or cancel that waited (or waits) for the message it references."""

    event_id: str
    signal_id: str
    awaiting: list[str]
    issued_at: datetime
    held_at: datetime
    release_by: datetime
    released_at: datetime | None
    outcome: str | None
