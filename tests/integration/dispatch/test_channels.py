"""An activation for three streets, through the real broker, Mosquitto and the sandbox
gateway: exactly the targeted persons get one notice each, and an ack by each channel
(app over HTTP and MQTT, link, SMS reply, voice keypress, duty officer) counts once
and stops that person's escalation; an app ack over MQTT on another person's topic, or
with a token not its person's for that notice, is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest
from sqlalchemy import func, select

from schemas.areas import Scope, Street
from schemas.directory import Role
from schemas.notices import Channel
from schemas.responses import Level
from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import ManualClock
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch import tables as dispatch_tables
from services.dispatch.domain.targeting import TargetingPolicy, recipients
from services.sandbox.server import SandboxGateway
from tests.integration.dispatch.helpers import activation, dispatch_running, parts, publish, rows, scalar
from tests.integration.helpers import NoticeWatcher, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

THREE = Scope.of_streets([Street.SONGGANG, Street.FUYONG, Street.SHAJING])
TOKEN = "gateway-test-token"
GRADED = """
targeting:
  roles:
    watch: [unit_leader, duty_contact]
    IV: [unit_leader, duty_contact]
    III: [unit_leader, duty_contact, hazard_point]
    II: [unit_leader, duty_contact, hazard_point, member]
    I: [unit_leader, duty_contact, hazard_point, member]
escalation:
  - {after_minutes: 5, actions: [sms]}
  - {after_minutes: 10, actions: [voice]}
  - {after_minutes: 15, actions: [deputy, unit_leader, duty_board]}
"""


def graded_file(tmp_path: Path) -> Path:
    path = tmp_path / "targeting.yaml"
    path.write_text(GRADED, encoding="utf-8")
    return path


async def test_three_streets_reach_the_targeted_persons_once_and_each_ack_channel_counts_once(
    broker: EmbeddedBroker, settings_factory, database_url: str, tmp_path: Path
) -> None:
    directory = generate_baoan_directory()
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
    async with SandboxGateway(token=TOKEN) as gateway:
        settings = settings_factory(
            database_url=database_url,
            targeting_file=graded_file(tmp_path),
            gateway_url=gateway.url,
            gateway_token=TOKEN,
            escalation_poll_seconds=3600,
            sms_per_second=500,
            voice_per_second=500,
        )
        url = settings.database_url_effective
        watcher = NoticeWatcher(settings.mqtt_host, settings.mqtt_port, settings.mqtt_topic_root)
        async with watcher.watching(), dispatch_running(settings, broker.bootstrap, clock) as sanfang:
            event = activation(THREE, Level.IV, at=clock.now())
            await publish(settings, broker.bootstrap, event)
            expected = {p.person_id for p in recipients(directory, THREE, Level.IV, TargetingPolicy.graded())}
            await wait_until(lambda: len(watcher.notices) >= len(expected), within=60, what="the notices")
            delivered = select(func.count()).where(tables.notices.c.delivered_at.is_not(None))
            await wait_until(lambda: _equals(scalar(url, delivered), len(expected)), what="delivery records")

            # Exactly the persons the targeting names, once each: command roles of the three
            # streets, plus the agencies' command roles (who have no street).
            told = {n["person_id"] for n in watcher.notices.values()}
            assert told == expected
            assert watcher.duplicates == 0
            assert 50 < len(told) < 1000
            for person_id in told:
                person = directory.person(person_id)
                assert person.role in (Role.UNIT_LEADER, Role.DUTY_CONTACT)
                assert person.street in (Street.SONGGANG, Street.FUYONG, Street.SHAJING, None)
            assert await scalar(url, select(func.count()).select_from(tables.notices)) == len(expected)
            notice = {n["person_id"]: n for n in watcher.notices.values()}
            assert all(n["directory_version"] == directory.version for n in notice.values())
            a, b, c, d, e, f = sorted(told)[:6]

            # The app, over HTTP with the token it was pushed, and over MQTT (a person can only
            # ack on their own topic; a token, when sent, must be theirs for that notice).
            ids = {p: str(n["event_id"]) for p, n in notice.items()}
            assert all(n["ack_url"] and str(n["ack_url"]) in str(n["text"]) for n in notice.values())
            own = {"notice_id": ids[a], "token": watcher.token(ids[a])}
            answer = await sanfang.http.post("/api/v1/acks", json=own)
            assert answer.status_code == 202
            forged = f"{watcher.token(ids[d]).split('.')[0]}.{watcher.token(ids[c]).split('.')[1]}"
            root = settings.mqtt_topic_root
            async with aiomqtt.Client(settings.mqtt_host, settings.mqtt_port) as app:
                for person, body in (
                    (b, {"notice_id": ids[c]}),  # another person's notice on b's topic
                    (b, {"notice_id": ids[c], "token": watcher.token(ids[c])}),  # ... with its token
                    (d, {"notice_id": ids[d], "token": forged}),
                    (d, {"notice_id": ids[d], "token": watcher.token(ids[e])}),  # another notice's
                    (b, {"notice_id": ids[b], "token": watcher.token(ids[b])}),
                ):
                    await app.publish(f"{root}/acks/{person}", json.dumps(body), qos=1)
            await wait_until(lambda: acked(url, ids[b]), what="the MQTT ack")
            assert not await acked(url, ids[c])
            assert not await acked(url, ids[d])

            # The link: GET shows a page and changes nothing; POST acknowledges.
            link = re.search(r"https?://\S+/ack/\S+", str(notice[c]["text"]))
            assert link is not None
            path = link.group(0).split(str(settings.port), 1)[1]
            page = await sanfang.http.get(path)
            assert page.status_code == 200
            assert page.headers["referrer-policy"] == "no-referrer"
            assert "确认收到" in page.text
            assert not await acked(url, notice[c]["event_id"])
            posted = await sanfang.http.post(path)
            assert posted.status_code == 200
            assert await acked(url, notice[c]["event_id"])

            # Five minutes without an ack: SMS to everyone still waiting, none to a, b, c.
            clock.advance(timedelta(minutes=5, seconds=1))
            await parts(sanfang).escalator.run_due()
            waiting = told - {a, b, c}
            await wait_until(lambda: len(sent(gateway, "sms")) >= len(waiting), what="the SMS step")
            assert {m.to for m in sent(gateway, "sms")} == {directory.person(p).phone for p in waiting}
            assert len(sent(gateway, "sms")) == len(waiting)

            # An SMS reply "1" (full-width here) acknowledges.
            reply = await gateway_post(sanfang, gateway, {"from": directory.person(d).phone, "text": "１"})
            assert reply["answer"] == {"acknowledged": True}
            # a acknowledges a second time, by the link: kept, not counted.
            link_a = re.search(r"https?://\S+/ack/\S+", str(notice[a]["text"]))
            assert link_a is not None
            repeat = await sanfang.http.post(link_a.group(0).split(str(settings.port), 1)[1])
            assert "此前已确认" in repeat.text

            # Ten minutes: voice calls; keypress 1 acknowledges.
            clock.advance(timedelta(minutes=5))
            await parts(sanfang).escalator.run_due()
            waiting -= {d}
            await wait_until(lambda: len(sent(gateway, "voice")) >= len(waiting), what="the voice step")
            assert {m.to for m in sent(gateway, "voice")} == {directory.person(p).phone for p in waiting}
            (call,) = [m for m in sent(gateway, "voice") if m.to == directory.person(e).phone]
            pressed = await gateway.http.post("/sandbox/keypress", json={"ref": call.ref, "digits": "1"})
            assert pressed.json()["answer"] == {"acknowledged": True}

            # A duty officer on f's behalf, with a reason.
            outcome = await parts(sanfang).acks.on_behalf(
                notice[f]["event_id"], officer="duty-wang", reason="电话联系，本人确认已收到"
            )
            assert outcome.counted

            # Fifteen minutes: deputies and unit leaders hear of those still waiting, not of the six.
            clock.advance(timedelta(minutes=5))
            await parts(sanfang).escalator.run_due()
            waiting -= {e}
            a_ = dispatch_tables.attempts.c
            pending = select(func.count()).where(a_.step == 3, a_.state.in_(["pending", "sending"]))

            async def third_step_sent() -> bool:
                # Time moves on as it would: past any retry backoff or send lease (30 s), which a
                # frozen test clock would otherwise hold forever if a send had to be retried.
                clock.advance(timedelta(seconds=31))
                for courier in parts(sanfang).couriers.values():
                    await courier.drain()
                return await _equals(scalar(url, pending), 0)

            await wait_until(third_step_sent, within=120, what="the third step's messages")
            about = {r.notice_id for r in await rows(url, select(a_.notice_id).where(a_.step == 3))}
            acked_ids = {notice[p]["event_id"] for p in (a, b, c, d, e, f)}
            assert about
            assert not about & acked_ids

            n, k = tables.notices.c, tables.acks.c
            channels = dict(
                await rows(url, select(n.person_id, n.ack_channel).where(n.acked_at.is_not(None)))
            )
            assert channels == {
                a: Channel.APP.value,
                b: Channel.APP.value,
                c: Channel.LINK.value,
                d: Channel.SMS.value,
                e: Channel.VOICE.value,
                f: Channel.CONSOLE.value,
            }
            # The repeated ack collapsed onto the one that counted: no row of its own.
            assert await scalar(url, select(func.count()).select_from(tables.acks)) == 6
            assert await scalar(url, select(func.count()).where(k.counted.is_(True))) == 6
            (officer,) = await rows(url, select(k.on_behalf_by, k.reason).where(k.channel == "console"))
            assert officer == ("duty-wang", "电话联系，本人确认已收到")


async def _equals(value: Awaitable[object], expected: object) -> bool:
    return await value == expected


def sent(gateway: SandboxGateway, channel: str) -> list:  # type: ignore[type-arg]
    return [m for m in gateway.state.sent if m.channel == channel]


async def acked(url: str, notice_id: str) -> bool:
    n = tables.notices.c
    return bool(await scalar(url, select(n.acked_at.is_not(None)).where(n.notice_id == notice_id)))


async def gateway_post(sanfang, gateway: SandboxGateway, body: dict[str, str]) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """A person replies to an SMS, through the sandbox."""
    answer = await gateway.http.post("/sandbox/reply", json=body)
    assert answer.status_code == 200, answer.text
    result: dict = answer.json()  # type: ignore[type-arg]
    return result
