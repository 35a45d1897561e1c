"""A proposal overtaken while it waits, in a real headless Chromium at 1366×768: a rainstorm
orange signal for Songgang asks the duty officer for a street level III response; before
anyone answers, typhoon yellow starts the district-wide level III response, which covers
Songgang. The street's proposal leaves the queue and is listed as closed with that reason;
the map shows the district response round every street. No console error and no failed
request; a screenshot in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.broker import EmbeddedBroker
from tests.e2e.problems import watch_problems
from tests.integration.console.conftest import PASSWORD
from tests.integration.console.stack import add_officer
from tests.integration.helpers import running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]


async def test_a_street_proposal_the_district_response_covers_is_closed_with_its_reason(
    broker: EmbeddedBroker, settings_factory: Any, browser: Any, artifacts: Path
) -> None:
    settings = settings_factory(console_board_poll_ms=100)
    async with running(settings, broker.bootstrap) as sanfang:
        await add_officer(sanfang, "li.na", "李娜")
        issued = datetime.now(UTC).replace(microsecond=0)
        stamp = issued.strftime("%Y%m%d%H%M%S")
        street = {
            "id": f"44030041600000_{stamp}_rs",
            "hazard": "rainstorm",
            "colour": "orange",
            "streets": ["松岗"],
            "issued_at": issued.isoformat(),
            "headline": "宝安区气象台发布松岗街道暴雨橙色预警信号",
        }
        assert (await sanfang.http.post("/api/v1/warnings", json=street)).status_code == 202

        async def proposed() -> bool:
            rows = await sanfang.http.get("/api/v1/responses", params={"state": "proposed"})
            return len(rows.json()) == 1

        await wait_until(proposed, within=30, what="the Songgang proposal")

        page = await browser.new_page(viewport={"width": 1366, "height": 768})
        problems = watch_problems(page)
        await page.goto(f"http://127.0.0.1:{settings.port}/console/")
        await page.fill("#username", "li.na")
        await page.fill("#password", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#district-map svg")
        line = page.locator("#proposals li.line", has_text="松岗街道")
        await line.wait_for()
        assert await page.locator("#closed li").count() == 0

        typhoon = {
            "id": f"44030041600000_{stamp}_ty",
            "hazard": "typhoon",
            "colour": "yellow",
            "issued_at": issued.isoformat(),
            "headline": "宝安区气象台发布台风黄色预警信号",
        }
        assert (await sanfang.http.post("/api/v1/warnings", json=typhoon)).status_code == 202

        # The queue empties by itself; the proposal is listed as closed, with why.
        closed = page.locator("#closed li[data-testid=closed]")
        await closed.first.wait_for(state="attached", timeout=30_000)
        for _ in range(100):
            if await page.locator("#proposals li.line").count() == 0:
                break
            await page.wait_for_timeout(200)
        assert await page.locator("#proposals li.line").count() == 0
        await page.locator("#closed-box summary").click()
        text = await closed.first.inner_text()
        assert "松岗街道" in text, text
        assert "全区Ⅲ级应急响应已覆盖本街道" in text, text
        assert "the district-wide level III response covers this street" in text, text
        assert await page.locator("#district-map .district-ring.lv-3").count() == 1
        assert "全区Ⅲ级应急响应" in await page.locator("#district-map").inner_text()
        await page.screenshot(path=str(artifacts / "console-overtaken.png"))
        assert problems == [], problems
