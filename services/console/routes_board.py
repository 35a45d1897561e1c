"""Routes of what officers watch: responses, the live board (JSON and Server-Sent Events),
who has not acknowledged, acknowledging on someone's behalf (a response's or any notice),
and a person's history.

``GET /api/v1/responses`` and ``/api/v1/responses/{id}`` show levels and counts only and
stay open to the bureau's network (the demo and other services read them); everything that
names persons needs a login.
"""

# No "from __future__ import annotations": FastAPI reads the dependency aliases defined
# inside the route factories at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from schemas.api import ResponsePublic
from schemas.console import (
    Board,
    NoticeAckIn,
    OnBehalfIn,
    OnBehalfOut,
    PendingPerson,
    Permission,
    PersonHistory,
)
from services.console.board import build_board, pending_persons
from services.console.onbehalf import ack_notice_on_behalf, ack_on_behalf
from services.console.overview import DistrictOverview, district_overview
from services.console.persons import person_history
from services.console.responses import get_response, list_responses
from services.console.service import Console
from services.console.timeline import TimelineLine, response_timeline
from services.web.auth import Caller
from services.web.errors import NotFound
from services.web.routes import api_router

__all__ = ["board_routes"]


def board_routes(console: Console) -> APIRouter:
    """``/api/v1/responses…``, ``/api/v1/notices/{id}/acks`` and ``/api/v1/persons/{id}``."""
    router = api_router(["console: board"])
    Viewer = Annotated[Caller, Depends(console.auth.requires(Permission.VIEW))]
    Officer = Annotated[Caller, Depends(console.auth.requires(Permission.DECIDE))]
    store, clock = console.store, console.clock

    @router.get("/api/v1/responses", response_model=list[ResponsePublic])
    async def responses(
        state: Annotated[str | None, Query(pattern="^(active|ended|proposed|closed)$")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[ResponsePublic]:
        """Responses, newest first, with how many were notified, delivered and acknowledged."""
        return await list_responses(store, state=state, limit=limit)

    @router.get("/api/v1/responses/{response_id}", response_model=ResponsePublic)
    async def response(response_id: str) -> ResponsePublic:
        """One response with its counts."""
        found = await get_response(store, response_id)
        if found is None:
            raise NotFound(f"no response {response_id!r}")
        return found

    @router.get("/api/v1/responses/{response_id}/board", response_model=Board)
    async def board(response_id: str, caller: Viewer) -> Board:
        """The board: per unit and per street notified / delivered / acknowledged / escalated,
        and (the first 200 of) who has not acknowledged, with their next escalation step."""
        return await build_board(store, response_id, console.ladder)

    @router.get(
        "/api/v1/responses/{response_id}/board/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}, "description": "`board` events"}},
    )
    async def board_stream(response_id: str, caller: Viewer) -> StreamingResponse:
        """The board as Server-Sent Events: an ``event: board`` with the whole board now and at
        every change (within ``SANFANG_CONSOLE_BOARD_POLL_MS`` of an ack being recorded)."""
        if await get_response(store, response_id) is None:
            raise NotFound(f"no response {response_id!r}")
        return StreamingResponse(
            console.live.stream(response_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get("/api/v1/overview", response_model=DistrictOverview)
    async def overview(caller: Viewer) -> DistrictOverview:
        """The district at a glance: each street's level now (the highest active response
        covering it, district-wide ones included), proposals grouped by cause, proposals
        closed because they were overtaken, and each street's notice progress."""
        return await district_overview(store)

    @router.get("/api/v1/responses/{response_id}/timeline", response_model=list[TimelineLine])
    async def timeline(response_id: str, caller: Viewer) -> list[TimelineLine]:
        """The response's signals, proposals, changes with their notices, and escalation steps."""
        return await response_timeline(store, response_id)

    @router.get("/api/v1/responses/{response_id}/pending", response_model=list[PendingPerson])
    async def pending(
        response_id: str,
        caller: Viewer,
        unit: str | None = None,
        street: str | None = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[PendingPerson]:
        """Who has not acknowledged, of one unit or street (``district`` for district-level units)."""
        return await pending_persons(
            store, response_id, console.ladder, unit=unit, street=street, offset=offset, limit=limit
        )

    @router.post("/api/v1/responses/{response_id}/acks", status_code=202, response_model=OnBehalfOut)
    async def on_behalf(response_id: str, body: OnBehalfIn, caller: Officer) -> OnBehalfOut:
        """Acknowledge on a person's behalf their notice of the response's latest change, with a
        reason (they answered another way); as ``POST /api/v1/notices/{notice_id}/acks``."""
        return await ack_on_behalf(console.outbox, clock, response_id, body, caller)

    @router.post("/api/v1/notices/{notice_id}/acks", status_code=202, response_model=OnBehalfOut)
    async def notice_on_behalf(notice_id: str, body: NoticeAckIn, caller: Officer) -> OnBehalfOut:
        """Acknowledge any notice (a response's or a manual notice's) on its person's behalf, with
        a reason. The first ack of a notice counts; a later one is kept with ``counted`` false."""
        return await ack_notice_on_behalf(console.outbox, clock, notice_id, body, caller)

    @router.get("/api/v1/persons/{person_id}", response_model=PersonHistory)
    async def person(person_id: str, caller: Viewer) -> PersonHistory:
        """A person's notices, deliveries, acknowledgements and escalations, newest first."""
        return await person_history(store, person_id, console.ladder)

    return router
