"""The console on the whole running Sanfang (real broker, database, MQTT): an officer confirms
a real proposal, the rules activate, dispatch notifies, and the board's SSE stream shows
each acknowledgement as it is recorded."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.console.conftest import PASSWORD
from tests.integration.console.stack import add_officer, notice_ids, propose_songgang
from tests.integration.helpers import app_tokens, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_confirm_then_the_stream_shows_every_ack(broker: EmbeddedBroker, settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings = settings_factory(console_board_poll_ms=100)
    async with running(settings, broker.bootstrap) as sanfang:
        await add_officer(sanfang, "duty1", "张值班")
        login = await sanfang.http.post(
            "/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD}
        )
        officer = {"Authorization": f"Bearer {login.json()['token']}"}
        sanfang.http.cookies.clear()

        proposal = await propose_songgang(sanfang)
        response_id = proposal["response_id"]
        confirmed = await sanfang.http.post(
            f"/api/v1/proposals/{response_id}/confirm", json={"note": "同意"}, headers=officer
        )
        assert confirmed.status_code == 202, confirmed.text
        ids = await notice_ids(sanfang, response_id, officer, at_least=3)
        tokens = await app_tokens(settings.database_url_effective, ids[:2])

        boards: list[tuple[float, dict[str, Any]]] = []

        async def listen() -> None:
            url = f"/api/v1/responses/{response_id}/board/stream"
            async with sanfang.http.stream("GET", url, headers=officer) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        boards.append((time.perf_counter(), json.loads(line[6:])))

        listener = asyncio.create_task(listen())
        try:
            await wait_until(lambda: bool(boards), within=10, what="the first board")
            assert boards[-1][1]["response"]["state"] == "active"
            acked_before = boards[-1][1]["totals"]["acknowledged"]
            lags = []
            for notice_id in ids[:2]:
                sent = time.perf_counter()
                answer = await sanfang.http.post(
                    "/api/v1/acks", json={"notice_id": notice_id, "token": tokens[notice_id]}
                )  # no officer login: the person's token from the push
                assert answer.status_code == 202
                target = acked_before + len(lags) + 1
                await wait_until(
                    lambda t=target: boards[-1][1]["totals"]["acknowledged"] >= t,
                    within=15,
                    what="the ack on the board",
                )
                lags.append(next(at for at, b in boards if b["totals"]["acknowledged"] >= target) - sent)
            third = boards[-1][1]["pending"][0]
            on_behalf = await sanfang.http.post(
                f"/api/v1/responses/{response_id}/acks",
                json={"person_id": third["person_id"], "reason": "电话确认"},
                headers=officer,
            )
            assert on_behalf.status_code == 202
            await wait_until(
                lambda: boards[-1][1]["totals"]["acknowledged"] >= acked_before + 3,
                within=15,
                what="on-behalf ack",
            )
        finally:
            listener.cancel()
        history = (await sanfang.http.get(f"/api/v1/persons/{third['person_id']}", headers=officer)).json()
        assert history["notices"][0]["acks"][0]["on_behalf_by"] == "duty1"
        assert history["notices"][0]["ack_channel"] == "console"
        print(f"ack to board lag (s): {[round(lag, 3) for lag in lags]}")  # noqa: T201 - shown with -s
