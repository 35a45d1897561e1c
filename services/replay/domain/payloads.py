"""Reading a recorded person-level event (notice, delivery, ack, escalation) from its JSON
straight into the ledger's small record, validating only the fields a review keeps.

These four kinds are nearly every event of a season (half a million to a million), and
validating each against its whole contract, into its full model, was most of a replay's
time. Here each is validated against a slim row of the same contract (the same types,
enum values, limits, and times as :data:`~schemas.envelope.Timestamp` has them) that ignores the fields a
review does not keep (a notice's title and text): the store only holds events their
contract accepted when they were recorded. Anything else, or a row that does not pass, is
read through the whole contract (``parse_event``), which says what is wrong.

>>> ledger = Ledger()
>>> add_payloads(ledger, ['{"kind": "escalation", "schema_version": 1, "event_id": "e1",'
...     ' "notice_id": "n1", "occurred_at": "2024-06-01T08:00:00+08:00", "step": 1,'
...     ' "action": "sms"}'] * 2)
1
>>> ledger.escalations[0].step, ledger.escalations[0].at.isoformat()
(1, '2024-06-01T08:00:00+08:00')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from schemas.notices import Channel, DeliveryStatus, NoticeChange
from schemas.responses import Level
from schemas.topics import parse_event
from services.replay.domain.ledger import AckRecord, DeliveryRecord, EscalationRecord, Ledger, NoticeRecord

__all__ = ["add_payloads"]

_ROW = ConfigDict(extra="ignore", frozen=True)
EventId = Annotated[str, Field(min_length=1, max_length=64)]

_ZONES: dict[timedelta, tzinfo] = {}


def _zoned(at: datetime) -> datetime:
    """``at`` in one shared zone object per offset, if it is surely a
    :data:`~schemas.envelope.Timestamp`.

    Comparing or subtracting two times of the very same zone object skips both
    ``utcoffset()`` calls, and a review compares every time many times over (ten times
    faster in ``min``, ``max`` and sorting). A local year from 1901 to 2199 lies in the
    Timestamp's 1900-2200 in UTC whatever the offset; any other year is left to the whole
    contract (raised here, the payload is read through ``parse_event``)."""
    if not 1900 < at.year < 2200:
        raise ValueError("left to the contract")
    offset = at.utcoffset()
    zone = _ZONES.get(offset)  # type: ignore[arg-type]  # AwareDatetime has an offset
    if zone is None:
        zone = _ZONES.setdefault(offset, UTC if not offset else timezone(offset))  # type: ignore[arg-type]
    return at.astimezone(zone)  # the same offset: the same wall time, in the shared object


Time = Annotated[AwareDatetime, AfterValidator(_zoned)]


@dataclass(config=_ROW, slots=True)
class _NoticeRow:
    kind: Literal["notice"]
    schema_version: Literal[1]
    event_id: EventId
    occurred_at: Time
    response_id: str
    response_event_id: str
    person_id: str
    unit_id: str
    change: NoticeChange
    level: Level
    drill: bool = False
    ack_by: Time | None = None


@dataclass(config=_ROW, slots=True)
class _DeliveryRow:
    kind: Literal["delivery"]
    schema_version: Literal[1]
    event_id: EventId
    occurred_at: Time
    notice_id: str
    channel: Channel
    status: DeliveryStatus


@dataclass(config=_ROW, slots=True)
class _AckRow:
    kind: Literal["ack"]
    schema_version: Literal[1]
    event_id: EventId
    notice_id: str
    person_id: str
    channel: Channel
    received_at: Time


@dataclass(config=_ROW, slots=True)
class _EscalationRow:
    kind: Literal["escalation"]
    schema_version: Literal[1]
    event_id: EventId
    occurred_at: Time
    notice_id: str
    step: Annotated[int, Field(ge=1)]
    action: str


_ROWS: TypeAdapter[_NoticeRow | _DeliveryRow | _AckRow | _EscalationRow] = TypeAdapter(
    Annotated[_NoticeRow | _DeliveryRow | _AckRow | _EscalationRow, Field(discriminator="kind")]
)


def add_payloads(ledger: Ledger, payloads: Iterable[str | bytes]) -> int:
    """Keep many recorded events given as their JSON in ``ledger``; returns how many were new.
    Any other kind, or a payload that does not pass, goes through the whole contract, so an
    invalid event raises ``pydantic.ValidationError`` as it always did."""
    new = 0
    validate, keep = _ROWS.validate_json, ledger.keep
    for payload in payloads:
        try:
            row = validate(payload)
        except ValidationError:
            new += ledger.add(parse_event(payload))
            continue
        match row:
            case _DeliveryRow():
                new += keep(
                    row.event_id,
                    DeliveryRecord(row.notice_id, row.occurred_at, row.channel, row.status),
                )
            case _NoticeRow():
                record = NoticeRecord(
                    row.event_id,
                    row.person_id,
                    row.unit_id,
                    row.response_id,
                    row.response_event_id,
                    row.change,
                    row.level,
                    row.drill,
                    row.occurred_at,
                    None if row.ack_by is None else row.ack_by,
                )
                new += keep(row.event_id, record)
            case _AckRow():
                new += keep(
                    row.event_id,
                    AckRecord(row.notice_id, row.person_id, row.received_at, row.channel),
                )
            case _EscalationRow():
                new += keep(
                    row.event_id,
                    EscalationRecord(row.notice_id, row.occurred_at, row.step, row.action),
                )
    return new
