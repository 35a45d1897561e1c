"""Acks from the app over MQTT: ``{root}/acks/{person_id}`` with ``{"notice_id": …}``,
optionally ``{"notice_id": …, "token": …}``.

Here the broker authenticates the person: its ACL lets each app user write only to its own
ack topic (docs/dispatch.md), so the person in the topic is who sent the ack, and the
person in the topic must be the notice's person. A ``token`` (the ``ack_token`` the app
was pushed with the notice) is checked when one is given: a forged or expired token, or
one of another notice or person, refuses the ack. Refused acks are logged and dropped.

The subscription is QoS 1 on a persistent session (a fixed client id, clean session off),
so acks sent while dispatch is down wait in the broker. The MQTT client acknowledges
a message to the broker when it is read, before it is recorded: an ack read just before
a crash can be lost, so the app repeats an ack until it sees the notice acknowledged
(repeats are kept, never counted twice).

>>> ack_topic("sanfang", "P00001")
'sanfang/acks/P00001'
"""

from __future__ import annotations

import json
import logging

import aiomqtt

from schemas.notices import Channel
from services.core.bus import Backoff
from services.core.clock import Clock
from services.dispatch.acks import AckBook
from services.dispatch.domain.tokens import AckClaim, TokenRefused
from services.dispatch.errors import AckRefused, UnknownNotice
from services.dispatch.links import AckLinks

__all__ = ["AppAckListener", "ack_topic"]

log = logging.getLogger(__name__)


def ack_topic(root: str, person_id: str) -> str:
    """The topic a person's app acknowledges on."""
    return f"{root}/acks/{person_id}"


class AppAckListener:
    """Listens for app acks over MQTT and records them; ``run`` reconnects after a loss."""

    def __init__(
        self,
        host: str,
        port: int,
        root: str,
        book: AckBook,
        links: AckLinks,
        clock: Clock,
        *,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._connect = {"hostname": host, "port": port, "username": username, "password": password}
        self._root = root
        self._book = book
        self._links = links
        self._clock = clock
        self.subscribed = False

    async def run(self) -> None:
        """Listen until cancelled."""
        backoff = Backoff()
        while True:
            try:
                async with aiomqtt.Client(
                    identifier=f"sanfang-dispatch-acks-{self._root}"[:64],
                    clean_session=False,
                    max_queued_incoming_messages=0,
                    **self._connect,  # type: ignore[arg-type]
                ) as client:
                    await client.subscribe(ack_topic(self._root, "+"), qos=1)
                    self.subscribed = True
                    backoff.reset()
                    async for message in client.messages:
                        await self.take(str(message.topic), message.payload)
            except aiomqtt.MqttError as exc:
                self.subscribed = False
                log.warning("app acks over MQTT: %s; reconnecting", exc)
                await backoff.wait()

    async def take(self, topic: str, payload: object) -> bool:
        """Record one app ack; False when it was refused."""
        person_id = topic.rsplit("/", 1)[-1]
        try:
            data = json.loads(payload if isinstance(payload, bytes | bytearray | str) else b"")
            notice_id = str(data["notice_id"])
            token = data.get("token")
        except (ValueError, KeyError, TypeError):
            log.warning('app ack on %s is not {"notice_id": …}', topic)
            return False
        if token is not None:
            try:
                claimed = self._links.verify(str(token), self._clock.now())
            except TokenRefused as exc:
                log.warning("app ack on %s refused: its token: %s", topic, exc)
                return False
            if claimed != AckClaim(person_id, notice_id):
                log.warning("app ack on %s refused: its token is another notice's or person's", topic)
                return False
        try:
            await self._book.record(notice_id, Channel.APP, person_id=person_id)
        except (UnknownNotice, AckRefused) as exc:
            log.warning("app ack on %s refused: %s", topic, exc)
            return False
        return True
