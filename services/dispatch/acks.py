"""Taking an acknowledgement: check the notice, then queue the ack for dispatch."""

from __future__ import annotations

from sqlalchemy import select

from schemas.api import AckAccepted, AckIn
from schemas.envelope import new_id
from schemas.notices import Acknowledgement
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox

__all__ = ["UnknownNotice", "take_ack"]


class UnknownNotice(LookupError):
    """No notice has that id."""


async def take_ack(outbox: Outbox, clock: Clock, body: AckIn) -> AckAccepted:
    """Queue an acknowledgement of ``body.notice_id`` on ``sanfang.acks``.

    Raises :class:`UnknownNotice` when there is no such notice. Dispatch counts the first
    ack of each notice; later ones are kept but not counted twice.
    """
    n = tables.notices.c
    now = clock.now()
    async with outbox.transaction() as tx:
        row = (
            await tx.execute(select(n.person_id, n.response_id).where(n.notice_id == body.notice_id))
        ).one_or_none()
        if row is None:
            raise UnknownNotice(body.notice_id)
        ack = Acknowledgement(
            event_id=new_id(),
            occurred_at=now,
            causation_id=body.notice_id,
            notice_id=body.notice_id,
            person_id=row.person_id,
            response_id=row.response_id,
            channel=body.channel,
            received_at=now,
        )
        await outbox.add(tx, [ack])
    return AckAccepted(ack_id=ack.event_id, notice_id=ack.notice_id, person_id=ack.person_id)
