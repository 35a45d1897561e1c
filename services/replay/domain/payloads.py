"""Reading a recorded person-level event (notice, delivery, ack, escalation) from its JSON
straight into the ledger's small record, without building the full event model.

These four kinds are nearly every event of a season (a million of them), and validating
each against its whole contract was most of a replay's time. The store holds each event as
its contract model wrote it (the recorder and the season generator write
``model_dump_json()`` of a validated event), so here only the fields a review keeps are
checked, each as strictly as the contract does: text, enum values, integers, aware times.
Anything else, or anything that does not pass, raises :class:`NotAFastRecord`, and the
caller reads that payload through the contract instead (which names what is wrong).

>>> record = read_record({"kind": "escalation", "schema_version": 1, "event_id": "e1", "notice_id": "n1",
...     "occurred_at": "2024-06-01T08:00:00+08:00", "step": 1, "action": "sms"})
>>> record.step, record.at.isoformat()
(1, '2024-06-01T08:00:00+08:00')
>>> read_record({"kind": "response.activated"})
Traceback (most recent call last):
...
services.replay.domain.payloads.NotAFastRecord: no fast record for 'response.activated'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from schemas.notices import Channel, DeliveryStatus, NoticeChange
from schemas.responses import Level
from schemas.topics import parse_event
from services.replay.domain.ledger import (
    AckRecord,
    DeliveryRecord,
    EscalationRecord,
    FastRecord,
    Ledger,
    NoticeRecord,
)

__all__ = ["NotAFastRecord", "add_payloads", "read_record"]

Payload = Mapping[str, Any]

# By value: a dict lookup is several times cheaper than calling the enum.
_CHANNELS = {c.value: c for c in Channel}
_STATUSES = {s.value: s for s in DeliveryStatus}
_CHANGES = {c.value: c for c in NoticeChange}
_LEVELS = {level.value: level for level in Level}
_ID_LENGTH = 64
_ZONES: dict[timedelta, tzinfo] = {}


class NotAFastRecord(ValueError):
    """This payload is not one the fast path reads: read it through the contract."""


def _id(value: object) -> str:
    if type(value) is not str or not 0 < len(value) <= _ID_LENGTH:
        raise NotAFastRecord("an event id is text of 1 to 64 characters")
    return value


def _text(value: object) -> str:
    if type(value) is not str:
        raise NotAFastRecord("expected text")
    return value


def _time(value: object) -> datetime:
    if type(value) is not str:
        raise NotAFastRecord("expected an ISO 8601 time")
    try:
        at = datetime.fromisoformat(value)
    except ValueError as exc:
        raise NotAFastRecord(str(exc)) from exc
    offset = at.utcoffset()
    if offset is None:
        raise NotAFastRecord("a time without its zone")
    # One zone object per offset: comparing or subtracting two times of the very same zone
    # skips both utcoffset() calls, and a review compares every time many times over.
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES.setdefault(offset, UTC if not offset else timezone(offset))
    return at.replace(tzinfo=zone)


def _of(table: Mapping[str, Any], value: object) -> Any:
    try:
        return table[value]  # type: ignore[index]  # a non-str value is a KeyError or TypeError
    except (KeyError, TypeError) as exc:
        raise NotAFastRecord(f"not one of {sorted(table)}: {value!r}") from exc


def _notice(data: Payload) -> NoticeRecord:
    ack_by = data["ack_by"]
    drill = data["drill"]
    if type(drill) is not bool:
        raise NotAFastRecord("drill is true or false")
    return NoticeRecord(
        data["event_id"],  # checked by read_record
        _text(data["person_id"]),
        _text(data["unit_id"]),
        _text(data["response_id"]),
        _text(data["response_event_id"]),
        _of(_CHANGES, data["change"]),
        _of(_LEVELS, data["level"]),
        drill,
        _time(data["occurred_at"]),
        None if ack_by is None else _time(ack_by),
    )


def _delivery(data: Payload) -> DeliveryRecord:
    return DeliveryRecord(
        _text(data["notice_id"]),
        _time(data["occurred_at"]),
        _of(_CHANNELS, data["channel"]),
        _of(_STATUSES, data["status"]),
    )


def _ack(data: Payload) -> AckRecord:
    return AckRecord(
        _text(data["notice_id"]),
        _text(data["person_id"]),
        _time(data["received_at"]),
        _of(_CHANNELS, data["channel"]),
    )


def _escalation(data: Payload) -> EscalationRecord:
    step = data["step"]
    if type(step) is not int or step < 1:
        raise NotAFastRecord("step is an integer from 1")
    return EscalationRecord(_text(data["notice_id"]), _time(data["occurred_at"]), step, _text(data["action"]))


_READERS: dict[str, Callable[[Payload], FastRecord]] = {
    "notice": _notice,
    "delivery": _delivery,
    "ack": _ack,
    "escalation": _escalation,
}


def read_record(data: Payload) -> FastRecord:
    """The ledger's record of one decoded payload (its ``event_id`` is ``data["event_id"]``,
    checked here); raises :class:`NotAFastRecord` for any other kind or a field that is not
    as the contract has it."""
    reader = _READERS.get(data.get("kind")) if type(data) is dict else None  # type: ignore[arg-type]
    if reader is None:
        raise NotAFastRecord(f"no fast record for {data.get('kind') if type(data) is dict else data!r}")
    try:
        if data["schema_version"] != 1:
            raise NotAFastRecord("only schema version 1 is read here")
        _id(data["event_id"])
        return reader(data)
    except KeyError as exc:
        raise NotAFastRecord(f"missing {exc}") from exc


def add_payloads(ledger: Ledger, payloads: Iterable[str | bytes]) -> int:
    """Keep many recorded events given as their JSON in ``ledger``; returns how many were new.
    A payload the fast path does not read goes through the contract (``parse_event``), so an
    invalid one raises ``pydantic.ValidationError`` as it always did.

    >>> ledger = Ledger()
    >>> add_payloads(ledger, ['{"kind": "escalation", "schema_version": 1, "event_id": "e1",'
    ...     ' "notice_id": "n1", "occurred_at": "2024-06-01T08:00:00+08:00", "step": 1,'
    ...     ' "action": "sms"}'] * 2)
    1
    """
    new = 0
    loads, read, keep = json.loads, read_record, ledger.keep
    for payload in payloads:
        try:
            data = loads(payload)
            record = read(data)
        except ValueError:  # NotAFastRecord, or not JSON at all: the contract says why
            new += ledger.add(parse_event(payload))
        else:
            new += keep(data["event_id"], record)
    return new
