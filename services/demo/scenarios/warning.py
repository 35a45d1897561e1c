"""``sanfang demo --scenario warning``: one typhoon warning through every service, shown live.

Starts Sanfang (embedded broker, SQLite under ``var/demo``), the simulated persons' apps
(``services/demo/persons.py``, as in the season), sends a typhoon blue signal for the whole
district, and shows the level IV activation, the 3,183 notices arriving over MQTT and the
acknowledgements coming in.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
from rich.console import Console
from rich.live import Live
from rich.table import Table

from services.core.clock import BEIJING, Clock
from services.core.settings import Settings
from services.core.store import Store
from services.demo.agenda import Agenda
from services.demo.directory.generator import generate_baoan_directory
from services.demo.persons import LivePersons
from services.demo.process import demo_logging, demo_login, login_line, start_sanfang
from services.demo.season.people import Behaviour
from services.dispatch.directory_store import save_directory

__all__ = ["run_warning"]

console = Console()

#: How often the persons' answers that fell due are sent.
_ANSWER_EVERY = 0.05
#: Acks in flight at once (one HTTP client for every app).
_ACKS_AT_ONCE = 20


def _behaviour(speed: float) -> Behaviour:
    """How the persons answer a warning, ``speed`` times faster than on the day: 3 % never,
    20 % late (20–60 s), the rest within seconds (4 s on average), all in the app, by HTTP."""
    return Behaviour(
        never=0.03,
        late=0.2,
        mean_seconds=4 / speed,
        late_seconds=(20 / speed, 60 / speed),
        prompt_within_seconds=float("inf"),
        prompt_after_seconds=0.0,
        over_mqtt=0.0,
    )


@contextlib.asynccontextmanager
async def _answering(agenda: Agenda, clock: Clock) -> AsyncIterator[None]:
    """While the block runs, send each answer on the agenda once ``clock`` (the services' own,
    whose times the notices carry) reaches its time."""

    async def answer() -> None:
        while True:
            for action in agenda.due(clock.now()):
                await action()
            await asyncio.sleep(_ANSWER_EVERY)

    task = asyncio.create_task(answer())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _warning(now: datetime) -> dict[str, object]:
    stamp = now.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    return {
        "id": f"44030041600000_{stamp}",
        "hazard": "typhoon",
        "colour": "blue",
        "issued_at": now.isoformat(),
        "headline": "深圳市气象台发布台风蓝色预警信号",
        "description": "受台风影响，预计未来24小时内我区平均风力可达6级以上，请注意防御。",
        "sender": "demo",
    }


def _board(response: dict[str, object] | None, persons: LivePersons, started: float) -> Table:
    table = Table(title="宝安区三防 · Sanfang demo", show_header=False, min_width=60)
    table.add_row("elapsed", f"{time.perf_counter() - started:5.1f} s")
    if response is None:
        table.add_row("response", "waiting for the rules to decide…")
    else:
        counts = response["counts"]
        if not isinstance(counts, dict):
            raise TypeError("the API answered a response without counts")
        table.add_row("response", f"level {response['level']} · {response['state']} · {response['summary']}")
        table.add_row("notified (store)", str(counts["notified"]))
        table.add_row("delivered (MQTT PUBACK)", str(counts["delivered"]))
        table.add_row("received by the apps", str(persons.tally.received))
        table.add_row("acknowledged", str(counts["acknowledged"]))
    return table


async def run_warning(settings: Settings, *, exit_when_done: bool, speed: float, clock: Clock) -> int:
    """Run the demo; returns 0 when the flow went through (3,183 notices, acks arriving)."""
    demo_logging()
    # The demo starts from a clean slate every time: a response left active by an earlier
    # run would absorb the new warning (same level, same scope) and nothing would be sent.
    for leftover in settings.data_dir.glob("sanfang.db*"):
        leftover.unlink()
    # Dispatch starts only with a directory: the demo imports the invented Bao'an one first,
    # as an operator imports theirs.
    async with Store(settings.database_url_effective) as store:
        await store.migrate()
        directory = generate_baoan_directory()
        await save_directory(store, directory, source="demo: generated Bao'an", now=clock.now())
    up = await start_sanfang(settings, clock)
    if up is None:
        return 1
    stop, service = up.stop, up.service
    api = settings.public_url_effective
    console.print(f"Sanfang is up. API and console: [bold]{api}[/bold]  (OpenAPI: {api}/docs)")
    console.print(login_line(await demo_login(up.runtime)))
    status = 1
    agenda = Agenda()
    async with (
        httpx.AsyncClient(base_url=api, timeout=30) as acks,
        # No sandbox gateway: in the minute this scenario lasts the ladder sends no SMS or call.
        LivePersons(
            settings,
            directory,
            agenda,
            acks,
            gateway=None,
            behaviour=_behaviour(speed),
            at_once=_ACKS_AT_ONCE,
        ).listening() as persons,
        _answering(agenda, clock),
        httpx.AsyncClient(base_url=api, timeout=30) as http,
    ):
        warning = _warning(clock.now())
        console.print(f"sending {warning['headline']} ({warning['id']}) to POST /api/v1/warnings")
        answer = await http.post("/api/v1/warnings", json=warning)
        console.print(f"→ {answer.status_code} {answer.json()}")
        started = time.perf_counter()
        response: dict[str, object] | None = None
        with Live(_board(None, persons, started), console=console, refresh_per_second=4) as live:
            while not stop.is_set():
                found = (await http.get("/api/v1/responses")).json()
                response = found[0] if found else None
                live.update(_board(response, persons, started))
                counts = response["counts"] if response else None
                settled = (
                    isinstance(counts, dict)
                    and counts["notified"] > 0
                    and counts["delivered"] == counts["notified"]
                    and counts["acknowledged"] >= 0.75 * counts["notified"]
                )
                if settled:
                    status = 0
                    if exit_when_done:
                        break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.5)
        console.print(f"Console: {api}   Responses: {api}/api/v1/responses   Metrics: {api}/metrics")
        if not exit_when_done:
            console.print("The simulated persons keep acknowledging; Ctrl-C stops.")
            await stop.wait()
    stop.set()
    await service
    return status
