"""The FastAPI application: the routers of the services a process runs, plus health,
readiness, Prometheus metrics and OpenAPI."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.core.component import ReadinessCheck
from services.web.headers import SecurityHeaders

__all__ = ["create_app"]


def create_app(
    routers: Sequence[APIRouter], checks: Sequence[ReadinessCheck], *, version: str, hsts: bool = False
) -> FastAPI:
    """An app with ``routers`` and the operational endpoints; ``hsts`` (production) tells
    browsers to come back over HTTPS only.

    >>> app = create_app([], [], version="0.1.0")
    >>> sorted(route.path for route in app.routes if route.path.endswith("z"))
    ['/healthz', '/readyz']
    """
    app = FastAPI(
        title="Sanfang",
        version=version,
        description="Flood and typhoon response coordinator: warnings in, activations, notices and acks out.",
    )

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Readiness: the database, the bus consumers, the outbox relay and the channels are up."""
        results = {}
        for name, check in checks:
            ok, detail = await check()
            results[name] = {"ok": ok, "detail": detail}
        ready = all(result["ok"] for result in results.values())
        return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, "checks": results})

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        """Prometheus metrics of this process."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    # CSP, no-referrer (ack links carry tokens), nosniff, no framing, HSTS: on every answer.
    app.add_middleware(SecurityHeaders, hsts=hsts)
    return app
