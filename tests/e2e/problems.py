"""What a page did wrong while a test drove it: console errors, page errors, failed requests and
4xx/5xx answers, collected so that a test can assert there were none."""

from __future__ import annotations

from typing import Any


def watch_problems(page: Any, *, stream_suffix: str | None = None) -> list[str]:
    """A list that fills with the page's problems from now on. ``stream_suffix``: a request
    ending so is a live stream the page closes on purpose (leaving a board), not a failure."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def failed(request: Any) -> None:
        if stream_suffix is None or not request.url.endswith(stream_suffix):
            problems.append(f"failed: {request.url} {request.failure}")

    page.on("requestfailed", failed)
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    return problems
