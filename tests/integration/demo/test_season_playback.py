"""The demo season played live through the real services: three days of May 2024 (an orange
rainstorm signal for six streets, then a yellow one for Shiyan that the rain gauges call
first), with the persons and the duty officer answering over MQTT, HTTP, SMS and voice."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas.topics import AnyEvent, parse_event
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import BEIJING
from services.core.store import Store
from services.demo.live.player import Playback, SeasonPlayer
from services.rules.domain.engine import next_deadline
from services.rules.service import RulesService

# Three days played at real time while the services work take about four minutes on an idle
# 2-core box since the player stopped running its clock past them; more under load.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]

START = datetime(2024, 5, 4, tzinfo=BEIJING)
ORANGE_ISSUED = datetime(2024, 5, 4, 6, 45, tzinfo=BEIJING)
SHIYAN_ISSUED = datetime(2024, 5, 6, 5, 30, tzinfo=BEIJING)
SHIYAN_CANCELLED = datetime(2024, 5, 6, 11, 30, tzinfo=BEIJING)


async def _recorded(url: str) -> dict[str, list[AnyEvent]]:
    by_kind: dict[str, list[AnyEvent]] = defaultdict(list)
    async with Store(url) as store, store.read() as conn:
        for (payload,) in (await conn.execute(select(tables.events.c.payload))).all():
            event = parse_event(payload.encode())
            by_kind[event.kind].append(event)
    return by_kind


async def test_three_days_of_the_season_play_through_the_services(
    settings_factory, broker: EmbeddedBroker, tmp_path: Path
) -> None:
    settings = settings_factory()
    playback = Playback(start=START, end=START + timedelta(days=3), persons_per_unit=1)
    player = SeasonPlayer(settings, playback, bootstrap=broker.bootstrap)
    async with player.running(asyncio.Event()):
        played = await player.play()
        review = await player.review(tmp_path / "review.html", tmp_path / "review.json")
        # The season is over: the console goes on in real time.
        assert player.clock.speed == 1.0
        # It played on past the last cue until the rules kept no deadline inside the window
        # (the hold after the last cancel included), every consumer caught up.
        rules = player.runtime.components["rules"].handle
        assert isinstance(rules, RulesService)
        deadline = next_deadline(rules.state)
        assert deadline is None or deadline >= playback.end, deadline
        assert player.clock.now() > SHIYAN_CANCELLED
        assert await player.runtime.consumer_lag() == 0

    events = await _recorded(settings.database_url_effective)
    # The four warning messages went in through the ingest API, every rainy hour's readings too.
    signals = events["warning.signal"]
    assert sorted(s.issued_at for s in signals)[0] == ORANGE_ISSUED
    assert len(signals) == 4
    assert played.skips > 0

    # Rainstorm signals only propose; the officer confirmed within minutes over sanfang.commands.
    activated = events["response.activated"]
    confirmed = events["command.proposal_confirmed"]
    assert len(activated) >= 2
    assert confirmed
    orange = min(activated, key=lambda e: e.occurred_at)
    assert ORANGE_ISSUED < orange.occurred_at < ORANGE_ISSUED + timedelta(minutes=20)
    # The rain at Shiyan's gauge made the rules propose before the observatory's signal.
    proposals = events["response.proposed"]
    assert any(p.occurred_at < SHIYAN_ISSUED and "shiyan" in p.scope.key for p in proposals)

    # Every activation reached persons over the app; they answered over several channels.
    notices = {n.event_id: n for n in events["notice"]}
    asked = {i for i, n in notices.items() if n.ack_by is not None}
    assert {n.response_id for n in notices.values()} >= {a.response_id for a in activated}
    acks: dict[str, datetime] = {}
    for ack in events["ack"]:
        acks.setdefault(ack.notice_id, ack.occurred_at)
    channels = {ack.channel.value for ack in events["ack"]}
    assert "app" in channels
    assert channels & {"sms", "voice"}, channels
    assert 0.5 < len(acks) / len(asked) < 1.0  # most answer, a few never do
    delays = sorted((acks[i] - notices[i].occurred_at).total_seconds() for i in acks)
    assert delays[len(delays) // 2] < 10 * 60  # the median person answers within minutes

    # Escalation is seen, and only for someone who had not acknowledged by then.
    escalations = events["escalation"]
    assert escalations
    for step in escalations:
        answered = acks.get(step.notice_id)
        assert answered is None or answered >= step.occurred_at, step
    never = asked - set(acks)
    assert never
    assert {e.notice_id for e in escalations if e.action == "duty_board"} & never

    # The review read the same from the store.
    assert review.real.counts.activations == len({a.correlation_id or a.response_id for a in activated})
    assert review.real.counts.acknowledged == len(acks)
    assert "<svg" in (tmp_path / "review.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "review.json").read_text(encoding="utf-8"))["real"]["counts"]["escalations"]
