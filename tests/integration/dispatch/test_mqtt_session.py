"""Two dispatch processes on one Mosquitto and topic root, both on the persistent ack session
(no ``SANFANG_MQTT_SHARED_ACKS``): the takeover is noticed and said once per process, they
swap the session once per step-aside interval instead of every second, the one stepped aside
is not ready, and every ack sent meanwhile is counted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiomqtt
import pytest
from sqlalchemy import func, select

from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import ManualClock, SystemClock
from services.core.outbox import Outbox
from services.core.store import Store
from services.dispatch.acks import AckBook
from services.dispatch.app_acks import AppAckListener, ack_topic
from services.dispatch.links import AckLinks
from tests.conftest import unique
from tests.integration.dispatch.helpers import dispatch_running, notices_of_one_response, parts
from tests.integration.helpers import Sanfang, wait_until

pytestmark = [pytest.mark.integration]

NOW = datetime(2024, 5, 4, tzinfo=UTC)
PERSONS = 40


@contextlib.asynccontextmanager
async def _listening(listeners: list[AppAckListener]) -> AsyncIterator[None]:
    tasks = []
    try:
        for listener in listeners:  # one after the other: the second takes the session from the first
            tasks.append(asyncio.create_task(listener.run()))
            await wait_until(lambda: listener.subscribed, within=10, what="a listener subscribed")  # noqa: B023 - awaited here
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _ack(host: str, port: int, root: str, i: int) -> None:
    async with aiomqtt.Client(host, port) as app:
        await app.publish(ack_topic(root, f"p-{i:04d}"), json.dumps({"notice_id": f"n-{i:04d}"}), qos=1)


async def test_two_holders_of_one_ack_session_say_so_once_and_lose_no_ack(
    mqtt_server: tuple[str, int], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = mqtt_server
    root = unique("ack-session-")
    caplog.set_level(logging.INFO, logger="services.dispatch")
    async with Store(database_url) as store:
        await store.migrate()
        await notices_of_one_response(store, PERSONS, NOW)
        clock = ManualClock(NOW)
        book = AckBook(Outbox(store, clock), clock)
        links = AckLinks(b"k" * 32, "http://127.0.0.1", timedelta(hours=72))
        listeners = [AppAckListener(host, port, root, book, links, clock, step_aside=1.0) for _ in range(2)]
        async with _listening(listeners):
            # Acks keep coming while the two swap the session, several times over.
            for i in range(PERSONS):
                await _ack(host, port, root, i)
                await asyncio.sleep(0.1)

            def swapped() -> bool:
                claims = [x.claim for x in listeners if x.claim is not None]
                return len(claims) == 2 and min(c.taken_over_count for c in claims) >= 2

            await wait_until(swapped, within=30, what="each listener taken over twice")

            async def all_counted() -> bool:
                async with store.read() as conn:
                    acked = await conn.scalar(
                        select(func.count()).where(tables.notices.c.acked_at.is_not(None))
                    )
                return acked == PERSONS

            await wait_until(all_counted, within=30, what=f"all {PERSONS} acks counted")

    said = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("services.dispatch")
    ]
    assert [r.getMessage().split(":")[0] for r in said] == [
        "another process took the persistent MQTT ack session of " + repr(root) + " (one client id)"
    ] * 2, [r.getMessage() for r in said]
    assert "SANFANG_MQTT_SHARED_ACKS=true" in said[0].getMessage()
    assert "SANFANG_MQTT_TOPIC_ROOT" in said[0].getMessage()


async def test_one_listener_keeps_its_session_through_a_reconnect(
    mqtt_server: tuple[str, int], database_url: str
) -> None:
    """A restart of the same process, or a blip, is no takeover: the claim found is its own."""
    host, port = mqtt_server
    root = unique("ack-session-")
    async with Store(database_url) as store:
        await store.migrate()
        await notices_of_one_response(store, 2, NOW)
        clock = ManualClock(NOW)
        book = AckBook(Outbox(store, clock), clock)
        links = AckLinks(b"k" * 32, "http://127.0.0.1", timedelta(hours=72))
        for i in range(2):  # two lives of one dispatch, one after the other
            listener = AppAckListener(host, port, root, book, links, clock, step_aside=1.0)
            async with _listening([listener]):
                await _ack(host, port, root, i)
                await wait_until(lambda: listener.recorded == 1, within=10, what="the ack recorded")  # noqa: B023
            assert listener.claim is not None
            assert listener.claim.taken_over_count == 0


async def test_two_dispatches_on_one_session_one_is_not_ready_and_it_shows_in_metrics(
    broker: EmbeddedBroker, settings_factory, postgres_url: str
) -> None:
    first = settings_factory(database_url=postgres_url)
    second = first.model_copy(update={"port": settings_factory().port})

    async def session_check(sanfang: Sanfang) -> dict[str, object]:
        answer = await sanfang.http.get("/readyz")
        check: dict[str, object] = answer.json()["checks"]["mqtt-ack-session"]
        if not check["ok"]:
            assert answer.status_code == 503
        return check

    async with dispatch_running(first, broker.bootstrap, SystemClock()) as one:
        await wait_until(lambda: _subscribed(one), within=10, what="the first dispatch subscribed")
        async with dispatch_running(second, broker.bootstrap, SystemClock()) as two:

            async def one_stepped_aside() -> bool:
                return sorted([bool((await session_check(s))["ok"]) for s in (one, two)]) == [False, True]

            await wait_until(one_stepped_aside, within=30, what="one of the two to step aside")
            aside = one if not (await session_check(one))["ok"] else two
            assert "another process holds the MQTT ack session" in str((await session_check(aside))["detail"])
            shown = (await aside.http.get("/metrics")).text
            taken = [line for line in shown.splitlines() if line.startswith("sanfang_mqtt_ack_session_taken")]
            assert taken, shown[-2000:]
            assert float(taken[0].split()[-1]) >= 1


def _subscribed(sanfang: Sanfang) -> bool:
    listener = parts(sanfang).app_acks
    return listener is not None and listener.subscribed
