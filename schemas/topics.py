"""The Kafka topics, which events travel on each, and how an event is read off the wire.

>>> from schemas.topics import Topic, topic_of
>>> Topic.WARNINGS.value
'sanfang.warnings'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, TypeAdapter

from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.deadletter import DeadLetter
from schemas.envelope import Event
from schemas.notices import Acknowledgement, Delivery, Escalation, ManualNoticeRequested, Notice
from schemas.rainfall import GaugeReading
from schemas.responses import (
    ResponseActivated,
    ResponseEnded,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.warnings import WarningSignal

__all__ = ["TOPIC_OF_EVENT", "AnyEvent", "Topic", "event_key", "event_types", "parse_event", "topic_of"]


class Topic(StrEnum):
    """The bus topics. A deployment may put a prefix in front of each name."""

    WARNINGS = "sanfang.warnings"
    RAINFALL = "sanfang.rainfall"
    RESPONSES = "sanfang.responses"
    NOTICES = "sanfang.notices"
    DELIVERIES = "sanfang.deliveries"
    ACKS = "sanfang.acks"
    ESCALATIONS = "sanfang.escalations"
    DEADLETTER = "sanfang.deadletter"
    COMMANDS = "sanfang.commands"


AnyEvent = Annotated[
    WarningSignal
    | GaugeReading
    | ResponseProposed
    | ResponseActivated
    | ResponseLevelChanged
    | ResponseEnded
    | Notice
    | Delivery
    | Acknowledgement
    | Escalation
    | DeadLetter
    | ProposalConfirmed
    | ProposalRejected
    | ManualLevelSet
    | ManualEnd
    | ManualNoticeRequested,
    Field(discriminator="kind"),
]

_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)

TOPIC_OF_EVENT: dict[type[Event], Topic] = {
    WarningSignal: Topic.WARNINGS,
    GaugeReading: Topic.RAINFALL,
    ResponseProposed: Topic.RESPONSES,
    ResponseActivated: Topic.RESPONSES,
    ResponseLevelChanged: Topic.RESPONSES,
    ResponseEnded: Topic.RESPONSES,
    Notice: Topic.NOTICES,
    Delivery: Topic.DELIVERIES,
    Acknowledgement: Topic.ACKS,
    Escalation: Topic.ESCALATIONS,
    DeadLetter: Topic.DEADLETTER,
    ProposalConfirmed: Topic.COMMANDS,
    ProposalRejected: Topic.COMMANDS,
    ManualLevelSet: Topic.COMMANDS,
    ManualEnd: Topic.COMMANDS,
    # An officer's command too, for dispatch (which reads this topic for it alone).
    ManualNoticeRequested: Topic.COMMANDS,
}


def topic_of(event: Event) -> Topic:
    """The topic an event is published on."""
    return TOPIC_OF_EVENT[type(event)]


def event_key(event: Event) -> str:
    """The partition key: per signal source, station, response or person, so order holds."""
    match event:
        case WarningSignal():
            return event.scope.key
        case GaugeReading():
            return event.station_id
        case ResponseProposed() | ResponseActivated() | ResponseLevelChanged() | ResponseEnded():
            return event.response_id
        case ProposalConfirmed() | ProposalRejected() | ManualEnd():
            return event.response_id
        case ManualLevelSet():
            return event.scope.key
        case Notice() | Delivery() | Acknowledgement() | Escalation():
            return event.person_id
        case _:
            return event.event_id


def parse_event(data: bytes | str) -> AnyEvent:
    """Read one event from its JSON form; raises ``pydantic.ValidationError`` if invalid."""
    return _ADAPTER.validate_json(data)


def event_types() -> tuple[type[Event], ...]:
    """Every event model, in the order of the topics table."""
    return tuple(TOPIC_OF_EVENT)
