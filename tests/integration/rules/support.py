"""What the rules integration tests share: inputs put straight on the bus, the responses topic
read back from its beginning, and the decisions as the API shows them."""

from __future__ import annotations

from datetime import datetime

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.areas import Scope, Street
from schemas.commands import ProposalConfirmed
from schemas.envelope import Event, derived_id
from schemas.topics import AnyEvent, Topic, parse_event
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
from services.core.bus import Bus
from services.core.settings import Settings
from tests.integration.helpers import wait_until


def signal(
    signal_id: str,
    hazard: Hazard,
    colour: Colour | None,
    at: datetime,
    *,
    streets: tuple[Street, ...] = (),
    action: WarningAction = WarningAction.ISSUE,
) -> WarningSignal:
    """A warning signal as ingest would publish it."""
    return WarningSignal(
        event_id=derived_id("warning", signal_id),
        occurred_at=at,
        signal_id=signal_id,
        hazard=hazard,
        colour=colour,
        action=action,
        scope=Scope.of_streets(streets) if streets else Scope.district(),
        issued_at=at,
    )


def confirmation(response_id: str, proposal_event_id: str, at: datetime) -> ProposalConfirmed:
    """A duty officer's confirmation of the proposal they saw."""
    return ProposalConfirmed(
        event_id=derived_id("confirm", proposal_event_id),
        occurred_at=at,
        response_id=response_id,
        proposal_event_id=proposal_event_id,
        officer="duty-01",
    )


async def publish(settings: Settings, bootstrap: str, *events: Event) -> None:
    """Put events on their topics, as another service would."""
    async with Bus(settings, bootstrap) as bus:
        for event in events:
            await bus.publish(event)  # type: ignore[arg-type]


async def topic_events(settings: Settings, bootstrap: str, topic: Topic) -> list[AnyEvent]:
    """Everything on ``topic`` so far, from its beginning, partition by partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        name = settings.topic(topic.value)
        partitions = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
        if not partitions:
            partitions = [TopicPartition(name, p) for p in range(settings.topic_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        events: list[AnyEvent] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                events += [parse_event(record.value) for record in records if record.value is not None]
        return events
    finally:
        await consumer.stop()


async def decided(settings: Settings, bootstrap: str, count: int) -> list[AnyEvent]:
    """Wait until ``count`` decisions are on the responses topic, and return them all."""
    found: list[AnyEvent] = []

    async def enough() -> bool:
        nonlocal found
        found = await topic_events(settings, bootstrap, Topic.RESPONSES)
        return len(found) >= count

    await wait_until(enough, within=30, what=f"{count} decision(s) on the responses topic")
    return found


async def decisions(http: httpx.AsyncClient, response_id: str) -> list[dict[str, object]]:
    """``GET /api/v1/responses/{id}/decisions``; an unknown response is an empty list."""
    answer = await http.get(f"/api/v1/responses/{response_id}/decisions")
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    found: list[dict[str, object]] = answer.json()
    return found
