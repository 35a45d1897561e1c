"""``/review``: the console's view of a review, the same page and JSON as the report.

    GET /review?from=2024-05-01&to=2024-06-01&rules=strict   → the HTML report
    GET /api/v1/review?from=…&to=…                           → its JSON twin

``rules`` names a file in the rules directory (``rules/strict.yaml`` → ``strict``), never a path.
A review names the persons who never acknowledged, so both need an officer's login
(``Permission.VIEW``, any role), checked against the console's sessions in the shared
database: a bearer token or the console's session cookie. Not logged in, the page answers
401 with a small page linking to the console's login, the JSON the API's 401.
"""

# No "from __future__ import annotations": FastAPI reads the annotations of the routes, which
# name a dependency made inside ``review_router``, at runtime.

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from schemas.console import Permission
from schemas.rules import RulesFile
from services.core.clock import BEIJING
from services.core.settings import Settings
from services.core.store import Store
from services.replay.errors import ReplayError
from services.replay.report.html import REPORT_CSP, render_html
from services.replay.run import replay
from services.rules.domain.errors import RulesFileError
from services.rules.service import read_rules_file
from services.web.auth import Auth, Caller
from services.web.bodies import error_response
from services.web.routes import PageRoute, api_router

__all__ = ["review_router"]

_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
From = Annotated[str | None, Query(alias="from", max_length=40)]
To = Annotated[str | None, Query(alias="to", max_length=40)]
Rules = Annotated[list[str], Query(max_length=5)]
_NOT_LOGGED_IN: dict[int | str, dict[str, Any]] = {401: {"description": "not logged in"}}


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def review_router(store: Store, settings: Settings, rules_dir: Path, auth: Auth) -> APIRouter:
    """The review page and its JSON, for logged-in officers.

    >>> from services.rules.component import default_rules_file
    >>> auth = Auth(sessions=None)  # type: ignore[arg-type]
    >>> router = review_router(None, None, default_rules_file().parent, auth)  # type: ignore[arg-type]
    >>> sorted((route.path, type(route).__name__) for route in router.routes)
    [('/api/v1/review', 'ApiRoute'), ('/review', 'PageRoute')]
    """
    router = api_router(["review"])
    Viewer = Annotated[Caller, Depends(auth.requires(Permission.VIEW))]

    async def build(start: str | None, end: str | None, rules: list[str]) -> Any:
        files: list[RulesFile] = []
        for name in rules:
            if not _NAME.match(name) or not (rules_dir / f"{name}.yaml").is_file():
                return error_response(404, "unknown_rules", f"no rules file named {name!r}")
            try:
                files.append(read_rules_file(rules_dir / f"{name}.yaml"))
            except RulesFileError as exc:
                return error_response(422, "invalid_rules", str(exc))
        try:
            return await replay(
                store, settings, source="store", start=_when(start), end=_when(end), rules=files
            )
        except ValueError as exc:
            return error_response(422, "invalid_window", str(exc))
        except ReplayError as exc:
            return error_response(422, "replay_failed", str(exc))

    async def review_page(
        _: Viewer,
        start: From = None,
        end: To = None,
        rules: Rules = [],  # noqa: B006
    ) -> Response:
        """The review of a window as a page (plots, sortable tables, what-ifs)."""
        result = await build(start, end, rules)
        if isinstance(result, Response):
            return result
        return HTMLResponse(render_html(result), headers={"Content-Security-Policy": REPORT_CSP})

    # A page for a browser: not logged in, it answers a page linking to the login, not JSON.
    router.add_api_route(
        "/review",
        review_page,
        methods=["GET"],
        response_class=HTMLResponse,
        responses=_NOT_LOGGED_IN,
        route_class_override=PageRoute,
    )

    @router.get("/api/v1/review", responses=_NOT_LOGGED_IN)
    async def review_json(
        _: Viewer,
        start: From = None,
        end: To = None,
        rules: Rules = [],  # noqa: B006
    ) -> Response:
        """The review of a window as JSON (the report's twin)."""
        result = await build(start, end, rules)
        if isinstance(result, Response):
            return result
        return Response(result.model_dump_json(), media_type="application/json")

    return router
