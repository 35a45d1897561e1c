"""Ingest in a process: push endpoints, polled feeds, held warnings, and the station check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx

from services.core.component import Component, Wiring
from services.ingest.feed_auth import FeedAuth
from services.ingest.feeds import Feeds
from services.ingest.http import ingest_router
from services.ingest.intake import CONSUMER, Intake
from services.ingest.ordering import WarningOrder
from services.ingest.poller import SourcePoller
from services.ingest.pollers import Pollers
from services.ingest.rainfall import RainfallIntake
from services.ingest.rainfall_http import gauge_router
from services.ingest.registry import load_registry
from services.ingest.sources import load_sources
from services.ingest.stations_watch import StationWatch
from services.web.auth import Auth

__all__ = ["Ingest", "build"]

log = logging.getLogger(__name__)

#: How often held warnings are looked at for their hold time, and stations for silence.
RELEASE_CHECK_SECONDS = 1.0
STATION_CHECK_SECONDS = 60.0


@dataclass(frozen=True)
class Ingest:
    """Ingest's parts, as the component's handle (for tests and other components)."""

    intake: Intake
    rainfall: RainfallIntake
    watch: StationWatch
    pollers: Pollers


async def build(wiring: Wiring) -> Component:
    """Load the station registry and the sources, wire the routes, pollers and scheduled checks."""
    s = wiring.settings
    stations = load_registry(s.stations_file)
    sources = load_sources(s.sources_file) if s.sources_file else ()
    order = WarningOrder(CONSUMER, timedelta(seconds=s.ingest_hold_seconds))
    intake = Intake(wiring.outbox, wiring.clock, order, ahead=timedelta(hours=s.ingest_future_hours))
    rainfall = RainfallIntake(wiring.outbox, wiring.clock, intake)
    feed_auth = FeedAuth(s.ingest_feed_tokens)
    watch = StationWatch(wiring.store, wiring.clock, stations, timedelta(minutes=s.station_silent_minutes))
    client = await wiring.stack.enter_async_context(httpx.AsyncClient(follow_redirects=True))
    feeds = Feeds(intake, rainfall, stations, wiring.clock)
    pollers = Pollers([SourcePoller(source, client, feeds.handle, wiring.clock) for source in sources])
    wiring.stack.push_async_callback(pollers.close)
    log.info(
        "ingest: %d stations (%s), %d polled source(s)%s",
        len(stations),
        s.stations_file or "shipped Bao'an registry",
        len(sources),
        f": {', '.join(source.name for source in sources)}" if sources else "",
    )
    if feed_auth.names:
        log.info("ingest: pushes need the token of a feed: %s", ", ".join(feed_auth.names))
    else:
        # Only in development: production refuses to start without SANFANG_INGEST_TOKENS.
        log.warning(
            "ingest: pushes to /api/v1/warnings and /api/v1/rainfall are NOT authenticated: "
            "anyone who reaches this port can push; set SANFANG_INGEST_TOKENS"
        )

    # Who may read the dead letters and held warnings: the console's officers.
    officers = Auth.from_settings(wiring.store, wiring.clock, wiring.settings)
    scheduler = wiring.scheduler
    if sources:
        scheduler.add_job(
            pollers.wake, "interval", seconds=pollers.tick_seconds, id="ingest-polls", max_instances=1
        )
    scheduler.add_job(
        intake.release_overdue, "interval", seconds=RELEASE_CHECK_SECONDS, id="ingest-held", max_instances=1
    )
    scheduler.add_job(
        watch.check, "interval", seconds=STATION_CHECK_SECONDS, id="ingest-stations", max_instances=1
    )
    return Component(
        "ingest",
        routers=[
            ingest_router(intake, feed_auth, wiring.store, s, officers),
            gauge_router(intake, feed_auth, rainfall, watch, wiring.store, s, wiring.clock, officers),
        ],
        checks=[("sources", pollers.check)] if sources else [],
        handle=Ingest(intake, rainfall, watch, pollers),
    )
