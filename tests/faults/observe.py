"""What the suite sees from outside: every notice pushed over MQTT (a persistent QoS 1
session that survives broker restarts), and every ack the persons sent with the answer
they got. These are the witnesses the invariants hold the store to.

>>> async def demo(watch: NoticeWatch, persons: LivePersons) -> None:  # doctest: +SKIP
...     task = asyncio.create_task(watch.run(persons))
...     ...; watch.stop.set(); await task
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
import httpx
from pydantic import ValidationError

from schemas.notices import AppNotice
from services.demo.persons import LivePersons

__all__ = ["AckLedger", "AckPublisher", "NoticeWatch"]

log = logging.getLogger(__name__)


@dataclass
class AckLedger:
    """Acks the persons sent and that were accepted: a 2xx from the API, a PUBACK from the
    MQTT broker, or a 2xx from Sanfang's gateway webhook behind the sandbox."""

    #: notice id -> accepted acks by the app (HTTP or MQTT) or a voice keypress (by call ref).
    by_notice: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    #: call ref -> accepted keypresses (the notice is found from the ref in the store).
    keypresses: Counter[str] = field(default_factory=Counter)
    #: phone -> accepted SMS replies that Sanfang said acknowledged something.
    sms_replies: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    #: notice id -> how its accepted acks went (for the violation's message).
    channels: dict[str, set[str]] = field(default_factory=dict)

    async def on_api(self, response: httpx.Response) -> None:
        """httpx response hook of the persons' API client (``POST /api/v1/acks``)."""
        request = response.request
        if request.url.path != "/api/v1/acks":
            return
        body = json.loads(request.content)
        if response.is_success:
            self.by_notice[body["notice_id"]] += 1
            self.by_channel["app (HTTP)"] += 1
            self.channels.setdefault(body["notice_id"], set()).add("app (HTTP 2xx)")
        else:
            self.refused[f"app (HTTP) {response.status_code}"] += 1

    async def on_gateway(self, response: httpx.Response) -> None:
        """httpx response hook of the sandbox's control client (replies and keypresses)."""
        path = response.request.url.path
        if path not in ("/sandbox/reply", "/sandbox/keypress") or not response.is_success:
            return
        await response.aread()
        answer: dict[str, Any] = response.json()
        body = json.loads(response.request.content)
        status = int(answer.get("status", 0))
        applied = 200 <= status < 300 and bool((answer.get("answer") or {}).get("acknowledged"))
        channel = "sms" if path == "/sandbox/reply" else "voice"
        if not applied:
            self.refused[f"{channel} {status}"] += 1
        elif channel == "sms":
            self.sms_replies[body["from"]] += 1
            self.by_channel["sms reply"] += 1
        else:
            self.keypresses[body["ref"]] += 1
            self.by_channel["voice keypress"] += 1


@dataclass
class AckPublisher:
    """The app's MQTT side for :class:`LivePersons`: publishes an ack and, once the broker
    has taken it (QoS 1: the publish returns after the PUBACK), enters it in the ledger."""

    client: aiomqtt.Client
    ledger: AckLedger

    async def publish(self, topic: str, payload: str, qos: int = 1) -> None:
        await self.client.publish(topic, payload, qos=qos)
        notice_id = json.loads(payload)["notice_id"]
        self.ledger.by_notice[notice_id] += 1
        self.ledger.by_channel["app (MQTT)"] += 1
        self.ledger.channels.setdefault(notice_id, set()).add("app (MQTT PUBACK)")


@dataclass
class NoticeWatch:
    """Every phone at once: ``{root}/notices/#`` in a persistent session, reconnecting."""

    host: str
    port: int
    root: str
    ledger: AckLedger
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    #: notice id -> deliveries (a QoS 1 redelivery counts again); retained copies apart.
    live: Counter[str] = field(default_factory=Counter)
    retained: set[str] = field(default_factory=set)
    notices: dict[str, AppNotice] = field(default_factory=dict)
    malformed: int = 0
    reconnects: int = 0
    _identifier: str = field(default_factory=lambda: f"sanfang-faults-{uuid.uuid4().hex[:8]}")
    by_key: defaultdict[tuple[str, str, str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    async def run(self, persons: LivePersons) -> None:
        """Receive until ``stop``; every notice goes to the persons, who answer it."""
        first = True
        while not self.stop.is_set():
            try:
                async with aiomqtt.Client(
                    self.host,
                    self.port,
                    identifier=self._identifier,
                    clean_session=False,
                    max_queued_incoming_messages=0,
                ) as client:
                    await client.subscribe(f"{self.root}/notices/#", qos=1)
                    # LivePersons sends its MQTT acks through whatever client it holds.
                    persons._client = AckPublisher(client, self.ledger)  # type: ignore[assignment]
                    if not first:
                        self.reconnects += 1
                    first = False
                    await self._receive(client, persons)
            except aiomqtt.MqttError as exc:
                log.info("notice watch lost MQTT (%s); reconnecting", exc)
            finally:
                persons._client = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), 0.3)

    async def _receive(self, client: aiomqtt.Client, persons: LivePersons) -> None:
        stopper = asyncio.create_task(self.stop.wait())
        try:
            messages = aiter(client.messages)
            while True:
                getter = asyncio.ensure_future(anext(messages))
                done, _ = await asyncio.wait([getter, stopper], return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    return
                self.take(getter.result(), persons)
        finally:
            stopper.cancel()

    def take(self, message: aiomqtt.Message, persons: LivePersons) -> None:
        try:
            notice = AppNotice.model_validate_json(bytes(message.payload))  # type: ignore[arg-type]
        except (ValidationError, TypeError):
            self.malformed += 1
            return
        if message.retain:
            self.retained.add(notice.event_id)
        else:
            self.live[notice.event_id] += 1
        self.notices[notice.event_id] = notice
        self.by_key[(notice.response_id, notice.change.value, notice.level.value, notice.person_id)].add(
            notice.event_id
        )
        persons.take(notice)

    def seen(self, notice_id: str) -> bool:
        return notice_id in self.live or notice_id in self.retained
