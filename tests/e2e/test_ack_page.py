"""The ack link's page on a 360 px wide phone, in a real Chromium: a typhoon blue signal goes
through every service, a person opens the link their notice carries, reads the page without
scrolling sideways, presses one large button, and the ack counts. No console error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from schemas.notices import AppNotice, Channel
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from tests.e2e.problems import watch_problems
from tests.integration.helpers import officer_bearer, running, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PHONE = {"width": 360, "height": 740}


async def _ack_link(database_url: str) -> tuple[str, str]:
    """A notice id and the ack link its person's app was pushed with (``dispatch_attempts``)."""
    a = dispatch_tables.attempts.c
    query = select(a.notice_id, a.body).where(a.channel == Channel.APP.value, a.step == 0).limit(50)
    async with Store(database_url) as store, store.read() as conn:
        for row in await conn.execute(query):
            pushed = AppNotice.model_validate_json(row.body)
            if pushed.ack_url:
                return row.notice_id, pushed.ack_url
    raise AssertionError("no app push carries an ack link")


async def _ack_channel(database_url: str, notice_id: str) -> str | None:
    n = tables.notices.c
    async with Store(database_url) as store, store.read() as conn:
        found = await conn.scalar(select(n.ack_channel).where(n.notice_id == notice_id))
    return None if found is None else str(found)


async def test_the_ack_page_on_a_360px_phone(
    broker: EmbeddedBroker, settings_factory: Any, browser: Any, artifacts: Path
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap) as sanfang:
        issued = datetime.now(UTC).replace(microsecond=0)
        warning = {
            "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
            "hazard": "typhoon",
            "colour": "blue",
            "issued_at": issued.isoformat(),
        }
        assert (await sanfang.http.post("/api/v1/warnings", json=warning)).status_code == 202
        headers = await officer_bearer(sanfang)

        async def notified() -> bool:
            active = await sanfang.http.get("/api/v1/responses", params={"state": "active"}, headers=headers)
            if not active.json():
                return False
            a = dispatch_tables.attempts.c
            async with Store(settings.database_url_effective) as store, store.read() as conn:
                return bool(await conn.scalar(select(a.notice_id).where(a.channel == Channel.APP.value)))

        await wait_until(notified, within=60, what="the activation's app pushes")
        notice_id, link = await _ack_link(settings.database_url_effective)
        parts = urlsplit(link)
        url = f"http://127.0.0.1:{settings.port}{parts.path}?{parts.query}"

        page = await browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        problems = watch_problems(page)
        await page.goto(url)

        title = await page.locator("h1").inner_text()
        assert title == "确认收到三防通知"
        scroll = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1] == 360, f"scrolls sideways: {scroll}"
        button = page.locator("button[type=submit]")
        box = await button.bounding_box()
        assert box is not None
        assert box["width"] >= 300, box  # full width, found by a thumb
        assert box["height"] >= 48, box  # at least a 48 px touch target
        size = await button.evaluate("b => parseFloat(getComputedStyle(b).fontSize)")
        assert size >= 20, size
        body_size = await page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_size >= 16, body_size
        await page.screenshot(path=str(artifacts / "ack-page-phone.png"), full_page=True)

        await button.tap()
        await page.wait_for_selector("h1:text('已确认')")
        assert "已确认收到" in await page.locator("p").inner_text()
        scroll = await page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= 360
        await page.screenshot(path=str(artifacts / "ack-page-phone-done.png"), full_page=True)

        async def counted() -> bool:
            return await _ack_channel(settings.database_url_effective, notice_id) == Channel.LINK.value

        await wait_until(counted, within=15, what="the link ack in the notices table")
        await page.close()
    assert problems == []
