"""What the ``responses`` read model needs to close a proposal the rules dropped unanswered.

A proposal to change a running response is shown in place of that response (state
``proposed``); the row it replaced is kept here, so that when the proposal is overtaken
(signal cancelled, rain stopped, the response changed or ended) the response is shown as it
runs again, and the proposal is listed as closed with its reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, String, Table, Text, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.responses import Explanation, ResponseLevelChanged, ResponseProposed
from services.core import tables
from services.core.tables import Instant, metadata
from services.rules.domain.decisions import Overtaken

__all__ = ["close_overtaken", "proposals", "remember_change", "remember_proposal"]

proposals = Table(
    "rules_proposals",
    metadata,
    Column("proposal_event_id", String(64), primary_key=True),
    Column("response_id", String(64), nullable=False),
    Column("raised_at", Instant(), nullable=False),
    # The response row as it was before this proposal replaced it (null: a new response).
    Column("prior_state", String(16), nullable=True),
    Column("prior_level", String(8), nullable=True),
    Column("prior_event_id", String(64), nullable=True),
    Column("prior_explanation", Text, nullable=True),
    Column("closed_at", Instant(), nullable=True),
    Column("closed_reason", Text, nullable=True),
    Index("ix_rules_proposals_response", "response_id"),
    Index("ix_rules_proposals_closed", "closed_at"),
)


async def remember_proposal(tx: AsyncConnection, event: ResponseProposed, row: Any) -> None:
    """Keep what the response row showed before ``event`` replaces it (``row``: None if new)."""
    prior: dict[str, Any] = {}
    if row is not None and row["state"] == "active":
        prior = {
            "prior_state": "active",
            "prior_level": row["level"],
            "prior_event_id": row["last_event_id"],
            "prior_explanation": row["explanation"],
        }
    elif row is not None and row["state"] == "proposed":  # re-raised or replaced: carry it over
        p = proposals.c
        held = (
            (await tx.execute(select(proposals).where(p.proposal_event_id == row["last_event_id"])))
            .mappings()
            .first()
        )
        if held is not None:
            prior = {
                k: held[k] for k in ("prior_state", "prior_level", "prior_event_id", "prior_explanation")
            }
    values = {"response_id": event.response_id, "raised_at": event.occurred_at, **prior}
    exists = (
        await tx.execute(
            select(proposals.c.proposal_event_id).where(proposals.c.proposal_event_id == event.event_id)
        )
    ).first()
    if exists is None:
        await tx.execute(proposals.insert().values(proposal_event_id=event.event_id, **values))


async def remember_change(tx: AsyncConnection, proposal_event_id: str, event: ResponseLevelChanged) -> None:
    """The running response changed level while ``proposal_event_id`` is still shown."""
    await tx.execute(
        update(proposals)
        .where(proposals.c.proposal_event_id == proposal_event_id)
        .values(
            prior_state="active",
            prior_level=event.level.value,
            prior_event_id=event.event_id,
            prior_explanation=event.explanation.model_dump_json(),
        )
    )


async def close_overtaken(tx: AsyncConnection, closed: Overtaken, at: Any) -> None:
    """Show the response as it runs (or as closed, if none runs) and record why."""
    r, p = tables.responses.c, proposals.c
    reason = f"{closed.reason[0]} / {closed.reason[1]}"
    row = (
        (await tx.execute(select(tables.responses).where(r.response_id == closed.response_id)))
        .mappings()
        .first()
    )
    await tx.execute(
        update(proposals)
        .where(p.proposal_event_id.in_(closed.raised_ids), p.closed_at.is_(None))
        .values(closed_at=at, closed_reason=reason)
    )
    if row is None or row["state"] != "proposed" or row["last_event_id"] not in closed.raised_ids:
        return  # the row already shows something newer (an end, another proposal)
    held = (
        (await tx.execute(select(proposals).where(p.proposal_event_id == row["last_event_id"])))
        .mappings()
        .first()
    )
    if closed.running is not None and held is not None and held["prior_event_id"]:
        await tx.execute(
            update(tables.responses)
            .where(r.response_id == closed.response_id)
            .values(
                state="active",
                level=closed.running.value,
                last_event_id=held["prior_event_id"],
                explanation=held["prior_explanation"] or row["explanation"],
                updated_at=at,
            )
        )
        return
    why = Explanation.model_validate_json(row["explanation"])
    summary = f"已关闭：{closed.reason[0]} / closed: {closed.reason[1]} — {why.summary}"
    await tx.execute(
        update(tables.responses)
        .where(r.response_id == closed.response_id)
        .values(
            state="closed",
            ended_at=at,
            updated_at=at,
            explanation=why.model_copy(update={"summary": summary}).model_dump_json(),
        )
    )
