"""Replay of a warning recorded by the running services: from the store and from the Kafka
topics the same timeline, metrics that match what was done, and the page at ``/review``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.store import Store
from services.replay.run import replay
from tests.integration.helpers import app_tokens, officer_bearer, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONS = 3183
ACKED = 40
# Issued now: the ack tokens the apps are pushed expire SANFANG_ACK_LINK_HOURS after the deadline.
ISSUED = datetime.now(UTC).replace(microsecond=0)
TYPHOON_BLUE = {
    "id": f"44030041600000_{ISSUED.strftime('%Y%m%d%H%M%S')}",
    "hazard": "typhoon",
    "colour": "blue",
    "issued_at": ISSUED.isoformat(),
    "headline": "深圳市气象台发布台风蓝色预警信号",
}


async def _recorded(store: Store, kind: str) -> int:
    async with store.read() as conn:
        query = select(func.count()).select_from(tables.events).where(tables.events.c.kind == kind)
        return int((await conn.execute(query)).scalar_one())


async def test_store_and_kafka_replays_agree_and_the_metrics_are_what_happened(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory()
    async with running(settings, broker.bootstrap) as sanfang:
        assert (await sanfang.http.post("/api/v1/warnings", json=TYPHOON_BLUE)).status_code == 202
        async with Store(settings.database_url_effective) as store:

            async def delivered() -> bool:
                return await _recorded(store, "delivery") >= PERSONS

            await wait_until(delivered, within=120, what="3,183 deliveries recorded")
            async with store.read() as conn:
                notice_ids = list(
                    (await conn.execute(select(tables.notices.c.notice_id).limit(ACKED))).scalars()
                )
            # Each with the ack token its person's app was pushed (as dispatch stored the push).
            tokens = await app_tokens(settings.database_url_effective, notice_ids)
            for notice_id in notice_ids:
                body = {"notice_id": notice_id, "token": tokens[notice_id], "channel": "app"}
                answer = await sanfang.http.post("/api/v1/acks", json=body)
                assert answer.status_code == 202, answer.text

            async def acked() -> bool:
                return await _recorded(store, "ack") >= ACKED

            await wait_until(acked, within=60, what="acks recorded")
            window = {"start": ISSUED - timedelta(days=1), "end": datetime.now(UTC) + timedelta(days=1)}
            from_store = await replay(store, settings, source="store", **window)
            from_kafka = await replay(store, settings, source="kafka", bootstrap=broker.bootstrap, **window)

            # The review names persons: an officer's.
            viewer = await officer_bearer(sanfang)
            page = await sanfang.http.get("/review", headers=viewer)
            twin = await sanfang.http.get("/api/v1/review", params={"rules": "strict"}, headers=viewer)

    assert from_store.timeline == from_kafka.timeline
    assert from_store.real == from_kafka.real
    assert from_store.events == from_kafka.events
    real = from_store.real
    assert real.counts.activations == 1
    assert real.counts.notices == PERSONS
    assert real.counts.acknowledged == ACKED
    assert real.ack_rate == pytest.approx(ACKED / PERSONS)
    assert len(real.never_acknowledged) == PERSONS - ACKED
    delay = real.signal_to_activation[0]
    assert delay.source == "signal"
    assert delay.delay_seconds == 0.0
    assert real.notice_lags[0].notices == PERSONS
    kinds = [e.kind for e in from_store.timeline]
    assert kinds[:3] == ["signal.issue", "response.activated", "notices"]
    assert {"deliveries", "acks"} <= set(kinds)

    assert page.status_code == 200
    assert 'class="plot ack-curve' in page.text
    assert twin.status_code == 200
    assert twin.json()["what_ifs"][0]["rules_id"] == "baoan-strict"
