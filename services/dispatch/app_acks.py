"""Acks from the app over MQTT: ``{root}/acks/{person_id}`` with ``{"notice_id": …}``,
optionally ``{"notice_id": …, "token": …}``.

Here the broker authenticates the person: its ACL lets each app user write only to its own
ack topic (docs/dispatch.md), so the person in the topic is who sent the ack, and the
person in the topic must be the notice's person. A ``token`` (the ``ack_token`` the app
was pushed with the notice) is checked when one is given: a forged or expired token, or
one of another notice or person, refuses the ack. Refused acks are logged and dropped.

One dispatch process (the default) subscribes QoS 1 on a persistent session (a fixed client
id, clean session off), so acks sent while dispatch is down wait in the broker; a second
process on that session is noticed, said once and stepped aside from (``ack_session.py``). Several
dispatch processes (``SANFANG_MQTT_SHARED_ACKS=true``) cannot share one session — the broker
would disconnect each when the next connects — so each subscribes to the shared subscription
``$share/sanfang-dispatch/{root}/acks/+`` on a clean session of its own, and the broker hands
each ack to one of them; acks sent while none is connected are not kept. A message is
acknowledged to the broker (PUBACK) only once its ack is recorded (or refused): on the
persistent session an ack read just before a crash is delivered again when dispatch is back,
and while the database is away the ack waits in hand instead of being dropped. Repeats are
never counted twice. Acks are recorded concurrently (up to ``in_flight`` at once), so a
burst goes into the database in a few group commits.

>>> ack_topic("sanfang", "P00001")
'sanfang/acks/P00001'
>>> subscription("sanfang", shared=True)
'$share/sanfang-dispatch/sanfang/acks/+'
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import aiomqtt

from schemas.notices import Channel
from services.core.backoff import Backoff
from services.core.bus import is_transient
from services.core.clock import Clock
from services.dispatch.ack_session import SessionClaim
from services.dispatch.acks import AckBook
from services.dispatch.domain.tokens import AckClaim, TokenRefused
from services.dispatch.errors import AckRefused, UnknownNotice
from services.dispatch.links import AckLinks

__all__ = ["AppAckListener", "ack_topic", "subscription"]

log = logging.getLogger(__name__)


def ack_topic(root: str, person_id: str) -> str:
    """The topic a person's app acknowledges on."""
    return f"{root}/acks/{person_id}"


def subscription(root: str, *, shared: bool) -> str:
    """The topic filter dispatch subscribes to: every person's ack topic, shared or not."""
    topics = ack_topic(root, "+")
    return f"$share/sanfang-dispatch/{topics}" if shared else topics


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
        shared: bool = False,
        in_flight: int = 200,
        step_aside: float = 60.0,
    ) -> None:
        self._connect = {"hostname": host, "port": port, "username": username, "password": password}
        self._shared = shared
        self._in_flight = asyncio.Semaphore(in_flight)
        self._taking: set[asyncio.Task[None]] = set()
        self.recorded = 0  # acks this listener recorded since it started
        self.sessions_lost = 0  # reconnections that found the persistent session gone
        self._had_session = False
        self._root = root
        self._book = book
        self._links = links
        self._clock = clock
        self.subscribed = False
        # Who else holds the one persistent session; shared sessions are one per connection.
        self.claim = None if shared else SessionClaim(root, step_aside=step_aside)

    async def run(self) -> None:
        """Listen until cancelled; step aside a while when another process took the session."""
        backoff = Backoff()
        while True:
            client = aiomqtt.Client(
                identifier=self._client_id(),
                clean_session=self._shared,  # a persistent session only when it is the one
                max_queued_incoming_messages=0,
                **self._connect,  # type: ignore[arg-type]
            )
            # PUBACK only after the ack is recorded; aiomqtt does not expose paho's switch.
            client._client.manual_ack_set(True)
            session = _SessionPresent(client)
            try:
                async with client:
                    if self.claim is not None and self._had_session and session.present is False:
                        self.sessions_lost += 1
                        log.warning(
                            "the MQTT broker kept no session for dispatch's app acks of %r (it "
                            "restarted without persistence, or expired the session): acks the "
                            "broker took while dispatch was not connected are lost; give the "
                            "broker persistence with a directory it can write",
                            self._root,
                        )
                    await client.subscribe(subscription(self._root, shared=self._shared), qos=1)
                    if self.claim is not None:
                        await self.claim.connected(client)
                    self.subscribed = self._had_session = True
                    backoff.reset()
                    async for message in client.messages:
                        if self.claim is not None and message.topic.matches(self.claim.topic):
                            _puback(client, message)
                            if self.claim.taken_over(message.payload):
                                break
                            continue
                        await self._start(client, message)
            except aiomqtt.MqttError as exc:
                await self._left_over(client)
                # A dropped connection that comes straight back is no news (it is how another
                # process taking the session first looks: the claim tells that apart, once);
                # a broker that cannot be reached is.
                dropped, self.subscribed = self.subscribed, False
                quiet = dropped or (self.claim is not None and self.claim.in_conflict)
                (log.info if quiet else log.warning)("app acks over MQTT: %s; reconnecting", exc)
                await backoff.wait()
                continue
            await self._left_over(client)
            self.subscribed = False
            if self.claim is not None:
                await self.claim.step_aside()

    async def _start(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        await self._in_flight.acquire()
        task = asyncio.create_task(self._take_one(client, message))
        self._taking.add(task)
        task.add_done_callback(self._taking.discard)

    async def _left_over(self, client: aiomqtt.Client) -> None:
        """Record the acks still queued in ``client`` when its connection ended, now rather than
        when they come again: unacknowledged, the broker delivers them again to the session's
        next connection (this process's or another's), where they are repeats."""
        # aiomqtt offers no way to read them once disconnected.
        queue = client._queue
        while not queue.empty():
            message = queue.get_nowait()
            if self.claim is None or not message.topic.matches(self.claim.topic):
                await self._start(client, message)

    async def ready(self) -> tuple[bool, str]:
        """Readiness: not while this process has stepped aside from the session to another."""
        if self.claim is not None and self.claim.stepped_aside:
            return False, f"another process holds the MQTT ack session of {self._root!r} (see the log)"
        return True, "subscribed" if self.subscribed else "connecting"

    def _client_id(self) -> str:
        """One fixed id for the one persistent session; a new one per connection when shared."""
        if self._shared:
            return f"sanfang-dispatch-acks-{self._root}-{uuid.uuid4().hex[:12]}"[-64:]
        return f"sanfang-dispatch-acks-{self._root}"[:64]

    async def _take_one(self, client: aiomqtt.Client, message: aiomqtt.Message) -> None:
        """Record one ack, trying again while the database is away, then PUBACK it."""
        backoff = Backoff()
        try:
            while True:
                try:
                    await self.take(str(message.topic), message.payload)
                except Exception as exc:  # sorted: only a transient failure is tried again
                    if not is_transient(exc):
                        log.exception("app ack on %s could not be recorded", message.topic)
                        break
                    log.warning("app ack on %s waits: %s", message.topic, exc)
                    await backoff.wait()
                else:
                    break
            _puback(client, message)
        finally:
            self._in_flight.release()

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
        self.recorded += 1
        return True


class _SessionPresent:
    """Whether the broker had the client's session at its last CONNACK (paho's flag, which
    aiomqtt does not pass on): a persistent session the broker forgot (a restart without
    persistence) dropped every ack sent to it while nobody was connected."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.present: bool | None = None
        self._then = client._client.on_connect
        client._client.on_connect = self._on_connect

    def _on_connect(self, *args: Any) -> None:
        flags = args[2]
        self.present = bool(getattr(flags, "session_present", False))
        if self._then is not None:
            self._then(*args)


def _puback(client: aiomqtt.Client, message: aiomqtt.Message) -> None:
    """Acknowledge ``message`` to the broker (QoS 1); a no-op once the connection is gone,
    when the broker delivers it again to the persistent session."""
    if message.qos > 0:
        client._client.ack(message.mid, message.qos)
