"""Helpers for console tests on the whole running Sanfang: an officer's account, a
street-level proposal from a real warning, persons acknowledging through dispatch's API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from schemas.console import AccountIn, Role
from tests.integration.console.conftest import CLI, PASSWORD
from tests.integration.helpers import Sanfang, wait_until


async def add_officer(sanfang: Sanfang, username: str, name: str, role: Role = Role.DUTY_OFFICER) -> None:
    """An account in the running console."""
    console = sanfang.runtime.components["console"].handle
    await console.accounts.add(
        AccountIn(username=username, display_name=name, role=role, password=PASSWORD), by=CLI
    )


async def propose_songgang(sanfang: Sanfang) -> dict[str, Any]:
    """Post a rainstorm yellow signal for 松岗 (a mapping the bureau has not confirmed, so the
    rules only propose level IV) and return the proposal once the rules made it."""
    issued = datetime.now(UTC).replace(microsecond=0)
    warning = {
        "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
        "hazard": "rainstorm",
        "colour": "yellow",
        "streets": ["松岗"],
        "issued_at": issued.isoformat(),
        "headline": "宝安区气象台发布松岗街道暴雨黄色预警信号",
    }
    posted = await sanfang.http.post("/api/v1/warnings", json=warning)
    assert posted.status_code == 202, posted.text
    found: list[dict[str, Any]] = []

    async def proposed() -> bool:
        found[:] = (await sanfang.http.get("/api/v1/responses", params={"state": "proposed"})).json()
        return bool(found)

    await wait_until(proposed, within=30, what="the rules' proposal")
    return found[0]


async def notice_ids(
    sanfang: Sanfang, response_id: str, headers: dict[str, str], *, at_least: int = 1
) -> list[str]:
    """The notice ids of everyone on the board, once dispatch has written them."""
    ids: list[str] = []

    async def written() -> bool:
        board = (await sanfang.http.get(f"/api/v1/responses/{response_id}/board", headers=headers)).json()
        ids[:] = [p["notice_id"] for p in board.get("pending", [])]
        return len(ids) >= at_least

    await wait_until(written, within=30, what="the notices of the activation")
    return ids
