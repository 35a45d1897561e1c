"""What each kind of polled feed's answer becomes: warnings or readings taken, refusals dead-lettered.

>>> async def demo(feeds: Feeds, poller: SourcePoller, body: bytes) -> None:  # doctest: +SKIP
...     await feeds.handle(poller, body, "application/json")
"""

from __future__ import annotations

import logging

from schemas.warnings import WarningSignal
from services.core.clock import Clock
from services.ingest.errors import Rejected
from services.ingest.formats import (
    StationRegistry,
    parse_cap,
    parse_china_json_feed,
    screen_gauge_csv,
    screen_gauge_json,
)
from services.ingest.formats.cap_feed import cap_links
from services.ingest.intake import Intake
from services.ingest.poller import SourcePoller
from services.ingest.rainfall import RainfallIntake

__all__ = ["Feeds"]

log = logging.getLogger(__name__)

#: How many linked CAP documents a poller remembers having taken (an index lists the latest few).
SEEN_LIMIT = 2000


class Feeds:
    """Dispatches a polled answer to the parser of its source's kind, then to the intakes."""

    def __init__(
        self, intake: Intake, rainfall: RainfallIntake, stations: StationRegistry, clock: Clock
    ) -> None:
        self._intake = intake
        self._rainfall = rainfall
        self._stations = stations
        self._clock = clock

    async def handle(self, poller: SourcePoller, body: bytes, media_type: str) -> None:
        """Take one answer of ``poller``'s source; bad content is a dead letter, not a failed poll."""
        source = poller.source
        origin = f"poll:{source.name}"
        kind = source.kind
        try:
            if kind == "warnings-cap":
                await self._cap(poller, body, origin)
            elif kind == "warnings-json":
                await self._signals(parse_china_json_feed(body, source=source.name))
            else:
                screen = screen_gauge_json if kind == "rainfall-json" else screen_gauge_csv
                batch = screen(body, stations=self._stations, now=self._clock.now())
                media = "application/json" if kind == "rainfall-json" else "text/csv"
                await self._rainfall.take(batch, source=origin, body=body, media_type=media)
        except Rejected as rejected:
            await self._intake.reject(origin, rejected, body, media_type or "application/octet-stream")

    async def _cap(self, poller: SourcePoller, body: bytes, origin: str) -> None:
        links = cap_links(body, base_url=poller.source.url)
        if links is None:
            await self._signals([parse_cap(body, source=poller.source.name)])
            return
        # Oldest first, so an issue is taken before the update an index lists above it.
        for url in reversed(links):
            if url in poller.seen_documents:
                continue
            document = await poller.fetch(url)
            try:
                await self._signals([parse_cap(document.content, source=poller.source.name)])
            except Rejected as rejected:
                await self._intake.reject(
                    f"{origin} {url}"[:200], rejected, document.content, "application/cap+xml"
                )
            poller.seen_documents[url] = None
            while len(poller.seen_documents) > SEEN_LIMIT:
                del poller.seen_documents[next(iter(poller.seen_documents))]

    async def _signals(self, signals: list[WarningSignal]) -> None:
        # A feed lists its messages newest first; taking them oldest first keeps the
        # order holds (updates waiting for their issue) to the messages truly missing.
        for signal in sorted(signals, key=lambda s: s.issued_at):
            await self._intake.accept_warning(signal)
