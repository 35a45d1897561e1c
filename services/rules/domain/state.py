"""What the rules engine remembers between inputs, as one JSON-serialisable model.

Responses are tracked per *track*: one scope (the district, or one street) and one kind
(real or drill). Rain is kept as per-station buckets of the last 24 hours.

The state and each station are slotted dataclasses rather than pydantic models: a season of
gauge readings makes a new state per reading, and building one this way costs a fraction of
a ``model_copy`` (and of a frozen dataclass, whose ``__init__`` goes through
``object.__setattr__`` field by field). They are not frozen, but nothing assigns to them once
built: the engine makes new ones and shares what did not change (a property test checks
that ``apply`` leaves its input alone). Pydantic still validates and serialises them
(``to_json``, ``from_json``), so the stored JSON has the same shape.

>>> state = RulesState.empty()
>>> RulesState.from_json(state.to_json()) == state
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, ConfigDict, Field, TypeAdapter

from schemas.areas import Scope, Street
from schemas.envelope import Model
from schemas.responses import Explanation, Level
from schemas.rules import Direction, Source
from services.rules.domain.windows import at_minute

__all__ = [
    "MAX_SEEN",
    "Active",
    "Cause",
    "Proposal",
    "RulesState",
    "Station",
    "Track",
    "track_key",
]

#: How many recent signal and command ids are remembered to drop redeliveries.
MAX_SEEN = 2048


def track_key(scope: Scope, drill: bool) -> str:
    """The state key of a track: ``real|district``, ``drill|streets:songgang`` …"""
    return f"{'drill' if drill else 'real'}|{scope.key}"


class Cause(Model):
    """One reason for a level in a track: a signal of one hazard, or one rainfall rule firing.

    ``ends_at`` is set while the cause is on its way out (a cancel's hold time, rain that has
    stopped); at that time it is replaced by ``successor`` (a lowered signal) or removed.
    """

    key: str
    source: Source
    rule: str
    level: Level
    bureau_confirmed: bool = True
    label_zh: str
    label_en: str
    inputs: tuple[str, ...]
    correlation_id: str
    since: AwareDatetime
    ends_at: AwareDatetime | None = None
    end_input: str | None = None
    successor: Cause | None = None


class Active(Model):
    """The running response of a track. ``manual_level`` is the level an officer set by hand."""

    response_id: str
    level: Level
    correlation_id: str
    manual_level: Level | None = None


class Proposal(Model):
    """A decision waiting for a duty officer. ``raised_ids`` are the events that asked for it
    (the first and each re-raise): a command naming one of them is about this proposal."""

    response_id: str
    event_id: str
    raised_ids: tuple[str, ...] = ()
    level: Level
    direction: Direction
    correlation_id: str
    explanation: Explanation
    raised_at: AwareDatetime
    reraise_at: AwareDatetime


class Track(Model):
    """The causes, running response and pending proposal of one scope, real or drill.

    ``latest`` holds the newest ``issued_at`` seen per hazard, so older signals arriving late
    are ignored. Until every cause is gone: ``veto`` is a level an officer ended or set below
    by hand, which the rules do not go up to again; ``rejected`` the highest proposal an
    officer rejected, which is not proposed again; ``declined_lower`` the level an officer
    declined to lower to.
    """

    scope: Scope
    drill: bool = False
    causes: dict[str, Cause] = Field(default_factory=dict)
    latest: dict[str, AwareDatetime] = Field(default_factory=dict)
    response: Active | None = None
    proposal: Proposal | None = None
    veto: Level | None = None
    rejected: Level | None = None
    declined_lower: Level | None = None

    @property
    def street(self) -> Street | None:
        """The street of a street track; None for the district."""
        return self.scope.streets[0] if self.scope.kind == "streets" else None

    def desired(self) -> Cause | None:
        """The cause that sets the level: the highest, a signal before rain, then by key."""
        best: Cause | None = None
        for key in sorted(self.causes):
            cause = self.causes[key]
            if best is None or _rank(cause) > _rank(best):
                best = cause
        return best

    def reraise_at(self) -> datetime | None:
        """When the pending proposal is to be raised again; None while its cause is on its way
        out (a cancelled signal in its hold time), as asking then would mislead the officer."""
        if self.proposal is None:
            return None
        top = self.desired()
        if top is not None and top.ends_at is not None:
            return None
        return self.proposal.reraise_at


def _rank(cause: Cause) -> tuple[int, int]:
    return cause.level.rank, 1 if cause.source is Source.SIGNAL else 0


@dataclass(slots=True)
class Station:
    """One rain gauge's last 24 hours, in minutes since the epoch.

    ``buckets`` holds the rain of each original non-zero reading by the minute it ends,
    ``corrections`` the corrected values, which win over originals. ``flags`` are the ids of
    the rainfall rules this station is over the threshold of, as of ``as_of``. The dicts are
    never changed once the station is built, nor is the station: a change makes a new one.
    """

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    street: Street
    latest: int
    as_of: int
    last_event: str
    buckets: dict[int, float] = field(default_factory=dict)
    corrections: dict[int, float] = field(default_factory=dict)
    #: window hours -> mm, as of the last evaluation
    totals: dict[int, float] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    recheck_at: int | None = None


@dataclass(slots=True)
class RulesState:
    """Everything the engine remembers; persisted as one JSON blob after each batch.

    Never changed in place: the engine returns a new state (``dataclasses.replace``) and
    shares whatever did not change with the old one.
    """

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    tracks: dict[str, Track] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    seen: tuple[str, ...] = ()

    @classmethod
    def empty(cls) -> RulesState:
        """The state before any input."""
        return cls()

    def track(self, scope: Scope, drill: bool) -> Track:
        """The track of ``scope`` (the district or one street), empty if never used."""
        return self.tracks.get(track_key(scope, drill)) or Track(scope=scope, drill=drill)

    def active_levels(self) -> dict[str, Level]:
        """The level of every running response by track key (handy in tests and the API)."""
        return {key: t.response.level for key, t in sorted(self.tracks.items()) if t.response}

    def next_deadline(self) -> datetime | None:
        """When a Tick is next needed: a hold time or quiet time ends, a proposal is due again,
        or a station's rain leaves a window."""
        times: list[datetime] = []
        for track in self.tracks.values():
            times += [c.ends_at for c in track.causes.values() if c.ends_at is not None]
            reraise = track.reraise_at()
            if reraise is not None:
                times.append(reraise)
        for station in self.stations.values():
            if station.recheck_at is not None:
                times.append(at_minute(station.recheck_at))
        return min(times, default=None)

    def to_json(self) -> str:
        """The state as the JSON text the service stores."""
        return _ADAPTER.dump_json(self).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> RulesState:
        """Read a state written by :meth:`to_json`; raises ``pydantic.ValidationError``."""
        return _ADAPTER.validate_json(text)


_ADAPTER: TypeAdapter[RulesState] = TypeAdapter(RulesState)
