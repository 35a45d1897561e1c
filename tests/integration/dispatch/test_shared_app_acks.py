"""Two dispatch processes share the app acks over MQTT: each ack is recorded once, by one of
them, and both take a share (Mosquitto's $share subscription)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta

import aiomqtt
import pytest
from sqlalchemy import func, select

from services.core import tables
from services.core.clock import ManualClock
from services.core.outbox import Outbox
from services.core.store import Store
from services.dispatch.acks import AckBook
from services.dispatch.app_acks import AppAckListener, ack_topic
from services.dispatch.links import AckLinks
from tests.conftest import unique
from tests.integration.dispatch.helpers import notices_of_one_response
from tests.integration.helpers import wait_until

pytestmark = [pytest.mark.integration]

NOW = datetime(2024, 5, 4, tzinfo=UTC)
PERSONS = 60


async def test_two_listeners_share_the_acks_and_record_each_once(
    mqtt_server: tuple[str, int], database_url: str
) -> None:
    host, port = mqtt_server
    root = unique("shared-acks-")
    async with Store(database_url) as store:
        await store.migrate()
        await notices_of_one_response(store, PERSONS, NOW)
        clock = ManualClock(NOW)
        book = AckBook(Outbox(store, clock), clock)
        links = AckLinks(b"k" * 32, "http://127.0.0.1", timedelta(hours=72))
        listeners = [AppAckListener(host, port, root, book, links, clock, shared=True) for _ in range(2)]
        tasks = [asyncio.create_task(listener.run()) for listener in listeners]
        try:
            await wait_until(lambda: all(x.subscribed for x in listeners), within=10, what="both subscribed")
            async with aiomqtt.Client(host, port) as app:
                for i in range(PERSONS):
                    body = json.dumps({"notice_id": f"n-{i:04d}"})
                    await app.publish(ack_topic(root, f"p-{i:04d}"), body, qos=1)

            async def all_recorded() -> bool:
                return sum(x.recorded for x in listeners) == PERSONS

            await wait_until(all_recorded, within=30, what=f"{PERSONS} acks recorded")
            assert all(x.recorded > 0 for x in listeners), [x.recorded for x in listeners]
            async with store.read() as conn:
                acked = await conn.scalar(select(func.count()).where(tables.notices.c.acked_at.is_not(None)))
                rows = await conn.scalar(select(func.count()).select_from(tables.acks))
            assert (acked, rows) == (PERSONS, PERSONS)  # each once: no listener saw another's
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
