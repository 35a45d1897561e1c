"""Simulated "一键通" apps: receive notices over MQTT (each an ``AppNotice``) and acknowledge
over the HTTP API with the notice's ack token.

Each simulated person answers after a delay drawn from a seeded generator: most within
seconds, some late, a few never, so the board fills the way it would on a real day.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiomqtt
import httpx

from schemas.notices import AppNotice

__all__ = ["AppFleet"]


@dataclass
class AppFleet:
    """Every person's app, sharing one MQTT connection and one HTTP client."""

    mqtt_host: str
    mqtt_port: int
    root: str
    api: str
    seed: int = 7
    never: float = 0.03
    late: float = 0.2
    speed: float = 1.0
    received: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[AppFleet]:
        """Receive and acknowledge in the background while the block runs."""
        rng = random.Random(self.seed)  # noqa: S311 - a simulation, not a secret
        async with (
            aiomqtt.Client(self.mqtt_host, self.mqtt_port, max_queued_incoming_messages=0) as client,
            httpx.AsyncClient(base_url=self.api, timeout=30) as http,
        ):
            # One wildcard subscription stands for thousands of phones; QoS 0 so the
            # broker's per-client queue limit never drops messages for this observer.
            await client.subscribe(f"{self.root}/notices/#", qos=0)
            limit = asyncio.Semaphore(20)
            acks: set[asyncio.Task[None]] = set()

            async def acknowledge(notice_id: str, token: str, delay: float) -> None:
                await asyncio.sleep(delay / self.speed)
                body = {"notice_id": notice_id, "token": token, "channel": "app"}
                async with limit:
                    answer = await http.post("/api/v1/acks", json=body)
                if answer.status_code == 202:
                    self.acknowledged.add(notice_id)

            async def receive() -> None:
                async for message in client.messages:
                    if message.retain:
                        # Kept by the broker from an earlier run (notices are published retained,
                        # so a phone that was off gets its last notice); not this run's.
                        continue
                    notice = AppNotice.model_validate_json(bytes(message.payload))
                    notice_id, token = notice.event_id, notice.ack_token
                    if notice_id in self.received or token is None:
                        continue  # seen, or it asks no ack (and so carries no token)
                    self.received.add(notice_id)
                    draw = rng.random()
                    if draw < self.never:
                        continue
                    delay = rng.uniform(20, 60) if draw < self.never + self.late else rng.expovariate(1 / 4)
                    task = asyncio.create_task(acknowledge(notice_id, token, delay))
                    acks.add(task)
                    task.add_done_callback(acks.discard)

            receiver = asyncio.create_task(receive())
            try:
                yield self
            finally:
                receiver.cancel()
                for task in list(acks):
                    task.cancel()
                await asyncio.gather(receiver, *acks, return_exceptions=True)
