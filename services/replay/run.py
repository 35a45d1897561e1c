"""A replay end to end: read the window from the store or Kafka, build the review, write the
HTML report and its JSON twin. Used by ``sanfang replay``, the console's ``/review``, the
demo and the benchmark.

>>> async def demo(settings: Settings) -> None:  # doctest: +SKIP
...     async with Store(settings.database_url_effective) as store:
...         review = await replay(store, settings, source="store", start=None, end=None)
...     write_report(review, html=Path("review.html"), json=Path("review.json"))
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from schemas.rules import RulesFile
from services.core.settings import Settings
from services.core.store import Store
from services.replay.domain.ledger import Ledger, NoticeTimes
from services.replay.domain.payloads import add_payloads
from services.replay.domain.review import Review, build_review
from services.replay.errors import ReplayError, SourceError, WindowError
from services.replay.report.html import render_html
from services.replay.sources import Progress, read_kafka, read_notice_times, read_people, read_store

__all__ = ["Source", "replay", "write_report"]

Source = Literal["store", "kafka"]


async def replay(
    store: Store,
    settings: Settings,
    *,
    source: Source,
    start: datetime | None,
    end: datetime | None,
    rules: Sequence[RulesFile] = (),
    bootstrap: str | None = None,
    progress: Progress | None = None,
    officer_delay: timedelta | None = None,
) -> Review:
    """The review of ``[start, end)`` read from ``source``; persons come from the store, and so
    do the notices' own times (written, sent, delivered) when the source is the store: the
    topics carry no such row, so a replay from Kafka times notices by the events alone."""
    if start is not None and end is not None and end <= start:
        raise WindowError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    with _collector_paused():
        return await _replay(store, settings, source, start, end, rules, bootstrap, progress, officer_delay)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a review is built. A season is about a
    million small records, all alive until the review is done: each automatic collection
    walks all of them again, which took a third of a season's replay. The records hold no
    cycles, so nothing is kept longer than the replay; reference counting frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:  # a replay running beside this one may have paused it first: leave it to that one
            gc.enable()


async def _replay(
    store: Store,
    settings: Settings,
    source: Source,
    start: datetime | None,
    end: datetime | None,
    rules: Sequence[RulesFile],
    bootstrap: str | None,
    progress: Progress | None,
    officer_delay: timedelta | None,
) -> Review:
    ledger = Ledger()
    recorded: dict[str, NoticeTimes] | None = None
    if source == "store":
        try:
            async for chunk in read_store(store, start=start, end=end, progress=progress):
                add_payloads(ledger, chunk)
        except ValidationError as exc:
            raise SourceError(f"a recorded event no longer matches its contract: {exc}") from exc
        # Empty when the events were written straight to the store (the generated season).
        recorded = await read_notice_times(store, start=start, end=end) or None
    else:
        where = bootstrap or settings.kafka_bootstrap
        if not where:
            raise ReplayError("replay from Kafka needs a bootstrap: --bootstrap or SANFANG_KAFKA_BOOTSTRAP")
        async for events in read_kafka(settings, where, start=start, end=end, progress=progress):
            ledger.add_all(events)
    people = await read_people(store)
    return build_review(
        ledger,
        people,
        source=source,
        start=start,
        end=end,
        rules=rules,
        officer_delay=officer_delay,
        recorded=recorded,
    )


def write_report(review: Review, *, html: Path | None = None, json: Path | None = None) -> None:
    """Write the HTML report and/or its JSON twin."""
    for path, text in ((html, render_html(review) if html else ""), (json, review.model_dump_json(indent=1))):
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReplayError(f"cannot write {path}: {exc}") from exc
