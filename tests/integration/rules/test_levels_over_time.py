"""A running response over time and restarts, on the real broker and database: typhoon blue
activates IV, yellow raises it to III, the cancel ends it only after the hold time; a restart
resumes from the store and decides nothing twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest

from schemas.topics import AnyEvent, Topic
from schemas.warnings import Colour, Hazard, WarningAction
from services.core.broker import EmbeddedBroker
from services.core.clock import BEIJING, ManualClock
from tests.integration.helpers import running, wait_until
from tests.integration.rules.support import decided, decisions, publish, signal, topic_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RULES_ONLY = frozenset({"rules"})
T0 = datetime(2024, 6, 1, 8, 0, tzinfo=BEIJING)
BLUE = signal("44030041600000_20240601080000", Hazard.TYPHOON, Colour.BLUE, T0)
YELLOW = signal("44030041600000_20240601100000", Hazard.TYPHOON, Colour.YELLOW, T0 + timedelta(hours=2))
CANCEL = signal(
    "44030041600000_20240601110000",
    Hazard.TYPHOON,
    None,
    T0 + timedelta(hours=3),
    action=WarningAction.CANCEL,
)


def brief(events: list[AnyEvent]) -> list[tuple[str, str]]:
    """(kind, level) of each decision; "-" for an end, which has no level."""
    return [(e.kind, level.value if (level := getattr(e, "level", None)) else "-") for e in events]


async def test_yellow_raises_iv_to_iii_and_the_cancel_ends_it_after_the_hold_time(
    broker: EmbeddedBroker, settings_factory
) -> None:
    settings = settings_factory()
    clock = ManualClock(T0)
    async with running(settings, broker.bootstrap, RULES_ONLY, clock) as sanfang:
        await publish(settings, broker.bootstrap, BLUE)
        assert brief(await decided(settings, broker.bootstrap, 1)) == [("response.activated", "IV")]

        clock.set(YELLOW.issued_at)
        await publish(settings, broker.bootstrap, YELLOW)
        events = await decided(settings, broker.bootstrap, 2)
        assert brief(events) == [("response.activated", "IV"), ("response.level_changed", "III")]
        response_id = events[0].response_id  # type: ignore[union-attr]
        assert events[1].response_id == response_id  # type: ignore[union-attr]

        clock.set(CANCEL.issued_at)
        await publish(settings, broker.bootstrap, CANCEL)
        service = sanfang.runtime.components["rules"].handle
        hold_over = CANCEL.issued_at + timedelta(minutes=60)  # cancel_hold_minutes of the default file
        await wait_until(lambda: service.state.next_deadline() == hold_over, what="the hold time to start")
        clock.set(hold_over - timedelta(minutes=1))
        await asyncio.sleep(2.5)  # the tick runs every second: two chances to end it too early
        assert len(await topic_events(settings, broker.bootstrap, Topic.RESPONSES)) == 2

        clock.set(hold_over + timedelta(seconds=30))
        events = await decided(settings, broker.bootstrap, 3)
        ended = events[2]
        assert ended.kind == "response.ended"
        assert ended.occurred_at == hold_over  # dated at the deadline it met, not at the tick
        history = await decisions(sanfang.http, response_id)
        assert [d["kind"] for d in history] == [
            "response.activated",
            "response.level_changed",
            "response.ended",
        ]
        assert "保持60分钟期满" in str(history[2]["explanation"])
        assert service.state.active_levels() == {}


async def test_a_restart_resumes_from_the_store_and_decides_nothing_twice(
    broker: EmbeddedBroker, settings_factory, database_url: str
) -> None:
    settings = settings_factory(database_url=database_url)
    clock = ManualClock(T0)
    async with running(settings, broker.bootstrap, RULES_ONLY, clock):
        await publish(settings, broker.bootstrap, BLUE)
        await decided(settings, broker.bootstrap, 1)

    clock.set(YELLOW.issued_at)
    async with running(settings, broker.bootstrap, RULES_ONLY, clock) as sanfang:
        service = sanfang.runtime.components["rules"].handle
        assert {k: v.value for k, v in service.state.active_levels().items()} == {"real|district": "IV"}
        # Blue again (a redelivery after a crash), then yellow: yellow must raise, not start anew.
        await publish(settings, broker.bootstrap, BLUE, YELLOW, BLUE)
        await decided(settings, broker.bootstrap, 2)
        await wait_until(lambda: service.state.seen[-1:] == (YELLOW.event_id,), what="yellow applied")
        await asyncio.sleep(1.5)  # room for a duplicate to appear, if one were coming

    events = await topic_events(settings, broker.bootstrap, Topic.RESPONSES)
    assert brief(events) == [("response.activated", "IV"), ("response.level_changed", "III")]
    assert max(Counter(e.event_id for e in events).values()) == 1
