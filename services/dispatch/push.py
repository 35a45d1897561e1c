"""App push over MQTT: the transport of the "一键通" app.

Each notice is published with QoS 1 on ``{root}/notices/{person_id}``; the broker's
PUBACK is what "delivered to the push broker" means here.

>>> async def demo(notice: Notice) -> None:  # doctest: +SKIP
...     async with MqttPush("127.0.0.1", 1883, root="sanfang") as push:
...         results = await push.publish_many([notice])
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import TracebackType

import aiomqtt

from schemas.notices import Notice
from services.core.errors import TransientError

__all__ = ["MqttPush", "PushError", "notice_topic"]

log = logging.getLogger(__name__)
# aiomqtt warns about every queued publish beyond ten; a fan-out queues thousands on purpose.
logging.getLogger("mqtt").setLevel(logging.ERROR)


class PushError(TransientError):
    """The MQTT broker could not be reached or refused a publish."""


def notice_topic(root: str, person_id: str) -> str:
    """The topic a person's app subscribes to."""
    return f"{root}/notices/{person_id}"


class MqttPush:
    """A connection to the MQTT broker that publishes notices; an async context manager."""

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
    ) -> None:
        self.root = root
        self._client = aiomqtt.Client(
            host,
            port,
            username=username,
            password=password,
            identifier=client_id,
            max_inflight_messages=in_flight,
            timeout=timeout,
        )
        self._timeout = timeout
        self._limit = asyncio.Semaphore(in_flight * 2)

    async def __aenter__(self) -> MqttPush:
        try:
            await self._client.__aenter__()
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

    async def publish(self, notice: Notice) -> None:
        """Publish one notice and wait for the broker's PUBACK."""
        async with self._limit:
            try:
                await self._client.publish(
                    notice_topic(self.root, notice.person_id),
                    notice.model_dump_json().encode(),
                    qos=1,
                    timeout=self._timeout,
                )
            except aiomqtt.MqttError as exc:
                raise PushError(f"MQTT publish of {notice.event_id} failed: {exc}") from exc

    async def publish_many(self, notices: Sequence[Notice]) -> list[PushError | None]:
        """Publish notices concurrently; one result per notice, None where it succeeded."""
        results = await asyncio.gather(*(self.publish(n) for n in notices), return_exceptions=True)
        outcome: list[PushError | None] = []
        for result in results:
            if isinstance(result, PushError) or result is None:
                outcome.append(result)
            elif isinstance(result, BaseException):
                raise result
        return outcome
