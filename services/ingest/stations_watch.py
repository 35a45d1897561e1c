"""Noticing stations that stop reporting: a scheduled check, its metrics, and the station list.

>>> async def demo(watch: StationWatch) -> None:  # doctest: +SKIP
...     reports = await watch.check()          # logs stations that fell silent or came back
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from schemas.rainfall import GaugeReading
from services.core import metrics
from services.core.clock import Clock
from services.core.store import Store
from services.ingest.formats.stations import StationRegistry
from services.ingest.station_health import StationReport, station_reports
from services.ingest.tables import station_latest

__all__ = ["StationWatch"]

log = logging.getLogger(__name__)


class StationWatch:
    """Reads each station's newest reading and says which stations are silent."""

    def __init__(
        self, store: Store, clock: Clock, registry: StationRegistry, silent_after: timedelta
    ) -> None:
        self._store = store
        self._clock = clock
        self.registry = registry
        self._silent_after = silent_after
        self._silent: set[str] | None = None

    async def reports(self) -> list[StationReport]:
        """Every registry station with its newest reading and state, as of now."""
        async with self._store.read() as conn:
            rows = (await conn.execute(select(station_latest))).mappings().all()
        latest = {
            row["station_id"]: GaugeReading(
                event_id=row["event_id"],
                occurred_at=row["observed_at"],
                station_id=row["station_id"],
                observed_at=row["observed_at"],
                interval_minutes=row["interval_minutes"],
                rainfall_mm=row["rainfall_mm"],
            )
            for row in rows
        }
        received = {row["station_id"]: row["received_at"] for row in rows}
        return station_reports(
            self.registry,
            latest,
            now=self._clock.now(),
            silent_after=self._silent_after,
            received_at=received,
        )

    async def check(self) -> list[StationReport]:
        """The scheduled check: update the metrics, log stations that fell silent or came back."""
        reports = await self.reports()
        silent = {report.station.station_id for report in reports if report.state == "silent"}
        metrics.STATIONS_SILENT.set(len(silent))
        for report in reports:
            if report.latest is not None:
                metrics.STATION_LAST_READING.labels(report.station.station_id).set(
                    report.latest.observed_at.timestamp()
                )
        before = self._silent if self._silent is not None else set()
        if fallen := sorted(silent - before):
            log.warning(
                "%d station(s) not reporting for %s: %s",
                len(fallen),
                self._silent_after,
                ", ".join(fallen[:20]),
            )
        if back := sorted(before - silent):
            log.info("station(s) reporting again: %s", ", ".join(back[:20]))
        self._silent = silent
        return reports
