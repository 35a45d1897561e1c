"""The dispatch service: turns response changes into notices, pushes them, records acks.

One consumer group (``dispatch``) over three topics; each step is idempotent:
- from ``sanfang.responses``: one notice per person per change (rows and
  ``sanfang.notices`` events in one transaction);
- from ``sanfang.notices``: publish each over MQTT, record the delivery (``sanfang.deliveries``);
- from ``sanfang.acks``: record the first ack of each notice, keep the later ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from schemas.envelope import derived_id
from schemas.notices import Acknowledgement, Channel, Delivery, DeliveryStatus, Notice
from schemas.responses import ResponseActivated, ResponseEnded, ResponseLevelChanged
from schemas.topics import Topic
from services.core import metrics, tables
from services.core.bus import Bus, ConsumerLoop, Received
from services.core.clock import Clock
from services.core.idempotency import claim
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.notices import build_notices
from services.dispatch.domain.targeting import TargetingPolicy
from services.dispatch.push import MqttPush, PushError

__all__ = ["Dispatch"]

log = logging.getLogger(__name__)

Change = ResponseActivated | ResponseLevelChanged | ResponseEnded


class Dispatch:
    """Notices, their push delivery and their acknowledgements."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        directory: Directory,
        *,
        policy: TargetingPolicy,
        ack_minutes: int,
        public_url: str,
    ) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock
        self.directory = directory
        self._policy = policy
        self._ack_minutes = ack_minutes
        self._public_url = public_url

    def consumer(self, bus: Bus, push: MqttPush) -> ConsumerLoop:
        """Dispatch's one consumer group, over responses, notices and acks."""

        async def handle(batch: Sequence[Received]) -> None:
            await self.on_responses(batch)
            await self.on_notices(batch, push)
            await self.on_acks(batch)

        return ConsumerLoop(
            bus,
            group="dispatch",
            topics=[Topic.RESPONSES, Topic.NOTICES, Topic.ACKS],
            handler=handle,
            max_batch=1000,
        )

    async def on_responses(self, batch: Sequence[Received]) -> None:
        """Write the notices of each response change, once."""
        changes = [item.event for item in batch if isinstance(item.event, Change)]
        if not changes:
            return
        async with self._outbox.transaction() as tx:
            for change in await claim(tx, "dispatch-responses", changes, self._clock.now()):
                notices = build_notices(
                    change,
                    self.directory,
                    self._policy,
                    ack_minutes=self._ack_minutes,
                    public_url=self._public_url,
                    hazard_text=change.explanation.summary,
                )
                rows = [_notice_row(notice, self._clock.now()) for notice in notices]
                if rows:
                    await tx.execute(insert_ignore(tables.notices, tx.dialect.name), rows)
                await self._outbox.add(tx, notices)
                metrics.NOTICES.labels(notices[0].change.value if notices else "none").inc(len(notices))
                log.info("response %s %s: %d notices", change.response_id, change.kind, len(notices))

    async def on_notices(self, batch: Sequence[Received], push: MqttPush) -> None:
        """Publish notices not yet delivered, then record each delivery."""
        notices = [item.event for item in batch if isinstance(item.event, Notice)]
        if not notices:
            return
        n = tables.notices.c
        async with self._store.read() as conn:
            done = set(
                (
                    await conn.execute(
                        select(n.notice_id).where(
                            n.notice_id.in_([x.event_id for x in notices]), n.delivered_at.is_not(None)
                        )
                    )
                ).scalars()
            )
        pending = [notice for notice in notices if notice.event_id not in done]
        if not pending:
            return
        results = await push.publish_many(pending)
        now = self._clock.now()
        deliveries = [_delivery(notice, error, now) for notice, error in zip(pending, results, strict=True)]
        delivered = [d.notice_id for d in deliveries if d.status is DeliveryStatus.DELIVERED]
        async with self._outbox.transaction() as tx:
            if delivered:
                await tx.execute(
                    update(tables.notices)
                    .where(n.notice_id.in_(delivered), n.delivered_at.is_(None))
                    .values(sent_at=now, delivered_at=now)
                )
            await tx.execute(
                insert_ignore(tables.deliveries, tx.dialect.name),
                [
                    {
                        "delivery_id": d.event_id,
                        "notice_id": d.notice_id,
                        "channel": d.channel.value,
                        "status": d.status.value,
                        "attempt": d.attempt,
                        "at": d.occurred_at,
                        "detail": d.detail,
                    }
                    for d in deliveries
                ],
            )
            await self._outbox.add(tx, deliveries)
        metrics.MQTT_PUBLISHED.inc(len(delivered))
        failed = len(deliveries) - len(delivered)
        if failed:
            # Left undelivered: raising makes the consumer retry the batch after a backoff.
            raise PushError(f"{failed} of {len(deliveries)} app pushes failed")

    async def on_acks(self, batch: Sequence[Received]) -> None:
        """Record acknowledgements; the first one of a notice counts, later ones are kept."""
        acks = [item.event for item in batch if isinstance(item.event, Acknowledgement)]
        if not acks:
            return
        n = tables.notices.c
        async with self._outbox.transaction() as tx:
            for ack in await claim(tx, "dispatch-acks", acks, self._clock.now()):
                result = await tx.execute(
                    update(tables.notices)
                    .where(n.notice_id == ack.notice_id, n.acked_at.is_(None))
                    .values(acked_at=ack.received_at, ack_channel=ack.channel.value)
                )
                counted = result.rowcount == 1
                await tx.execute(
                    insert_ignore(tables.acks, tx.dialect.name).values(
                        ack_id=ack.event_id,
                        notice_id=ack.notice_id,
                        person_id=ack.person_id,
                        channel=ack.channel.value,
                        received_at=ack.received_at,
                        counted=counted,
                        on_behalf_by=ack.on_behalf_by,
                        reason=ack.reason,
                    )
                )
                metrics.ACKS.labels(ack.channel.value, str(counted).lower()).inc()


def _notice_row(notice: Notice, now: datetime) -> dict[str, object]:
    return {
        "notice_id": notice.event_id,
        "response_id": notice.response_id,
        "response_event_id": notice.response_event_id,
        "person_id": notice.person_id,
        "unit_id": notice.unit_id,
        "change": notice.change.value,
        "level": notice.level.value,
        "drill": notice.drill,
        "created_at": now,
        "ack_by": notice.ack_by,
    }


def _delivery(notice: Notice, error: PushError | None, now: datetime) -> Delivery:
    status = DeliveryStatus.DELIVERED if error is None else DeliveryStatus.FAILED
    return Delivery(
        event_id=derived_id("delivery", notice.event_id, "app", status.value, now.isoformat()),
        occurred_at=now,
        correlation_id=notice.correlation_id,
        causation_id=notice.event_id,
        notice_id=notice.event_id,
        person_id=notice.person_id,
        response_id=notice.response_id,
        channel=Channel.APP,
        status=status,
        detail="accepted by the push broker (MQTT PUBACK)" if error is None else str(error)[:500],
    )
