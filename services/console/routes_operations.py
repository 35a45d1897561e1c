"""Routes of manual notices (and the units to address them to), drills and the audit log."""

# No "from __future__ import annotations": FastAPI reads the dependency aliases defined
# inside the route factories at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import AwareDatetime

from schemas.console import (
    AuditEntry,
    DrillIn,
    DrillPublic,
    ManualNoticeIn,
    ManualNoticeOut,
    ManualNoticePreview,
    ManualNoticePublic,
    PendingPerson,
    Permission,
    UnitPublic,
)
from services.console.directory import list_units
from services.console.service import Console
from services.web.audit import AuditFilter, query, to_csv
from services.web.auth import Caller
from services.web.routes import api_router

__all__ = ["operation_routes"]


def operation_routes(console: Console) -> APIRouter:
    """``/api/v1/notices/manual…``, ``/api/v1/units``, ``/api/v1/drills``, ``/api/v1/audit`` and
    ``/api/v1/audit.csv``."""
    router = api_router(["console: operations"])
    Viewer = Annotated[Caller, Depends(console.auth.requires(Permission.VIEW))]
    Officer = Annotated[Caller, Depends(console.auth.requires(Permission.DECIDE))]
    Driller = Annotated[Caller, Depends(console.auth.requires(Permission.DRILL))]
    Auditor = Annotated[Caller, Depends(console.auth.requires(Permission.AUDIT))]

    @router.post("/api/v1/notices/manual", status_code=202, response_model=ManualNoticeOut)
    async def manual_notice(body: ManualNoticeIn, caller: Officer) -> ManualNoticeOut:
        """Write a notice to chosen units, roles or persons: recorded with its recipients and
        handed to dispatch, which sends one notice to each (asking for an ack unless
        ``ack_wanted`` is false)."""
        return await console.notices.request(body, caller)

    @router.post("/api/v1/notices/manual/preview", response_model=ManualNoticePreview)
    async def manual_notice_preview(body: ManualNoticeIn, caller: Officer) -> ManualNoticePreview:
        """How many persons that notice would reach (refused as sending it would be, 422);
        records and sends nothing."""
        return await console.notices.preview(body)

    @router.get("/api/v1/notices/manual", response_model=list[ManualNoticePublic])
    async def manual_notices(
        caller: Viewer, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[ManualNoticePublic]:
        """Manual notices, newest first, each with its status and counts."""
        return await console.notices.recent(limit)

    @router.get("/api/v1/notices/manual/{request_id}", response_model=ManualNoticePublic)
    async def manual_notice_status(request_id: str, caller: Viewer) -> ManualNoticePublic:
        """One manual notice: ``awaiting_dispatch`` until dispatch has written its notices, then
        ``sent``, with how many were notified, delivered, acknowledged and escalated."""
        return await console.notices.get(request_id)

    @router.get("/api/v1/notices/manual/{request_id}/pending", response_model=list[PendingPerson])
    async def manual_notice_pending(
        request_id: str,
        caller: Viewer,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[PendingPerson]:
        """Who has not acknowledged a manual notice, with their next escalation step (none
        before dispatch has written its notices)."""
        return await console.notices.pending(request_id, console.ladder, offset=offset, limit=limit)

    @router.get("/api/v1/units", response_model=list[UnitPublic])
    async def units(caller: Viewer) -> list[UnitPublic]:
        """The directory's member units with their number of persons, to address a manual notice."""
        return await list_units(console.store)

    @router.get("/api/v1/drills", response_model=list[DrillPublic])
    async def drills(caller: Viewer) -> list[DrillPublic]:
        """Drills, newest first, with the drill responses' own counts (kept apart from real ones)."""
        return await console.drills.all()

    @router.post("/api/v1/drills", status_code=201, response_model=DrillPublic)
    async def create_drill(body: DrillIn, caller: Driller) -> DrillPublic:
        """Start a drill now (``mode: now``) or at a secret random moment inside
        ``window_start``..``window_end`` (``mode: double_blind``)."""
        return await console.drills.create(body, caller)

    def wanted(
        actor: str | None = None,
        action: Annotated[str | None, Query(description="a prefix: 'proposal' or 'proposal.confirm'")] = None,
        target: str | None = None,
        since: AwareDatetime | None = None,
        until: AwareDatetime | None = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    ) -> AuditFilter:
        return AuditFilter(actor=actor, action=action, target=target, since=since, until=until, limit=limit)

    Wanted = Annotated[AuditFilter, Depends(wanted)]

    @router.get("/api/v1/audit", response_model=list[AuditEntry])
    async def audit(caller: Auditor, filters: Wanted) -> list[AuditEntry]:
        """The audit log, oldest first: who did what, when, from where, before and after."""
        return await query(console.store, filters)

    @router.get("/api/v1/audit.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
    async def audit_csv(caller: Auditor, filters: Wanted) -> Response:
        """The same lines as a CSV file (times in Beijing time)."""
        body = to_csv(await query(console.store, filters))
        return Response(
            body.encode("utf-8-sig"),  # the BOM makes spreadsheet programs read the Chinese right
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="sanfang-audit.csv"',
                "Cache-Control": "no-store",
            },
        )

    return router
