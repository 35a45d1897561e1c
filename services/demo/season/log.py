"""The season's whole event log, as the recorder would have kept it: the inputs, the
officers' commands, the response events, and every notice with its deliveries, ack and
escalations (about a million events with the Bao'an directory of 3,183 persons).

>>> from services.demo.season.log import small_directory
>>> len(small_directory(2).persons)
104
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from schemas.directory import Person
from schemas.notices import Notice
from schemas.responses import ResponseActivated, ResponseEnded, ResponseLevelChanged
from schemas.topics import AnyEvent
from services.demo.directory.generator import generate_baoan_directory
from services.demo.season.inputs import season_inputs
from services.demo.season.people import Behaviour, person_events
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.notices import build_notices
from services.dispatch.domain.targeting import DEFAULT_POLICY

__all__ = ["season_log", "small_directory"]

_PUBLIC_URL = "http://127.0.0.1:8080"


def small_directory(per_unit: int, seed: int = 2024) -> Directory:
    """The first ``per_unit`` persons of each Bao'an unit (for tests that need few persons)."""
    full = generate_baoan_directory(seed)
    kept: list[Person] = []
    counts: dict[str, int] = {}
    for person in full.persons:
        if counts.get(person.unit_id, 0) < per_unit:
            counts[person.unit_id] = counts.get(person.unit_id, 0) + 1
            kept.append(person)
    ids = {p.person_id for p in kept}
    kept = [p if p.deputy_id in ids else p.model_copy(update={"deputy_id": None}) for p in kept]
    return Directory.build(full.units, kept, {k: v for k, v in full.hazard_kinds.items() if k in ids})


def season_notices(directory: Directory, seed: int = 2024) -> Iterator[Notice]:
    """Every notice of the season, change by change."""
    for event in season_inputs(seed).responses:
        if isinstance(event, ResponseActivated | ResponseLevelChanged | ResponseEnded):
            yield from build_notices(
                event,
                directory,
                DEFAULT_POLICY,
                ack_minutes=15,
                public_url=_PUBLIC_URL,
                hazard_text=event.explanation.summary.split(" / ")[0][:300],
                sent_at=event.occurred_at,  # the season's log: each notice goes out at its change
            )


def season_log(
    directory: Directory | None = None, *, seed: int = 2024, behaviour: Behaviour | None = None
) -> Iterator[AnyEvent]:
    """Every event of the season, inputs first, then change by change its person-level events."""
    season = season_inputs(seed)
    directory = directory or generate_baoan_directory(seed)
    behaviour = behaviour or Behaviour()
    rng = random.Random(f"persons:{seed}")  # noqa: S311 - a reproducible simulation
    yield from season.signals
    yield from season.readings
    yield from season.commands
    yield from season.responses
    for notice in season_notices(directory, seed):
        yield notice
        yield from person_events(notice, directory, rng, behaviour)
