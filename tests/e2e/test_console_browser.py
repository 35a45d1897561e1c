"""The duty console in a real headless Chromium: an officer logs in, sees the rules'
proposal, confirms it, and watches the board's acknowledged count rise as persons
acknowledge; sends a manual notice from the form and acknowledges it for someone; the audit
log then holds each of their actions, in order, under their name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.console.conftest import PASSWORD
from tests.integration.console.stack import add_officer, notice_ids, propose_songgang
from tests.integration.helpers import app_tokens, running

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

UNIT = "U008"  # 松岗街道办事处 in the generated Bao'an directory


async def test_officer_confirms_a_proposal_and_watches_the_board_fill(
    broker: EmbeddedBroker, settings_factory: Any, browser: Any, artifacts: Path
) -> None:
    settings = settings_factory(console_board_poll_ms=100)
    async with running(settings, broker.bootstrap) as sanfang:
        await add_officer(sanfang, "zhang.wei", "张伟")
        proposal = await propose_songgang(sanfang)
        response_id = proposal["response_id"]

        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []

        async def answer_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            await dialog.accept("电话确认 by phone")

        page.on("dialog", answer_dialog)
        base = f"http://127.0.0.1:{settings.port}"
        await page.goto(f"{base}/console/")
        await page.fill("#username", "zhang.wei")
        await page.fill("#password", PASSWORD)
        await page.click("#login-form button[type=submit]")
        await page.wait_for_selector("#officer:has-text('张伟')")

        card = page.locator(f"#proposals li[data-response='{response_id}']")
        await card.wait_for()
        assert "Ⅳ级" in await card.inner_text()
        # The warning that raised it is listed among those received, fresh (not marked stale).
        received = page.locator("#warnings [data-testid=warning]")
        await received.first.wait_for()
        assert await page.locator("#warnings [data-testid=stale]").count() == 0
        line = page.locator(f"li[data-response='{response_id}']")
        await page.locator("#proposals li.group", has=line).locator("[data-testid=note]").fill("会商同意启动")
        await card.locator("[data-testid=confirm]").click()

        # The rules activate, dispatch notifies; the response appears among the active ones.
        board_link = page.locator(f"#active li[data-response='{response_id}'] [data-testid=open-board]")
        for _ in range(60):
            if await board_link.count():
                break
            await page.wait_for_timeout(500)
            await page.reload()
        await board_link.click()
        await page.wait_for_selector("#board-view:not([hidden])")
        await until_above(page, "t-notified", 0)

        officer_headers = await _bearer(sanfang)
        ids = await notice_ids(sanfang, response_id, officer_headers, at_least=3)
        tokens = await app_tokens(settings.database_url_effective, ids[:3])  # what their apps were pushed
        seen = [int(await page.inner_text("#t-acknowledged"))]
        for notice_id in ids[:3]:
            body = {"notice_id": notice_id, "token": tokens[notice_id], "channel": "app"}
            answer = await sanfang.http.post("/api/v1/acks", json=body)
            assert answer.status_code == 202
            await until_above(page, "t-acknowledged", seen[-1])
            seen.append(int(await page.inner_text("#t-acknowledged")))
        assert seen == sorted(seen)
        assert seen[-1] >= seen[0] + 3

        # Acknowledge on someone's behalf from the board (the page asks for the reason).
        await page.locator("#pending button").first.click()
        await until_above(page, "t-acknowledged", seen[-1])
        assert dialogs
        assert "代" in dialogs[0]
        await page.screenshot(path=str(artifacts / "console-board.png"))

        # Send a manual notice to one unit from the form (the page asks to confirm the reach),
        # see it listed and sent, and acknowledge it for one of its persons.
        await page.click("#back")
        await page.click("#open-notices")
        await page.check(f"#unit-list input[value={UNIT}]")
        await page.fill("#notice-title", "防汛会商")
        await page.fill("#notice-text", "请单位负责人今晚8时前到区三防指挥部参加会商")
        await page.click("#notice-form button[type=submit]")
        await page.wait_for_selector("#notice-result:has-text('已提交')")
        assert "将发送「防汛会商」给" in dialogs[-1]
        sent = page.locator("#manual-notices li", has_text="防汛会商")
        await until_text(sent.locator("[data-testid=status]"), "已发送")
        await sent.locator("summary").click()
        await sent.locator("[data-testid=ack-for]").first.click()
        await until_text(sent, "已确认 1")
        listed = (await sanfang.http.get("/api/v1/notices/manual", headers=officer_headers)).json()
        assert (listed[0]["title"], listed[0]["counts"]["acknowledged"]) == ("防汛会商", 1)
        await page.screenshot(path=str(artifacts / "console-notices.png"), full_page=True)
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await page.screenshot(path=str(artifacts / "console-notices-phone.png"))

        await page.click("#logout")
        await page.wait_for_selector("#login-view:not([hidden])")

        audit = await sanfang.http.get(
            "/api/v1/audit", params={"actor": "zhang.wei"}, headers=await _auditor(sanfang)
        )
        lines = [(line["action"], line["actor_name"]) for line in audit.json()]
        assert lines == [
            ("auth.login", "张伟"),
            ("proposal.confirm", "张伟"),
            ("ack.on_behalf", "张伟"),
            ("notice.manual", "张伟"),
            ("ack.on_behalf", "张伟"),
            ("auth.logout", "张伟"),
        ], lines
        confirm = audit.json()[1]
        assert confirm["target"] == f"response:{response_id}"
        assert confirm["after"]["note"] == "会商同意启动"
        assert confirm["source_ip"] == "127.0.0.1"
        (artifacts / "console-audit.json").write_text(audit.text, encoding="utf-8")


async def until_above(page: Any, element_id: str, value: int, within: float = 15) -> None:
    """Wait until the number the page shows in ``element_id`` is above ``value``. Polled from
    Python: the page's CSP forbids the string evaluation ``wait_for_function`` would need."""
    for _ in range(int(within / 0.1)):
        if int(await page.inner_text(f"#{element_id}")) > value:
            return
        await page.wait_for_timeout(100)
    raise AssertionError(
        f"#{element_id} stayed at {await page.inner_text(f'#{element_id}')} (wanted > {value})"
    )


async def until_text(locator: Any, text: str, within: float = 20) -> None:
    """Wait until ``locator`` shows ``text`` (the list of manual notices refreshes every 5 s)."""
    for _ in range(int(within / 0.2)):
        if text in await locator.inner_text():
            return
        await locator.page.wait_for_timeout(200)
    raise AssertionError(f"{await locator.inner_text()!r} never showed {text!r}")


async def _bearer(sanfang: Any) -> dict[str, str]:
    """A viewer's token for the test's own reads (not the browser officer's, so the officer's
    audit lines are only what they did in the page)."""
    from schemas.console import Role

    await add_officer(sanfang, "watcher", "观察", Role.VIEWER)
    login = await sanfang.http.post("/api/v1/auth/login", json={"username": "watcher", "password": PASSWORD})
    sanfang.http.cookies.clear()
    return {"Authorization": f"Bearer {login.json()['token']}"}


async def _auditor(sanfang: Any) -> dict[str, str]:
    from schemas.console import Role

    await add_officer(sanfang, "auditor", "审计", Role.ADMINISTRATOR)
    login = await sanfang.http.post("/api/v1/auth/login", json={"username": "auditor", "password": PASSWORD})
    sanfang.http.cookies.clear()
    return {"Authorization": f"Bearer {login.json()['token']}"}
