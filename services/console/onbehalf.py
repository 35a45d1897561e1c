"""Acknowledging on a person's behalf: an officer records, with a reason, that a person
acknowledged another way (a call to the duty room, in person …).

Any notice can be acknowledged so, a response's or a manual notice's, by its id
(:func:`ack_notice_on_behalf`); :func:`ack_on_behalf` finds the person's notice of a
response's latest change and does the same. It is recorded with dispatch's own
``apply_ack`` (the first ack of a notice counts and marks it acknowledged, a later one is
kept with ``counted`` false; the person's escalation stops on every channel; the ack row
keeps ``on_behalf_by`` and ``reason``) and published on ``sanfang.acks``, in one transaction
with the audit line. The notice row is locked first, as dispatch does, so no reminder goes
out after it.

>>> async def demo(outbox: Outbox, clock: Clock, caller: Caller) -> None:  # doctest: +SKIP
...     await ack_notice_on_behalf(outbox, clock, "n-123", NoticeAckIn(reason="电话确认"), caller)
...     await ack_on_behalf(outbox, clock, "r-123", OnBehalfIn(person_id="P0001", reason="电话确认"), caller)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.console import NoticeAckIn, OnBehalfIn, OnBehalfOut
from schemas.notices import Channel
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.dispatch.acks import acknowledgement, apply_ack
from services.web.audit import record
from services.web.auth import Caller
from services.web.errors import NotFound

__all__ = ["ack_notice_on_behalf", "ack_on_behalf"]


async def ack_notice_on_behalf(
    outbox: Outbox, clock: Clock, notice_id: str, body: NoticeAckIn, caller: Caller
) -> OnBehalfOut:
    """Acknowledge ``notice_id`` (any notice) for its person; ``NotFound`` when there is none."""
    async with outbox.transaction() as tx:
        return await _acknowledge(tx, outbox, clock.now(), notice_id, body.reason, caller)


async def ack_on_behalf(
    outbox: Outbox, clock: Clock, response_id: str, body: OnBehalfIn, caller: Caller
) -> OnBehalfOut:
    """Acknowledge the person's notice of the response's latest change."""
    r, n = tables.responses.c, tables.notices.c
    async with outbox.transaction() as tx:
        change = (
            await tx.execute(select(r.last_event_id).where(r.response_id == response_id))
        ).scalar_one_or_none()
        if change is None:
            raise NotFound(f"no response {response_id!r}")
        notice_id = (
            await tx.execute(
                select(n.notice_id).where(n.response_event_id == change, n.person_id == body.person_id)
            )
        ).scalar_one_or_none()
        if notice_id is None:
            raise NotFound(f"person {body.person_id!r} was not notified of this response's latest change")
        return await _acknowledge(tx, outbox, clock.now(), notice_id, body.reason, caller)


async def _acknowledge(
    tx: AsyncConnection, outbox: Outbox, now: datetime, notice_id: str, reason: str, caller: Caller
) -> OnBehalfOut:
    n = tables.notices.c
    query = select(n.notice_id, n.person_id, n.response_id, n.change, n.acked_at).where(
        n.notice_id == notice_id
    )
    if tx.dialect.name == "postgresql":
        query = query.with_for_update()
    notice = (await tx.execute(query)).first()
    if notice is None:
        raise NotFound(f"no notice {notice_id!r}")
    ack = acknowledgement(notice, Channel.CONSOLE, now, on_behalf_by=caller.officer.username, reason=reason)
    counted = await apply_ack(tx, ack)
    await outbox.add(tx, [ack])
    await record(
        tx,
        caller.actor,
        "ack.on_behalf",
        f"person:{notice.person_id}",
        now,
        before={"notice_id": notice.notice_id, "acked_at": notice.acked_at},
        after={
            "ack_id": ack.event_id,
            "reason": reason,
            "response_id": notice.response_id,
            "change": notice.change,
            "counted": counted,
        },
    )
    return OnBehalfOut(
        ack_id=ack.event_id,
        notice_id=notice.notice_id,
        person_id=notice.person_id,
        on_behalf_by=caller.officer.username,
        counted=counted,
    )
