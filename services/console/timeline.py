"""The timeline of one response, for its board: the signals that caused it, proposals (and
why one was closed), each change with its notices (how many, when the first was created and
sent, how many acknowledged), and the escalation steps reached.

Built from the tables the services keep (``responses``, ``rules_warnings``,
``rules_proposals``, ``notices``, ``dispatch_escalations``); the board's SSE stream tells
the page when to read it again.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     [line.what for line in await response_timeline(store, "r-123")]
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select

from schemas.responses import Explanation
from services.core import tables
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from services.rules.proposals import proposals
from services.rules.tables import received_warnings
from services.web.errors import NotFound

__all__ = ["TimelineLine", "response_timeline"]

_CHANGES = {"activated": "启动 Activated", "level_changed": "级别变化 Level changed", "ended": "结束 Ended"}


class TimelineLine(BaseModel):
    """One moment of a response."""

    at: datetime
    kind: str
    what: str


async def response_timeline(store: Store, response_id: str) -> list[TimelineLine]:
    """Every moment of ``response_id`` the services recorded, oldest first."""
    r, p, n, w = tables.responses.c, proposals.c, tables.notices.c, received_warnings.c
    e = dispatch_tables.escalations.c
    async with store.read() as conn:
        row = (
            (await conn.execute(select(tables.responses).where(r.response_id == response_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"no response {response_id!r}")
        why = Explanation.model_validate_json(row["explanation"])
        raised = (
            await conn.execute(
                select(p.raised_at, p.closed_at, p.closed_reason)
                .where(p.response_id == response_id)
                .order_by(p.raised_at)
            )
        ).all()
        signal_ids = set(why.inputs)
        for prior in (
            await conn.execute(select(p.prior_explanation).where(p.response_id == response_id))
        ).scalars():
            if prior:
                signal_ids |= set(Explanation.model_validate_json(prior).inputs)
        signals = (
            await conn.execute(
                select(w.issued_at, w.headline, w.hazard, w.colour, w.action).where(
                    w.event_id.in_(signal_ids)
                )
            )
        ).all()
        changes = (
            await conn.execute(
                select(
                    n.change,
                    n.level,
                    func.count(),
                    func.min(n.created_at),
                    func.min(n.sent_at),
                    func.max(n.sent_at),
                    func.count(n.acked_at),
                )
                .where(n.response_id == response_id)
                .group_by(n.response_event_id, n.change, n.level)
                .order_by(func.min(n.created_at))
            )
        ).all()
        steps = (
            await conn.execute(
                select(e.step, func.count(), func.min(e.updated_at))
                .where(e.response_id == response_id, e.step > 0)
                .group_by(e.step)
            )
        ).all()
    lines = [
        TimelineLine(
            at=s.issued_at,
            kind="signal",
            what=f"信号 Signal: {s.headline or s.hazard} {s.colour or ''} {s.action}",
        )
        for s in signals
    ]
    for at, closed_at, reason in raised:
        lines.append(TimelineLine(at=at, kind="proposal", what="提请 Proposed"))
        if closed_at is not None:
            lines.append(
                TimelineLine(at=closed_at, kind="closed", what=f"提请已关闭 Proposal closed: {reason}")
            )
    lines.append(TimelineLine(at=row["started_at"], kind="start", what=f"开始 Started · {why.summary[:160]}"))
    for change, level, count, created, first_sent, last_sent, acked in changes:
        spread = (last_sent - first_sent).total_seconds() if first_sent and last_sent else None
        sent = f" · 发送用时 sent within {spread:.1f} s" if spread is not None else ""
        lines.append(
            TimelineLine(
                at=created,
                kind="notices",
                what=f"{_CHANGES.get(change, change)} {level}: 通知 {count} 人 notices{sent}"
                f" · 已确认 {acked} acked",
            )
        )
    for step, count, at in sorted(steps):
        lines.append(
            TimelineLine(at=at, kind="escalation", what=f"升级第{step}步 Escalation step {step}: {count} 人")
        )
    if row["ended_at"] is not None:
        lines.append(TimelineLine(at=row["ended_at"], kind="end", what=f"结束 Ended ({row['state']})"))
    return sorted(lines, key=lambda line: line.at)
