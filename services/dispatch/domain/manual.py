"""One notice per recipient of a duty officer's manual notice request.

A manual notice belongs to no response: it is written to the same tables, sent on the same
channels, acknowledged through the same links and escalated on the same ladder as a
response's notices, with ``change`` = ``manual`` and the request id standing in for the
response (see :class:`schemas.notices.Notice`). Ids are derived from the request and the
person, so building the notices again gives the same ids.

>>> from datetime import UTC, datetime
>>> from services.demo.directory.generator import generate_baoan_directory
>>> request = ManualNoticeRequested(event_id="m-1", occurred_at=datetime(2024, 5, 4, tzinfo=UTC),
...     request_id="m-1", officer="duty1", title="到岗", text="请立即到岗", recipients=("P00001", "P99999"))
>>> notices = build_manual_notices(request, generate_baoan_directory(), ack_minutes=30,
...     public_url="https://sanfang.example", sent_at=datetime(2024, 5, 4, 0, 1, tzinfo=UTC))
>>> [(n.person_id, n.change.value, n.response_id) for n in notices]
[('P00001', 'manual', 'm-1')]
"""

from __future__ import annotations

from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.notices import ManualNoticeRequested, Notice, NoticeChange
from schemas.responses import Level
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.notices import LinkSigner, ack_link
from services.dispatch.domain.templates import render_manual

__all__ = ["MANUAL_LEVEL", "build_manual_notices", "manual_notice_id"]

#: The level a manual notice carries: it names none, and ``Notice.level`` is required.
MANUAL_LEVEL = Level.WATCH


def manual_notice_id(request_id: str, person_id: str) -> str:
    """The id of the notice telling ``person_id`` of manual request ``request_id``.

    >>> one = manual_notice_id("m-1", "P00001")
    >>> one == manual_notice_id("m-1", "P00001") != manual_notice_id("m-1", "P00002")
    True
    """
    return derived_id("manual-notice", request_id, person_id)


def build_manual_notices(
    request: ManualNoticeRequested,
    directory: Directory,
    *,
    ack_minutes: int,
    public_url: str,
    sent_at: datetime,
    sign: LinkSigner | None = None,
) -> list[Notice]:
    """The request's notices, one per recipient still in ``directory``, sorted by person id.

    With ``ack_wanted``, each asks for an ack by ``ack_minutes`` after ``sent_at`` (when dispatch
    builds it, not when the officer asked) and carries
    an ack link (signed by ``sign``); without, it asks for none and has no link.
    """
    if ack_minutes <= 0:
        raise ValueError(f"ack_minutes must be positive, not {ack_minutes}")
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    ack_by = sent_at + timedelta(minutes=ack_minutes) if request.ack_wanted else None
    notices = []
    for person_id in sorted(set(request.recipients)):
        if not directory.has_person(person_id):
            continue  # left the directory since the console resolved the request
        event_id = manual_notice_id(request.request_id, person_id)
        ack_url = ack_link(public_url, person_id, event_id, ack_by, sign)
        title, text = render_manual(request.title, request.text, request.drill, ack_by, ack_url)
        notices.append(
            Notice(
                event_id=event_id,
                occurred_at=request.occurred_at,
                correlation_id=request.request_id,
                causation_id=request.event_id,
                response_id=request.request_id,
                response_event_id=request.event_id,
                person_id=person_id,
                unit_id=directory.person(person_id).unit_id,
                change=NoticeChange.MANUAL,
                level=MANUAL_LEVEL,
                drill=request.drill,
                title=title,
                text=text,
                ack_by=ack_by,
                directory_version=directory.version,
            )
        )
    return notices
