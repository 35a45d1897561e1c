"""Dispatch in a process: the directory, the MQTT connection and the consumer."""

from __future__ import annotations

import logging

from services.core.component import Component, Wiring
from services.dispatch.directory_store import load_directory, save_directory
from services.dispatch.domain.generator import generate_baoan_directory
from services.dispatch.domain.targeting import TargetingPolicy
from services.dispatch.http import ack_router
from services.dispatch.push import MqttPush
from services.dispatch.service import Dispatch

__all__ = ["build"]

log = logging.getLogger(__name__)


async def build(wiring: Wiring) -> Component:
    """Connect to MQTT, load (or on first start generate) the directory, wire the consumer."""
    s = wiring.settings
    push = await wiring.stack.enter_async_context(
        MqttPush(
            s.mqtt_host,
            s.mqtt_port,
            root=s.mqtt_topic_root,
            username=s.mqtt_username,
            password=s.mqtt_password.get_secret_value() if s.mqtt_password else None,
        )
    )
    directory = await load_directory(wiring.store)
    if directory is None:
        directory = generate_baoan_directory()
        await save_directory(wiring.store, directory, source="generated: Bao'an", now=wiring.clock.now())
        log.info(
            "no directory loaded yet: generated Bao'an's (%d units, %d persons)",
            len(directory.units),
            len(directory.persons),
        )
    dispatch = Dispatch(
        wiring.outbox,
        wiring.clock,
        directory,
        policy=TargetingPolicy(),
        ack_minutes=s.ack_minutes,
        public_url=s.public_url_effective,
    )
    return Component(
        "dispatch",
        loops=[dispatch.consumer(wiring.bus, push)],
        routers=[ack_router(wiring.outbox, wiring.clock)],
        handle=dispatch,
    )
