"""The broker stops answering for a while: services log and retry, nothing is lost."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from services.core.broker import EmbeddedBroker
from tests.integration.helpers import NoticeWatcher, running, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PERSONS = 3183
# Issued now: a warning issued hours ago would be stale and start nothing.
WARNING = {
    "id": "w-outage",
    "hazard": "typhoon",
    "colour": "blue",
    "issued_at": datetime.now(UTC).isoformat(),
}


async def test_a_paused_broker_delays_the_flow_but_loses_nothing(
    settings_factory, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    # A short request timeout, so the pause outlasts it and the retry path really runs.
    settings = settings_factory(kafka_request_timeout_ms=3000)
    watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
    broker = EmbeddedBroker(log_file=tmp_path / "tansu.log")
    async with broker, watcher.watching(), running(settings, broker.bootstrap) as sanfang:
        broker.pause()
        try:
            # The warning is accepted while the broker is away: it waits in the outbox.
            accepted = await sanfang.http.post("/api/v1/warnings", json=WARNING)
            assert accepted.status_code == 202
            await asyncio.sleep(8)
            assert not watcher.notices
            health = await sanfang.http.get("/healthz")
            assert health.status_code == 200
        finally:
            broker.resume()

        await wait_until(
            lambda: len(watcher.notices) >= PERSONS, within=120, what="3,183 notices after the outage"
        )
        assert len(watcher.notices) == PERSONS
        assert watcher.duplicates == 0

        async def counted() -> bool:
            found = (await sanfang.http.get("/api/v1/responses")).json()
            return bool(found) and found[0]["counts"]["delivered"] == PERSONS

        await wait_until(counted, within=60, what="delivered count after the outage")
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert retries, "the outage was not logged as retries"
