"""Poison messages never stall Sanfang: a malformed message on any topic, an event a handler
refuses, or one that keeps failing while the database answers, ends as a dead letter and the
consumer moves on; a consumer frozen with events in hand makes `/readyz` answer 503."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, select

from schemas.deadletter import DeadLetter
from schemas.envelope import new_id
from schemas.topics import Topic
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.bus import Bus, ConsumerLoop, Received, is_transient
from services.core.errors import TransientError
from services.core.settings import Settings
from services.core.store import Store
from tests.integration.helpers import running, wait_until

pytestmark = pytest.mark.integration


async def _letters(database_url: str) -> list[tuple[str, str, str]]:
    async with Store(database_url) as store, store.read() as conn:
        d = tables.deadletters.c
        rows = await conn.execute(select(d.source, d.reason, d.detail))
        return [(row.source, row.reason, row.detail) for row in rows]


async def test_malformed_messages_on_every_topic_are_dead_letters_and_warnings_still_act(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings: Settings = settings_factory(database_url=database_url)
    async with running(settings, broker.bootstrap) as sanfang:
        year_9999 = await sanfang.http.post(
            "/api/v1/warnings",
            json={
                "id": "poison-9999",
                "hazard": "typhoon",
                "colour": "blue",
                "issued_at": "9999-12-31T23:59:59-12:00",
            },
        )
        assert year_9999.status_code in (400, 422), year_9999.text
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        try:
            for topic in Topic:
                name = settings.topic(topic.value)
                await producer.send_and_wait(name, b"{not json", key=b"poison")
                await producer.send_and_wait(name, b'{"kind": "warning", "event_id": "x"}', key=b"poison")
        finally:
            await producer.stop()
        posted = await sanfang.http.post(
            "/api/v1/warnings",
            json={
                "id": new_id(),
                "hazard": "typhoon",
                "colour": "yellow",
                "issued_at": datetime.now(UTC).isoformat(),
            },
        )
        assert posted.status_code == 202, posted.text

        async def level_three() -> bool:
            answer = await sanfang.http.get("/api/v1/responses")
            return any(r["state"] == "active" and r["level"] == "III" for r in answer.json())

        await wait_until(level_three, within=30, what="the typhoon-yellow warning to become level III")

        async def every_topic_lettered() -> bool:
            sources = {
                source for source, reason, _ in await _letters(database_url) if reason == "invalid_event"
            }
            return all(f"topic:{settings.topic(t.value)}" in sources for t in Topic)

        await wait_until(every_topic_lettered, within=30, what="a dead letter for every topic")
        letters = await _letters(database_url)
        assert any(source == "api:/api/v1/warnings" for source, _, _ in letters), "the year-9999 warning"


async def test_the_year_9999_error_is_not_transient(tmp_path: Path) -> None:
    """The error SQLAlchemy raises for a time it cannot store is the input's fault: retrying
    it stalled every consumer before."""
    async with Store(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}") as store:
        await store.migrate()
        far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-12)))
        with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what is examined
            async with store.transaction() as tx:
                await tx.execute(
                    insert(tables.processed).values(consumer="c", event_id="e", processed_at=far)
                )
    assert not is_transient(caught.value), repr(caught.value)
    assert is_transient(TransientError("database away"))


async def test_a_refused_event_and_a_never_healing_one_are_dead_lettered_and_the_rest_pass(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings: Settings = settings_factory(consumer_max_tries=3)
    handled: list[str] = []
    letters: dict[str, str] = {}

    async def handler(batch: Sequence[Received]) -> None:
        for item in batch:
            letter = item.event
            assert isinstance(letter, DeadLetter)
            if letter.reason == "refuse":
                raise ValueError("this event cannot be applied")
            if letter.reason == "flaky":
                raise TransientError("this one fails every time, though the database answers")
        for item in batch:
            assert isinstance(item.event, DeadLetter)
            if item.event.source == "t":
                handled.append(item.event.event_id)
            else:  # the loop reads the dead-letter topic, so it reads its own letters too
                letters[item.event.raw] = item.event.reason

    async with Bus(settings, broker.bootstrap) as bus:
        await bus.ensure_topics()
        loop = ConsumerLoop(bus, group="poison-test", topics=[Topic.DEADLETTER], handler=handler)
        events = [
            DeadLetter(event_id=f"ev-{i}-{reason}", occurred_at=datetime.now(UTC), source="t", reason=reason)
            for i, reason in enumerate(["ok", "refuse", "ok", "flaky", "ok"])
        ]
        for event in events:
            await bus.publish(event)
        task = asyncio.create_task(loop.run())
        try:
            await wait_until(
                lambda: len(handled) >= 3 and len(letters) >= 2, within=60, what="three events, two letters"
            )
        finally:
            loop.stop()
            await asyncio.wait_for(task, timeout=20)
    assert sorted(handled) == ["ev-0-ok", "ev-2-ok", "ev-4-ok"]
    reasons = {DeadLetter.model_validate_json(raw).event_id: reason for raw, reason in letters.items()}
    assert reasons == {"ev-1-refuse": "handler_refused", "ev-3-flaky": "retries_exhausted"}


async def test_a_frozen_consumer_makes_readyz_answer_503(broker: EmbeddedBroker, settings_factory) -> None:
    settings: Settings = settings_factory(consumer_stuck_seconds=1.0)
    async with running(settings, broker.bootstrap) as sanfang:
        assert (await sanfang.http.get("/readyz")).status_code == 200
        database = Path(settings.database_url_effective.split("///", 1)[1])
        # Another writer holds the database: the recorder takes the next event and cannot write it.
        holder = sqlite3.connect(database, timeout=1, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            async with Bus(settings, broker.bootstrap) as bus:
                await bus.publish(
                    DeadLetter(event_id=new_id(), occurred_at=datetime.now(UTC), source="t", reason="frozen")
                )

            async def not_ready() -> bool:
                return (await sanfang.http.get("/readyz")).status_code == 503

            await wait_until(not_ready, within=20, what="/readyz to answer 503")
            body = (await sanfang.http.get("/readyz")).json()
            assert "stuck" in body["checks"]["consumers"]["detail"]
            assert 'sanfang_consumer_stuck{group="' in (await sanfang.http.get("/metrics")).text
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        async def ready() -> bool:
            with contextlib.suppress(Exception):
                return (await sanfang.http.get("/readyz")).status_code == 200
            return False

        await wait_until(ready, within=40, what="/readyz to answer 200 again")
