"""The route classes of every service's API: the one place where the typed errors
(``services.web.errors``) become the API's error body (a route class, so dependencies are
covered). A page opened in a browser (``/review``) uses ``PageRoute``: not logged in, it
gets a small page linking to the console's login instead of JSON.

>>> router = api_router(["rules"])
>>> router.route_class.__name__
'ApiRoute'
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from services.web.bodies import error_response
from services.web.errors import ApiError

__all__ = ["ApiRoute", "PageRoute", "api_router", "error_of"]


def error_of(error: ApiError) -> Response:
    """The API's answer to a typed error."""
    response = error_response(error.status, error.reason, error.message)
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


#: What a page answers a browser that is not logged in (no script, no inline style: the CSP).
LOGIN_NEEDED_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>请先登录 · Log in first</title>
<link rel="stylesheet" href="/console/static/console.css">
</head>
<body>
<main>
<h1>请先登录值班台</h1>
<p>此页面列出人员姓名，需要值班台账号。请在 <a href="/console/">值班台</a> 登录后重新打开本页。</p>
<p lang="en">This page names persons and needs a duty console login.
<a href="/console/">Log in at the duty console</a>, then open this page again.</p>
</main>
</body>
</html>
"""


class ApiRoute(APIRoute):
    """A route whose ``ApiError`` (from the handler or a dependency) becomes a clear 4xx."""

    def answer(self, error: ApiError) -> Response:
        """The answer to a typed error: the API's error body."""
        return error_of(error)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as error:
                return self.answer(error)

        return handle


class PageRoute(ApiRoute):
    """A route serving a page to a browser: without a login it answers 401 with a small
    HTML page (Chinese, then English) linking to the login at ``/console/``; other errors as JSON."""

    def answer(self, error: ApiError) -> Response:
        """The login page for a 401, the API's error body otherwise."""
        if error.status != 401:
            return super().answer(error)
        return HTMLResponse(
            LOGIN_NEEDED_PAGE,
            status_code=401,
            headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
        )


def api_router(tags: list[str]) -> APIRouter:
    """An empty router with the API's error handling, for any service."""
    return APIRouter(tags=list(tags), route_class=ApiRoute)
