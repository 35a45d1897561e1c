"""Who holds dispatch's persistent MQTT ack session: telling a second holder from a network blip.

The persistent session has one client id per topic root, and a broker lets one connection hold
a client id: when another connects with it, the first is dropped. Two dispatch processes on one
broker and root (two Sanfangs sharing a root, or two dispatch processes without
``SANFANG_MQTT_SHARED_ACKS``) would take it from each other every second, and to each it would
look like the network failing. So a process that *takes* the session (its first connection, or
after stepping aside) leaves a claim of its own, retained, on ``{root}/probe/ack-session``. A
process that held the session, lost the connection and, reconnecting, reads another process's
claim there knows the session was taken over: it says so once (an error naming the fix), counts
it (``sanfang_mqtt_ack_session_taken_over_total``), reports not ready, and steps aside for a
while so the other holds the session, and the acks queued in it, in peace. Then it takes the
session back: if the other has gone, it holds it from then on; if not, the two swap once per
interval instead of every second, and no ack is lost in a swap (the broker keeps the session's
queue, and an ack already read is still recorded).

>>> claim = SessionClaim("sanfang", step_aside=60)
>>> claim.topic
'sanfang/probe/ack-session'
>>> claim.taken_over(SessionClaim("sanfang").payload)  # a first connection takes, whatever it finds
False
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable

import aiomqtt

from services.core import metrics

__all__ = ["SessionClaim"]

log = logging.getLogger(__name__)


class SessionClaim:
    """This process's claim on the one persistent ack session of ``root``."""

    def __init__(
        self, root: str, *, step_aside: float = 60.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.root = root
        self.topic = f"{root}/probe/ack-session"
        self.payload = json.dumps({"claim": uuid.uuid4().hex}).encode()
        self.step_aside_seconds = step_aside
        self.taken_over_count = 0
        self.stepped_aside = False
        self._monotonic = monotonic
        self._held = False  # held on an earlier connection: a foreign claim now means a takeover
        self._seen = False  # this connection has read the claim it found
        self._checking = False  # this connection reconnects to a session held: the claim found tells
        self._taken_at: float | None = None

    @property
    def in_conflict(self) -> bool:
        """Whether another process took the session lately (within three step-aside intervals)."""
        return self._taken_at is not None and self._monotonic() - self._taken_at < 3 * self.step_aside_seconds

    async def connected(self, client: aiomqtt.Client) -> None:
        """On each new connection: read the claim there; when taking the session, leave ours."""
        self._seen = False
        self._checking = self._held
        # QoS 0: the retained claim comes with the subscription, and nothing queues in the session.
        await client.subscribe(self.topic, qos=0)
        if not self._held:
            await client.publish(self.topic, self.payload, qos=1, retain=True)
            self._held = True
            self.stepped_aside = False

    def taken_over(self, payload: object) -> bool:
        """Whether the claim read on this connection shows another process took the session;
        only the first one read counts (later ones are echoes of our own)."""
        if self._seen:
            return False
        self._seen = True
        if not self._checking or payload == self.payload:
            return False
        self._held = False
        self.taken_over_count += 1
        metrics.MQTT_SESSION_TAKEN_OVER.inc()
        report = log.debug if self.in_conflict else log.error
        self._taken_at = self._monotonic()
        report(
            "another process took the persistent MQTT ack session of %r (one client id): only one "
            "dispatch may hold it. Several dispatch processes of one Sanfang need "
            "SANFANG_MQTT_SHARED_ACKS=true; two Sanfangs on one broker each need their own "
            "SANFANG_MQTT_TOPIC_ROOT. Stepping aside for %g s at a time; counted in "
            "sanfang_mqtt_ack_session_taken_over_total",
            self.root,
            self.step_aside_seconds,
        )
        return True

    async def step_aside(self) -> None:
        """Leave the session to the other process for a while; the next connection takes it back."""
        self.stepped_aside = True
        await asyncio.sleep(self.step_aside_seconds)
