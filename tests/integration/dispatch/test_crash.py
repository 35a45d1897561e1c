"""Crash safety: SIGKILL the dispatch process in the middle of a 3,183-person fan-out, or
in the middle of an SMS escalation step, restart it, and every person has exactly one
notice on MQTT (and one SMS at the gateway), as the store says too."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from schemas.areas import Scope
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.dispatch import tables as dispatch_tables
from services.sandbox.server import SandboxGateway
from tests.integration.dispatch.helpers import activation, dispatch_env, dispatch_process, publish, scalar
from tests.integration.helpers import NoticeWatcher, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.postgres]

PERSONS = 3183
TOKEN = "gateway-crash-token"


async def test_sigkill_mid_fan_out_then_restart_gives_everyone_exactly_one_notice(
    broker: EmbeddedBroker, settings_factory, postgres_url: str, tmp_path: Path
) -> None:
    settings = settings_factory(database_url=postgres_url)
    env = dispatch_env(settings, broker.bootstrap, SANFANG_SEND_LEASE_SECONDS="2")
    log = tmp_path / "dispatch.log"
    watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
    async with watcher.watching():
        with dispatch_process(env, log) as first:
            await wait_until(lambda: _ready(postgres_url), within=60, what="the first dispatch process")
            await publish(settings, broker.bootstrap, activation(Scope.district()))
            await wait_until(lambda: len(watcher.notices) >= 300, within=90, what="the fan-out to start")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        at_kill = len(watcher.notices)
        assert at_kill < PERSONS, "the kill came after the fan-out; the test proves nothing"
        in_doubt = await scalar(postgres_url, _count_state("sending"))

        with dispatch_process(env, log):
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=120, what="all 3,183 notices")
            await wait_until(lambda: _all_sent(postgres_url), within=60, what="every push recorded")
            await asyncio.sleep(2)  # a late duplicate would arrive now

    assert len(watcher.notices) == PERSONS
    assert watcher.duplicates == 0, f"{watcher.duplicates} duplicates ({in_doubt} sends were in doubt)"
    assert len({n["person_id"] for n in watcher.notices.values()}) == PERSONS
    assert await scalar(postgres_url, select(func.count()).select_from(tables.notices)) == PERSONS
    delivered = select(func.count()).where(tables.notices.c.delivered_at.is_not(None))
    assert await scalar(postgres_url, delivered) == PERSONS


async def test_sigkill_mid_sms_step_then_restart_sends_each_sms_once(
    broker: EmbeddedBroker, settings_factory, postgres_url: str, tmp_path: Path
) -> None:
    ladder = tmp_path / "targeting.yaml"
    # The SMS step falls due 3 s after the notice; nobody acknowledges.
    ladder.write_text("escalation:\n  - {after_minutes: 0.05, actions: [sms]}\n", encoding="utf-8")
    async with SandboxGateway(token=TOKEN) as gateway:
        # A slow gateway, so the kill lands in the middle of the step.
        await gateway.http.put("/sandbox/behaviour/sms", json={"delay_seconds": 0.05})
        settings = settings_factory(database_url=postgres_url)
        env = dispatch_env(
            settings,
            broker.bootstrap,
            SANFANG_SEND_LEASE_SECONDS="2",
            SANFANG_TARGETING_FILE=str(ladder),
            SANFANG_GATEWAY_URL=gateway.url,
            SANFANG_GATEWAY_TOKEN=TOKEN,
            SANFANG_SMS_PER_SECOND="400",
            SANFANG_ESCALATION_POLL_SECONDS="0.5",
        )
        log = tmp_path / "dispatch.log"
        with dispatch_process(env, log) as first:
            await wait_until(lambda: _ready(postgres_url), within=60, what="the first dispatch process")
            await publish(settings, broker.bootstrap, activation(Scope.district()))
            await wait_until(lambda: len(gateway.state.sent) >= 200, within=120, what="the SMS step to start")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        at_kill = len(gateway.state.sent)
        assert at_kill < PERSONS, "the kill came after the step; the test proves nothing"

        with dispatch_process(env, log):
            await wait_until(
                lambda: len({m.ref for m in gateway.state.sent}) >= PERSONS, within=180, what="3,183 SMS"
            )
            await wait_until(lambda: _none_left(postgres_url), within=60, what="every SMS recorded")
            await asyncio.sleep(2)

    refs = Counter(m.ref for m in gateway.state.sent)
    phones = Counter(m.to for m in gateway.state.sent)
    assert len(refs) == PERSONS
    assert max(refs.values()) == 1, f"{sum(c - 1 for c in refs.values())} SMS sent twice"
    assert len(phones) == PERSONS
    assert max(phones.values()) == 1
    a = dispatch_tables.attempts.c
    sms_sent = select(func.count()).where(a.channel == "sms", a.state == "sent")
    assert await scalar(postgres_url, sms_sent) == PERSONS


def _count_state(state: str):  # type: ignore[no-untyped-def]
    a = dispatch_tables.attempts.c
    return select(func.count()).where(a.state == state)


async def _ready(url: str) -> bool:
    try:
        return bool(await scalar(url, select(func.count()).select_from(tables.directory_versions)))
    except Exception:  # noqa: BLE001 - the process may not have migrated yet
        return False


async def _all_sent(url: str) -> bool:
    a = dispatch_tables.attempts.c
    return bool(
        await scalar(url, select(func.count()).where(a.channel == "app", a.state == "sent")) == PERSONS
    )


async def _none_left(url: str) -> bool:
    a = dispatch_tables.attempts.c
    left = select(func.count()).where(a.channel == "sms", a.state.in_(["pending", "sending"]))
    return bool(await scalar(url, left) == 0)
