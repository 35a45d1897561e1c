"""The console's HTTP routes: responses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from schemas.api import ResponsePublic
from services.console.responses import get_response, list_responses
from services.core.clock import Clock
from services.core.outbox import Outbox
from services.core.web import error_response

__all__ = ["console_router"]


def console_router(outbox: Outbox, clock: Clock) -> APIRouter:
    """Routes for duty officers."""
    router = APIRouter(tags=["console"])
    store = outbox.store

    @router.get("/api/v1/responses", response_model=list[ResponsePublic])
    async def responses(
        state: Annotated[str | None, Query(pattern="^(active|ended|proposed)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[ResponsePublic]:
        """Responses, newest first, with how many were notified, delivered and acknowledged."""
        return await list_responses(store, state=state, limit=limit)

    @router.get("/api/v1/responses/{response_id}", response_model=ResponsePublic)
    async def response(response_id: str) -> Any:
        """One response with its counts."""
        found = await get_response(store, response_id)
        if found is None:
            return error_response(404, "unknown_response", f"no response {response_id!r}")
        return found

    return router
