"""The app push outlives a restart of its MQTT broker: the publish that fails is retryable,
and the next send connects again and the notice is retained on the broker as usual."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import pytest

from schemas.notices import AppNotice
from services.dispatch.push import MqttPush
from tests.faults.infra import PrivateMosquitto

pytestmark = pytest.mark.integration


def _notice(n: int) -> AppNotice:
    return AppNotice(
        event_id=f"N-{n}",
        occurred_at=datetime.now(UTC),
        response_id="R-1",
        response_event_id="E-1",
        person_id=f"P0000{n}",
        unit_id="U01",
        change="activated",
        level="IV",
        title="台风蓝色预警",
        text="启动Ⅳ级应急响应",
        directory_version="v1",
    )


async def _retained(port: int, topic: str) -> bytes:
    async with aiomqtt.Client("127.0.0.1", port) as reader:
        await reader.subscribe(topic, qos=1)
        async with asyncio.timeout(10):
            async for message in reader.messages:
                return bytes(message.payload)
    raise AssertionError("unreachable")


async def test_a_restarted_broker_gets_the_next_notices(tmp_path: Path) -> None:
    broker = PrivateMosquitto(tmp_path / "mqtt")
    await broker.start()
    try:
        async with MqttPush("127.0.0.1", broker.port, root="reconnect") as push:
            first = push.outgoing("a-1", _notice(1))
            assert [o.ok for o in await push.send([first])] == [True]
            await broker.restart()
            second = push.outgoing("a-2", _notice(2))
            outcomes: list[bool] = []
            for _ in range(20):  # the courier's retries, without its backoff
                (outcome,) = await push.send([second])
                outcomes.append(outcome.ok)
                if outcome.ok:
                    break
                assert outcome.retryable
                await asyncio.sleep(0.2)
            assert outcomes[-1], f"never sent again after the broker restarted: {outcomes}"
            assert b"N-2" in await _retained(broker.port, second.address)
    finally:
        await broker.stop()
