"""One playback of the storm day against a deployment the suite started, optionally under a
seeded fault plan; returns what the store holds and what was seen from outside.

>>> async def demo(workdir: Path) -> None:  # doctest: +SKIP
...     baseline = await play(Setup("undisturbed", workdir / "a"))
...     faulted = await play(Setup("faults", workdir / "b", faults={Kind.UP_SIGKILL: 2}))
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from services.core import tables
from services.core.broker import EmbeddedBroker
from services.core.clock import SystemClock
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store
from services.demo.live.officer import LiveOfficer
from services.demo.live.player import Playback
from services.demo.live.probe import activity
from services.demo.persons import LivePersons
from services.dispatch.directory_store import save_directory
from services.sandbox.server import SandboxGateway
from tests.faults.day import Pace, ScaledAgenda, StormDay
from tests.faults.deploy import SERVICES, Deployment, OneMachine, Split
from tests.faults.faults import Injector, Kind, schedule
from tests.faults.infra import PrivateMosquitto, PrivatePostgres
from tests.faults.observe import AckLedger, NoticeWatch
from tests.faults.outcome import Outcome
from tests.kafka.cluster import start_cluster

__all__ = ["Played", "Setup", "play"]

log = logging.getLogger(__name__)

GATEWAY_TOKEN = "faults-gateway-" + "x7Qp2Lm9" * 4
_CUE_PATIENCE = 120.0  # seconds a cue is retried while the services are down
_SETTLE_SECONDS = 480.0  # at most this long for the services to catch up at the end (a loaded box)


@dataclass(frozen=True)
class Setup:
    """One run: where, which shape, which faults (``kind -> count``) in which window."""

    name: str
    workdir: Path
    split: bool = False
    #: With ``split``: ``embedded`` (the suite's own Tansu) or ``kafka`` (the scripts/kafka cluster).
    bus: str = "embedded"
    seed: int = 2024
    pace: Pace = field(default_factory=Pace)
    faults: dict[Kind, int] = field(default_factory=dict)
    fault_window: tuple[float, float] = (3.0, 60.0)


@dataclass
class Played:
    """What one run left behind."""

    outcome: Outcome
    watch: NoticeWatch
    ledger: AckLedger
    injector: Injector | None
    refused_cues: list[str]
    seconds: float
    restarted_by_itself: int = 0
    persons: Counter[str] = field(default_factory=Counter)


def _env(
    setup: Setup, mqtt_port: int, gateway_url: str, targeting: Path, database_url: str | None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")}
    env.update(
        {
            "SANFANG_ENVIRONMENT": "development",
            "SANFANG_DATA_DIR": str(setup.workdir / "data"),
            "SANFANG_MQTT_HOST": "127.0.0.1",
            "SANFANG_MQTT_PORT": str(mqtt_port),
            "SANFANG_MQTT_EMBEDDED": "never",
            "SANFANG_GATEWAY_URL": gateway_url,
            "SANFANG_GATEWAY_TOKEN": GATEWAY_TOKEN,
            "SANFANG_TARGETING_FILE": str(targeting),
            "SANFANG_ESCALATION_POLL_SECONDS": "0.5",
            "SANFANG_CHANNEL_TIMEOUT_SECONDS": "2",
            "SANFANG_LOG_LEVEL": "WARNING",
        }
    )
    if database_url is not None:
        env["SANFANG_DATABASE_URL"] = database_url
    return env


async def play(setup: Setup) -> Played:
    """Play the day once; every process it started is stopped before it returns."""
    started = time.monotonic()
    setup.workdir.mkdir(parents=True, exist_ok=True)
    targeting = setup.workdir / "targeting.yaml"
    targeting.write_text(setup.pace.targeting_yaml())
    async with contextlib.AsyncExitStack() as stack:
        mosquitto = PrivateMosquitto(setup.workdir / "mqtt")
        await mosquitto.start()
        stack.push_async_callback(mosquitto.stop)
        gateway = await stack.enter_async_context(SandboxGateway(token=GATEWAY_TOKEN))
        postgres: PrivatePostgres | None = None
        database_url: str | None = None
        database = f"sanfang_{uuid.uuid4().hex[:8]}"
        if setup.split:
            postgres = PrivatePostgres()
            stack.push_async_callback(postgres.destroy)
            await postgres.start()
            await postgres.create_database(database)
            database_url = postgres.url(database)
        env = _env(setup, mosquitto.port, gateway.url, targeting, database_url)
        on_kafka = setup.split and setup.bus == "kafka"
        if on_kafka:  # a shared cluster: this run's topics are its own
            env["SANFANG_TOPIC_PREFIX"] = f"faults{uuid.uuid4().hex[:8]}."
        settings = Settings(
            data_dir=setup.workdir / "data",
            mqtt_port=mosquitto.port,
            gateway_url=gateway.url,
            gateway_token=GATEWAY_TOKEN,
            **({"database_url": database_url} if database_url else {}),
            **({"topic_prefix": env["SANFANG_TOPIC_PREFIX"]} if on_kafka else {}),
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = await stack.enter_async_context(Store(settings.database_url_effective))
        await store.migrate()
        directory = Playback(seed=setup.seed, persons_per_unit=0).directory()
        await save_directory(
            store, directory, source=f"fault suite, seed {setup.seed}", now=datetime.now(UTC)
        )

        deployment: Deployment
        if on_kafka:
            deployment = Split(setup.workdir, env, await asyncio.to_thread(start_cluster), kafka=True)
        elif setup.split:
            broker = await stack.enter_async_context(EmbeddedBroker(log_file=setup.workdir / "broker.log"))
            deployment = Split(setup.workdir, env, broker.bootstrap)
        else:
            deployment = OneMachine(setup.workdir, env)
        stack.push_async_callback(deployment.stop)
        await deployment.start()

        ledger = AckLedger()
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=deployment.ack_url, timeout=10, event_hooks={"response": [ledger.on_api]}
            )
        )
        gateway.http.event_hooks["response"].append(ledger.on_gateway)
        agenda = ScaledAgenda(setup.pace.person_speed)
        persons = LivePersons(settings, directory, agenda, api, gateway, seed=setup.seed)
        # The officer's commands go on the run's own topics (on a shared Kafka cluster, a prefix).
        commands = Outbox(store, SystemClock(), topic_prefix=settings.topic_prefix)
        officer = LiveOfficer(commands, SystemClock(), agenda, seed=setup.seed)
        watch = NoticeWatch("127.0.0.1", mosquitto.port, settings.mqtt_topic_root, ledger)
        watcher = asyncio.create_task(watch.run(persons))
        stack.push_async_callback(_stop_watch, watch, watcher)

        injector: Injector | None = None
        clock0 = time.monotonic()

        def elapsed() -> float:
            return time.monotonic() - clock0

        day = StormDay(setup.seed, setup.pace)
        run_start = datetime.now(UTC)
        tasks: list[asyncio.Task[None]] = []
        if setup.faults:
            injector = Injector(
                deployment, mosquitto, gateway, postgres, database, topic_prefix=settings.topic_prefix
            )
            plan = schedule(
                setup.seed,
                setup.faults,
                start=setup.fault_window[0],
                end=setup.fault_window[1],
                targets=SERVICES if setup.split else (),
            )
            tasks.append(asyncio.create_task(injector.run(plan, elapsed)))
        refused: list[str] = []
        posting = asyncio.create_task(_post_cues(day, run_start, elapsed, deployment, refused))
        tasks.append(posting)
        supervisor = asyncio.create_task(_supervise(deployment, injector, elapsed))
        try:
            await _drive(setup, agenda, officer, elapsed, tasks)
            await asyncio.gather(*tasks)
            upto = await _settle(store, persons, injector)
        finally:
            supervisor.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(supervisor, *tasks, return_exceptions=True)
            if injector is not None:
                await injector.settle()
                # The fault timeline beside up.log (run seconds), for reading a kept run.
                (setup.workdir / "faults.log").write_text("".join(f"{line}\n" for line in injector.log_lines))
        outcome = await Outcome.read(store, outbox_upto=upto)
        return Played(
            outcome,
            watch,
            ledger,
            injector,
            refused,
            time.monotonic() - started,
            deployment.restarted_by_itself,
            Counter(
                {
                    "received": persons.tally.received,
                    "never": persons.tally.never,
                    "refused": persons.tally.refused,
                }
            ),
        )


async def _stop_watch(watch: NoticeWatch, task: asyncio.Task[None]) -> None:
    watch.stop.set()
    await asyncio.wait_for(task, 10)


async def _post_cues(
    day: StormDay, run_start: datetime, elapsed: object, deployment: Deployment, refused: list[str]
) -> None:
    """Post each cue at its second; retry while the services are down (a feed retries too)."""
    assert callable(elapsed)
    async with httpx.AsyncClient(base_url=deployment.ingest_url, timeout=10) as http:
        for at, cue in day.timeline:
            wait = at - elapsed()
            if wait > 0:
                await asyncio.sleep(wait)
            body = day.body(cue, run_start)
            deadline = elapsed() + _CUE_PATIENCE
            while True:
                try:
                    answer = await http.post(cue.path, json=body)
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code < 500:
                    if answer.status_code >= 400:
                        refused.append(f"{cue.what[:40]}: {answer.status_code} {answer.text[:200]}")
                    break
                if elapsed() > deadline:
                    refused.append(f"{cue.what[:40]}: not accepted within {_CUE_PATIENCE:.0f} s")
                    break
                await asyncio.sleep(0.5)


async def _supervise(deployment: Deployment, injector: Injector | None, elapsed: Callable[[], float]) -> None:
    """Restart what exits by itself, as systemd would."""
    while True:
        await asyncio.sleep(0.5)
        lock = injector.busy if injector is not None else asyncio.Lock()
        async with lock:
            gone = await deployment.restart_exited()
        if gone and injector is not None:
            injector.broker_losses.append(elapsed())  # run seconds, as the injector's own
            log.warning("restarted after exiting by itself: %s", ", ".join(gone))


async def _drive(
    setup: Setup, agenda: ScaledAgenda, officer: LiveOfficer, elapsed: object, tasks: list[asyncio.Task[None]]
) -> None:
    """Do the persons' and the officer's answers as they fall due, until ``answer_until``."""
    assert callable(elapsed)
    while elapsed() < setup.pace.answer_until or not all(t.done() for t in tasks):
        if elapsed() > setup.pace.answer_until + 600:
            raise RuntimeError("the cues or the faults did not finish within ten minutes")
        with contextlib.suppress(SQLAlchemyError, OSError):
            await officer.look()
        for action in agenda.due(datetime.now(UTC)):
            if elapsed() >= setup.pace.answer_until:
                break
            try:
                await action()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("an answer failed (the store is away): %s", exc)
        await asyncio.sleep(0.1)


async def _settle(store: Store, persons: LivePersons, injector: Injector | None) -> int | None:
    """Wait (bounded) until the services have caught up: nothing waits in the outbox, nothing is
    being sent, every outbox event is in the event store and no person is answering, three
    checks in a row. Returns the newest outbox row of the last check (escalations may go on
    making events after it: the event-store check stops there), or None if it never came."""
    if injector is not None:
        await injector.settle()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _SETTLE_SECONDS
    quiet = 0
    upto: int | None = None
    while loop.time() < deadline and quiet < 3:
        await asyncio.sleep(1.0)
        try:
            now = await activity(store)
            caught_up, newest = await _recorded(store)
        except (SQLAlchemyError, OSError):
            quiet = 0
            continue
        if now.at_rest and caught_up and not persons.in_flight:
            quiet, upto = quiet + 1, newest
        else:
            quiet = 0
    if quiet < 3:
        log.warning("the services did not catch up within %s s", _SETTLE_SECONDS)
        return None
    return upto


async def _recorded(store: Store) -> tuple[bool, int]:
    """Whether every outbox event is in the event store, and the newest outbox row."""
    o, e = tables.outbox.c, tables.events.c
    async with store.read() as conn:
        newest = int(await conn.scalar(select(func.max(o.seq))) or 0)
        missing = await conn.scalar(
            select(func.count()).where(o.seq <= newest, o.event_id.not_in(select(e.event_id)))
        )
    return not missing, newest
