"""The ledger: what a replay keeps of each recorded event, filled one event at a time.

A season's log holds about a million person-level events (notices, deliveries, acks,
escalations); the ledger keeps each as a small record, not as the full model, so a whole
season fits in memory and events can arrive in any order (Kafka partitions interleave).
Duplicates (the bus is at-least-once) are dropped by event id.

>>> ledger = Ledger()
>>> ledger.add_all([])
0
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.commands import Command, ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.notices import (
    Acknowledgement,
    Channel,
    Delivery,
    DeliveryStatus,
    Escalation,
    Notice,
    NoticeChange,
)
from schemas.rainfall import GaugeReading
from schemas.responses import (
    Level,
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.topics import AnyEvent
from schemas.warnings import WarningSignal

__all__ = [
    "AckRecord",
    "DeliveryRecord",
    "EscalationRecord",
    "FastRecord",
    "Ledger",
    "NoticeRecord",
    "NoticeTimes",
]


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A notice: to whom, about which response change, when, and whether it asked for an ack."""

    notice_id: str
    person_id: str
    unit_id: str
    response_id: str
    response_event_id: str
    change: NoticeChange
    level: Level
    drill: bool
    at: datetime
    ack_by: datetime | None


@dataclass(frozen=True, slots=True)
class NoticeTimes:
    """When dispatch wrote a notice, handed its app push to the broker, and had it delivered,
    as its ``notices`` row in the store says (dispatch's own clock). Not on the bus: a replay
    from Kafka has none."""

    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One delivery attempt of a notice."""

    notice_id: str
    at: datetime
    channel: Channel
    status: DeliveryStatus


@dataclass(frozen=True, slots=True)
class AckRecord:
    """One acknowledgement; the first of a notice counts."""

    notice_id: str
    person_id: str
    at: datetime
    channel: Channel


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """One step of the escalation ladder taken for a notice."""

    notice_id: str
    at: datetime
    step: int
    action: str


FastRecord = NoticeRecord | DeliveryRecord | AckRecord | EscalationRecord
"""A person-level event's record, read without its model (see :mod:`.payloads`)."""


@dataclass
class Ledger:
    """Every recorded event a review needs, deduplicated by event id."""

    signals: list[WarningSignal] = field(default_factory=list)
    readings: list[GaugeReading] = field(default_factory=list)
    responses: list[ResponseEvent] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    notices: dict[str, NoticeRecord] = field(default_factory=dict)
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    acks: list[AckRecord] = field(default_factory=list)
    escalations: list[EscalationRecord] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def add(self, event: AnyEvent) -> bool:
        """Keep one event; returns False for a duplicate or an event replay has no use for."""
        if event.event_id in self.seen:
            return False
        self.seen.add(event.event_id)
        match event:
            case Notice():
                self.notices[event.event_id] = NoticeRecord(
                    event.event_id,
                    event.person_id,
                    event.unit_id,
                    event.response_id,
                    event.response_event_id,
                    event.change,
                    event.level,
                    event.drill,
                    event.occurred_at,
                    event.ack_by,
                )
            case Delivery():
                self.deliveries.append(
                    DeliveryRecord(event.notice_id, event.occurred_at, event.channel, event.status)
                )
            case Acknowledgement():
                self.acks.append(
                    AckRecord(event.notice_id, event.person_id, event.received_at, event.channel)
                )
            case Escalation():
                self.escalations.append(
                    EscalationRecord(event.notice_id, event.occurred_at, event.step, event.action)
                )
            case GaugeReading():
                self.readings.append(event)
            case WarningSignal():
                self.signals.append(event)
            case ResponseProposed() | ResponseActivated() | ResponseLevelChanged() | ResponseEnded():
                self.responses.append(event)
            case ProposalConfirmed() | ProposalRejected() | ManualLevelSet() | ManualEnd():
                self.commands.append(event)
            case _:
                return False  # dead letters: listed by the API, not part of a review
        return True

    def keep(self, event_id: str, record: FastRecord) -> bool:
        """Keep the record of a person-level event read without its model; returns False for
        a duplicate. Same effect as :meth:`add` of the event itself."""
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        match record:
            case NoticeRecord():
                self.notices[event_id] = record
            case DeliveryRecord():
                self.deliveries.append(record)
            case AckRecord():
                self.acks.append(record)
            case EscalationRecord():
                self.escalations.append(record)
        return True

    def add_all(self, events: Iterable[AnyEvent]) -> int:
        """Keep many events; returns how many were new."""
        return sum(1 for event in events if self.add(event))

    def __len__(self) -> int:
        return len(self.seen)
