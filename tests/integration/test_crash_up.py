"""The one-machine default under SIGKILL: `sanfang up` (embedded broker, SQLite) killed as a
whole process group at many instants between a warning and its last notice, and in the middle
of an ack burst, then started again on the same data dir. Every person is notified once, every
ack answered 2xx is counted once, and the event store ends complete."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiomqtt
import httpx
import pytest
from sqlalchemy import func, select

from schemas.topics import parse_event
from services.core import tables
from services.core.broker import free_port
from services.core.store import Store
from tests.conftest import MQTT_HOST, MQTT_PORT, unique
from tests.integration.helpers import NoticeWatcher, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SANFANG = str(Path(sys.executable).with_name("sanfang"))
PERSONS = 3183
#: Seconds after the warning was accepted at which the whole process group is killed: from
#: before the rules have read it to the end of the fan-out (about 3 s on this machine).
INSTANTS = [0.0, 0.1, 0.25, 0.45, 0.7, 1.0, 1.4, 1.9, 2.5, 3.2, 4.5]


class Up:
    """A `sanfang up` process group on one data dir, started and SIGKILLed as a user's
    machine would see it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.root = unique("crash-")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def env(self) -> dict[str, str]:
        """The environment `sanfang up` runs with: the shared Mosquitto, its own topic root."""
        return {
            **os.environ,
            "SANFANG_MQTT_HOST": MQTT_HOST,
            "SANFANG_MQTT_PORT": str(MQTT_PORT),
            "SANFANG_MQTT_TOPIC_ROOT": self.root,
            "SANFANG_DEMO_DIRECTORY": "true",
        }

    def start(self) -> None:
        self.starts += 1
        log = (self.data_dir.parent / f"up-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [SANFANG, "up", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, the broker in it
        )

    async def ready(self, within: float = 90) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                assert self.process is not None
                assert self.process.poll() is None, "sanfang up exited"
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise AssertionError(f"sanfang up did not become ready within {within} s")

    def kill(self) -> None:
        """SIGKILL the whole process group, as a power cut of the process would."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    @property
    def database(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir / 'sanfang.db'}"


@contextlib.asynccontextmanager
async def up_and_watched(tmp_path: Path) -> AsyncIterator[tuple[Up, NoticeWatcher]]:
    up = Up(tmp_path / "var")
    up.start()
    try:
        await up.ready()
        watcher = NoticeWatcher(MQTT_HOST, MQTT_PORT, up.root)
        async with watcher.watching():
            await asyncio.sleep(0.3)  # the subscription is in place before anything is sent
            yield up, watcher
    finally:
        up.stop()


def _warning(warning_id: str) -> dict[str, str]:
    return {
        "id": warning_id,
        "hazard": "typhoon",
        "colour": "blue",
        "issued_at": datetime.now(UTC).isoformat(),
    }


async def _notified(up: Up) -> int:
    with contextlib.suppress(Exception):  # the database may be mid-restart
        async with Store(up.database) as store, store.read() as conn:
            n = tables.notices.c
            query = select(func.count(func.distinct(n.person_id))).where(n.sent_at.is_not(None))
            return int((await conn.execute(query)).scalar() or 0)
    return 0


async def _check_store(up: Up) -> None:
    """One notice per person in the store, and every outbox event once in the event store."""
    async with Store(up.database) as store, store.read() as conn:
        n = tables.notices.c
        per_person = (await conn.execute(select(n.person_id, func.count()).group_by(n.person_id))).all()
        assert len(per_person) == PERSONS
        assert {count for _, count in per_person} == {1}, "a person has more than one notice"

    async def recorded() -> bool:
        async with Store(up.database) as store, store.read() as conn:
            o, e = tables.outbox.c, tables.events.c
            missing = await conn.execute(
                select(func.count()).select_from(tables.outbox).where(~o.event_id.in_(select(e.event_id)))
            )
            return int(missing.scalar() or 0) == 0

    await wait_until(recorded, within=60, what="every outbox event in the event store")


def _check_mqtt(watcher: NoticeWatcher) -> None:
    notices_of: dict[str, set[str]] = defaultdict(set)
    for notice_id, payload in watcher.notices.items():
        notices_of[str(payload["person_id"])].add(notice_id)
    assert len(notices_of) == PERSONS, f"{PERSONS - len(notices_of)} persons got no notice over MQTT"
    assert all(len(ids) == 1 for ids in notices_of.values()), "a person got two different notices"
    assert watcher.duplicates == 0, f"{watcher.duplicates} notices arrived twice"


@pytest.mark.parametrize("instant", INSTANTS, ids=[f"{t:.2f}s" for t in INSTANTS])
async def test_a_kill_between_warning_and_last_notice_loses_nobody(tmp_path: Path, instant: float) -> None:
    async with up_and_watched(tmp_path) as (up, watcher):
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
            posted = await http.post("/api/v1/warnings", json=_warning(unique("crash-w-")))
            assert posted.status_code == 202, posted.text
        await asyncio.sleep(instant)
        up.kill()
        before = await _notified(up)
        up.start()
        await up.ready()

        async def everyone() -> bool:
            return await _notified(up) == PERSONS and len(watcher.notices) >= PERSONS

        await wait_until(everyone, within=180, what=f"all {PERSONS} persons notified (killed with {before})")
        await asyncio.sleep(1)  # a duplicate would be on its way by now
        _check_mqtt(watcher)
        await _check_store(up)


async def test_a_kill_in_the_middle_of_an_ack_burst_keeps_every_answered_ack(tmp_path: Path) -> None:
    async with up_and_watched(tmp_path) as (up, watcher):
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
            posted = await http.post("/api/v1/warnings", json=_warning(unique("burst-w-")))
            assert posted.status_code == 202, posted.text
        await wait_until(lambda: len(watcher.notices) >= PERSONS, within=180, what="every notice")
        tokens = {notice_id: watcher.token(notice_id) for notice_id in watcher.notices}

        answered: set[str] = set()
        waiting = list(tokens)
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:

            async def app() -> None:
                """One of 50 phones' worth of connections, acking one notice after another."""
                while waiting:
                    notice_id = waiting.pop()
                    with contextlib.suppress(httpx.HTTPError):
                        reply = await http.post(
                            "/api/v1/acks", json={"notice_id": notice_id, "token": tokens[notice_id]}
                        )
                        if reply.is_success:
                            answered.add(notice_id)

            burst = [asyncio.create_task(app()) for _ in range(50)]
            await wait_until(lambda: len(answered) >= 300, within=120, what="300 acks answered")
            up.kill()
            await asyncio.gather(*burst)
        assert 300 <= len(answered) < PERSONS, "the kill came in the middle of the burst"

        up.start()
        await up.ready()
        async with Store(up.database) as store, store.read() as conn:
            a = tables.acks.c
            counted = dict(
                (
                    await conn.execute(
                        select(a.notice_id, func.count()).where(a.counted.is_(True)).group_by(a.notice_id)
                    )
                ).all()
            )
        assert all(counted.get(notice_id) == 1 for notice_id in answered), "a 2xx ack not counted once"
        assert set(counted) <= set(tokens)

        async def ack_events() -> set[str]:
            async with Store(up.database) as store, store.read() as conn:
                e = tables.events.c
                rows = await conn.execute(select(e.payload).where(e.kind == "ack"))
                return {getattr(parse_event(row.payload.encode()), "notice_id", "") for row in rows}

        async def all_recorded() -> bool:
            return answered <= await ack_events()

        await wait_until(all_recorded, within=60, what="an ack event in the event store for every 2xx ack")
        await _check_store(up)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_the_embedded_broker_killed_alone_mid_fan_out_loses_nobody(tmp_path: Path) -> None:
    async with up_and_watched(tmp_path) as (up, watcher):
        assert up.process is not None
        (broker,) = _children(up.process.pid)
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
            posted = await http.post("/api/v1/warnings", json=_warning(unique("broker-w-")))
            assert posted.status_code == 202, posted.text
        await asyncio.sleep(0.8)
        os.kill(broker, signal.SIGKILL)

        async def everyone() -> bool:
            return await _notified(up) == PERSONS and len(watcher.notices) >= PERSONS

        await wait_until(everyone, within=180, what=f"all {PERSONS} persons notified")
        await asyncio.sleep(1)
        _check_mqtt(watcher)
        await _check_store(up)
        assert up.process.poll() is None, "the process started its services again, it did not exit"
        (new_broker,) = _children(up.process.pid)
        assert new_broker != broker


async def test_the_embedded_broker_dies_with_its_parent_however_it_is_killed(tmp_path: Path) -> None:
    up = Up(tmp_path / "var")
    up.start()
    try:
        await up.ready()
        assert up.process is not None
        (broker,) = _children(up.process.pid)
        up.process.kill()  # the Python process alone, not its group
        up.process.wait(timeout=30)
        await wait_until(lambda: not _alive(broker), within=10, what="the orphaned broker to end")
    finally:
        up.stop()


async def test_an_mqtt_ack_read_just_before_a_kill_is_counted_after_the_restart(tmp_path: Path) -> None:
    async with up_and_watched(tmp_path) as (up, watcher):
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
            posted = await http.post("/api/v1/warnings", json=_warning(unique("mqtt-ack-w-")))
            assert posted.status_code == 202, posted.text
        await wait_until(lambda: _notified(up), within=120, what="the first notices")
        await wait_until(lambda: len(watcher.notices) >= 10, within=120, what="ten notices on MQTT")
        notice_id, payload = next(iter(watcher.notices.items()))
        # Another writer holds the database: dispatch reads the ack and cannot record it yet.
        holder = sqlite3.connect(up.data_dir / "sanfang.db", timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as phone:
                await phone.publish(
                    f"{up.root}/acks/{payload['person_id']}",
                    json.dumps({"notice_id": notice_id, "token": watcher.token(notice_id)}),
                    qos=1,  # the broker's PUBACK: the phone takes its ack as sent
                )
            await asyncio.sleep(1.0)  # dispatch has read it and waits for the database
            up.kill()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        up.start()
        await up.ready()

        async def counted() -> bool:
            async with Store(up.database) as store, store.read() as conn:
                n = tables.notices.c
                acked = await conn.scalar(select(n.acked_at).where(n.notice_id == notice_id))
                return acked is not None

        await wait_until(counted, within=60, what="the MQTT ack counted after the restart")


@pytest.mark.parametrize("fault", ["broker", "group"])
async def test_mqtt_acks_sent_through_a_kill_are_all_counted(tmp_path: Path, fault: str) -> None:
    """Phones keep acking over MQTT while the embedded broker (or the whole process group) is
    killed and everything starts again: every ack the MQTT broker took (PUBACK) is counted."""
    async with up_and_watched(tmp_path) as (up, watcher):
        assert up.process is not None
        async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
            posted = await http.post("/api/v1/warnings", json=_warning(unique("mqtt-burst-w-")))
            assert posted.status_code == 202, posted.text
        await wait_until(lambda: len(watcher.notices) >= PERSONS, within=180, what="every notice")
        sent: list[str] = []
        async with aiomqtt.Client(MQTT_HOST, MQTT_PORT) as phone:
            for i, (notice_id, payload) in enumerate(list(watcher.notices.items())[:600]):
                await phone.publish(
                    f"{up.root}/acks/{payload['person_id']}",
                    json.dumps({"notice_id": notice_id, "token": watcher.token(notice_id)}),
                    qos=1,
                )
                sent.append(notice_id)
                if i == 150:
                    if fault == "broker":
                        (broker,) = _children(up.process.pid)
                        os.kill(broker, signal.SIGKILL)
                    else:
                        up.kill()
                        up.start()
                await asyncio.sleep(0.02)
        await up.ready()

        async def all_counted() -> bool:
            async with Store(up.database) as store, store.read() as conn:
                n = tables.notices.c
                acked = await conn.scalar(
                    select(func.count()).where(n.notice_id.in_(sent), n.acked_at.is_not(None))
                )
                return acked == len(sent)

        await wait_until(all_counted, within=120, what=f"all {len(sent)} MQTT acks counted")
