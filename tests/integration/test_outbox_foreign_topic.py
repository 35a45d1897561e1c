"""An outbox row written under other settings (another topic prefix) names a topic no broker of
this deployment has: on Apache Kafka it was refused on every try, and the relay retried the
same batch for ever, so every event written after it stalled (the fault suite found it on the
Kafka cluster). The relay now sets such a row aside as a dead letter and goes on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from schemas.areas import Scope
from schemas.deadletter import DeadLetter
from schemas.topics import Topic
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus
from services.core.clock import SystemClock
from services.core.outbox import Outbox, Relay
from services.core.store import Store
from tests.integration.dispatch.helpers import activation
from tests.integration.rules.support import topic_events


async def test_a_row_for_another_deployments_topic_is_dead_lettered_and_the_rest_goes_on(
    broker: EmbeddedBroker, settings_factory: Any, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    clock = SystemClock()
    foreign, ours = activation(Scope.district()), activation(Scope.district())
    async with Store(database_url) as store, Bus(settings, broker.bootstrap) as bus:
        await store.migrate()
        await bus.ensure_topics()
        stale = Outbox(store, clock, topic_prefix="another-deployment.")
        outbox = Outbox(store, clock, topic_prefix=settings.topic_prefix)
        async with outbox.transaction() as tx:
            await stale.add(tx, [foreign])
            await outbox.add(tx, [ours])
        relay = Relay(outbox, bus, clock)
        assert await relay.publish_pending() == 2
        assert await relay.publish_pending() == 1  # the dead letter, on this deployment's topic
        assert await relay.publish_pending() == 0
        async with store.read() as conn:
            o = tables.outbox.c
            assert await conn.scalar(select(func.count()).where(o.published_at.is_(None))) == 0

    published = await topic_events(settings, broker.bootstrap, Topic.RESPONSES)
    assert [e.event_id for e in published] == [ours.event_id]
    letters = await topic_events(settings, broker.bootstrap, Topic.DEADLETTER)
    assert len(letters) == 1
    letter = letters[0]
    assert isinstance(letter, DeadLetter)
    assert letter.reason == "unknown_topic"
    assert letter.source == "outbox:another-deployment.sanfang.responses"
    assert foreign.event_id in letter.detail
    assert foreign.event_id in letter.raw  # the event itself is kept
