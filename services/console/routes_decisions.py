"""Routes of officers' decisions: proposals, levels set by hand, ends, level I approvals."""

# No "from __future__ import annotations": FastAPI reads the dependency aliases defined
# inside the route factories at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends

from schemas.api import ResponsePublic
from schemas.console import ApprovalPublic, ConfirmIn, DecisionOut, EndIn, LevelIn, Permission, RejectIn
from services.console.responses import list_responses
from services.console.service import Console
from services.web.auth import Caller
from services.web.routes import api_router

__all__ = ["decision_routes"]


def decision_routes(console: Console) -> APIRouter:
    """``/api/v1/proposals``, ``/api/v1/levels``, ``/api/v1/responses/{id}/end``, ``/api/v1/approvals``."""
    router = api_router(["console: decisions"])
    Viewer = Annotated[Caller, Depends(console.auth.requires(Permission.VIEW))]
    Officer = Annotated[Caller, Depends(console.auth.requires(Permission.DECIDE))]
    decisions = console.decisions

    @router.get("/api/v1/proposals", response_model=list[ResponsePublic])
    async def proposals(caller: Viewer) -> list[ResponsePublic]:
        """Proposals waiting for an officer, oldest first."""
        return list(reversed(await list_responses(console.store, state="proposed", limit=500)))

    @router.post("/api/v1/proposals/{response_id}/confirm", status_code=202, response_model=DecisionOut)
    async def confirm(response_id: str, body: ConfirmIn, caller: Officer) -> DecisionOut:
        """Confirm a proposal. Levels II and I need a commander; level I takes effect when a second,
        different commander confirms too (the first gets ``awaiting_second_officer``)."""
        return await decisions.confirm(response_id, body.note, caller)

    @router.post("/api/v1/proposals/{response_id}/reject", status_code=202, response_model=DecisionOut)
    async def reject(response_id: str, body: RejectIn, caller: Officer) -> DecisionOut:
        """Reject a proposal, saying why; levels II and I need a commander."""
        return await decisions.reject(response_id, body.note, caller)

    @router.post("/api/v1/levels", status_code=202, response_model=DecisionOut)
    async def set_level(body: LevelIn, caller: Officer) -> DecisionOut:
        """Activate the district or some streets at a level by hand, or change a running level,
        with a reason. Levels II and I (or changing a running II / I) need a commander; level I
        needs two commanders."""
        return await decisions.set_level(body, caller)

    @router.post("/api/v1/responses/{response_id}/end", status_code=202, response_model=DecisionOut)
    async def end(response_id: str, body: EndIn, caller: Officer) -> DecisionOut:
        """End an active response by hand, with a reason; a level II / I response needs a commander."""
        return await decisions.end(response_id, body.reason, caller)

    @router.get("/api/v1/approvals", response_model=list[ApprovalPublic])
    async def approvals(caller: Viewer) -> list[ApprovalPublic]:
        """Level I decisions waiting for a second commander."""
        return await decisions.approvals()

    return router
