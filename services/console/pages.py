"""The web page of the console: one HTML page, its script and its style, served by the
console itself (no CDN, no build step); the page talks to the JSON API and the SSE board.

>>> app.include_router(page_routes())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

__all__ = ["page_routes"]

_STATIC = Path(__file__).parent / "static"
_ASSETS = {"console.js": "text/javascript", "console.css": "text/css"}


def page_routes() -> APIRouter:
    """``/`` and ``/console/`` (the page), ``/console/static/…`` (its script and style)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    @router.get("/console/")
    async def page() -> FileResponse:
        return FileResponse(
            _STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"}
        )

    for name, media_type in _ASSETS.items():
        router.add_api_route(
            f"/console/static/{name}",
            _asset(name, media_type),
            methods=["GET"],
        )
    return router


def _asset(name: str, media_type: str) -> Callable[[], Awaitable[FileResponse]]:
    path = _STATIC / name

    async def asset() -> FileResponse:
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return asset
