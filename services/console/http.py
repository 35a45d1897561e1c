"""The console's HTTP edge: every route group, and the one place where the console's
typed errors become the API's error body (a route class, so dependencies are covered).

>>> routers = console_routers(console)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from services.console.errors import ConsoleError
from services.core.web import error_response

__all__ = ["ConsoleRoute", "console_router", "error_of"]


def error_of(error: ConsoleError) -> Response:
    """The API's answer to a console error."""
    response = error_response(error.status, error.reason, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


class ConsoleRoute(APIRoute):
    """A route whose ``ConsoleError`` (from the handler or a dependency) becomes a clear 4xx."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ConsoleError as error:
                return error_of(error)

        return handle


def console_router(tags: list[str]) -> APIRouter:
    """An empty router of the console, with its error handling."""
    return APIRouter(tags=list(tags), route_class=ConsoleRoute)
