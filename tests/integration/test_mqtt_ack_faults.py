"""App acks over MQTT through a restart of the MQTT broker itself: `sanfang up` on a private,
persistent Mosquitto (the fault suite's), phones acking at 50 a second while Mosquitto is
restarted cleanly — with Sanfang running, or with its whole process group stopped (SIGSTOP)
across the restart. Every ack Mosquitto answered with a PUBACK is counted: the persistent
session, its subscription and the acks queued or in flight in it survive the restart.

A Mosquitto that cannot write its persistence file loses the session at a restart, and with
it every ack sent before dispatch subscribes again: the fault suite's lost MQTT acks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from pathlib import Path

import aiomqtt
import httpx
import pytest
from sqlalchemy import func, select

from services.core import tables
from services.core.store import Store
from tests.conftest import unique
from tests.faults.infra import PrivateMosquitto
from tests.integration.helpers import NoticeWatcher, wait_until
from tests.integration.test_crash_up import PERSONS, Up, _warning

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ACKS = 500
RESTART_AT = 120  # the ack after which Mosquitto restarts


class UpOn(Up):
    """`sanfang up` on the private Mosquitto at ``mqtt_port``."""

    def __init__(self, data_dir: Path, mqtt_port: int) -> None:
        super().__init__(data_dir)
        self.mqtt_port = mqtt_port

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")}
        env.update(
            {
                "SANFANG_MQTT_HOST": "127.0.0.1",
                "SANFANG_MQTT_PORT": str(self.mqtt_port),
                "SANFANG_MQTT_EMBEDDED": "never",
                "SANFANG_MQTT_TOPIC_ROOT": self.root,
                "SANFANG_DEMO_DIRECTORY": "true",
            }
        )
        return env

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, sig)


async def _phone(port: int, root: str, notices: list[tuple[str, str, str]], at: asyncio.Event) -> list[str]:
    """Ack ``notices`` at 50 a second, reconnecting while the broker is away; returns the
    notices whose ack the broker took (PUBACK). Sets ``at`` after ``RESTART_AT`` acks."""
    taken: list[str] = []
    pending = list(notices)
    deadline = time.monotonic() + 120
    while pending and time.monotonic() < deadline:
        try:
            async with aiomqtt.Client("127.0.0.1", port, timeout=5) as phone:
                while pending:
                    notice_id, person_id, token = pending[0]
                    body = json.dumps({"notice_id": notice_id, "token": token})
                    await phone.publish(f"{root}/acks/{person_id}", body, qos=1)
                    pending.pop(0)
                    taken.append(notice_id)
                    if len(taken) == RESTART_AT:
                        at.set()
                    await asyncio.sleep(0.02)
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)
    assert not pending, f"{len(pending)} acks never taken by the broker"
    return taken


@pytest.mark.parametrize("frozen", [False, True], ids=["running", "sigstopped"])
async def test_mqtt_acks_sent_through_a_mosquitto_restart_are_all_counted(
    tmp_path: Path, frozen: bool
) -> None:
    mosquitto = PrivateMosquitto(tmp_path / "mqtt")
    await mosquitto.start()
    up = UpOn(tmp_path / "var", mosquitto.port)
    up.start()
    try:
        await up.ready()
        watcher = NoticeWatcher("127.0.0.1", mosquitto.port, up.root)
        async with watcher.watching():
            await asyncio.sleep(0.3)
            async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
                posted = await http.post("/api/v1/warnings", json=_warning(unique("mq-restart-w-")))
                assert posted.status_code == 202, posted.text
            await wait_until(lambda: len(watcher.notices) >= PERSONS, within=180, what="every notice")
        chosen = [
            (notice_id, str(payload["person_id"]), watcher.token(notice_id))
            for notice_id, payload in list(watcher.notices.items())[:ACKS]
        ]
        restart = asyncio.Event()
        phone = asyncio.create_task(_phone(mosquitto.port, up.root, chosen, restart))
        await restart.wait()
        if frozen:
            up.signal(signal.SIGSTOP)  # dispatch holds acks read and unacknowledged
            await asyncio.sleep(1.0)
        await mosquitto.restart()
        if frozen:
            await asyncio.sleep(3.0)  # acks queue in the restored session meanwhile
            up.signal(signal.SIGCONT)
        sent = await phone
        assert len(sent) == ACKS

        async def all_counted() -> bool:
            async with Store(up.database) as store, store.read() as conn:
                n = tables.notices.c
                acked = await conn.scalar(
                    select(func.count()).where(n.notice_id.in_(sent), n.acked_at.is_not(None))
                )
                return acked == len(sent)

        await wait_until(all_counted, within=120, what=f"all {len(sent)} MQTT acks counted")
        async with Store(up.database) as store, store.read() as conn:
            k = tables.acks.c
            counted = await conn.scalar(
                select(func.count()).where(k.notice_id.in_(sent), k.counted.is_(True))
            )
        assert counted == len(sent), "an ack counted twice"
    finally:
        with contextlib.suppress(ProcessLookupError):
            up.signal(signal.SIGCONT)
        up.stop()
        await mosquitto.stop()
