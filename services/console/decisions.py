"""Officers' decisions: confirm or reject a proposal, set a level by hand, end a response.

Each decision is checked against the response's state and the officer's role, then
published to the rules as a command on ``sanfang.commands`` through the outbox, with its
audit line in the same transaction. A level I decision takes effect only when a second,
different commander makes the same decision within ``approval_minutes``.

>>> async def demo(decisions: Decisions, caller: Caller) -> None:  # doctest: +SKIP
...     out = await decisions.confirm("r-123", "会商同意", caller)
...     out.status   # 'published', or 'awaiting_second_officer' for level I
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.commands import Command, ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.console import ApprovalPublic, DecisionOut, LevelIn, Permission
from schemas.envelope import new_id
from schemas.responses import Level
from services.console import tables as console_tables
from services.core import tables
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.web.audit import record
from services.web.auth import Caller
from services.web.errors import Conflict, NotFound
from services.web.roles import needs_commander, needs_two_officers

__all__ = ["Decisions"]


class Decisions:
    """Turns officers' decisions into commands for the rules."""

    def __init__(self, outbox: Outbox, clock: Clock, *, approval_minutes: int = 30) -> None:
        self._outbox = outbox
        self._clock = clock
        self._approval = timedelta(minutes=approval_minutes)

    async def confirm(self, response_id: str, note: str, caller: Caller) -> DecisionOut:
        """Confirm the pending proposal of ``response_id``."""
        async with self._outbox.transaction() as tx:
            row = await _proposal(tx, response_id)
            level = Level(row["level"])
            _check_level(caller, level, "confirm")
            # Both commanders of a level I must confirm the same proposal, not a replaced one.
            subject = f"{response_id}:{row['last_event_id']}"
            officers = await self._second_officer(
                tx, caller, "proposal.confirm", subject, level, {"note": note}
            )
            if officers is None:
                return await self._awaiting(
                    tx, caller, "proposal.confirm", subject, f"response:{response_id}", _state(row)
                )
            command = ProposalConfirmed(
                event_id=new_id(),
                occurred_at=self._clock.now(),
                response_id=response_id,
                proposal_event_id=row["last_event_id"],  # the rules ignore it if replaced meanwhile
                officer="+".join(officers),
                note=note,
            )
            return await self._publish(tx, caller, command, f"response:{response_id}", _state(row), officers)

    async def reject(self, response_id: str, note: str, caller: Caller) -> DecisionOut:
        """Reject the pending proposal of ``response_id``; the rules do not raise it again."""
        async with self._outbox.transaction() as tx:
            row = await _proposal(tx, response_id)
            _check_level(caller, Level(row["level"]), "reject")
            command = ProposalRejected(
                event_id=new_id(),
                occurred_at=self._clock.now(),
                response_id=response_id,
                proposal_event_id=row["last_event_id"],
                officer=caller.officer.username,
                note=note,
            )
            officers = (caller.officer.username,)
            return await self._publish(tx, caller, command, f"response:{response_id}", _state(row), officers)

    async def set_level(self, body: LevelIn, caller: Caller) -> DecisionOut:
        """Activate the scope at ``body.level``, or change its running level, by hand."""
        scope = body.scope()
        async with self._outbox.transaction() as tx:
            r = tables.responses.c
            running = (
                (
                    await tx.execute(
                        select(r.response_id, r.level, r.state).where(
                            r.scope_key == scope.key, r.state == "active", r.drill.is_(False)
                        )
                    )
                )
                .mappings()
                .all()
            )
            highest = max([Level(row["level"]) for row in running] + [body.level])
            _check_level(caller, highest, "set this level")
            subject = f"{scope.key}:{body.level.value}"
            officers = await self._second_officer(
                tx, caller, "level.set", subject, body.level, body.model_dump(mode="json")
            )
            before = {"running": [dict(row) for row in running]}
            if officers is None:
                return await self._awaiting(tx, caller, "level.set", subject, f"scope:{scope.key}", before)
            command = ManualLevelSet(
                event_id=new_id(),
                occurred_at=self._clock.now(),
                scope=scope,
                level=body.level,
                officer="+".join(officers),
                reason=body.reason,
            )
            return await self._publish(tx, caller, command, f"scope:{scope.key}", before, officers)

    async def end(self, response_id: str, reason: str, caller: Caller) -> DecisionOut:
        """End the active response ``response_id`` by hand."""
        async with self._outbox.transaction() as tx:
            row = await _response(tx, response_id)
            if row["state"] != "active":
                raise Conflict(f"response {response_id} is {row['state']}, not active")
            _check_level(caller, Level(row["level"]), "end this response")
            command = ManualEnd(
                event_id=new_id(),
                occurred_at=self._clock.now(),
                response_id=response_id,
                officer=caller.officer.username,
                reason=reason,
            )
            officers = (caller.officer.username,)
            return await self._publish(tx, caller, command, f"response:{response_id}", _state(row), officers)

    async def approvals(self) -> list[ApprovalPublic]:
        """Level I decisions waiting for a second commander."""
        a = console_tables.approvals.c
        now = self._clock.now()
        async with self._outbox.store.read() as conn:
            rows = (
                (
                    await conn.execute(
                        select(console_tables.approvals)
                        .where(a.completed_at.is_(None), a.expires_at > now)
                        .order_by(a.requested_at)
                    )
                )
                .mappings()
                .all()
            )
        return [
            ApprovalPublic(
                **{k: row[k] for k in ApprovalPublic.model_fields if k != "detail"},
                detail=json.loads(row["payload"]),
            )
            for row in rows
        ]

    async def _second_officer(
        self,
        tx: AsyncConnection,
        caller: Caller,
        action: str,
        subject: str,
        level: Level,
        detail: dict[str, Any],
    ) -> tuple[str, ...] | None:
        """The officers a decision carries, or None when it must wait for a second commander."""
        me = caller.officer.username
        if not needs_two_officers(level):
            return (me,)
        a = console_tables.approvals.c
        now = self._clock.now()
        waiting = (
            (
                await tx.execute(
                    select(a.approval_id, a.requested_by).where(
                        a.action == action, a.subject == subject, a.completed_at.is_(None), a.expires_at > now
                    )
                )
            )
            .mappings()
            .first()
        )
        if waiting is None:
            await tx.execute(
                console_tables.approvals.insert().values(
                    approval_id=new_id(),
                    action=action,
                    subject=subject,
                    payload=json.dumps(detail, ensure_ascii=False),
                    requested_by=me,
                    requested_at=now,
                    expires_at=now + self._approval,
                )
            )
            return None
        if waiting["requested_by"] == me:
            raise Conflict("a level I decision needs a second, different commander; you already made it")
        await tx.execute(
            update(console_tables.approvals)
            .where(a.approval_id == waiting["approval_id"])
            .values(completed_by=me, completed_at=now)
        )
        return (waiting["requested_by"], me)

    async def _awaiting(
        self,
        tx: AsyncConnection,
        caller: Caller,
        action: str,
        subject: str,
        target: str,
        before: dict[str, Any],
    ) -> DecisionOut:
        a = console_tables.approvals.c
        approval_id = (
            await tx.execute(
                select(a.approval_id).where(
                    a.action == action, a.subject == subject, a.completed_at.is_(None)
                )
            )
        ).scalar_one()
        await record(
            tx,
            caller.actor,
            action,
            target,
            self._clock.now(),
            before=before,
            after={"status": "awaiting_second_officer", "approval_id": approval_id},
        )
        return DecisionOut(
            status="awaiting_second_officer", approval_id=approval_id, officers=(caller.officer.username,)
        )

    async def _publish(
        self,
        tx: AsyncConnection,
        caller: Caller,
        command: Command,
        target: str,
        before: dict[str, Any],
        officers: tuple[str, ...],
    ) -> DecisionOut:
        await self._outbox.add(tx, [command])
        action = {
            "command.proposal_confirmed": "proposal.confirm",
            "command.proposal_rejected": "proposal.reject",
            "command.manual_level_set": "level.set",
            "command.manual_end": "response.end",
        }[command.kind]
        after = {"command": command.kind, "command_id": command.event_id, "officers": list(officers)}
        after.update(command.model_dump(mode="json", include={"note", "reason", "level", "scope"}))
        await record(tx, caller.actor, action, target, self._clock.now(), before=before, after=after)
        return DecisionOut(status="published", command_id=command.event_id, officers=officers)


def _check_level(caller: Caller, level: Level, what: str) -> None:
    if needs_commander(level):
        caller.need(Permission.DECIDE_HIGH, f"{what} at level {level.value}: that is a commander's decision")


def _state(row: Any) -> dict[str, Any]:
    return {"state": row["state"], "level": row["level"]}


async def _response(tx: AsyncConnection, response_id: str) -> Any:
    r = tables.responses.c
    row = (
        (
            await tx.execute(
                select(r.response_id, r.state, r.level, r.last_event_id).where(r.response_id == response_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no response {response_id!r}")
    return row


async def _proposal(tx: AsyncConnection, response_id: str) -> Any:
    row = await _response(tx, response_id)
    if row["state"] != "proposed":
        raise Conflict(f"response {response_id} is {row['state']}: there is no proposal to decide")
    return row
