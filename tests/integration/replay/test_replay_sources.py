"""Replay of a warning recorded by the running services: from the store and from the Kafka
topics the same timeline, metrics that match what was done, and the page at ``/review``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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


def _typhoon_blue(issued: datetime) -> dict[str, str]:
    """A warning issued at ``issued``: now, when the test runs (not when it was collected, which
    in a full run is many minutes earlier and would count as the services' latency)."""
    return {
        "id": f"44030041600000_{issued.strftime('%Y%m%d%H%M%S')}",
        "hazard": "typhoon",
        "colour": "blue",
        "issued_at": issued.isoformat(),
        "headline": "深圳市气象台发布台风蓝色预警信号",
    }


async def _recorded(store: Store, kind: str) -> int:
    async with store.read() as conn:
        query = select(func.count()).select_from(tables.events).where(tables.events.c.kind == kind)
        return int((await conn.execute(query)).scalar_one())


async def test_store_and_kafka_replays_agree_and_the_metrics_are_what_happened(
    broker: EmbeddedBroker, settings_factory: Any
) -> None:
    settings = settings_factory()
    issued = datetime.now(UTC).replace(microsecond=0)
    async with running(settings, broker.bootstrap) as sanfang:
        warning = _typhoon_blue(issued)
        assert (await sanfang.http.post("/api/v1/warnings", json=warning)).status_code == 202
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
            start, end = issued - timedelta(days=1), datetime.now(UTC) + timedelta(days=1)
            from_store = await replay(store, settings, source="store", start=start, end=end)
            from_kafka = await replay(
                store, settings, source="kafka", bootstrap=broker.bootstrap, start=start, end=end
            )

            # The review names persons: an officer's.
            viewer = await officer_bearer(sanfang)
            page = await sanfang.http.get("/review", headers=viewer)
            twin = await sanfang.http.get("/api/v1/review", params={"rules": "strict"}, headers=viewer)

    assert from_store.timeline == from_kafka.timeline
    # The same figures, but for what only the store holds: when dispatch wrote each notice.
    apart = {"notice_latency": None, "notice_lags": ()}
    assert from_store.real.model_copy(update=apart) == from_kafka.real.model_copy(update=apart)
    for ours, theirs in zip(from_store.real.notice_lags, from_kafka.real.notice_lags, strict=True):
        assert (ours.first_seconds, ours.last_seconds) == (theirs.first_seconds, theirs.last_seconds)
        assert ours.written_seconds is not None
        assert theirs.written_seconds is None
    stored, carried = from_store.real.notice_latency, from_kafka.real.notice_latency
    assert stored is not None
    assert carried is not None
    assert (stored.times_from, carried.times_from) == ("store", "events")
    assert (stored.change_to_written.count, carried.change_to_written.count) == (PERSONS, 0)
    assert stored.notice_to_delivered.count == carried.notice_to_delivered.count == PERSONS
    # On the real clock the services take seconds for 3,183 notices, and the review says so.
    for spread in (stored.change_to_last, stored.change_to_written, stored.notice_to_delivered):
        assert spread.p99 is not None
        assert spread.p99 < 60, spread
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
