"""The audit log: who did what, when, from where, with the state before and after.

Rows are only ever inserted, in the same transaction as the action they record (so an
action and its audit line commit together or not at all); the database refuses UPDATE and
DELETE on the table (triggers of migration ``0004_console``).

>>> async def demo(tx: AsyncConnection, actor: Actor, now: datetime) -> None:  # doctest: +SKIP
...     await record(tx, actor, "proposal.confirm", "response:r1", now,
...                  before={"state": "proposed"}, after={"command": "c1"})
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.console import AuditEntry
from services.core.clock import BEIJING
from services.core.store import Store
from services.web import tables

__all__ = ["CSV_COLUMNS", "Actor", "AuditFilter", "query", "record", "to_csv"]

CSV_COLUMNS = (
    "seq",
    "at",
    "actor",
    "actor_name",
    "role",
    "action",
    "target",
    "source_ip",
    "before",
    "after",
    "outcome",
)


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where: an officer's session, or the command line."""

    username: str
    display_name: str
    role: str
    source_ip: str


@dataclass(frozen=True)
class AuditFilter:
    """Which lines to read; every field narrows the result."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 1000


async def record(
    tx: AsyncConnection,
    actor: Actor,
    action: str,
    target: str,
    at: datetime,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    """Append one line, inside the caller's transaction."""
    await tx.execute(
        tables.audit_log.insert().values(
            at=at,
            actor=actor.username,
            actor_name=actor.display_name,
            role=actor.role,
            action=action,
            target=target[:200],
            source_ip=actor.source_ip[:64],
            before=json.dumps(before or {}, ensure_ascii=False, default=str),
            after=json.dumps(after or {}, ensure_ascii=False, default=str),
            outcome=outcome,
        )
    )


async def query(store: Store, wanted: AuditFilter) -> list[AuditEntry]:
    """Lines matching ``wanted``, oldest first (the order things happened in)."""
    a = tables.audit_log.c
    statement = select(tables.audit_log).order_by(a.seq).limit(wanted.limit)
    if wanted.actor:
        statement = statement.where(a.actor == wanted.actor)
    if wanted.action:
        # "proposal" finds proposal.confirm and proposal.reject
        statement = statement.where(a.action.startswith(wanted.action, autoescape=True))
    if wanted.target:
        statement = statement.where(a.target == wanted.target)
    if wanted.since:
        statement = statement.where(a.at >= wanted.since)
    if wanted.until:
        statement = statement.where(a.at < wanted.until)
    async with store.read() as conn:
        rows = (await conn.execute(statement)).mappings().all()
    return [
        AuditEntry(**{**row, "before": json.loads(row["before"]), "after": json.loads(row["after"])})
        for row in rows
    ]


def to_csv(entries: Sequence[AuditEntry]) -> str:
    """The lines as CSV (UTF-8, times in Beijing time), for a spreadsheet or an archive.

    Cells starting with ``= + - @`` are prefixed with a quote so a spreadsheet never runs
    them as formulas.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.seq,
                entry.at.astimezone(BEIJING).isoformat(),
                *(_cell(v) for v in (entry.actor, entry.actor_name, entry.role, entry.action, entry.target)),
                entry.source_ip,
                _cell(json.dumps(entry.before, ensure_ascii=False)),
                _cell(json.dumps(entry.after, ensure_ascii=False)),
                entry.outcome,
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
