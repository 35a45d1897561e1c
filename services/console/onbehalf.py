"""Acknowledging on a person's behalf: an officer records, with a reason, that a person
acknowledged another way (a call to the duty room, in person …).

It is recorded with dispatch's own ``apply_ack`` (the notice acknowledged, the person's
escalation stopped on every channel, the ack row kept with ``on_behalf_by`` and
``reason``) and published on ``sanfang.acks``, in one transaction with the audit line.
The notice row is locked first, as dispatch does, so no reminder goes out after it.

>>> async def demo(outbox: Outbox, clock: Clock, caller: Caller) -> None:  # doctest: +SKIP
...     await ack_on_behalf(outbox, clock, "r-123", OnBehalfIn(person_id="P0001", reason="电话确认"), caller)
"""

from __future__ import annotations

from sqlalchemy import select

from schemas.envelope import new_id
from schemas.notices import Acknowledgement, Channel
from services.console.audit import record
from services.console.auth import Caller
from services.console.bodies import OnBehalfIn, OnBehalfOut
from services.console.errors import Conflict, NotFound
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.dispatch.acks import apply_ack

__all__ = ["ack_on_behalf"]


async def ack_on_behalf(
    outbox: Outbox, clock: Clock, response_id: str, body: OnBehalfIn, caller: Caller
) -> OnBehalfOut:
    """Queue an acknowledgement of the person's notice of the response's latest change."""
    r, n = tables.responses.c, tables.notices.c
    now = clock.now()
    async with outbox.transaction() as tx:
        change = (
            await tx.execute(select(r.last_event_id).where(r.response_id == response_id))
        ).scalar_one_or_none()
        if change is None:
            raise NotFound(f"no response {response_id!r}")
        query = select(n.notice_id, n.acked_at).where(
            n.response_event_id == change, n.person_id == body.person_id
        )
        if tx.dialect.name == "postgresql":
            query = query.with_for_update()
        notice = (await tx.execute(query)).first()
        if notice is None:
            raise NotFound(f"person {body.person_id!r} was not notified of this response's latest change")
        if notice.acked_at is not None:
            raise Conflict(f"{body.person_id} already acknowledged at {notice.acked_at.isoformat()}")
        ack = Acknowledgement(
            event_id=new_id(),
            occurred_at=now,
            causation_id=notice.notice_id,
            notice_id=notice.notice_id,
            person_id=body.person_id,
            response_id=response_id,
            channel=Channel.CONSOLE,
            received_at=now,
            on_behalf_by=caller.officer.username,
            reason=body.reason,
        )
        await apply_ack(tx, ack)
        await outbox.add(tx, [ack])
        await record(
            tx,
            caller.actor,
            "ack.on_behalf",
            f"person:{body.person_id}",
            now,
            before={"notice_id": notice.notice_id, "acked_at": None},
            after={"ack_id": ack.event_id, "reason": body.reason, "response_id": response_id},
        )
    return OnBehalfOut(
        ack_id=ack.event_id,
        notice_id=ack.notice_id,
        person_id=ack.person_id,
        on_behalf_by=caller.officer.username,
    )
