"""The web page of the console: one HTML page, its script and its style, served by the
console itself (no CDN, no build step); the page talks to the JSON API and the SSE board.

>>> app.include_router(page_routes())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from services.web.auth import COOKIE

__all__ = ["page_routes"]

_STATIC = Path(__file__).parent / "static"
_ASSETS = {"console.js": "text/javascript", "console.css": "text/css", "favicon.svg": "image/svg+xml"}


def page_routes() -> APIRouter:
    """``/`` and ``/console/`` (the page), ``/console/static/…`` (its script and style)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    page_html = (_STATIC / "index.html").read_text(encoding="utf-8")

    @router.get("/console/")
    async def page(request: Request) -> HTMLResponse:
        # Without a session cookie the page shows the login at once instead of asking
        # /api/v1/auth/me, whose 401 the browser would log as a failed resource.
        html = (
            page_html
            if COOKIE in request.cookies
            else page_html.replace("<body>", '<body data-session="none">', 1)
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @router.get("/favicon.ico")
    async def favicon() -> RedirectResponse:
        # Browsers ask for it whatever the page says; a 404 would be a failed resource.
        return RedirectResponse("/console/static/favicon.svg", status_code=301)

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
