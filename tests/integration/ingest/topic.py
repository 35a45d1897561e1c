"""Reading a topic with a plain aiokafka consumer, as an outside observer of Sanfang would."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer


async def read_topic(
    bootstrap: str, topic: str, *, until: Callable[[list[dict[str, Any]]], bool], within: float = 30
) -> list[dict[str, Any]]:
    """Every event on ``topic`` from the start, read until ``until(events)`` holds.

    Events of one partition keep their order; the list is partition by partition.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    try:
        while not until(events):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {within} s reading {topic}; got {len(events)} events")
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                events += [json.loads(record.value) for record in records]
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return events
