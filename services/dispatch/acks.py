"""Recording acknowledgements: one function for every channel, the first ack counts.

Every way a person acknowledges (the app over HTTP or MQTT, an SMS reply, a voice
keypress, the ack link) and a duty officer acknowledging on their behalf ends in
:meth:`AckBook.record`. In one transaction it marks the notice acknowledged (only the
first ack does), keeps the ack row (later ones too, ``counted`` false), stops that
person's escalation for the notice, and queues the ``sanfang.acks`` event. Because it
locks the notice row first, an ack waits for a reminder being sent that very moment
and vice versa: no reminder is ever sent after an ack was recorded.

>>> async def demo(book: AckBook) -> None:  # doctest: +SKIP
...     outcome = await book.record("n-1", Channel.APP)
...     outcome = await book.on_behalf("n-1", officer="duty-wang", reason="电话确认已收到")
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import new_id
from schemas.notices import Acknowledgement, Channel
from services.core import metrics, tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.errors import AckRefused, UnknownNotice

__all__ = ["AckBook", "AckOutcome", "apply_ack"]


@dataclass(frozen=True)
class AckOutcome:
    """What happened to an acknowledgement: ``counted`` is false for a repeat."""

    ack_id: str
    notice_id: str
    person_id: str
    counted: bool


class AckBook:
    """Records acknowledgements of notices."""

    def __init__(self, outbox: Outbox, clock: Clock) -> None:
        self._outbox = outbox
        self._clock = clock

    async def record(
        self,
        notice_id: str,
        channel: Channel,
        *,
        person_id: str | None = None,
        on_behalf_by: str | None = None,
        reason: str = "",
    ) -> AckOutcome:
        """Acknowledge ``notice_id``; with ``person_id``, only if the notice is that person's.

        Raises :class:`UnknownNotice` or :class:`AckRefused`.
        """
        async with self._outbox.transaction() as tx:
            n = tables.notices.c
            query = select(n.person_id, n.response_id).where(n.notice_id == notice_id)
            if tx.dialect.name == "postgresql":
                query = query.with_for_update()
            row = (await tx.execute(query)).one_or_none()
            if row is None:
                raise UnknownNotice(notice_id)
            if person_id is not None and person_id != row.person_id:
                raise AckRefused(f"notice {notice_id} is not {person_id}'s")
            # Taken after the lock: the moment the ack is recorded, not when it was asked for.
            now = self._clock.now()
            ack = Acknowledgement(
                event_id=new_id(),
                occurred_at=now,
                causation_id=notice_id,
                notice_id=notice_id,
                person_id=row.person_id,
                response_id=row.response_id,
                channel=channel,
                received_at=now,
                on_behalf_by=on_behalf_by,
                reason=reason,
            )
            counted = await apply_ack(tx, ack)
            await self._outbox.add(tx, [ack])
        return AckOutcome(ack.event_id, notice_id, row.person_id, counted)

    async def on_behalf(self, notice_id: str, *, officer: str, reason: str) -> AckOutcome:
        """A duty officer acknowledges for the person (who said so on the phone, say).

        The reason is required and kept with the ack; the console calls this.
        """
        if not reason.strip():
            raise AckRefused("an acknowledgement on someone's behalf needs a reason")
        if not officer.strip():
            raise AckRefused("an acknowledgement on someone's behalf needs the officer's name")
        return await self.record(
            notice_id, Channel.CONSOLE, on_behalf_by=officer.strip()[:64], reason=reason.strip()[:500]
        )


async def apply_ack(tx: AsyncConnection, ack: Acknowledgement) -> bool:
    """Apply ``ack`` in ``tx``: first ack of the notice counts; escalation stops. Idempotent by ack id."""
    n = tables.notices.c
    result = await tx.execute(
        update(tables.notices)
        .where(n.notice_id == ack.notice_id, n.acked_at.is_(None))
        .values(acked_at=ack.received_at, ack_channel=ack.channel.value)
    )
    counted = result.rowcount == 1
    inserted = await tx.execute(
        insert_ignore(tables.acks, tx.dialect.name)
        .values(
            ack_id=ack.event_id,
            notice_id=ack.notice_id,
            person_id=ack.person_id,
            channel=ack.channel.value,
            received_at=ack.received_at,
            counted=counted,
            on_behalf_by=ack.on_behalf_by,
            reason=ack.reason,
        )
        .returning(tables.acks.c.ack_id)
    )
    if inserted.first() is None:
        return False  # this very ack was applied before
    e = dispatch_tables.escalations.c
    await tx.execute(
        update(dispatch_tables.escalations)
        .where(e.notice_id == ack.notice_id, e.state == "waiting")
        .values(state="stopped", updated_at=ack.received_at)
    )
    a = dispatch_tables.attempts.c
    await tx.execute(
        update(dispatch_tables.attempts)
        .where(a.notice_id == ack.notice_id, a.state == "pending", a.channel != Channel.APP.value)
        .values(state="cancelled", detail="acknowledged before it was sent")
    )
    metrics.ACKS.labels(ack.channel.value, str(counted).lower()).inc()
    return counted
