"""Acks that arrive together are written together, and each caller still gets its own answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from schemas.notices import Channel
from services.core import tables
from services.core.clock import ManualClock
from services.core.outbox import Outbox
from services.core.store import Store
from services.dispatch.acks import AckBook, AckOutcome
from services.dispatch.errors import AckRefused, UnknownNotice
from tests.integration.dispatch.helpers import notices_of_one_response

pytestmark = [pytest.mark.integration]

NOW = datetime(2024, 5, 4, 0, 0, tzinfo=UTC)
PERSONS = 300


async def test_a_burst_of_acks_is_written_in_few_transactions_each_answered(database_url: str) -> None:
    async with Store(database_url) as store:
        await store.migrate()
        await notices_of_one_response(store, PERSONS, NOW)
        outbox = Outbox(store, ManualClock(NOW))
        book = AckBook(outbox, ManualClock(NOW), max_batch=100)
        commits = 0
        transaction = outbox.transaction

        def counting():  # type: ignore[no-untyped-def]
            nonlocal commits
            commits += 1
            return transaction()

        outbox.transaction = counting  # type: ignore[method-assign]

        calls = [book.record(f"n-{i:04d}", Channel.APP, person_id=f"p-{i:04d}") for i in range(PERSONS)]
        calls.append(book.record("n-0001", Channel.SMS))  # a second ack of one notice: answered, not written
        calls.append(book.record("n-9999", Channel.APP))  # no such notice
        calls.append(book.record("n-0002", Channel.APP, person_id="p-0003"))  # someone else's
        answers = await asyncio.gather(*calls, return_exceptions=True)

        outcomes = answers[:PERSONS]
        assert all(isinstance(a, AckOutcome) and a.counted for a in outcomes)
        assert [a.person_id for a in outcomes if isinstance(a, AckOutcome)] == [
            f"p-{i:04d}" for i in range(PERSONS)
        ]
        repeat, unknown, foreign = answers[PERSONS:]
        assert isinstance(repeat, AckOutcome)
        assert not repeat.counted
        first = outcomes[1]
        assert isinstance(first, AckOutcome)
        assert repeat.ack_id == first.ack_id  # answered with the ack that counted
        assert isinstance(unknown, UnknownNotice)
        assert isinstance(foreign, AckRefused)
        # The first ack went in alone; the rest waited for it and went in batches of 100.
        assert 2 <= commits <= 1 + -(-(PERSONS + 2) // 100)

        n, k = tables.notices.c, tables.acks.c
        async with store.read() as conn:
            assert await conn.scalar(select(func.count()).where(n.acked_at.is_not(None))) == PERSONS
            assert await conn.scalar(select(func.count()).select_from(tables.acks)) == PERSONS
            assert await conn.scalar(select(func.count()).where(k.counted.is_(True))) == PERSONS
            queued = await conn.scalar(select(func.count()).where(tables.outbox.c.kind == "ack"))
        assert queued == PERSONS

        # A lone ack afterwards needs no burst to go in.
        lone = await asyncio.wait_for(book.record("n-0000", Channel.VOICE), timeout=10)
        assert not lone.counted


async def test_a_stop_while_writing_answers_every_caller(database_url: str) -> None:
    # The writer is cancelled (the process stops) with a batch in hand and more waiting: no
    # caller may hang on an answer that will never come.
    async with Store(database_url) as store:
        await store.migrate()
        await notices_of_one_response(store, 20, NOW)
        book = AckBook(Outbox(store, ManualClock(NOW)), ManualClock(NOW), max_batch=5)
        # Another transaction holds the first notice (SQLite: the write lock; PostgreSQL: its row
        # lock): the first batch waits inside its transaction.
        async with store.transaction() as other:
            n = tables.notices.c
            await other.execute(select(n.notice_id).where(n.notice_id == "n-0000").with_for_update())
            calls = [asyncio.create_task(book.record(f"n-{i:04d}", Channel.APP)) for i in range(20)]
            await asyncio.sleep(0.2)
            writer = book._writer  # the task a stopping process cancels
            assert writer is not None
            writer.cancel()
            answers = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), timeout=10)
        assert all(isinstance(answer, asyncio.CancelledError) for answer in answers)
