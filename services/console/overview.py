"""The district at a glance, for the console's first page and the board: each street's
current level (the highest active response covering it, district-wide ones included), the
proposals waiting (grouped when several streets are proposed for the same cause), the ones
closed because they were overtaken, and each street's notice progress.

It reads the ``responses`` read model, the rules' ``rules_proposals`` and ``rules_warnings``
and dispatch's ``notices``; it decides nothing.

>>> async def demo(store: Store) -> None:  # doctest: +SKIP
...     view = await district_overview(store)
...     [(s.code, s.level) for s in view.streets]
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from schemas.api import ResponsePublic
from schemas.areas import Scope, Street
from schemas.responses import Explanation, Level
from schemas.street_map import SCHEMATIC
from services.console.responses import list_responses
from services.core import tables
from services.core.store import Store
from services.rules.proposals import proposals as proposal_rows
from services.rules.tables import received_warnings

__all__ = ["DistrictOverview", "ProposalGroup", "QueuedProposal", "StreetView", "district_overview"]

#: Proposals of one rule and level raised this close together are one group.
GROUP_WINDOW = timedelta(minutes=60)


class Progress(BaseModel):
    """Notices of the latest change of the responses covering a street, to its persons."""

    notified: int = 0
    delivered: int = 0
    acknowledged: int = 0


class StreetView(BaseModel):
    """One street: its level now (None: no response) and what covers it."""

    code: str
    zh: str
    en: str
    points: str = Field(description="its tile on the schematic map (SVG points, schemas.street_map)")
    level: Level | None
    own_level: Level | None
    district_level: Level | None
    responses: list[str]
    proposals: list[str]
    progress: Progress


class QueuedProposal(BaseModel):
    """One proposal on one line: level, scope, rule, the evidence in numbers, and why in full."""

    response_id: str
    level: Level
    previous_level: Level | None
    change: str
    scope_zh: str
    streets: list[str]
    drill: bool
    rule: str
    evidence_zh: str
    evidence_en: str
    signals: list[str]
    summary: str
    raised_at: datetime
    covered_by: Level | None
    needs_two: bool


class ProposalGroup(BaseModel):
    """Proposals of the same rule and level raised together (one cause, several streets)."""

    group_id: str
    rule: str
    level: Level
    change: str
    drill: bool
    proposals: list[QueuedProposal]


class ClosedProposal(BaseModel):
    """A proposal closed because it was overtaken, with the reason."""

    response_id: str
    scope_zh: str
    level: Level
    raised_at: datetime
    closed_at: datetime
    reason: str


class DistrictOverview(BaseModel):
    """What the first page and the board show of the whole district."""

    district: ResponsePublic | None
    streets: list[StreetView]
    groups: list[ProposalGroup]
    closed: list[ClosedProposal]
    active: list[ResponsePublic]


async def district_overview(store: Store) -> DistrictOverview:
    """The district now: levels per street, proposals grouped, recently closed ones."""
    active = [r for r in await list_responses(store, state="active", limit=500) if not r.drill]
    proposed = list(reversed(await list_responses(store, state="proposed", limit=500)))
    async with store.read() as conn:
        explanations = await _explanations(conn, [r.response_id for r in proposed])
        running = {rid: _running(e) for rid, e in explanations.items()}
        signals = await _signal_names(conn, [i for e in explanations.values() for i in e.inputs])
        closed = await _closed(conn)
        covering = active + [r for r in proposed if running.get(r.response_id) and not r.drill]
        progress = await _progress(conn, [r.response_id for r in covering])
    levels: dict[str, Level] = {}
    district: ResponsePublic | None = None
    for r in covering:
        level = running.get(r.response_id) or r.level
        if r.scope.kind == "district" and (
            district is None or level > (running.get(district.response_id) or district.level)
        ):
            district = r
        for street in r.scope.streets:
            if street.value not in levels or level > levels[street.value]:
                levels[street.value] = level
    district_level = (running.get(district.response_id) or district.level) if district else None
    streets = []
    for street in Street:
        own = levels.get(street.value)
        covering_ids = [
            r.response_id for r in covering if r.scope.kind == "district" or street in r.scope.streets
        ]
        streets.append(
            StreetView(
                code=street.value,
                zh=street.chinese,
                en=SCHEMATIC[street].english,
                points=SCHEMATIC[street].points,
                level=max([lv for lv in (own, district_level) if lv is not None], default=None),
                own_level=own,
                district_level=district_level,
                responses=covering_ids,
                proposals=[
                    r.response_id for r in proposed if street in r.scope.streets or r.scope.kind == "district"
                ],
                progress=progress.get(street.value, Progress()),
            )
        )
    queued = [
        _queued(r, explanations[r.response_id], signals, district_level)
        for r in proposed
        if r.response_id in explanations
    ]
    return DistrictOverview(
        district=district, streets=streets, groups=_groups(queued), closed=closed, active=active
    )


def _running(why: Explanation) -> Level | None:
    """The level a response runs at while a change of it is proposed (None: a new one)."""
    return why.previous_level


async def _explanations(conn: Any, ids: list[str]) -> dict[str, Explanation]:
    if not ids:
        return {}
    r = tables.responses.c
    rows = (await conn.execute(select(r.response_id, r.explanation).where(r.response_id.in_(ids)))).all()
    return {rid: Explanation.model_validate_json(text) for rid, text in rows}


async def _signal_names(conn: Any, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    w = received_warnings.c
    rows = (
        await conn.execute(
            select(w.event_id, w.headline, w.hazard, w.colour, w.issued_at).where(w.event_id.in_(ids))
        )
    ).all()
    return {row.event_id: row.headline or f"{row.hazard} {row.colour or ''}".strip() for row in rows}


async def _closed(conn: Any) -> list[ClosedProposal]:
    p, r = proposal_rows.c, tables.responses.c
    rows = (
        await conn.execute(
            select(p.response_id, p.raised_at, p.closed_at, p.closed_reason, r.scope, r.level, r.explanation)
            .join(tables.responses, r.response_id == p.response_id)
            .where(p.closed_at.is_not(None))
            .order_by(p.closed_at.desc())
            .limit(20)
        )
    ).all()
    seen: set[str] = set()
    closed = []
    for row in rows:
        if row.response_id in seen:
            continue
        seen.add(row.response_id)
        why = Explanation.model_validate_json(row.explanation)
        closed.append(
            ClosedProposal(
                response_id=row.response_id,
                scope_zh=_scope_zh(row.scope),
                level=why.new_level or Level(row.level),
                raised_at=row.raised_at,
                closed_at=row.closed_at,
                reason=row.closed_reason or "",
            )
        )
    return closed


async def _progress(conn: Any, response_ids: list[str]) -> dict[str, Progress]:
    """Per street, the notices of each covering response's latest change to that street's persons."""
    if not response_ids:
        return {}
    r, n, p = tables.responses.c, tables.notices.c, tables.persons.c
    changes = select(r.last_event_id).where(r.response_id.in_(response_ids))
    rows = (
        await conn.execute(
            select(p.street, func.count(), func.count(n.delivered_at), func.count(n.acked_at))
            .select_from(tables.notices)
            .join(tables.persons, p.person_id == n.person_id)
            .where(n.response_event_id.in_(changes))
            .group_by(p.street)
        )
    ).all()
    return {
        street: Progress(notified=notified, delivered=delivered, acknowledged=acked)
        for street, notified, delivered, acked in rows
        if street
    }


def _scope_zh(text: str) -> str:
    scope = Scope.model_validate_json(text)
    return "全区" if scope.kind == "district" else "、".join(s.chinese for s in scope.streets) + "街道"


def _queued(
    r: ResponsePublic, why: Explanation, signals: dict[str, str], district: Level | None
) -> QueuedProposal:
    zh, _, en = why.summary.partition(" / ")
    change = (
        "activate" if why.previous_level is None else ("raise" if r.level > why.previous_level else "lower")
    )
    covered = (
        district if district is not None and r.scope.kind != "district" and district >= r.level else None
    )
    return QueuedProposal(
        response_id=r.response_id,
        level=r.level,
        previous_level=why.previous_level,
        change=change,
        scope_zh="全区"
        if r.scope.kind == "district"
        else "、".join(s.chinese for s in r.scope.streets) + "街道",
        streets=[s.value for s in r.scope.streets],
        drill=r.drill,
        rule=why.rule,
        # The first part of the explanation is what triggered it: the signal, or the stations
        # with their totals in mm over the rule's hours.
        evidence_zh=zh.split("；")[0],
        evidence_en=en.split("; ")[0],
        signals=[signals[i] for i in why.inputs if i in signals],
        summary=why.summary,
        raised_at=r.updated_at,
        covered_by=covered,
        needs_two=r.level is Level.I,
    )


def _groups(queued: list[QueuedProposal]) -> list[ProposalGroup]:
    clusters: dict[tuple[str, str, str, bool], list[list[QueuedProposal]]] = defaultdict(list)
    for item in sorted(queued, key=lambda q: (q.raised_at, q.response_id)):
        runs = clusters[(item.rule, item.level.value, item.change, item.drill)]
        if runs and item.raised_at - runs[-1][0].raised_at <= GROUP_WINDOW:
            runs[-1].append(item)
        else:
            runs.append([item])
    groups = [
        ProposalGroup(
            group_id=members[0].response_id,
            rule=members[0].rule,
            level=members[0].level,
            change=members[0].change,
            drill=members[0].drill,
            proposals=members,
        )
        for runs in clusters.values()
        for members in runs
    ]
    return sorted(groups, key=lambda g: (-g.level.rank, g.proposals[0].raised_at))
