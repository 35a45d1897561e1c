"""The console over a real database, without the bus: its routes in an ASGI client, and
the rows rules and dispatch would have written (a response, units, persons, notices)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from schemas.areas import Scope, Street
from schemas.console import AccountIn, Role
from schemas.responses import Explanation
from services.app import create_app
from services.console.component import build
from services.console.service import Console
from services.core import tables
from services.core.clock import ManualClock
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from services.web.audit import Actor

PASSWORD = "Typhoon-Duty-2024!"
CLI = Actor("cli:test", "测试", "administrator", "local")
START = datetime(2024, 6, 1, 0, 0, tzinfo=UTC)


@dataclass
class Harness:
    """A console over a fresh database, a client, and helpers to act as officers."""

    console: Console
    http: httpx.AsyncClient
    clock: ManualClock
    store: Store

    async def officer(self, username: str, role: Role, name: str | None = None) -> dict[str, str]:
        """Create an account and log in; returns the bearer header."""
        await self.console.accounts.add(
            AccountIn(username=username, display_name=name or username, role=role, password=PASSWORD), by=CLI
        )
        return await self.login(username)

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        answer = await self.http.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        self.http.cookies.clear()  # bearer-only unless a test wants the cookie
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    async def outbox(self, kind: str) -> list[str]:
        """Payloads of the queued events of ``kind``, in order."""
        o = tables.outbox.c
        async with self.store.read() as conn:
            rows = await conn.execute(
                tables.outbox.select().with_only_columns(o.payload).where(o.kind == kind).order_by(o.seq)
            )
            return list(rows.scalars())

    async def response(self, response_id: str, level: str, state: str, *, drill: bool = False) -> str:
        """A response row as the rules write it; returns its latest event id."""
        event_id = f"evt-{response_id}"
        why = Explanation(
            rules_id="baoan-default", rules_version="t", rule="r", summary="暴雨黄色 / rainstorm"
        )
        async with self.store.transaction() as tx:
            await tx.execute(
                tables.responses.insert().values(
                    response_id=response_id,
                    scope_key="streets:songgang",
                    scope=Scope.of_streets([Street.SONGGANG]).model_dump_json(),
                    level=level,
                    state=state,
                    drill=drill,
                    started_at=self.clock.now(),
                    updated_at=self.clock.now(),
                    ended_at=None,
                    last_event_id=event_id,
                    explanation=why.model_dump_json(),
                )
            )
        return event_id

    async def directory_and_notices(
        self, response_id: str, change: str, *, acked: set[str] = frozenset()
    ) -> None:  # type: ignore[assignment]
        """Two units (a street and an agency), four persons, one notice each for ``change``."""
        async with self.store.transaction() as tx:
            await tx.execute(
                tables.units.insert(),
                [
                    {"unit_id": "U08", "name": "松岗街道办事处", "kind": "street", "street": "songgang"},
                    {"unit_id": "U20", "name": "区水务局", "kind": "agency", "street": None},
                ],
            )
            persons = [
                ("P1", "张伟", "U08", "unit_leader", "songgang"),
                ("P2", "李娜", "U08", "duty_contact", "songgang"),
                ("P3", "王强", "U20", "unit_leader", None),
                ("P4", "刘洋", "U20", "duty_contact", None),
            ]
            await tx.execute(
                tables.persons.insert(),
                [
                    {"person_id": p, "name": n, "unit_id": u, "role": r, "street": s}
                    for p, n, u, r, s in persons
                ],
            )
            now = self.clock.now()
            await tx.execute(
                tables.notices.insert(),
                [
                    {
                        "notice_id": f"N-{p}",
                        "response_id": response_id,
                        "response_event_id": change,
                        "person_id": p,
                        "unit_id": u,
                        "change": "activated",
                        "level": "IV",
                        "drill": False,
                        "created_at": now,
                        "ack_by": now + timedelta(minutes=15),
                        "delivered_at": now if p != "P4" else None,
                        "acked_at": now if p in acked else None,
                        "ack_channel": "app" if p in acked else None,
                    }
                    for p, _, u, _, _ in persons
                ],
            )
            # Where dispatch's escalator has got: P2 had the SMS of step 1, the others wait for it.
            await tx.execute(
                dispatch_tables.escalations.insert(),
                [
                    {
                        "notice_id": f"N-{p}",
                        "person_id": p,
                        "response_id": response_id,
                        "started_at": now,
                        "step": 1 if p == "P2" else 0,
                        "due_at": now + timedelta(minutes=10 if p == "P2" else 5),
                        "state": "waiting",
                        "updated_at": now,
                    }
                    for p, _, _, _, _ in persons
                ],
            )


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, console_board_poll_ms=50, **overrides)  # type: ignore[arg-type]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """The console on SQLite."""
    async for made in _harness(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"):
        yield made


@pytest.fixture
async def any_harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    """The console on SQLite and on PostgreSQL."""
    async for made in _harness(tmp_path, database_url):
        yield made


async def _harness(tmp_path: Path, url: str) -> AsyncIterator[Harness]:
    from contextlib import AsyncExitStack

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from services.core.component import Wiring

    clock = ManualClock(START)
    async with AsyncExitStack() as stack, Store(url) as store:
        await store.migrate()
        outbox = Outbox(store, clock)
        scheduler = AsyncIOScheduler(timezone="UTC")  # never started: tests call the jobs
        wiring = Wiring(make_settings(tmp_path, url), clock, store, None, outbox, stack, scheduler)  # type: ignore[arg-type]
        component = await build(wiring)
        app = create_app(component.routers, [], version="test")
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
            yield Harness(component.handle, http, clock, store)
