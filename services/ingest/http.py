"""Ingest's HTTP edge: ``POST /api/v1/warnings`` and the dead-letter listing.

Pushing a warning takes a feed's token (``feed_auth``); reading the dead letters, raw refused
payloads, takes an officer's login (``Permission.VIEW``, any role), checked against the
console's sessions in the shared database: a bearer token or the console's session cookie.
"""

# No "from __future__ import annotations": FastAPI reads the annotation of ``list_deadletters``,
# which names a dependency made inside ``ingest_router``, at runtime.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from schemas.api import DeadLetterPublic, WarningAccepted, WarningIn
from schemas.console import Permission
from services.core import tables
from services.core.settings import Settings
from services.core.store import Store
from services.ingest.errors import Rejected
from services.ingest.feed_auth import FeedAuth, feed_bearer, signal_source
from services.ingest.intake import Intake
from services.ingest.refusals import PUSH_REFUSALS, refuse, take_push
from services.ingest.warnings import parse_warning
from services.web.auth import Auth, Caller
from services.web.routes import api_router

__all__ = ["ingest_router"]

_WARNING_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": WarningIn.model_json_schema()},
            "application/cap+xml": {"schema": {"type": "string", "description": "a CAP 1.2 alert"}},
        },
    }
}


def ingest_router(intake: Intake, feeds: FeedAuth, store: Store, settings: Settings, auth: Auth) -> APIRouter:
    """The routes through which warnings are pushed, and dead letters are read (by officers).

    >>> router = ingest_router(None, None, None, None, Auth(sessions=None))  # type: ignore[arg-type]
    >>> sorted(route.path for route in router.routes)
    ['/api/v1/deadletters', '/api/v1/warnings']
    """
    router = api_router(["ingest"])
    Viewer = Annotated[Caller, Depends(auth.requires(Permission.VIEW))]

    @router.post(
        "/api/v1/warnings",
        status_code=202,
        response_model=WarningAccepted,
        openapi_extra=_WARNING_BODY,
        responses={**PUSH_REFUSALS, 422: {"description": "invalid warning; recorded as a dead letter"}},
    )
    async def post_warning(
        request: Request,
        response: Response,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(feed_bearer)],
    ) -> Any:
        """Accept a warning signal (issued, updated or cancelled) and publish it once."""
        push = await take_push(
            request, intake, feeds, credentials, "/api/v1/warnings", limit=settings.max_body_bytes
        )
        if isinstance(push, JSONResponse):
            return push
        try:
            signal = parse_warning(push.body, push.media, source=signal_source(push.feed))
            accepted = await intake.accept_warning(signal)  # refuses times outside their window
        except Rejected as rejected:
            return await refuse(intake, push.source, rejected, push.body, push.media)
        if accepted.duplicate:
            response.status_code = 200
        return accepted

    @router.get(
        "/api/v1/deadletters",
        response_model=list[DeadLetterPublic],
        responses={401: {"description": "not logged in"}},
    )
    async def list_deadletters(
        _: Viewer,
        reason: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[DeadLetterPublic]:
        """The most recent refused inputs, newest first, optionally of one reason."""
        d = tables.deadletters.c
        query = select(tables.deadletters).order_by(d.seq.desc()).limit(limit)
        if reason:
            query = query.where(d.reason == reason)
        async with store.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [DeadLetterPublic.model_validate({k: v for k, v in row.items() if k != "seq"}) for row in rows]

    return router
