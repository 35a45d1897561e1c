"""Helpers of the integration tests: run Sanfang in the test's loop, log an officer in, watch
MQTT, read the ack tokens the apps were pushed, wait."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import aiomqtt
import httpx
from sqlalchemy import select

from schemas.console import AccountIn, Role
from schemas.notices import AppNotice, Channel
from services.core.clock import Clock, SystemClock
from services.core.settings import Settings
from services.core.store import Store
from services.dispatch import tables as dispatch_tables
from services.runtime import ALL_SERVICES, Runtime
from services.web.accounts import Accounts
from services.web.audit import Actor
from services.web.sessions import Sessions

#: The password of the officers the tests make (strong enough for the console's rules).
OFFICER_PASSWORD = "Typhoon-Watch-2024!"
_CLI = Actor("cli:test", "测试", "administrator", "local")


@dataclass
class Sanfang:
    """A running Sanfang and an HTTP client to its API."""

    runtime: Runtime
    http: httpx.AsyncClient
    settings: Settings


@contextlib.asynccontextmanager
async def running(
    settings: Settings, bootstrap: str, services: frozenset[str] = ALL_SERVICES, clock: Clock | None = None
) -> AsyncIterator[Sanfang]:
    """Start the services in this loop, yield when ready, stop them at the end; ``clock``
    (a ``ManualClock``) lets a test drive time."""
    runtime = Runtime(settings, services, bootstrap=bootstrap, clock=clock or SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    ready = asyncio.create_task(runtime.ready.wait())
    done, _ = await asyncio.wait([task, ready], timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()
        raise TimeoutError("sanfang did not become ready within 60 s")
    base = f"http://127.0.0.1:{settings.port}"
    try:
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends them: reusing one the
        # server is closing at that instant fails with a ReadError (seen on a loaded machine).
        limits = httpx.Limits(keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            yield Sanfang(runtime, http, settings)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def officer_bearer(
    sanfang: Sanfang, role: Role = Role.VIEWER, username: str | None = None
) -> dict[str, str]:
    """The bearer header of a new officer of ``role`` (named ``username``, or a fresh name),
    added and logged in as ``sanfang users add`` and the console would, in the running Sanfang's
    database and on its clock. Every service checks the console's sessions there, so this works
    whether the console runs or not."""
    clock = sanfang.runtime.clock
    name = username or f"{role.value}-{uuid.uuid4().hex[:8]}"
    async with Store(sanfang.settings.database_url_effective) as store:
        accounts, sessions = Accounts(store, clock), Sessions.from_settings(store, clock, sanfang.settings)
        await accounts.add(
            AccountIn(username=name, display_name=name, role=role, password=OFFICER_PASSWORD), by=_CLI
        )
        login = await sessions.login(name, OFFICER_PASSWORD, source_ip="127.0.0.1")
    return {"Authorization": f"Bearer {login.token}"}


@dataclass
class NoticeWatcher:
    """Subscribes to every person's notice topic and counts what arrives."""

    host: str
    port: int
    root: str
    notices: dict[str, dict[str, object]] = field(default_factory=dict)
    arrivals: Counter[str] = field(default_factory=Counter)
    last_at: float = 0.0

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[NoticeWatcher]:
        """Listen in the background while the block runs."""
        # QoS 0 for the observer: one wildcard subscriber stands for thousands of phones,
        # and QoS 1 would make Mosquitto cap its queue (1,000 by default) and drop the rest.
        async with aiomqtt.Client(self.host, self.port, max_queued_incoming_messages=0) as client:
            await client.subscribe(f"{self.root}/notices/#", qos=0)
            task = asyncio.create_task(self._collect(client))
            try:
                yield self
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _collect(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            # The embedded MQTT broker (amqtt) also hands a new subscriber retained messages of
            # other topics (dispatch's claim on {root}/probe/ack-session): not notices.
            if not message.topic.matches(f"{self.root}/notices/#"):
                continue
            payload = json.loads(bytes(message.payload))
            self.arrivals[payload["event_id"]] += 1
            self.notices[payload["event_id"]] = payload
            self.last_at = time.perf_counter()

    @property
    def duplicates(self) -> int:
        """How many notices arrived more than once."""
        return sum(count - 1 for count in self.arrivals.values())

    def token(self, notice_id: str) -> str:
        """The ack token the notice's app was pushed with it."""
        token = self.notices[notice_id]["ack_token"]
        assert isinstance(token, str), f"notice {notice_id} came without an ack token"
        return token


async def app_tokens(database_url: str, notice_ids: Iterable[str]) -> dict[str, str]:
    """The ack token of each notice that asks an ack, from its app push as dispatch stored it
    (``dispatch_attempts``, channel ``app``): what the person's app was sent."""
    a = dispatch_tables.attempts.c
    query = select(a.notice_id, a.body).where(
        a.notice_id.in_(list(notice_ids)), a.channel == Channel.APP.value, a.step == 0
    )
    async with Store(database_url) as store, store.read() as conn:
        pushed = {row.notice_id: AppNotice.model_validate_json(row.body) for row in await conn.execute(query)}
    return {notice_id: n.ack_token for notice_id, n in pushed.items() if n.ack_token is not None}


async def wait_until(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], *, within: float = 90, what: str = "condition"
) -> None:
    """Poll ``check`` every 50 ms until it is true; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)
