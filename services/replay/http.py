"""``/review``: the console's view of a review, the same page and JSON as the report.

    GET /review?from=2024-05-01&to=2024-06-01&rules=strict   → the HTML report
    GET /api/v1/review?from=…&to=…                           → its JSON twin

``rules`` names a file in the rules directory (``rules/strict.yaml`` → ``strict``), never a path.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from schemas.rules import RulesFile
from services.core.clock import BEIJING
from services.core.settings import Settings
from services.core.store import Store
from services.core.web import error_response
from services.replay.errors import ReplayError
from services.replay.report.html import render_html
from services.replay.run import replay
from services.rules.domain.errors import RulesFileError
from services.rules.service import read_rules_file

__all__ = ["review_router"]

_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
From = Annotated[str | None, Query(alias="from", max_length=40)]
To = Annotated[str | None, Query(alias="to", max_length=40)]
Rules = Annotated[list[str], Query(max_length=5)]


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def review_router(store: Store, settings: Settings, rules_dir: Path) -> APIRouter:
    """The review page and its JSON."""
    router = APIRouter(tags=["review"])

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

    @router.get("/review", response_class=HTMLResponse)
    async def review_page(start: From = None, end: To = None, rules: Rules = []) -> Response:  # noqa: B006
        """The review of a window as a page (plots, sortable tables, what-ifs)."""
        result = await build(start, end, rules)
        if isinstance(result, Response):
            return result
        return HTMLResponse(render_html(result))

    @router.get("/api/v1/review")
    async def review_json(start: From = None, end: To = None, rules: Rules = []) -> Response:  # noqa: B006
        """The review of a window as JSON (the report's twin)."""
        result = await build(start, end, rules)
        if isinstance(result, Response):
            return result
        return Response(result.model_dump_json(), media_type="application/json")

    return router
