"""The escalation ladder at work: finds due deadlines in the database and takes the step.

Each notice that asks for an ack has one ``dispatch_escalations`` row: the next step and
when it is due. The scheduler only wakes :meth:`Escalator.run_due`; it claims due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas share the work), and in the same
transaction queues the step's messages as ``pending`` attempts, writes the
``sanfang.escalations`` events and moves the row to its next step. The couriers then
send the messages; an ack recorded meanwhile cancels them (see ``courier``). A restart
finds the rows where they were: deadlines survive crashes, and a step is taken once.

>>> async def demo(escalator: Escalator) -> None:  # doctest: +SKIP
...     steps_taken = await escalator.run_due()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.directory import Person, Role
from schemas.envelope import derived_id
from schemas.notices import AppNotice, Channel, Escalation, NoticeChange
from schemas.responses import Level
from services.core import metrics, tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.ladder import Action, Ladder
from services.dispatch.domain.reminders import Message, Reminder, plan_step
from services.dispatch.domain.templates import manual_subject
from services.dispatch.links import AckLinks

__all__ = ["Escalator"]

log = logging.getLogger(__name__)
_E = dispatch_tables.escalations.c


class Escalator:
    """Takes the due steps of the ladder."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        ladder: Ladder,
        directory: Callable[[], Directory],
        links: AckLinks,
        *,
        on_queued: Callable[[], None] = lambda: None,
        batch: int = 500,
    ) -> None:
        self._outbox = outbox
        self._clock = clock
        self.ladder = ladder
        self._directory = directory
        self._links = links
        self.on_queued = on_queued
        self._batch = batch

    async def run_due(self) -> int:
        """Take every step due by now; returns how many were taken."""
        total = 0
        while taken := await self._run_batch():
            total += taken
        return total

    async def _run_batch(self) -> int:
        now = self._clock.now()
        n = tables.notices.c
        query = (
            select(
                _E.notice_id,
                _E.person_id,
                _E.step,
                _E.started_at,
                n.response_id,
                n.change,
                n.level,
                n.drill,
                n.ack_by,
                n.acked_at,
            )
            .join(tables.notices, n.notice_id == _E.notice_id)
            .where(_E.state == "waiting", _E.due_at <= now)
            .order_by(_E.due_at, _E.notice_id)
            .limit(self._batch)
        )
        directory = self._directory()
        async with self._outbox.transaction() as tx:
            if tx.dialect.name == "postgresql":
                query = query.with_for_update(of=dispatch_tables.escalations, skip_locked=True)
            rows = (await tx.execute(query)).all()
            if not rows:
                return 0
            subjects = await _manual_subjects(
                tx, [row.notice_id for row in rows if row.change == NoticeChange.MANUAL.value]
            )
            events: list[Escalation] = []
            messages: list[tuple[str, str, int, Message]] = []
            moves = _Moves()
            for row in rows:
                if row.acked_at is not None or row.step >= len(self.ladder.steps):
                    moves.add(row.notice_id, state="stopped" if row.acked_at else "done", step=row.step)
                    continue
                if not directory.has_person(row.person_id):
                    moves.add(row.notice_id, state="done", step=row.step)
                    continue
                person = directory.person(row.person_id)
                actions = self.ladder.steps[row.step].actions
                ack_url = self._links.url(person.person_id, row.notice_id, row.ack_by) if row.ack_by else None
                reminder = Reminder(
                    row.notice_id,
                    person,
                    Level(row.level),
                    row.drill,
                    ack_url,
                    subject=subjects.get(row.notice_id),
                )
                planned = plan_step(reminder, directory, row.step, actions)
                messages += [(row.notice_id, row.person_id, row.step + 1, m) for m in planned]
                events += [
                    _event(row.notice_id, row.response_id, row.step + 1, action, person, directory, now)
                    for action in actions
                ]
                due = self.ladder.due(row.started_at, row.step + 1)
                if due is None:
                    moves.add(row.notice_id, state="done", step=row.step + 1)
                else:
                    # A step overdue by more than the ladder's gap (after downtime) is not
                    # skipped: the next one follows at the next tick, in order.
                    moves.add(row.notice_id, state="waiting", step=row.step + 1, due_at=max(due, now))
            for (state, step, due_at), notice_ids in moves.groups.items():
                values: dict[str, object] = {"state": state, "step": step, "updated_at": now}
                if due_at is not None:
                    values["due_at"] = due_at
                await tx.execute(
                    update(dispatch_tables.escalations).where(_E.notice_id.in_(notice_ids)).values(**values)
                )
            if messages:
                await tx.execute(
                    insert_ignore(dispatch_tables.attempts, tx.dialect.name),
                    [
                        _attempt(notice_id, person_id, step, m, now)
                        for notice_id, person_id, step, m in messages
                    ],
                )
            await self._outbox.add(tx, events)
        for event in events:
            metrics.ESCALATIONS.labels(event.action).inc()
        if messages:
            self.on_queued()
        log.info("escalation: %d steps taken, %d messages queued", len(rows), len(messages))
        return len(rows)


async def _manual_subjects(tx: AsyncConnection, notice_ids: list[str]) -> dict[str, str]:
    """The titles of manual notices (the notices table keeps no title; the app push of each,
    in ``attempts``, is the notice itself as an ``AppNotice``), without the marks in front."""
    if not notice_ids:
        return {}
    a = dispatch_tables.attempts.c
    rows = await tx.execute(
        select(a.notice_id, a.body).where(
            a.notice_id.in_(notice_ids), a.channel == Channel.APP.value, a.step == 0
        )
    )
    return {row.notice_id: manual_subject(AppNotice.model_validate_json(row.body).title) for row in rows}


class _Moves:
    """Where each escalation row goes next, grouped so that one UPDATE moves many rows."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, int, datetime | None], list[str]] = {}

    def add(self, notice_id: str, *, state: str, step: int, due_at: datetime | None = None) -> None:
        self.groups.setdefault((state, step, due_at), []).append(notice_id)


def _event(
    notice_id: str,
    response_id: str,
    step: int,
    action: Action,
    person: Person,
    directory: Directory,
    now: datetime,
) -> Escalation:
    """The ``sanfang.escalations`` event of one action; ``step`` counts from 1."""
    target: str | None = None
    if action is Action.DEPUTY:
        target = person.deputy_id
    elif action is Action.UNIT_LEADER:
        leaders = [p.person_id for p in directory.persons_of(person.unit_id) if p.role is Role.UNIT_LEADER]
        target = leaders[0] if leaders else None
    elif action in (Action.SMS, Action.VOICE):
        target = person.person_id
    return Escalation(
        event_id=derived_id("escalation", notice_id, str(step), action.value),
        occurred_at=now,
        causation_id=notice_id,
        notice_id=notice_id,
        person_id=person.person_id,
        response_id=response_id,
        step=step,
        action=action.value,
        target_person_id=target,
    )


def _attempt(notice_id: str, person_id: str, step: int, m: Message, now: datetime) -> dict[str, object]:
    return dispatch_tables.pending_attempt(
        m.ref,
        notice_id,
        person_id,
        target_person_id=m.target_person_id,
        channel=m.channel.value,
        action=m.action.value,
        address=m.address,
        body=m.text,
        step=step,
        now=now,
    )
