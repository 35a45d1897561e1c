"""The district at a glance in a real headless Chromium, at a duty-room 1366×768: a rainstorm
orange signal for four streets gives one group of four proposals on one line each; the officer
reads why under one, confirms one street alone, rejects one alone, confirms the other two as a
group; the schematic map colours the three streets; clicking a street (by keyboard) shows its
response; its board fills live (bars, who has not answered, the timeline). No console error
and no failed request in any view; a screenshot of each in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.core.broker import EmbeddedBroker
from tests.e2e.problems import watch_problems
from tests.e2e.test_console_browser import until_above
from tests.integration.console.conftest import PASSWORD
from tests.integration.console.stack import add_officer, notice_ids
from tests.integration.helpers import app_tokens, officer_bearer, running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

STREETS = ["松岗", "沙井", "福永", "福海"]


async def test_map_grouped_proposals_and_live_board(
    broker: EmbeddedBroker, settings_factory: Any, browser: Any, artifacts: Path
) -> None:
    settings = settings_factory(console_board_poll_ms=100)
    async with running(settings, broker.bootstrap) as sanfang:
        await add_officer(sanfang, "li.na", "李娜")
        issued = datetime.now(UTC).replace(microsecond=0)
        warning = {
            "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
            "hazard": "rainstorm",
            "colour": "orange",
            "streets": STREETS,
            "issued_at": issued.isoformat(),
            "headline": "宝安区气象台发布松岗、沙井、福永、福海街道暴雨橙色预警信号",
        }
        assert (await sanfang.http.post("/api/v1/warnings", json=warning)).status_code == 202

        async def four() -> bool:
            proposed = await sanfang.http.get("/api/v1/responses", params={"state": "proposed"})
            return len(proposed.json()) == 4

        await wait_until(four, within=30, what="four street proposals")

        page = await browser.new_page(viewport={"width": 1366, "height": 768})
        # The live stream is closed on purpose when leaving the board.
        problems = watch_problems(page, stream_suffix="/board/stream")
        base = f"http://127.0.0.1:{settings.port}"
        await page.goto(f"{base}/console/")
        await page.fill("#username", "li.na")
        await page.fill("#password", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#district-map svg")

        # One group, one line per street, each with its evidence (the signal) on the line.
        group = page.locator("#proposals li.group")
        await group.first.wait_for()
        assert await group.count() == 1
        lines = group.locator("li.line")
        assert await lines.count() == 4
        head = await group.locator(".head").inner_text()
        assert "4个街道" in head, head
        assert "Ⅲ级" in head, head
        assert "暴雨橙色预警信号" in await lines.first.locator(".evidence").inner_text()
        # The whole explanation is folded: open one by keyboard.
        why = lines.first.locator("details")
        assert not await why.get_attribute("open")
        await why.locator("summary").focus()
        await page.keyboard.press("Enter")
        assert await why.get_attribute("open") is not None
        assert "waits for a duty officer" in await why.inner_text()
        assert await page.locator("#district-map .street.lv-none").count() == 10
        await page.screenshot(path=str(artifacts / "console-glance-proposals.png"))

        ids = {s: await _line(page, s) for s in ("松岗", "沙井")}
        note = group.locator("[data-testid=note]")
        await note.fill("会商同意")
        await page.locator(f"li.line[data-response='{ids['松岗']}'] [data-testid=confirm]").click()
        await _until_lines(page, 3)
        await note.fill("沙井已有排涝力量，暂不启动")
        await page.locator(f"li.line[data-response='{ids['沙井']}'] [data-testid=reject]").click()
        await _until_lines(page, 2)
        await note.fill("会商同意")
        await group.locator("[data-testid=confirm-group]").click()
        await _until_lines(page, 0)

        # The map: the three confirmed streets at level III, the rejected one and the rest none.
        for _ in range(100):
            if await page.locator("#district-map .street.lv-3").count() == 3:
                break
            await page.wait_for_timeout(200)
        tiles = await page.locator("#district-map .street.lv-3").all()
        coloured = {await g.get_attribute("data-street") for g in tiles}
        assert coloured == {"songgang", "fuyong", "fuhai"}
        assert await page.locator("#district-map [data-street=shajing].lv-none").count() == 1

        # A street by keyboard: its responses, proposals and notice progress.
        await page.locator("#district-map [data-street=songgang]").focus()
        await page.keyboard.press("Enter")
        detail = page.locator("#street-detail")
        await detail.wait_for()
        assert "松岗街道" in await detail.inner_text()
        link = detail.locator("a").first
        await link.wait_for()
        await page.screenshot(path=str(artifacts / "console-glance-map.png"))

        # Its board, live: the persons acknowledge and the bars and the timeline follow.
        await link.click()
        await page.wait_for_selector("#board-view:not([hidden])")
        await until_above(page, "t-notified", 0)
        response_id = ids["松岗"]
        viewer = await officer_bearer(sanfang)
        notices = await notice_ids(sanfang, response_id, viewer, at_least=2)
        tokens = await app_tokens(settings.database_url_effective, notices[:2])
        before = int(await page.inner_text("#t-acknowledged"))
        for notice_id in notices[:2]:
            body = {"notice_id": notice_id, "token": tokens[notice_id], "channel": "app"}
            assert (await sanfang.http.post("/api/v1/acks", json=body)).status_code == 202
        await until_above(page, "t-acknowledged", before + 1)
        assert await page.locator("#by-street .bar-row").count() >= 1
        for _ in range(50):
            text = await page.locator("#timeline").inner_text()
            if "信号 Signal" in text and ("已确认 2" in text or "已确认 1" in text):
                break
            await page.wait_for_timeout(200)
        assert "信号 Signal" in text, text
        assert "已确认 2" in text or "已确认 1" in text, text
        assert await page.locator("#board-map .street.lit").count() == 1
        await page.screenshot(path=str(artifacts / "console-glance-board.png"))

        await page.click("#back")
        await page.wait_for_selector("#home-view:not([hidden])")
        await page.set_viewport_size({"width": 360, "height": 740})  # a phone
        await page.wait_for_selector("#district-map svg")
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"the page is {width} px wide on a 360 px phone"
        await page.screenshot(path=str(artifacts / "console-glance-phone.png"), full_page=True)
        assert problems == [], problems


async def _line(page: Any, street: str) -> str:
    line = page.locator("#proposals li.line", has_text=f"{street}街道").first
    value = await line.get_attribute("data-response")
    assert value
    return str(value)


async def _until_lines(page: Any, count: int) -> None:
    for _ in range(100):
        if await page.locator("#proposals li.line").count() == count:
            return
        await page.wait_for_timeout(200)
    shown = await page.locator("#proposals li.line").count()
    raise AssertionError(f"{shown} proposals shown, wanted {count}")
