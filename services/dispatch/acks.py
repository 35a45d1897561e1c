"""Recording acknowledgements: one function for every channel, the first ack counts.

Every way a person acknowledges (the app over HTTP or MQTT, an SMS reply, a voice
keypress, the ack link) and a duty officer acknowledging on their behalf ends in
:meth:`AckBook.record`. In one transaction it marks the notice acknowledged, keeps the
ack row, stops that person's escalation for the notice, and queues the ``sanfang.acks``
event. Only the first ack of a notice does any of that: a repeat (an app retrying, a
replayed token, a second reply) is answered like the first, with the first's ack id, and
writes nothing, so a token replayed a thousand times costs no row and no event. Because it
locks the notice row first, an ack waits for a reminder being sent that very moment
and vice versa: no reminder is ever sent after an ack was recorded.

Acks that arrive while a transaction is being written wait for it and then go in the
next one together (group commit): a burst of 3,183 acks costs a few dozen commits, not
3,183, and a lone ack goes in at once. Each caller still gets its own answer — its
outcome, or the :class:`UnknownNotice` / :class:`AckRefused` that concerns it alone.

>>> async def demo(book: AckBook) -> None:  # doctest: +SKIP
...     outcome = await book.record("n-1", Channel.APP)
...     outcome = await book.on_behalf("n-1", officer="duty-wang", reason="电话确认已收到")
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import derived_id, new_id
from schemas.notices import Acknowledgement, Channel
from services.core import metrics, tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.errors import AckRefused, UnknownNotice

__all__ = ["AckBook", "AckOutcome", "NoticeRow", "acknowledgement", "apply_ack", "apply_acks"]


@dataclass(frozen=True)
class AckOutcome:
    """What happened to an acknowledgement: ``counted`` is false for a repeat."""

    ack_id: str
    notice_id: str
    person_id: str
    counted: bool


@dataclass(frozen=True)
class _Asked:
    """One call of :meth:`AckBook.record`, waiting for the transaction that writes it."""

    notice_id: str
    channel: Channel
    person_id: str | None
    on_behalf_by: str | None
    reason: str
    answer: asyncio.Future[AckOutcome]


class AckBook:
    """Records acknowledgements of notices, a burst of them in one transaction."""

    def __init__(self, outbox: Outbox, clock: Clock, *, max_batch: int = 500) -> None:
        self._outbox = outbox
        self._clock = clock
        self._max_batch = max_batch
        self._waiting: list[_Asked] = []
        self._writer: asyncio.Task[None] | None = None

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

        Returns once the ack is committed. Raises :class:`UnknownNotice` or :class:`AckRefused`.
        """
        answer: asyncio.Future[AckOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Asked(notice_id, channel, person_id, on_behalf_by, reason, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="ack-writer")
        # A caller that goes away (a dropped HTTP request) leaves its ack to be written.
        return await asyncio.shield(answer)

    async def _write_waiting(self) -> None:
        """Write what waits, a batch a transaction, until nothing waits."""
        batch: list[_Asked] = []
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    answers = await self._write(batch)
                except Exception as exc:  # noqa: BLE001 - each caller raises it: none was recorded
                    answers = [exc] * len(batch)
                for asked, answer in zip(batch, answers, strict=True):
                    if asked.answer.done():
                        continue
                    if isinstance(answer, AckOutcome):
                        asked.answer.set_result(answer)
                    else:
                        asked.answer.set_exception(answer)
        finally:  # stopped while writing: whoever still waits, the batch in hand too, hears it
            for asked in [*batch, *self._waiting]:
                if not asked.answer.done():
                    asked.answer.cancel()
            self._waiting.clear()

    async def _write(self, batch: Sequence[_Asked]) -> list[AckOutcome | Exception]:
        answers: list[AckOutcome | Exception] = []
        acks: list[Acknowledgement] = []
        async with self._outbox.transaction() as tx:
            n = tables.notices.c
            wanted = sorted({asked.notice_id for asked in batch})  # one lock order for every writer
            query = (
                select(n.notice_id, n.person_id, n.response_id, n.acked_at)
                .where(n.notice_id.in_(wanted))
                .order_by(n.notice_id)
            )
            if tx.dialect.name == "postgresql":
                query = query.with_for_update()
            rows = {row.notice_id: row for row in (await tx.execute(query)).all()}
            # The ack that counted, of each notice acknowledged before: what a repeat is answered with.
            earlier = await _counted_acks(tx, [row.notice_id for row in rows.values() if row.acked_at])
            # Taken after the lock: the moment the acks are recorded, not when they were asked for.
            now = self._clock.now()
            writes: list[bool] = []  # whether each answer is of an ack this batch writes
            for asked in batch:
                writes.append(False)
                row = rows.get(asked.notice_id)
                if row is None:
                    answers.append(UnknownNotice(asked.notice_id))
                    continue
                if asked.person_id is not None and asked.person_id != row.person_id:
                    answers.append(AckRefused(f"notice {asked.notice_id} is not {asked.person_id}'s"))
                    continue
                if row.acked_at is not None or asked.notice_id in earlier:
                    # Acknowledged already (before, or earlier in this batch): nothing to write.
                    first = earlier.get(asked.notice_id) or derived_id("ack-of", asked.notice_id)
                    answers.append(AckOutcome(first, asked.notice_id, row.person_id, counted=False))
                    metrics.ACKS.labels(asked.channel.value, "false").inc()
                    continue
                ack = acknowledgement(
                    row, asked.channel, now, on_behalf_by=asked.on_behalf_by, reason=asked.reason
                )
                acks.append(ack)
                writes[-1] = True
                earlier[asked.notice_id] = ack.event_id
                answers.append(AckOutcome(ack.event_id, asked.notice_id, row.person_id, counted=False))
            counted = {
                ack.event_id for ack, first in zip(acks, await apply_acks(tx, acks), strict=True) if first
            }
            await self._outbox.add(tx, acks)
        return [
            replace(answer, counted=wrote and answer.ack_id in counted)
            if isinstance(answer, AckOutcome)
            else answer
            for answer, wrote in zip(answers, writes, strict=True)
        ]

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


async def _counted_acks(tx: AsyncConnection, notice_ids: Sequence[str]) -> dict[str, str]:
    """The id of the ack that counted, of each of ``notice_ids`` that has one."""
    if not notice_ids:
        return {}
    k = tables.acks.c
    rows = await tx.execute(
        select(k.notice_id, k.ack_id).where(k.notice_id.in_(sorted(notice_ids)), k.counted.is_(True))
    )
    return {row.notice_id: row.ack_id for row in rows}


class NoticeRow(Protocol):
    """What an ack needs of the notice it acknowledges (a row of ``notices``)."""

    @property
    def notice_id(self) -> str: ...
    @property
    def person_id(self) -> str: ...
    @property
    def response_id(self) -> str: ...


def acknowledgement(
    notice: NoticeRow, channel: Channel, at: datetime, *, on_behalf_by: str | None = None, reason: str = ""
) -> Acknowledgement:
    """A new ack of ``notice`` by ``channel``, recorded ``at`` (the one way acks are made)."""
    return Acknowledgement(
        event_id=new_id(),
        occurred_at=at,
        causation_id=notice.notice_id,
        notice_id=notice.notice_id,
        person_id=notice.person_id,
        response_id=notice.response_id,
        channel=channel,
        received_at=at,
        on_behalf_by=on_behalf_by,
        reason=reason,
    )


async def apply_ack(tx: AsyncConnection, ack: Acknowledgement) -> bool:
    """Apply one ack in ``tx``; see :func:`apply_acks`."""
    return (await apply_acks(tx, [ack]))[0]


async def apply_acks(tx: AsyncConnection, acks: Sequence[Acknowledgement]) -> list[bool]:
    """Apply ``acks`` in order in ``tx``, a few statements for the lot: the first ack of a
    notice counts (marks it acknowledged), every ack is kept, and each acknowledged person's
    escalation and unsent reminders stop. Idempotent by ack id: an ack applied before, or
    twice in ``acks``, changes nothing and is not counted. Returns whether each counted."""
    k, n = tables.acks.c, tables.notices.c
    known = set(
        (await tx.execute(select(k.ack_id).where(k.ack_id.in_({a.event_id for a in acks})))).scalars()
    )
    fresh: list[Acknowledgement] = []
    for ack in acks:
        if ack.event_id not in known:
            known.add(ack.event_id)
            fresh.append(ack)
    if not fresh:
        return [False] * len(acks)
    notice_ids = sorted({a.notice_id for a in fresh})  # one lock order for every writer
    query = select(n.notice_id).where(n.notice_id.in_(notice_ids), n.acked_at.is_(None)).order_by(n.notice_id)
    if tx.dialect.name == "postgresql":
        query = query.with_for_update()
    waiting = set((await tx.execute(query)).scalars())
    firsts: set[str] = set()
    for ack in fresh:
        if ack.notice_id in waiting:
            waiting.discard(ack.notice_id)
            firsts.add(ack.event_id)
    first_acks = [a for a in fresh if a.event_id in firsts]
    if first_acks:
        await tx.execute(
            update(tables.notices)
            .where(n.notice_id == bindparam("b_notice"), n.acked_at.is_(None))
            .values(acked_at=bindparam("b_at"), ack_channel=bindparam("b_channel")),
            [
                {"b_notice": a.notice_id, "b_at": a.received_at, "b_channel": a.channel.value}
                for a in first_acks
            ],
        )
    await tx.execute(
        insert_ignore(tables.acks, tx.dialect.name),
        [
            {
                "ack_id": a.event_id,
                "notice_id": a.notice_id,
                "person_id": a.person_id,
                "channel": a.channel.value,
                "received_at": a.received_at,
                "counted": a.event_id in firsts,
                "on_behalf_by": a.on_behalf_by,
                "reason": a.reason,
            }
            for a in fresh
        ],
    )
    e, t = dispatch_tables.escalations.c, dispatch_tables.attempts.c
    stopped_at: dict[str, datetime] = {}
    for ack in fresh:
        stopped_at.setdefault(ack.notice_id, ack.received_at)
    await tx.execute(
        update(dispatch_tables.escalations)
        .where(e.notice_id == bindparam("b_notice"), e.state == "waiting")
        .values(state="stopped", updated_at=bindparam("b_at")),
        [{"b_notice": notice_id, "b_at": at} for notice_id, at in sorted(stopped_at.items())],
    )
    await tx.execute(
        update(dispatch_tables.attempts)
        .where(t.notice_id.in_(notice_ids), t.state == "pending", t.channel != Channel.APP.value)
        .values(state="cancelled", detail="acknowledged before it was sent")
    )
    for ack in fresh:
        metrics.ACKS.labels(ack.channel.value, str(ack.event_id in firsts).lower()).inc()
    counted: list[bool] = []
    for ack in acks:
        counted.append(ack.event_id in firsts)
        firsts.discard(ack.event_id)  # the same ack twice in the list counts once
    return counted
