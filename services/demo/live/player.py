"""Plays the generated season through the running services on an accelerated clock.

Every service runs in this process on an :class:`AcceleratedClock` with three paces: while
the services work through a backlog (outbox rows not yet published, messages being sent,
acks on their way) simulated time runs at real time, so their delays count as they would on
the day; while something is going on (persons answering, escalation steps falling due) it
runs at ``speed`` × real time; when the services are at rest and the next thing to do — a
cue, an ack, an officer's answer, an escalation step, a rules deadline — is more than
``skip_after`` real seconds away, the clock jumps to it. Warnings and readings go to the ingest API, the
rules decide, dispatch notifies over MQTT and escalates through the sandbox SMS/voice
gateway, the simulated persons and the duty officer answer over the real channels, and the
recorder keeps it all for the review.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     player = SeasonPlayer(settings, Playback(seed=2024, start=SEASON_START, end=SEASON_END))
...     async with player.running(asyncio.Event()):
...         played = await player.play()
...         review = await player.review(Path("review.html"), Path("review.json"))
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
from sqlalchemy import func, select

from services.core import tables
from services.core.clock import AcceleratedClock
from services.core.errors import SanfangError
from services.core.outbox import Outbox
from services.core.settings import Settings
from services.core.store import Store
from services.demo.agenda import Action, Agenda
from services.demo.directory.generator import generate_baoan_directory
from services.demo.live.officer import LiveOfficer
from services.demo.live.probe import activity, next_service_deadline
from services.demo.live.view import Signals, Snapshot
from services.demo.persons import LivePersons
from services.demo.process import start_runtime
from services.demo.season.calendar import SEASON_END, SEASON_START
from services.demo.season.log import small_directory
from services.demo.season.playbook import WARNINGS, Cue, season_cues
from services.dispatch.directory_store import save_directory
from services.dispatch.domain.directory import Directory
from services.replay.domain.review import Review
from services.replay.run import replay, write_report
from services.rules.component import default_rules_file
from services.rules.domain.engine import next_deadline
from services.rules.service import RulesService, read_rules_file
from services.runtime import ALL_SERVICES, Runtime
from services.sandbox.server import SandboxGateway

__all__ = ["DemoError", "Playback", "Played", "SeasonPlayer"]

_T = TypeVar("_T")
#: Real seconds before the next thing due within which the clock lands on it (see ``play``).
_APPROACH = 0.5


class DemoError(SanfangError):
    """The playback could not go on (a cue refused, the services stopped)."""


@dataclass(frozen=True)
class Playback:
    """What to play and how fast: ``[start, end)`` of the season, at ``speed`` × real time
    while something happens; ``persons_per_unit`` 0 means all 3,183 persons."""

    seed: int = 2024
    start: datetime = SEASON_START
    end: datetime = SEASON_END
    speed: float = 600.0
    persons_per_unit: int = 1
    skip_after: float = 0.15
    settle: float = 0.2

    def directory(self) -> Directory:
        """The persons who take part."""
        if self.persons_per_unit <= 0:
            return generate_baoan_directory(self.seed)
        return small_directory(self.persons_per_unit, self.seed)


@dataclass(frozen=True)
class Played:
    """What the playback did: recorded events by kind, real seconds, clock skips."""

    kinds: Counter[str]
    seconds: float
    skips: int
    cues: int


@dataclass
class SeasonPlayer:
    """The services, the sandbox gateway, the persons and the officer of one playback."""

    settings: Settings
    playback: Playback
    bootstrap: str | None = None
    clock: AcceleratedClock = field(init=False)
    agenda: Agenda = field(default_factory=Agenda)
    signals: Signals = field(default_factory=Signals)
    skips: int = 0
    paced: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    _paced_at: float = field(default_factory=time.perf_counter)
    _store: Store | None = None
    _persons: LivePersons | None = None
    _officer: LiveOfficer | None = None
    _api: httpx.AsyncClient | None = None
    _runtime: Runtime | None = None

    def __post_init__(self) -> None:
        # A minute before the window, so the first cue is a jump away and the services are up.
        self.clock = AcceleratedClock(self.playback.start - timedelta(minutes=1), speed=self.playback.speed)

    @property
    def runtime(self) -> Runtime:
        """The services, while the player is running."""
        return self._part(self._runtime)

    @property
    def url(self) -> str:
        """The console and API address."""
        return self.settings.public_url_effective

    @contextlib.asynccontextmanager
    async def running(self, stop: asyncio.Event) -> AsyncIterator[SeasonPlayer]:
        """Start the sandbox gateway, every service and the persons; stop them all at the end."""
        directory = self.playback.directory()
        async with contextlib.AsyncExitStack() as stack:
            gateway = await stack.enter_async_context(
                SandboxGateway(token=self.settings.gateway_token.get_secret_value())
            )
            self.settings = _accelerated(self.settings, gateway.url, self.playback.speed)
            store = await stack.enter_async_context(Store(self.settings.database_url_effective))
            await store.migrate()
            await save_directory(
                store, directory, source=f"demo season, seed {self.playback.seed}", now=self.clock.now()
            )
            self._store = store
            self._runtime = Runtime(self.settings, ALL_SERVICES, clock=self.clock, bootstrap=self.bootstrap)
            service = await start_runtime(self._runtime, stop)
            if service is None:
                raise DemoError("Sanfang stopped while starting")
            stack.push_async_callback(_stopped, stop, service)
            self._api = await stack.enter_async_context(httpx.AsyncClient(base_url=self.url, timeout=60))
            outbox = Outbox(store, self.clock, topic_prefix=self.settings.topic_prefix)
            self._officer = LiveOfficer(outbox, self.clock, self.agenda, seed=self.playback.seed)
            persons = LivePersons(
                self.settings, directory, self.agenda, self._api, gateway, seed=self.playback.seed
            )
            self._persons = await stack.enter_async_context(persons.listening())
            yield self

    async def play(self, on_progress: Callable[[Snapshot], None] | None = None) -> Played:
        """Play the window to its end; returns what was recorded."""
        started = time.perf_counter()
        cues = season_cues(
            self.playback.seed, self.playback.start, self.playback.end, calm_mm_per_hour=self._calm_rate()
        )
        for cue in cues:
            self.agenda.add(cue.at, _poster(self, cue))
        shown = 0.0
        while True:
            due = self.agenda.due(self.clock.now())
            if due:
                # What the player starts (a cue, an answer) is timed by the services at real
                # time from its first step: the pace is polled, and a poll late at ``speed``
                # stretches half a second of their work into minutes (docs/review.md).
                self.clock.run_at(1.0)
            for action in due:
                await action()
            await self._part(self._officer).look()
            if on_progress is not None and time.perf_counter() - shown > 0.25:
                on_progress(await self.snapshot())
                shown = time.perf_counter()
            upcoming = await self._upcoming()
            await self._pace(overdue=upcoming is not None and upcoming <= self.clock.now())
            if upcoming is None:
                # Look again once at rest: a proposal raised (or a deadline set) while this loop
                # read the services is seen only now, and must not be left unanswered.
                settled = await self._at_rest() and await self._part(self._officer).look() == 0
                if settled and await self._upcoming() is None:
                    break
                continue
            gap = (upcoming - self.clock.now()).total_seconds() / self.playback.speed
            if self.clock.speed > 1.0 and 0 < gap <= _APPROACH:
                # Land on the next deadline and go on at real time, instead of running past it
                # at ``speed`` while this loop is busy: a service takes a deadline on its own
                # poll, and half a second late at 600x would be a decision five minutes late.
                self.clock.jump_to(upcoming)
                self.clock.run_at(1.0)
            elif gap > self.playback.skip_after and await self._at_rest():
                # Read again: what the services decided while coming to rest (a hold time after
                # a cancelled signal) may now come first, and a jump must not pass it.
                upcoming = await self._upcoming() or upcoming
                self.clock.jump_to(upcoming)
                self.clock.run_at(1.0)  # what is due now is worked on at real time
                self.skips += 1
                self.paced["skipping"] += time.perf_counter() - self._paced_at
                self._paced_at = time.perf_counter()
            else:
                await asyncio.sleep(min(0.05, max(gap, 0.005)))
        self.clock.run_at(1.0)  # the season is over: the console goes on in real time
        if on_progress is not None:
            on_progress(await self.snapshot())
        return Played(await self._kinds(), time.perf_counter() - started, self.skips, len(cues))

    def _calm_rate(self) -> float:
        """Rain below this many mm an hour can fire none of the services' rainfall rules."""
        rules = read_rules_file(self.settings.rules_file or default_rules_file())
        return min((rule.threshold_mm / rule.window_hours for rule in rules.rainfall), default=float("inf"))

    async def review(self, html: Path, json: Path) -> Review:
        """Replay the window from the store, with the strict and loose what-ifs; write the report."""
        rules_dir = default_rules_file().parent
        what_ifs = [read_rules_file(rules_dir / name) for name in ("strict.yaml", "loose.yaml")]
        found = await replay(
            self._part(self._store),
            self.settings,
            source="store",
            start=self.playback.start,
            end=self.playback.end,
            rules=what_ifs,
        )
        write_report(found, html=html, json=json)
        return found

    async def snapshot(self) -> Snapshot:
        """What the live view shows."""
        store = self._part(self._store)
        r, n = tables.responses.c, tables.notices.c
        async with store.read() as conn:
            running = (
                await conn.execute(
                    select(r.scope, r.level, r.state, r.drill).where(r.state.in_(("active", "proposed")))
                )
            ).all()
            notified = await conn.scalar(select(func.count()).select_from(tables.notices)) or 0
            acked = await conn.scalar(select(func.count()).where(n.acked_at.is_not(None))) or 0
        persons = self._part(self._persons)
        return Snapshot(
            now=self.clock.now(),
            start=self.playback.start,
            end=self.playback.end,
            signals=self.signals.in_force(),
            responses=[(row.scope, row.level, row.state, row.drill) for row in running],
            kinds=await self._kinds(),
            notified=notified,
            acknowledged=acked,
            never=persons.tally.never,
            acks_by_channel=dict(persons.tally.acked),
            skips=self.skips,
            latest=list(self.signals.latest),
        )

    async def _kinds(self) -> Counter[str]:
        e = tables.events.c
        async with self._part(self._store).read() as conn:
            rows = (await conn.execute(select(e.kind, func.count()).group_by(e.kind))).all()
        return Counter({kind: count for kind, count in rows})

    async def _upcoming(self) -> datetime | None:
        """The next thing due in the window: on the agenda, or a deadline the services keep."""
        rules = self.runtime.components["rules"].handle
        found = [self.agenda.next_at(), await next_service_deadline(self._part(self._store))]
        if isinstance(rules, RulesService):
            found.append(next_deadline(rules.state))
        due = [at for at in found if at is not None and at < self.playback.end]
        return min(due, default=None)

    async def _pace(self, *, overdue: bool) -> None:
        """Real time while the services work through a backlog or have a deadline due that their
        scheduler has not taken yet (their delays count as they would on the day), ``speed`` ×
        real time otherwise."""
        backlog = (
            not (await activity(self._part(self._store))).at_rest
            or self._part(self._persons).in_flight
            # An event on the bus that a service has not taken yet is work in progress too.
            or await self._working_lag() != 0
        )
        speed = 1.0 if backlog or overdue else self.playback.speed
        now = time.perf_counter()
        self.paced["backlog" if self.clock.speed == 1.0 else "busy"] += now - self._paced_at
        self._paced_at = now
        if speed != self.clock.speed:
            self.clock.run_at(speed)

    async def _working_lag(self) -> int | None:
        """Events the services have still to take, but for the recorder's: what it records
        is timed by the others, and waiting for it would slow the season down for nothing."""
        lags = [
            await loop.lag()
            for name, component in self.runtime.components.items()
            if name != "recorder"
            for loop in component.loops
        ]
        return None if None in lags else sum(lag or 0 for lag in lags)

    async def _at_rest(self) -> bool:
        """Nothing moved in the services, every consumer has caught up with its topics, and no
        person is answering, for ``settle`` real seconds."""
        store, persons = self._part(self._store), self._part(self._persons)
        runtime = self.runtime
        before = await activity(store)
        if not before.at_rest or persons.in_flight or await runtime.consumer_lag() != 0:
            return False
        await asyncio.sleep(self.playback.settle)
        quiet = asyncio.get_running_loop().time() - persons.last_heard > self.playback.settle
        still = before == await activity(store) and await runtime.consumer_lag() == 0
        return quiet and not persons.in_flight and still

    async def post(self, cue: Cue) -> None:
        """Send one cue to the ingest API; a refusal stops the playback (the season is valid)."""
        answer = await self._part(self._api).post(cue.path, json=cue.body)
        if answer.status_code >= 400:
            raise DemoError(
                f"{cue.path} refused the season's cue at {cue.at}: {answer.status_code} {answer.text}"
            )
        if cue.path == WARNINGS and cue.signal is not None:
            self.signals.apply(cue.signal)

    @staticmethod
    def _part(part: _T | None) -> _T:
        if part is None:
            raise DemoError("the player is not running; use 'async with player.running(stop)'")
        return part


def _poster(player: SeasonPlayer, cue: Cue) -> Action:
    async def post() -> None:
        await player.post(cue)

    return post


def _accelerated(settings: Settings, gateway_url: str, speed: float) -> Settings:
    """Settings for services on an accelerated clock: real-time durations scaled by the speed."""
    return settings.model_copy(
        update={
            "gateway_url": gateway_url,
            # Escalation steps are checked often enough that a 5-minute step is minutes, not hours.
            "escalation_poll_seconds": 0.5,
            # Durations the services measure on their clock but mean in real time.
            "send_lease_seconds": settings.send_lease_seconds * speed,
            "ingest_hold_seconds": settings.ingest_hold_seconds * speed,
            "console_session_minutes": int(settings.console_session_minutes * speed),
            # The generated gauges report only the hours with rain: a dry station is not broken.
            "station_silent_minutes": 60 * 24 * 365,
        }
    )


async def _stopped(stop: asyncio.Event, service: asyncio.Task[None]) -> None:
    stop.set()
    await service
