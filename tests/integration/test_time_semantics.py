"""Time semantics end to end: the README's example warning, posted now, gives notices that can
be acknowledged (by the app's token and by the link); an old or expired warning is recorded
as stale and starts nothing; a time out of its window is refused at the door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import BEIJING
from services.core.store import Store
from tests.integration.helpers import app_tokens, officer_bearer, running, wait_until

pytestmark = pytest.mark.integration

PERSONS = 3183


def readme_example(issued_at: datetime) -> dict[str, str]:
    """The warning of the README's curl example, issued at ``issued_at`` (Beijing time)."""
    local = issued_at.astimezone(BEIJING).replace(microsecond=0)
    return {
        "id": f"44030041600000_{local.strftime('%Y%m%d%H%M%S')}",
        "hazard": "typhoon",
        "colour": "blue",
        "issued_at": local.isoformat(),
    }


async def received(sanfang, signal_id: str) -> dict | None:  # type: ignore[no-untyped-def]
    """The rules' record of a warning (written with its decisions, in one transaction)."""
    found = (await sanfang.http.get("/api/v1/warnings")).json()
    return next((w for w in found if w["signal_id"] == signal_id), None)


async def test_the_readme_warning_posted_now_gives_notices_that_can_be_acknowledged(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    async with running(settings, broker.bootstrap) as sanfang:
        warning = readme_example(datetime.now(UTC))
        posted = await sanfang.http.post("/api/v1/warnings", json=warning)
        assert posted.status_code == 202, posted.text

        async def notified() -> bool:
            found = (await sanfang.http.get("/api/v1/responses")).json()
            return bool(found) and found[0]["counts"]["notified"] == PERSONS

        await wait_until(notified, within=90, what="3,183 notices of the README's warning")
        record = await received(sanfang, warning["id"])
        assert record is not None
        assert (record["stale"], record["acted"]) == (None, True)

        async with Store(database_url) as store, store.read() as conn:
            n = tables.notices.c
            rows = (await conn.execute(select(n.notice_id, n.ack_by).limit(2))).all()
        sent = datetime.now(UTC)
        for row in rows:  # the deadline is ahead: counted from when the notice was sent
            assert sent < row.ack_by <= sent + timedelta(minutes=settings.ack_minutes)
        (by_app, by_link) = [row.notice_id for row in rows]
        tokens = await app_tokens(database_url, [by_app, by_link])

        app_ack = await sanfang.http.post("/api/v1/acks", json={"notice_id": by_app, "token": tokens[by_app]})
        assert app_ack.status_code == 202, app_ack.text
        page = await sanfang.http.get(f"/ack/{by_link}", params={"t": tokens[by_link]})
        assert page.status_code == 200, page.text
        link_ack = await sanfang.http.post(f"/ack/{by_link}", params={"t": tokens[by_link]})
        assert link_ack.status_code == 200, link_ack.text
        assert "已确认收到" in link_ack.text

        async def two_acks() -> bool:
            found = (await sanfang.http.get("/api/v1/responses")).json()
            return bool(found[0]["counts"]["acknowledged"] == 2)

        await wait_until(two_acks, within=30, what="both acknowledgements counted")


@pytest.mark.parametrize(
    ("when", "expires", "reason"),
    [
        # The README's example as it used to be written: issued 2024-06-01, no expiry.
        (datetime(2024, 6, 1, 8, 0, tzinfo=BEIJING), None, "old"),
        # An hour old, but its expiry has passed.
        (datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) - timedelta(minutes=1), "expired"),
    ],
)
async def test_a_stale_warning_is_recorded_as_stale_and_starts_nothing(
    broker: EmbeddedBroker, settings_factory, when: datetime, expires: datetime | None, reason: str
) -> None:
    settings = settings_factory()
    async with running(
        settings, broker.bootstrap, frozenset({"ingest", "rules", "recorder", "console"})
    ) as sanfang:
        warning = readme_example(when)
        if expires is not None:
            warning["expires_at"] = expires.isoformat()
        posted = await sanfang.http.post("/api/v1/warnings", json=warning)
        assert posted.status_code == 202, posted.text

        async def recorded() -> bool:
            return await received(sanfang, warning["id"]) is not None

        await wait_until(recorded, within=30, what="the rules to receive the warning")
        record = await received(sanfang, warning["id"])
        assert record is not None
        assert (record["stale"], record["acted"]) == (reason, False)
        assert record["stale_note"]
        # Decisions are written in the transaction that recorded it: none was taken.
        assert (await sanfang.http.get("/api/v1/responses")).json() == []
        stale_only = (await sanfang.http.get("/api/v1/warnings", params={"stale": "true"})).json()
        assert [w["signal_id"] for w in stale_only] == [warning["id"]]
        assert (await sanfang.http.get("/api/v1/warnings", params={"stale": "false"})).json() == []


@pytest.mark.parametrize(
    ("issued_at", "reason"),
    [
        ("9999-12-31T23:59:59-12:00", "invalid_time"),
        ("0001-01-01T00:00:00+08:00", "invalid_time"),
        ("1999-06-01T08:00:00+08:00", "invalid_time"),
        ((datetime.now(UTC) + timedelta(days=2)).isoformat(), "future_time"),
    ],
)
async def test_a_warning_time_out_of_its_window_is_refused_with_a_dead_letter(
    broker: EmbeddedBroker, settings_factory, issued_at: str, reason: str
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap, frozenset({"ingest", "recorder"})) as sanfang:
        body = {"id": "w-time", "hazard": "typhoon", "colour": "blue", "issued_at": issued_at}
        answer = await sanfang.http.post("/api/v1/warnings", json=body)
        assert answer.status_code == 422, answer.text
        error = answer.json()
        assert (error["error"], error["path"]) == (reason, "issued_at")
        viewer = await officer_bearer(sanfang)
        letters = (
            await sanfang.http.get("/api/v1/deadletters", params={"reason": reason}, headers=viewer)
        ).json()
        assert [letter["event_id"] for letter in letters] == [error["dead_letter_id"]]
        # Nothing else is hurt: a good warning right after is taken.
        good = await sanfang.http.post("/api/v1/warnings", json=readme_example(datetime.now(UTC)))
        assert good.status_code == 202, good.text
