"""Dispatch in a process: directory, policy, channels, couriers, escalation, ack routes.

The component's ``handle`` is a :class:`DispatchParts`; other components (the console)
call ``handle.acks.on_behalf(notice_id, officer=…, reason=…)`` to acknowledge for a person.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from schemas.notices import Channel
from services.core.component import Component, Wiring
from services.dispatch.acks import AckBook
from services.dispatch.app_acks import AppAckListener
from services.dispatch.channels.base import Outcome, Outgoing, Transport
from services.dispatch.channels.gateway import GatewayClient, HttpGateway
from services.dispatch.channels.limits import RateLimit
from services.dispatch.channels.robot import GroupRobot
from services.dispatch.courier import Courier
from services.dispatch.directory_store import InventedDirectory, directory_to_start
from services.dispatch.escalator import Escalator
from services.dispatch.http import ack_router
from services.dispatch.inbound import Inbound
from services.dispatch.links import AckLinks
from services.dispatch.policy_file import read_policy
from services.dispatch.push import MqttPush
from services.dispatch.service import Dispatch

__all__ = ["DispatchParts", "build"]


@dataclass
class DispatchParts:
    """The pieces of a running dispatch, for tests and for other components."""

    dispatch: Dispatch
    acks: AckBook
    escalator: Escalator
    links: AckLinks
    inbound: Inbound
    couriers: dict[Channel, Courier] = field(default_factory=dict)
    app_acks: AppAckListener | None = None

    def wake(self) -> None:
        """Tell every courier there is work."""
        for courier in self.couriers.values():
            courier.wakeup.set()


class _Unconfigured:
    """A channel with no provider configured: every send fails for good, so escalation moves on."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def send(self, messages: Sequence[Outgoing]) -> list[Outcome]:
        reason = f"no {self.channel} gateway configured (SANFANG_GATEWAY_URL)"
        return [Outcome.failed(m.ref, reason, retryable=False) for m in messages]

    async def already_sent(self, messages: Sequence[Outgoing]) -> set[str]:
        return set()


async def build(wiring: Wiring, *, invented: InventedDirectory | None = None) -> Component:
    """Load the directory (refuse to start without one), connect to MQTT and the gateway, wire it all.

    ``invented`` is the directory to use when none was imported and ``SANFANG_DEMO_DIRECTORY=true``
    asks for one; the process hands it in (dispatch invents no one itself).
    """
    s = wiring.settings
    policy = read_policy(s.targeting_file)
    # Before any connection: with no directory there is nothing to start.
    directory = await directory_to_start(
        wiring.store,
        demo=s.demo_directory,
        production=s.environment == "production",
        now=wiring.clock.now(),
        invented=invented,
    )
    push = await wiring.stack.enter_async_context(
        MqttPush(
            s.mqtt_host,
            s.mqtt_port,
            root=s.mqtt_topic_root,
            username=s.mqtt_username,
            password=s.mqtt_password.get_secret_value() if s.mqtt_password else None,
            retain_seconds=s.push_retain_seconds,
        )
    )
    links = AckLinks(
        s.secret_key.get_secret_value().encode(), s.public_url_effective, timedelta(hours=s.ack_link_hours)
    )
    book = AckBook(wiring.outbox, wiring.clock)
    transports = await _transports(wiring, push)
    owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    couriers = {
        channel: Courier(
            wiring.outbox,
            wiring.clock,
            transport,
            owner=owner,
            lease=timedelta(seconds=s.send_lease_seconds),
            # The app push tries longer: a broker restart should not send 3,183 SMS at once.
            max_tries=max(10, s.channel_max_tries) if channel is Channel.APP else s.channel_max_tries,
            batch=batch,
            cancel_when_acked=channel is not Channel.APP,
        )
        for channel, (transport, batch) in transports.items()
    }
    dispatch = Dispatch(
        wiring.outbox,
        wiring.clock,
        directory,
        policy=policy.targeting,
        ladder=policy.escalation,
        ack_minutes=s.ack_minutes,
        public_url=s.public_url_effective,
        mqtt_root=s.mqtt_topic_root,
        links=links,
    )
    escalator = Escalator(wiring.outbox, wiring.clock, policy.escalation, lambda: dispatch.directory, links)
    parts = DispatchParts(
        dispatch, book, escalator, links, Inbound(wiring.outbox, wiring.clock, book), couriers
    )
    dispatch.on_queued = parts.wake
    escalator.on_queued = parts.wake
    parts.app_acks = AppAckListener(
        s.mqtt_host,
        s.mqtt_port,
        s.mqtt_topic_root,
        book,
        links,
        wiring.clock,
        username=s.mqtt_username,
        password=s.mqtt_password.get_secret_value() if s.mqtt_password else None,
        shared=s.mqtt_shared_acks,
    )
    wiring.scheduler.add_job(
        escalator.run_due,
        "interval",
        seconds=s.escalation_poll_seconds,
        max_instances=1,
        coalesce=True,
        id="dispatch-escalation",
    )
    return Component(
        "dispatch",
        loops=[dispatch.consumer(wiring.bus)],
        # Without a gateway nobody may call back: its callback routes are not mounted at all.
        routers=[
            ack_router(
                book,
                parts.inbound,
                links,
                wiring.clock,
                s.gateway_token.get_secret_value() if s.gateway_url else None,
            )
        ],
        checks=[("mqtt-ack-session", parts.app_acks.ready)],
        tasks=[courier.run for courier in couriers.values()] + [parts.app_acks.run],
        handle=parts,
    )


async def _transports(wiring: Wiring, push: MqttPush) -> dict[Channel, tuple[Transport, int]]:
    """Each channel's transport and batch size (about one second of its rate limit)."""
    s = wiring.settings
    robot_http = await wiring.stack.enter_async_context(httpx.AsyncClient(timeout=s.channel_timeout_seconds))
    found: dict[Channel, tuple[Transport, int]] = {
        Channel.APP: (push, 1000),
        Channel.WEBHOOK: (
            GroupRobot(robot_http, RateLimit(s.webhook_per_second)),
            _batch(s.webhook_per_second),
        ),
    }
    if not s.gateway_url:
        found[Channel.SMS] = (_Unconfigured(Channel.SMS), 500)
        found[Channel.VOICE] = (_Unconfigured(Channel.VOICE), 500)
        return found
    client = await wiring.stack.enter_async_context(
        GatewayClient(
            s.gateway_url, token=s.gateway_token.get_secret_value(), timeout=s.channel_timeout_seconds
        )
    )
    base = s.public_url_effective
    for channel, rate, path in (
        (Channel.SMS, s.sms_per_second, "sms"),
        (Channel.VOICE, s.voice_per_second, "voice"),
    ):
        gateway = HttpGateway(client, channel, RateLimit(rate), callback=f"{base}/api/v1/gateway/{path}")
        found[channel] = (gateway, _batch(rate))
    return found


def _batch(rate: float) -> int:
    # About a second of sends, at most 200: a reminder batch holds its notices' row locks while it sends.
    return max(1, min(200, int(rate)))
