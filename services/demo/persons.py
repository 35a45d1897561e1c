"""The simulated responsible persons of every demo scenario: their "一键通" apps take each
notice over MQTT (an ``AppNotice``, whose ack token the app sends back with its ack), logged
in as the production ACL expects, and each person answers at a time drawn for that notice —
most promptly in the app, some late by SMS reply or a keypress on the voice call the
escalation placed (when a sandbox gateway runs), a few never. The draw is seeded by the
notice id, so a replay answers the same way whatever order the notices arrive in.

>>> async def demo(persons: LivePersons) -> None:  # doctest: +SKIP
...     async with persons.listening():
...         ...  # the agenda now holds every ack to come
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import aiomqtt
import httpx

from schemas.envelope import derived_id
from schemas.notices import AppNotice, Channel
from services.core.settings import Settings
from services.demo.agenda import Agenda
from services.demo.season.people import Behaviour, ack_channel, ack_delay
from services.dispatch.app_acks import ack_topic
from services.dispatch.domain.directory import Directory
from services.sandbox.server import SandboxGateway

__all__ = ["LivePersons", "Tally"]

log = logging.getLogger(__name__)


@dataclass
class Tally:
    """What the persons did, for the live view (the event store is the record)."""

    received: int = 0
    never: int = 0
    acked: Counter[str] = field(default_factory=Counter)
    refused: int = 0


@dataclass
class LivePersons:
    """Every person's app and phone, answering on the agenda; with no ``gateway`` no SMS or
    call reaches anyone, so every answer goes by app."""

    settings: Settings
    directory: Directory
    agenda: Agenda
    api: httpx.AsyncClient
    gateway: SandboxGateway | None
    seed: int = 2024
    behaviour: Behaviour = field(default_factory=Behaviour)
    tally: Tally = field(default_factory=Tally)
    #: Answers sent at once, the rest waiting their turn (None: no limit). Thousands of acks
    #: queued in one HTTP client's connection pool at once slow the whole process down.
    at_once: int | None = None
    last_heard: float = 0.0
    _seen: set[str] = field(default_factory=set)
    _client: aiomqtt.Client | None = None
    _running: set[asyncio.Task[None]] = field(default_factory=set)
    _limit: asyncio.Semaphore | None = None

    @property
    def in_flight(self) -> int:
        """Acks being sent right now."""
        return len(self._running)

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[LivePersons]:
        """Receive notices in the background while the block runs."""
        s = self.settings
        password = s.mqtt_password.get_secret_value() if s.mqtt_password else None
        async with aiomqtt.Client(
            s.mqtt_host,
            s.mqtt_port,
            username=s.mqtt_username,
            password=password,
            max_queued_incoming_messages=0,
        ) as client:
            self._client = client
            self._limit = asyncio.Semaphore(self.at_once) if self.at_once else None
            # One wildcard subscription stands for every phone; QoS 0 so the broker's queue
            # limit per client never drops notices for this one observer.
            await client.subscribe(f"{s.mqtt_topic_root}/notices/#", qos=0)
            receiver = asyncio.create_task(self._receive(client))
            try:
                yield self
            finally:
                receiver.cancel()
                for task in list(self._running):
                    task.cancel()
                await asyncio.gather(receiver, *self._running, return_exceptions=True)
                self._client = None

    async def _receive(self, client: aiomqtt.Client) -> None:
        loop = asyncio.get_running_loop()
        async for message in client.messages:
            self.last_heard = loop.time()
            if message.retain:
                continue  # kept by the broker from an earlier run: not a notice of this season
            self.take(AppNotice.model_validate_json(bytes(message.payload)))

    def take(self, notice: AppNotice) -> None:
        """Put the person's answer to ``notice`` (the MQTT payload) on the agenda."""
        notice_id, person_id, token = notice.event_id, notice.person_id, notice.ack_token
        if notice_id in self._seen or token is None:
            return  # seen, or it asks no ack (and so carries no token)
        self._seen.add(notice_id)
        self.tally.received += 1
        rng = random.Random(f"{self.seed}:{notice_id}")  # noqa: S311 - a reproducible simulation
        delay = ack_delay(rng, self.behaviour)
        if delay is None:
            self.tally.never += 1
            return
        channel = ack_channel(delay, rng)
        over_mqtt = rng.random() < self.behaviour.over_mqtt
        action = partial(self._answer, notice_id, person_id, token, channel, over_mqtt)
        self.agenda.add(notice.occurred + timedelta(seconds=delay), action)

    async def _answer(
        self, notice_id: str, person_id: str, token: str, channel: Channel, over_mqtt: bool
    ) -> None:
        task = asyncio.create_task(self._send(notice_id, person_id, token, channel, over_mqtt))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _send(
        self, notice_id: str, person_id: str, token: str, channel: Channel, over_mqtt: bool
    ) -> None:
        async with self._limit or contextlib.nullcontext():
            await self._send_now(notice_id, person_id, token, channel, over_mqtt)

    async def _send_now(
        self, notice_id: str, person_id: str, token: str, channel: Channel, over_mqtt: bool
    ) -> None:
        try:
            if channel is Channel.VOICE and await self._keypress(notice_id, person_id):
                self.tally.acked["voice"] += 1
            elif channel in (Channel.VOICE, Channel.SMS, Channel.LINK) and await self._reply(person_id):
                self.tally.acked["sms"] += 1
            else:
                await self._app(notice_id, person_id, token, over_mqtt)
                self.tally.acked["app"] += 1
        except (httpx.HTTPError, aiomqtt.MqttError) as exc:
            self.tally.refused += 1
            log.warning("the simulated ack of %s failed: %s", notice_id, exc)

    async def _app(self, notice_id: str, person_id: str, token: str, over_mqtt: bool) -> None:
        """The app acknowledges with the notice's ack token: over MQTT (the app's own path)
        or ``POST /api/v1/acks``."""
        body = {"notice_id": notice_id, "token": token}
        if over_mqtt and self._client is not None:
            payload = json.dumps(body)
            await self._client.publish(ack_topic(self.settings.mqtt_topic_root, person_id), payload, qos=1)
            return
        answer = await self.api.post("/api/v1/acks", json={**body, "channel": "app"})
        if answer.status_code != 202:
            self.tally.refused += 1

    async def _reply(self, person_id: str) -> bool:
        """Reply "1" to the escalation's SMS; False when no SMS reached this person."""
        phone = self.directory.person(person_id).phone
        if phone is None or self.gateway is None:
            return False
        answer = await self.gateway.http.post("/sandbox/reply", json={"from": phone, "text": "1"})
        return answer.status_code == 200

    async def _keypress(self, notice_id: str, person_id: str) -> bool:
        """Press 1 on the escalation's voice call about this notice; False when none was placed."""
        if self.gateway is None:
            return False
        for step in range(4):
            ref = derived_id("attempt", notice_id, str(step), "voice", person_id)
            if self.gateway.state.has("voice", ref):
                answer = await self.gateway.http.post("/sandbox/keypress", json={"ref": ref, "digits": "1"})
                return answer.status_code == 200
        return False
