"""A whole review of a window: timeline, metrics (real and drill apart), rainfall, level
steps, and the what-ifs asked for. Pure: it is handed the ledger and the persons.

>>> from datetime import UTC, datetime
>>> from services.replay.domain.ledger import Ledger, NoticeTimes
>>> from services.replay.domain.people import People
>>> review = build_review(Ledger(), People(), source="store",
...     start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 7, 1, tzinfo=UTC))
>>> review.events, review.timeline
(0, ())
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import AwareDatetime

from schemas.envelope import Model
from schemas.rules import RulesFile
from services.replay.domain.ledger import Ledger, NoticeTimes
from services.replay.domain.levels import level_tracks
from services.replay.domain.metrics import review_figures
from services.replay.domain.people import People
from services.replay.domain.rain import rainfall
from services.replay.domain.results import Entry, Figures, LevelTrack, RainSeries
from services.replay.domain.timeline import build_timeline
from services.replay.domain.whatif import WhatIf, what_if

__all__ = ["Review", "build_review"]


class Review(Model):
    """Everything the report shows; its JSON is the report's machine-readable twin."""

    title: str
    source: str
    start: AwareDatetime | None
    end: AwareDatetime | None
    events: int
    real: Figures
    drill: Figures
    timeline: tuple[Entry, ...]
    district_mean_mm: float | None
    rain_stations: tuple[RainSeries, ...]
    rain_streets: tuple[RainSeries, ...]
    levels: tuple[LevelTrack, ...]
    what_ifs: tuple[WhatIf, ...] = ()


def build_review(
    ledger: Ledger,
    people: People,
    *,
    source: str,
    start: datetime | None,
    end: datetime | None,
    rules: Sequence[RulesFile] = (),
    officer_delay: timedelta | None = None,
    title: str = "宝安区三防复盘 · Sanfang review",
    recorded: Mapping[str, NoticeTimes] | None = None,
) -> Review:
    """The review of ``ledger``, with one what-if per rules file in ``rules``; ``recorded``: the
    store's times of each notice (when dispatch wrote, sent and delivered it), if read."""
    figures = review_figures(ledger, people, recorded)
    rain = rainfall(ledger.readings)
    return Review(
        title=title,
        source=source,
        start=start,
        end=end,
        events=len(ledger),
        real=figures.real,
        drill=figures.drill,
        timeline=build_timeline(ledger, peaks=rain.peaks),
        district_mean_mm=rain.district_mean_mm,
        rain_stations=rain.stations,
        rain_streets=rain.streets,
        levels=level_tracks(ledger.responses),
        what_ifs=tuple(what_if(ledger, r, officer_delay=officer_delay, until=end) for r in rules),
    )


def timeline_only(entries: Sequence[Entry]) -> list[dict[str, object]]:
    """The timeline as plain dicts (for comparing two reads of the same events)."""
    return [entry.model_dump(mode="json") for entry in entries]
