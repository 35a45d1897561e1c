"""Dispatch's ack routes over a real database, without the bus: the app in an ASGI client,
the notices and persons as dispatch would have written them, tokens signed as pushed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from sqlalchemy import func, select

from schemas.console import AccountIn, Role
from services.app import create_app
from services.console.component import build as build_console
from services.console.service import Console
from services.core import tables
from services.core.clock import ManualClock
from services.core.component import Wiring
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from services.dispatch.acks import AckBook
from services.dispatch.http import ack_router
from services.dispatch.inbound import Inbound
from services.dispatch.links import AckLinks
from services.web.audit import Actor

NOW = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)
SECRET = b"test-secret-of-the-ack-links-0123"
PHONES = {"P1": "13800000001", "P2": "13800000002"}


@dataclass
class AckStack:
    """The ack routes, the store behind them, and a way to count what they wrote."""

    http: httpx.AsyncClient
    store: Store
    links: AckLinks
    clock: ManualClock

    def token(self, person_id: str) -> str:
        """The ack token ``person_id``'s app was pushed with their notice ``N-<person>``."""
        return self.links.token(person_id, f"N-{person_id}", NOW + timedelta(minutes=15))

    async def count(self, table: Any, **where: object) -> int:
        c = table.c
        async with self.store.read() as conn:
            query = select(func.count()).select_from(table).where(*(c[k] == v for k, v in where.items()))
            return int(await conn.scalar(query) or 0)

    async def acks(self) -> list[tuple[str, str, bool]]:
        """Every ack row: (notice, channel, counted)."""
        k = tables.acks.c
        async with self.store.read() as conn:
            rows = await conn.execute(select(k.notice_id, k.channel, k.counted).order_by(k.received_at))
            return [(r.notice_id, r.channel, r.counted) for r in rows]

    async def escalation(self, person_id: str) -> str:
        e = dispatch_tables.escalations.c
        async with self.store.read() as conn:
            state = await conn.scalar(select(e.state).where(e.notice_id == f"N-{person_id}"))
        return str(state)


async def _people_and_notices(store: Store) -> None:
    async with store.transaction() as tx:
        await tx.execute(
            tables.persons.insert(),
            [
                {"person_id": p, "name": p, "unit_id": "U08", "role": "unit_leader", "phone": phone}
                for p, phone in PHONES.items()
            ],
        )
        await tx.execute(
            tables.notices.insert(),
            [
                {
                    "notice_id": f"N-{p}",
                    "response_id": "R1",
                    "response_event_id": "E1",
                    "person_id": p,
                    "unit_id": "U08",
                    "change": "activated",
                    "level": "IV",
                    "drill": False,
                    "created_at": NOW,
                    "ack_by": NOW + timedelta(minutes=15),
                }
                for p in PHONES
            ],
        )
        await tx.execute(
            dispatch_tables.escalations.insert(),
            [
                {
                    "notice_id": f"N-{p}",
                    "person_id": p,
                    "response_id": "R1",
                    "started_at": NOW,
                    "step": 0,
                    "due_at": NOW + timedelta(minutes=5),
                    "state": "waiting",
                    "updated_at": NOW,
                }
                for p in PHONES
            ],
        )


@contextlib.asynccontextmanager
async def ack_stack(database_url: str, *, gateway_token: str | None) -> AsyncIterator[AckStack]:
    """The ack routes as dispatch mounts them: with the gateway's callbacks only when a
    ``gateway_token`` is given (a gateway is configured)."""
    clock = ManualClock(NOW + timedelta(minutes=1))
    async with Store(database_url) as store:
        await store.migrate()
        await _people_and_notices(store)
        outbox = Outbox(store, clock)
        book = AckBook(outbox, clock)
        links = AckLinks(SECRET, "http://sanfang.test", timedelta(hours=72))
        router = ack_router(book, Inbound(outbox, clock, book), links, clock, gateway_token)
        app = create_app([router], [], version="test")
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sanfang.test") as http:
            yield AckStack(http, store, links, clock)


PASSWORD = "Typhoon-Duty-2024!"
_CLI = Actor("cli:test", "测试", "administrator", "local")


@dataclass
class ConsoleStack:
    """The console's routes over a fresh database, reachable from any client address."""

    console: Console
    app: FastAPI
    clock: ManualClock

    async def officer(self, username: str, role: Role = Role.DUTY_OFFICER) -> None:
        await self.console.accounts.add(
            AccountIn(username=username, display_name=username, role=role, password=PASSWORD), by=_CLI
        )

    @contextlib.asynccontextmanager
    async def client(self, address: str) -> AsyncIterator[httpx.AsyncClient]:
        """A client whose connection comes from ``address``."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as http:
            yield http

    async def login(
        self, address: str, username: str, password: str = PASSWORD, **headers: str
    ) -> httpx.Response:
        """One login from ``address`` a second after the last (the clock moves on)."""
        self.clock.advance(timedelta(seconds=1))
        async with self.client(address) as http:
            body = {"username": username, "password": password}
            return await http.post("/api/v1/auth/login", json=body, headers=headers)


@contextlib.asynccontextmanager
async def console_stack(database_url: str, **settings: object) -> AsyncIterator[ConsoleStack]:
    """The console as ``services.console.component`` builds it, on ``settings``."""
    clock = ManualClock(NOW)
    async with contextlib.AsyncExitStack() as stack, Store(database_url) as store:
        await store.migrate()
        outbox = Outbox(store, clock)
        scheduler = AsyncIOScheduler(timezone="UTC")  # never started: no job matters here
        values: dict[str, Any] = {"database_url": database_url, **settings}
        wiring = Wiring(Settings(**values), clock, store, None, outbox, stack, scheduler)  # type: ignore[arg-type]
        component = await build_console(wiring)
        yield ConsoleStack(component.handle, create_app(component.routers, [], version="test"), clock)
