"""Ingest's gauge edge: ``POST /api/v1/rainfall``, ``GET /api/v1/stations``, ``GET /api/v1/warnings/held``.

A pushed body is judged row by row: the good readings are taken and each refused row is
dead-lettered with its reason, so one broken gauge does not blind the others. A body
that cannot be read as a whole (not JSON/CSV, missing columns) is refused whole (422),
and so is a body whose every row was refused, so a sender that got everything wrong is
told so by the status alone.

The stations list names no person and stays open; the held warnings (not yet applied) take an
officer's login (``Permission.VIEW``, any role), checked against the console's sessions in the
shared database: a bearer token or the console's session cookie.
"""

# No "from __future__ import annotations": FastAPI reads the annotation of ``list_held``, which
# names a dependency made inside ``gauge_router``, at runtime.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select

from schemas.api import HeldWarningPublic, RainfallAccepted, StationPublic
from schemas.console import Permission
from services.core.clock import Clock
from services.core.settings import Settings
from services.core.store import Store
from services.ingest.errors import Rejected
from services.ingest.feed_auth import FeedAuth, feed_bearer
from services.ingest.formats import StationRegistry, screen_gauge_csv, screen_gauge_json
from services.ingest.formats.gauge import GaugeBatch
from services.ingest.intake import Intake
from services.ingest.rainfall import RainfallIntake
from services.ingest.refusals import PUSH_REFUSALS, refuse, take_push
from services.ingest.station_health import StationReport
from services.ingest.stations_watch import StationWatch
from services.ingest.tables import held_warnings
from services.ingest.warnings import JSON_TYPES
from services.web.auth import Auth, Caller
from services.web.bodies import error_response
from services.web.routes import api_router

__all__ = ["CSV_TYPES", "gauge_router", "screen_gauge_body"]

CSV_TYPES = frozenset({"text/csv", "application/csv"})

_RAINFALL_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "description": 'a list of readings, or {"readings": [...]}',
                    "example": [
                        {
                            "station_id": "BA004",
                            "observed_at": "2024-05-04T06:45:00+08:00",
                            "interval_minutes": 5,
                            "rainfall_mm": 12.5,
                        }
                    ],
                }
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "example": "station_id,observed_at,interval_minutes,rainfall_mm,correction\n"
                    "BA004,2024-05-04 06:45,5,12.5,\n",
                }
            },
        },
    }
}


def screen_gauge_body(body: bytes, media: str, stations: StationRegistry, clock: Clock) -> GaugeBatch:
    """The readings of a JSON or CSV body, good and refused; :class:`Rejected` (415/422) otherwise.

    >>> from services.core.clock import SystemClock
    >>> screen_gauge_body(b"", "text/plain", StationRegistry([]), SystemClock())
    Traceback (most recent call last):
    ...
    services.ingest.errors.Rejected: unsupported_media_type: content type 'text/plain' is not accepted; \
send application/json or text/csv
    """
    if media in JSON_TYPES:
        return screen_gauge_json(body, stations=stations, now=clock.now())
    if media in CSV_TYPES:
        return screen_gauge_csv(body, stations=stations, now=clock.now())
    raise Rejected(
        "unsupported_media_type",
        f"content type {media or '(none)'!r} is not accepted; send application/json or text/csv",
        status=415,
    )


def gauge_router(
    intake: Intake,
    feeds: FeedAuth,
    rainfall: RainfallIntake,
    watch: StationWatch,
    store: Store,
    settings: Settings,
    clock: Clock,
    auth: Auth,
) -> APIRouter:
    """The routes through which readings are pushed and stations and held warnings (by
    officers) are read.

    >>> from services.core.clock import SystemClock
    >>> auth = Auth(sessions=None)  # type: ignore[arg-type]
    >>> router = gauge_router(None, None, None, None, None, None, SystemClock(), auth)
    >>> sorted(route.path for route in router.routes)
    ['/api/v1/rainfall', '/api/v1/stations', '/api/v1/warnings/held']
    """
    router = api_router(["ingest"])
    Viewer = Annotated[Caller, Depends(auth.requires(Permission.VIEW))]

    @router.post(
        "/api/v1/rainfall",
        status_code=202,
        response_model=RainfallAccepted,
        openapi_extra=_RAINFALL_BODY,
        responses={
            200: {"description": "every reading had been taken before"},
            **PUSH_REFUSALS,
            422: {"description": "unreadable body, or every reading refused; recorded as dead letters"},
        },
    )
    async def post_rainfall(
        request: Request,
        response: Response,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(feed_bearer)],
    ) -> Any:
        """Accept gauge readings (JSON or CSV); publish each new one once on ``sanfang.rainfall``."""
        push = await take_push(
            request, intake, feeds, credentials, "/api/v1/rainfall", limit=settings.max_body_bytes
        )
        if isinstance(push, JSONResponse):
            return push
        try:
            batch = screen_gauge_body(push.body, push.media, watch.registry, clock)
        except Rejected as rejected:
            return await refuse(intake, push.source, rejected, push.body, push.media)
        answer = await rainfall.take(batch, source=push.source, body=push.body, media_type=push.media)
        if answer.rejected and not batch.readings:
            first = answer.rejected[0]
            return error_response(
                422,
                first.reason,
                f"every reading was refused; first: {first.message}",
                path=first.path,
                dead_letter_id=first.dead_letter_id,
            )
        if batch.readings and not answer.accepted:
            response.status_code = 200
        return answer

    @router.get("/api/v1/stations", response_model=list[StationPublic])
    async def list_stations() -> list[StationPublic]:
        """Every registry station with its newest reading and whether it is reporting."""
        return [_public(report) for report in await watch.reports()]

    @router.get(
        "/api/v1/warnings/held",
        response_model=list[HeldWarningPublic],
        responses={401: {"description": "not logged in"}},
    )
    async def list_held(
        _: Viewer,
        pending: Annotated[bool, Query(description="only those still waiting")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[HeldWarningPublic]:
        """Updates and cancels that arrived before what they reference, newest first."""
        h = held_warnings.c
        query = select(held_warnings).order_by(h.held_at.desc()).limit(limit)
        if pending:
            query = query.where(h.released_at.is_(None))
        async with store.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            HeldWarningPublic.model_validate(
                {**{k: v for k, v in row.items() if k != "payload"}, "awaiting": row["awaiting"].split()}
            )
            for row in rows
        ]

    return router


def _public(report: StationReport) -> StationPublic:
    station, latest = report.station, report.latest
    return StationPublic(
        station_id=station.station_id,
        name=station.name,
        name_en=station.name_en,
        street=station.street,
        latitude=station.latitude,
        longitude=station.longitude,
        registry_status=station.status.value,
        state=report.state,
        last_observed_at=latest.observed_at if latest else None,
        last_received_at=report.received_at,
        last_rainfall_mm=latest.rainfall_mm if latest else None,
        interval_minutes=latest.interval_minutes if latest else None,
        missing_readings=report.missing,
    )
