"""What comes back from the channels: delivery receipts, SMS replies, voice keypresses, app acks.

An SMS reply of "1" (half- or full-width) from a person's phone acknowledges their
latest notice still waiting for an ack; keypress 1 on a call acknowledges the notice
the call was about, if the call was to that person. Receipts are recorded as deliveries.

>>> is_yes("１ "), is_yes("10")
(True, False)
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from schemas.envelope import derived_id
from schemas.notices import Channel, Delivery, DeliveryStatus
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.acks import AckBook, AckOutcome
from services.dispatch.channels.contract import GatewayCallback

__all__ = ["Inbound", "is_yes"]

log = logging.getLogger(__name__)


def is_yes(text: str) -> bool:
    """Whether a reply means "1": received and acknowledged."""
    return text.strip().translate({0xFF11: "1"}) == "1"


class Inbound:
    """Handles the gateway's callbacks."""

    def __init__(self, outbox: Outbox, clock: Clock, book: AckBook) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock
        self._book = book

    async def handle(self, channel: Channel, callback: GatewayCallback) -> AckOutcome | None:
        """Apply one callback; returns the ack it made, if any."""
        if callback.type == "receipt" and callback.ref:
            await self._receipt(channel, callback.ref, callback.status or "delivered", callback.detail)
            return None
        if callback.type == "reply" and callback.sender and channel is Channel.SMS and is_yes(callback.text):
            return await self._reply(callback.sender)
        if (
            callback.type == "keypress"
            and callback.ref
            and channel is Channel.VOICE
            and is_yes(callback.digits)
        ):
            return await self._keypress(callback.ref)
        return None

    async def _attempt(self, ref: str) -> tuple[str, str, str | None] | None:
        a = dispatch_tables.attempts.c
        async with self._store.read() as conn:
            row = (
                await conn.execute(select(a.notice_id, a.person_id, a.target_person_id).where(a.ref == ref))
            ).one_or_none()
        return None if row is None else (row.notice_id, row.person_id, row.target_person_id)

    async def _receipt(self, channel: Channel, ref: str, status: str, detail: str) -> None:
        found = await self._attempt(ref)
        if found is None:
            log.warning("receipt for unknown message %s", ref)
            return
        notice_id, person_id, _ = found
        ok = status in ("delivered", "answered")
        now = self._clock.now()
        async with self._outbox.transaction() as tx:
            n = tables.notices.c
            response_id = (
                await tx.execute(select(n.response_id).where(n.notice_id == notice_id))
            ).scalar_one()
            delivery = Delivery(
                event_id=derived_id("receipt", ref, status),
                occurred_at=now,
                causation_id=notice_id,
                notice_id=notice_id,
                person_id=person_id,
                response_id=response_id,
                channel=channel,
                status=DeliveryStatus.DELIVERED if ok else DeliveryStatus.FAILED,
                detail=(f"gateway receipt: {status} {detail}").strip()[:500],
            )
            await tx.execute(
                insert_ignore(tables.deliveries, tx.dialect.name).values(
                    delivery_id=delivery.event_id,
                    notice_id=notice_id,
                    channel=channel.value,
                    status=delivery.status.value,
                    attempt=1,
                    at=now,
                    detail=delivery.detail,
                )
            )
            await self._outbox.add(tx, [delivery])

    async def _reply(self, phone: str) -> AckOutcome | None:
        p, n = tables.persons.c, tables.notices.c
        async with self._store.read() as conn:
            row = (
                await conn.execute(
                    select(n.notice_id, n.person_id)
                    .join(tables.persons, p.person_id == n.person_id)
                    .where(p.phone == phone, n.ack_by.is_not(None), n.acked_at.is_(None))
                    .order_by(n.created_at.desc(), n.notice_id)
                    .limit(1)
                )
            ).one_or_none()
        if row is None:
            log.info("an SMS reply from a number with no notice waiting")
            return None
        return await self._book.record(row.notice_id, Channel.SMS, person_id=row.person_id)

    async def _keypress(self, ref: str) -> AckOutcome | None:
        found = await self._attempt(ref)
        if found is None:
            return None
        notice_id, person_id, target = found
        if target != person_id:
            return None  # a call to the deputy or a leader does not acknowledge for the person
        return await self._book.record(notice_id, Channel.VOICE, person_id=person_id)
