"""A consumer loop knows how far behind its topics it is: what the broker holds past its
position, plus what it has in hand and not yet committed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from schemas.deadletter import DeadLetter
from schemas.topics import Topic
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus, ConsumerLoop, Received
from tests.integration.helpers import wait_until

pytestmark = [pytest.mark.integration]


def _letter(n: int) -> DeadLetter:
    return DeadLetter(event_id=f"lag-{n}", occurred_at=datetime.now(UTC), source="test", reason="lag")


async def test_lag_counts_what_is_published_and_in_hand_until_it_is_handled(
    settings_factory, broker: EmbeddedBroker
) -> None:
    settings = settings_factory(topic_partitions=1)
    gate = asyncio.Event()
    handled: list[str] = []

    async def handler(received: Sequence[Received]) -> None:
        await gate.wait()
        handled.extend(item.event.event_id for item in received)

    async with Bus(settings, broker.bootstrap) as bus:
        await bus.ensure_topics()
        loop = ConsumerLoop(bus, group="lag-test", topics=[Topic.DEADLETTER], handler=handler)
        assert await loop.lag() is None  # not started: no answer rather than a guess
        task = asyncio.create_task(loop.run())
        try:

            async def assigned() -> bool:
                return await loop.lag() == 0

            await wait_until(assigned, within=30, what="the loop joined with nothing to read")
            for n in range(3):
                await bus.publish(_letter(n))

            async def behind() -> bool:
                return await loop.lag() == 3

            # Published and fetched but held by the handler: still three behind.
            await wait_until(behind, within=30, what="lag 3 while the handler waits")
            gate.set()

            async def caught_up() -> bool:
                return await loop.lag() == 0

            await wait_until(caught_up, within=30, what="lag 0 once handled and committed")
            assert handled == ["lag-0", "lag-1", "lag-2"]
        finally:
            loop.stop()
            await task
