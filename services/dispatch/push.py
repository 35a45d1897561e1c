"""App push over MQTT: the transport of the "一键通" app.

Each notice is published with QoS 1 on ``{root}/notices/{person_id}``, *retained*, with
an MQTT 5 message expiry, as an :class:`~schemas.notices.AppNotice`: the notice with the
person's ack token and link, so the broker's ACL must let only that person read the topic
(docs/dispatch.md). The broker's PUBACK is what "delivered to the push broker" means
here. Retaining does two things: a phone that (re)connects gets its latest notice, and
after a crash dispatch can ask the broker whether a publish left in doubt got through
(``already_sent``): it subscribes to those persons' topics and reads the retained
notices back, behind a marker message that tells it the broker has sent all of them (the
broker delivers to one client in order), and compares their ``event_id``.

>>> async def demo(notice: AppNotice) -> None:  # doctest: +SKIP
...     async with MqttPush("127.0.0.1", 1883, root="sanfang") as push:
...         outcomes = await push.send([push.outgoing("ref-1", notice)])
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import aiomqtt
from aiomqtt.exceptions import MqttConnectError
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from schemas.notices import AppNotice, Channel
from services.dispatch.channels.base import Outcome, Outgoing
from services.dispatch.errors import PushError

__all__ = ["MqttPush", "PushError", "notice_topic"]

log = logging.getLogger(__name__)
# aiomqtt warns about every queued publish beyond ten; a fan-out queues thousands on purpose.
logging.getLogger("mqtt").setLevel(logging.ERROR)


#: CONNACK reason code of a broker that does not speak the protocol version asked for.
_UNSUPPORTED_PROTOCOL = 132


def _code(rc: object) -> int | None:
    """A CONNACK code as a number, whether paho gives an int or a ReasonCode."""
    value = getattr(rc, "value", rc)
    return value if isinstance(value, int) else None


def notice_topic(root: str, person_id: str) -> str:
    """The topic a person's app subscribes to."""
    return f"{root}/notices/{person_id}"


class MqttPush:
    """A connection to the MQTT broker that publishes notices; an async context manager
    and the app channel's :class:`~services.dispatch.channels.base.Transport`."""

    channel = Channel.APP

    def __init__(
        self,
        host: str,
        port: int,
        *,
        root: str = "sanfang",
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        in_flight: int = 100,
        timeout: float = 10.0,
        retain_seconds: int = 86400,
    ) -> None:
        self.root = root
        self._connect = {"hostname": host, "port": port, "username": username, "password": password}
        self._client_options: dict[str, Any] = {
            "identifier": client_id,
            "max_inflight_messages": in_flight,
            "timeout": timeout,
            **self._connect,
        }
        self._client = aiomqtt.Client(protocol=aiomqtt.ProtocolVersion.V5, **self._client_options)
        self._timeout = timeout
        self._limit = asyncio.Semaphore(in_flight * 2)
        self._properties: Properties | None = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        self._properties.MessageExpiryInterval = retain_seconds
        # Set when a publish failed on the connection: the next send connects again first.
        self._broken = False
        self._reconnecting = asyncio.Lock()

    async def __aenter__(self) -> MqttPush:
        try:
            await self._client.__aenter__()
        except MqttConnectError as exc:
            if _code(exc.rc) != _UNSUPPORTED_PROTOCOL:
                raise PushError(f"cannot connect to the MQTT broker: {exc}") from exc
            # An MQTT 3.1.1 broker (the embedded amqtt, older Mosquitto): retained notices then
            # have no expiry, which the retained-notice lifetime setting documents.
            log.warning("the MQTT broker does not speak MQTT 5; using 3.1.1 (retained notices do not expire)")
            self._client = aiomqtt.Client(protocol=aiomqtt.ProtocolVersion.V311, **self._client_options)
            self._properties = None
            try:
                await self._client.__aenter__()
            except aiomqtt.MqttError as again:
                raise PushError(f"cannot connect to the MQTT broker: {again}") from again
        except aiomqtt.MqttError as exc:
            raise PushError(f"cannot connect to the MQTT broker: {exc}") from exc
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self._client.__aexit__(exc_type, exc, tb)
        except aiomqtt.MqttError as error:
            log.warning("MQTT disconnect was not clean: %s", error)

    def outgoing(self, ref: str, notice: AppNotice) -> Outgoing:
        """The message that pushes ``notice`` to its person's app."""
        return Outgoing(
            ref, notice.event_id, notice_topic(self.root, notice.person_id), notice.model_dump_json()
        )

    async def send(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        """Publish concurrently (QoS 1, retained); one outcome per message. After a lost
        connection (a broker restart), connects again first; while it cannot, the messages
        fail as retryable and the courier tries them later."""
        if self._broken:
            await self._reconnect()
        return list(await asyncio.gather(*(self._publish(m) for m in messages)))

    async def _reconnect(self) -> None:
        async with self._reconnecting:
            if not self._broken:
                return
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                async with asyncio.timeout(2):
                    await self._client.__aexit__(None, None, None)
            protocol = (
                aiomqtt.ProtocolVersion.V5 if self._properties is not None else aiomqtt.ProtocolVersion.V311
            )
            client = aiomqtt.Client(protocol=protocol, **self._client_options)
            try:
                await client.__aenter__()
            except aiomqtt.MqttError as exc:
                log.warning("app push: the MQTT broker does not answer yet (%s); retrying later", exc)
                return
            self._client, self._broken = client, False
            log.info("app push: connected to the MQTT broker again")

    async def _publish(self, message: Outgoing) -> Outcome:
        async with self._limit:
            try:
                await self._client.publish(
                    message.address,
                    message.body.encode(),
                    qos=1,
                    retain=True,
                    properties=self._properties,
                    timeout=self._timeout,
                )
            except aiomqtt.MqttError as exc:
                # No PUBACK: the broker may or may not have it; a retry asks it first.
                self._broken = True
                return Outcome.failed(message.ref, f"MQTT publish failed: {exc}", retryable=True)
        return Outcome.sent(message.ref, "accepted by the push broker (MQTT PUBACK)")

    async def already_sent(self, messages: Sequence[Outgoing], *, wait: float = 30.0) -> set[str]:
        """The refs whose notice is the one the broker retains on its topic."""
        if not messages:
            return set()
        marker = f"{self.root}/probe/{uuid.uuid4().hex}"
        wanted = {m.address: m for m in messages}
        found: set[str] = set()
        try:
            async with aiomqtt.Client(
                max_queued_incoming_messages=0,
                timeout=wait,
                **self._connect,  # type: ignore[arg-type]
            ) as probe:
                await probe.subscribe(marker, qos=0)
                topics = list(wanted)
                for start in range(0, len(topics), 100):
                    await probe.subscribe([(topic, 0) for topic in topics[start : start + 100]])
                await probe.publish(marker, b"end", qos=1)
                async with asyncio.timeout(wait):
                    async for received in probe.messages:
                        topic = str(received.topic)
                        if topic == marker:
                            break
                        message = wanted.get(topic)
                        if message is not None and _event_id(received.payload) == message.notice_id:
                            found.add(message.ref)
        except (aiomqtt.MqttError, TimeoutError) as exc:
            raise PushError(f"cannot read retained notices back from the broker: {exc}") from exc
        return found


def _event_id(payload: object) -> str | None:
    if not isinstance(payload, bytes | bytearray):
        return None
    with contextlib.suppress(ValueError, AttributeError):
        value = json.loads(payload).get("event_id")
        return value if isinstance(value, str) else None
    return None
