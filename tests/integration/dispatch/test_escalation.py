"""Escalation on the real broker, database and sandbox gateway: gateway errors, 429s and
timeouts are retried within limits, recorded, and move on to the next channel; an ack
racing a call never lets a call through after the ack was recorded; ack links refuse
forged, expired and other persons' tokens."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from schemas.areas import Scope, Street
from schemas.notices import Channel
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import ManualClock, SystemClock
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch import tables as dispatch_tables
from services.dispatch.courier import Courier
from services.sandbox.server import SandboxGateway
from tests.integration.dispatch.helpers import activation, dispatch_running, parts, publish, rows, scalar
from tests.integration.helpers import NoticeWatcher, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TOKEN = "gateway-escalation-token"
LEADERS = """
targeting:
  agency_command_on_street_scopes: false
  roles: {watch: [unit_leader], IV: [unit_leader], III: [unit_leader], II: [unit_leader], I: [unit_leader]}
escalation:
"""
SHIYAN = Scope.of_streets([Street.SHIYAN])


def policy(tmp_path: Path, steps: str) -> Path:
    path = tmp_path / "targeting.yaml"
    path.write_text(LEADERS + steps, encoding="utf-8")
    return path


async def _notices(url: str, expected: int) -> bool:
    delivered = select(func.count()).where(tables.notices.c.delivered_at.is_not(None))
    return bool(await scalar(url, delivered) == expected)


async def test_gateway_errors_429s_and_timeouts_are_retried_recorded_and_escalated(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    steps = "  - {after_minutes: 5, actions: [sms]}\n  - {after_minutes: 10, actions: [voice]}\n"
    async with SandboxGateway(token=TOKEN) as gateway:
        settings = settings_factory(
            targeting_file=policy(tmp_path, steps),
            gateway_url=gateway.url,
            gateway_token=TOKEN,
            escalation_poll_seconds=3600,
            channel_timeout_seconds=2.0,  # generous: a loaded CI machine must not time out normal sends
            channel_max_tries=3,
        )
        url = settings.database_url_effective
        async with dispatch_running(settings, broker.bootstrap, clock) as sanfang:
            await publish(settings, broker.bootstrap, activation(SHIYAN, at=clock.now()))
            leaders = [p for p in generate_baoan_directory().persons if p.street is Street.SHIYAN]
            leaders = [p for p in leaders if p.role.value == "unit_leader"]
            await wait_until(lambda: _notices(url, len(leaders)), what="the notices")
            sms, voice = parts(sanfang).couriers[Channel.SMS], parts(sanfang).couriers[Channel.VOICE]

            # Two server errors, then the SMS goes through on the third try: each try recorded.
            await gateway.http.put("/sandbox/behaviour/sms", json={"fail_next": 2 * len(leaders)})
            clock.advance(timedelta(minutes=5, seconds=1))
            await parts(sanfang).escalator.run_due()
            await settle(sms, clock, lambda: _count(url, "sms", "sent", len(leaders)))
            d = tables.deliveries.c
            statuses = await rows(
                url, select(d.status, func.count()).where(d.channel == "sms").group_by(d.status)
            )
            # Two failed tries and one sent per person, and the gateway's delivery receipt.
            await wait_until(lambda: _receipts(url, len(leaders)), what="the delivery receipts")
            statuses = await rows(
                url, select(d.status, func.count()).where(d.channel == "sms").group_by(d.status)
            )
            assert dict(statuses) == {
                "failed": 2 * len(leaders),
                "sent": len(leaders),
                "delivered": len(leaders),
            }
            assert len([m for m in gateway.state.sent if m.channel == "sms"]) == len(leaders)

            # Voice: the gateway answers too slowly (timeout), then rate-limits (429) for good.
            # The timed-out call did get through: the retry asks first and does not call twice.
            await gateway.http.put("/sandbox/behaviour/voice", json={"delay_seconds": 5.0})
            clock.advance(timedelta(minutes=5))
            await parts(sanfang).escalator.run_due()
            await voice.drain()
            voice_failed = select(d.detail).where(d.channel == "voice", d.status == "failed")

            async def failed_calls() -> bool:
                return len(await rows(url, voice_failed)) == len(leaders)

            await wait_until(failed_calls, what="the timed-out calls")
            timed_out = await rows(url, voice_failed)
            assert timed_out
            assert all("timeout" in r.detail for r in timed_out)
            await gateway.http.put("/sandbox/behaviour/voice", json={})
            await settle(voice, clock, lambda: _count(url, "voice", "sent", len(leaders)))
            calls = [m for m in gateway.state.sent if m.channel == "voice"]
            assert len(calls) == len(leaders)
            assert len({m.ref for m in calls}) == len(leaders)
            confirmed = select(func.count()).where(
                d.channel == "voice", d.detail.like("the channel already had it%")
            )
            everything = await rows(url, select(d.status, d.detail).where(d.channel == "voice"))
            assert await scalar(url, confirmed) == len(timed_out), everything

        # A gateway that refuses everything (429): the tries run out, and the next step
        # (voice) is pulled forward instead of waiting for minute 10.
        settings = settings_factory(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'second.db'}",
            targeting_file=policy(tmp_path, steps),
            gateway_url=gateway.url,
            gateway_token=TOKEN,
            escalation_poll_seconds=3600,
            channel_max_tries=2,
        )
        url = settings.database_url_effective
        gateway.state.sent.clear()
        await gateway.http.put("/sandbox/behaviour/sms", json={"fail_next": 1000, "fail_status": 429})
        async with dispatch_running(settings, broker.bootstrap, clock) as sanfang:
            activated_at = clock.now()
            await publish(settings, broker.bootstrap, activation(SHIYAN, at=activated_at))
            await wait_until(lambda: _notices(url, len(leaders)), what="the notices")
            sms = parts(sanfang).couriers[Channel.SMS]
            clock.advance(timedelta(minutes=5, seconds=1))
            await parts(sanfang).escalator.run_due()
            await settle(sms, clock, lambda: _count(url, "sms", "failed", len(leaders)))
            a = dispatch_tables.attempts.c
            failed = await rows(url, select(a.detail).where(a.channel == "sms", a.state == "failed"))
            assert all("429" in r.detail for r in failed)
            # Minute 5 and a few seconds: the voice step is already due.
            await parts(sanfang).escalator.run_due()
            await parts(sanfang).couriers[Channel.VOICE].drain()
            await wait_until(
                lambda: len([m for m in gateway.state.sent if m.channel == "voice"]) == len(leaders),
                what="the voice step, pulled forward",
            )
            assert clock.now() < activated_at + timedelta(minutes=10)


async def test_an_ack_racing_a_call_never_lets_a_call_through_after_it(
    broker: EmbeddedBroker, settings_factory, database_url: str, tmp_path: Path
) -> None:
    # The call step falls due 1.2 s after the notice; each call takes the gateway 0.1 s.
    steps = "  - {after_minutes: 0.02, actions: [voice]}\n"
    async with SandboxGateway(token=TOKEN) as gateway:
        await gateway.http.put("/sandbox/behaviour/voice", json={"delay_seconds": 0.1})
        settings = settings_factory(
            database_url=database_url,
            targeting_file=policy(tmp_path, steps),
            gateway_url=gateway.url,
            gateway_token=TOKEN,
            escalation_poll_seconds=0.2,
            voice_per_second=20,
        )
        url = settings.database_url_effective
        scope = Scope.of_streets([Street.XINAN, Street.XIXIANG, Street.SHIYAN, Street.SONGGANG])
        watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
        async with watcher.watching(), dispatch_running(settings, broker.bootstrap, SystemClock()) as sanfang:
            await publish(settings, broker.bootstrap, activation(scope))
            await wait_until(lambda: len(watcher.notices) >= 4, what="the notices")
            await asyncio.sleep(0.5)
            notices = list(watcher.notices.values())
            rng = random.Random(5)

            async def ack_later(notice_id: str) -> None:
                await asyncio.sleep(rng.uniform(0.5, 2.5))
                body = {"notice_id": notice_id, "token": watcher.token(notice_id)}
                answer = await sanfang.http.post("/api/v1/acks", json=body)
                assert answer.status_code == 202

            await asyncio.gather(*(ack_later(str(n["event_id"])) for n in notices))
            a = dispatch_tables.attempts.c
            busy = select(func.count()).where(a.channel == "voice", a.state.in_(["pending", "sending"]))

            async def settled() -> bool:
                return bool(await scalar(url, busy) == 0)

            await wait_until(settled, what="the calls to settle")

    n = tables.notices.c
    acked_at = {r.notice_id: r.acked_at for r in await rows(url, select(n.notice_id, n.acked_at))}
    refs = {
        r.ref: r.notice_id for r in await rows(url, select(a.ref, a.notice_id).where(a.channel == "voice"))
    }
    calls = [m for m in gateway.state.sent if m.channel == "voice"]
    cancelled = await scalar(url, select(func.count()).where(a.channel == "voice", a.state == "cancelled"))
    assert calls, "no call was placed: the race was not run"
    assert all(acked_at[notice_id] is not None for notice_id in refs.values())
    for call in calls:
        # The gateway took the call before the ack was recorded, never after.
        assert call.at < acked_at[refs[call.ref]].timestamp(), f"call {call.ref} after its ack"
    # Every notice ended one way: called before its ack, call dropped, or acked before the step.
    assert len(calls) + cancelled + await _unplanned(url) == len(notices)


async def _receipts(url: str, expected: int) -> bool:
    d = tables.deliveries.c
    return bool(
        await scalar(url, select(func.count()).where(d.channel == "sms", d.status == "delivered")) == expected
    )


async def _count(url: str, channel: str, state: str, expected: int) -> bool:
    a = dispatch_tables.attempts.c
    return bool(
        await scalar(url, select(func.count()).where(a.channel == channel, a.state == state)) == expected
    )


async def settle(courier: Courier, clock: ManualClock, done: Callable[[], Awaitable[bool]]) -> None:
    """Drain ``courier``, moving the clock past each backoff, until ``done`` (the background one helps)."""
    for _ in range(20):
        await courier.drain()
        if await done():
            return
        clock.advance(timedelta(seconds=5))
        await asyncio.sleep(0.2)
    raise AssertionError("the courier did not settle")


async def _unplanned(url: str) -> int:
    """Notices acknowledged before their call step was even taken."""
    e = dispatch_tables.escalations.c
    return int(await scalar(url, select(func.count()).where(e.state == "stopped")))


async def test_ack_links_refuse_forged_expired_and_other_persons_tokens(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    settings = settings_factory(targeting_file=policy(tmp_path, "  - {after_minutes: 5, actions: [sms]}\n"))
    url = settings.database_url_effective
    watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
    async with watcher.watching(), dispatch_running(settings, broker.bootstrap, clock) as sanfang:
        await publish(settings, broker.bootstrap, activation(SHIYAN, at=clock.now()))
        await wait_until(lambda: len(watcher.notices) >= 2, what="two notices")
        first, second = (str(n["text"]) for n in list(watcher.notices.values())[:2])
        mine = _path(first, settings.port)
        theirs = _path(second, settings.port)
        notice_id, token = mine.removeprefix("/ack/").split("?t=")
        forged = f"/ack/{notice_id}?t={token[:-3]}{'AAA' if not token.endswith('AAA') else 'BBB'}"
        other = f"/ack/{notice_id}?t={theirs.split('?t=')[1]}"
        for path in (forged, other, f"/ack/{notice_id}", f"/ack/{notice_id}?t=not.a-token"):
            for method in ("GET", "POST"):
                answer = await sanfang.http.request(method, path)
                assert answer.status_code == 403, (method, path)
                assert answer.headers["referrer-policy"] == "no-referrer"
        # The deadline plus the link's 72 hours: expired, refused, even though it was genuine.
        clock.advance(timedelta(minutes=settings.ack_minutes, hours=settings.ack_link_hours, seconds=1))
        assert (await sanfang.http.get(mine)).status_code == 403
        assert (await sanfang.http.post(mine)).status_code == 403
        assert await scalar(url, select(func.count()).select_from(tables.acks)) == 0
        assert await scalar(url, select(func.count()).where(tables.notices.c.acked_at.is_not(None))) == 0


def _path(text: str, port: int) -> str:
    found = re.search(r"https?://\S+/ack/\S+", text)
    assert found is not None
    return found.group(0).split(str(port), 1)[1]
