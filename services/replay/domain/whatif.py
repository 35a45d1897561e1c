"""What-if: the recorded inputs (signals, readings, officers' commands) through the rules
engine under another rules file, and how its responses differ from what happened.

Officers answered the proposals of what happened, not of the what-if, so their commands
are re-aimed by *track* (the same scope, real or drill): a recorded confirmation confirms
whatever the what-if has pending on that track at that time, or nothing. A what-if proposal
on a track where no officer answered anything within ``ANSWER_WINDOW`` gets an *assumed*
confirmation after ``officer_delay`` (by default the median delay of the recorded
confirmations); the differences it causes are marked ``assumed``.

>>> from schemas.rules import RulesFile
>>> from services.replay.domain.ledger import Ledger
>>> what_if(Ledger(), RulesFile(id="x", version="1")).gained
()
"""

from __future__ import annotations

import heapq
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from pydantic import AwareDatetime

from schemas.commands import Command, ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.envelope import Model, derived_id
from schemas.rainfall import GaugeReading
from schemas.responses import (
    ResponseActivated,
    ResponseEnded,
    ResponseEvent,
    ResponseLevelChanged,
    ResponseProposed,
)
from schemas.rules import RulesFile
from schemas.warnings import WarningSignal
from services.replay.domain.ledger import Ledger
from services.replay.domain.levels import level_tracks
from services.replay.domain.results import LevelTrack
from services.rules.domain.engine import Tick, apply, next_deadline
from services.rules.domain.state import RulesState, track_key

__all__ = [
    "ANSWER_WINDOW",
    "Answer",
    "Interval",
    "Shift",
    "WhatIf",
    "assumed_officer",
    "compare",
    "input_order",
    "intervals",
    "rerun",
    "what_if",
]

#: A what-if proposal is "answered" when an officer acted on its track within this time.
ANSWER_WINDOW = timedelta(hours=2)
_DEFAULT_DELAY = timedelta(minutes=10)
ASSUMED_OFFICER = "what-if"

Recorded = WarningSignal | GaugeReading | Command
_INPUT_RANK = {WarningSignal: 0, GaugeReading: 1}


def input_order(item: Recorded) -> tuple[datetime, int, str]:
    """The order inputs are replayed in: by time, then signals, readings, commands, then id."""
    return item.occurred_at, _INPUT_RANK.get(type(item), 2), item.event_id


class Interval(Model):
    """One response of one track: from its activation to its end (None: still running)."""

    scope: str
    drill: bool
    response_id: str
    start: AwareDatetime
    end: AwareDatetime | None
    first_level: str
    max_level: str
    max_rank: int
    assumed: bool = False


class Shift(Model):
    """A response that happened in both runs: how much earlier or later, higher or lower."""

    recorded: Interval
    what_if: Interval
    start_seconds: float
    end_seconds: float | None
    level_steps: int


class WhatIf(Model):
    """The what-if of one rules file against what happened."""

    rules_id: str
    rules_version: str
    officer_delay_seconds: float
    recorded_activations: int
    what_if_activations: int
    gained: tuple[Interval, ...]
    lost: tuple[Interval, ...]
    shifted: tuple[Shift, ...]
    earlier: int
    later: int
    higher: int
    lower: int
    assumed_confirmations: int
    levels: tuple[LevelTrack, ...]


def _activations(events: Iterable[ResponseEvent]) -> int:
    return len({e.correlation_id or e.response_id for e in events if isinstance(e, ResponseActivated)})


def intervals(events: Iterable[ResponseEvent], assumed: frozenset[str] = frozenset()) -> list[Interval]:
    """The responses of ``events`` as intervals, by activation time."""
    open_: dict[str, Interval] = {}
    done: list[Interval] = []
    for event in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
        match event:
            case ResponseActivated():
                open_[event.response_id] = Interval(
                    scope=event.scope.key,
                    drill=event.drill,
                    response_id=event.response_id,
                    start=event.occurred_at,
                    end=None,
                    first_level=event.level.value,
                    max_level=event.level.value,
                    max_rank=event.level.rank,
                    assumed=event.causation_id in assumed,
                )
            case ResponseLevelChanged() if event.response_id in open_:
                held = open_[event.response_id]
                if event.level.rank > held.max_rank:
                    open_[event.response_id] = held.model_copy(
                        update={"max_level": event.level.value, "max_rank": event.level.rank}
                    )
            case ResponseEnded() if event.response_id in open_:
                done.append(open_.pop(event.response_id).model_copy(update={"end": event.occurred_at}))
            case _:
                pass
    return sorted([*done, *open_.values()], key=lambda i: (i.start, i.scope))


def _overlap(a: Interval, b: Interval) -> bool:
    far = datetime.max.replace(tzinfo=a.start.tzinfo)
    return a.start < (b.end or far) and b.start < (a.end or far)


def _officer_delay(ledger: Ledger) -> timedelta:
    proposed: dict[str, list[datetime]] = defaultdict(list)
    for event in ledger.responses:
        if isinstance(event, ResponseProposed):
            proposed[event.response_id].append(event.occurred_at)
    delays = []
    for command in ledger.commands:
        if isinstance(command, ProposalConfirmed) and proposed.get(command.response_id):
            before = [t for t in proposed[command.response_id] if t <= command.occurred_at]
            if before:
                delays.append((command.occurred_at - min(before)).total_seconds())
    return timedelta(seconds=statistics.median(delays)) if delays else _DEFAULT_DELAY


def _retarget(command: Command, state: RulesState, tracks: dict[str, str]) -> Command | None:
    """The recorded command aimed at the what-if's response of the same track, or None."""
    if isinstance(command, ManualLevelSet):
        return command
    key = tracks.get(command.response_id)
    track = state.tracks.get(key) if key else None
    if track is None:
        return None
    if isinstance(command, ProposalConfirmed | ProposalRejected):
        target = track.proposal.response_id if track.proposal else None
    else:
        target = track.response.response_id if track.response else None
    return command.model_copy(update={"response_id": target}) if target else None


#: Answers a proposal the engine just made (with the state after it): a command, or None.
Answer = Callable[[ResponseProposed, RulesState], Command | None]


def rerun(
    inputs: Sequence[Recorded],
    rules: RulesFile,
    *,
    tracks: dict[str, str] | None = None,
    answer: Answer | None = None,
    until: datetime | None = None,
) -> list[ResponseEvent]:
    """Run ``inputs`` through the engine under ``rules``, in :func:`input_order`, with the
    deadlines in between taken at their time (as the service's tick would).

    ``tracks`` maps recorded response ids to track keys, for re-aiming recorded commands;
    ``answer`` is the officer of this run, called on each proposal: the command it returns is
    applied at its own ``occurred_at``. Inputs and deadlines are taken in one time order.

    >>> rerun([], RulesFile(id="x", version="1"))
    []
    """
    tracks = tracks or {}
    queue: list[tuple[tuple[datetime, int, str], int, Recorded]] = [
        (input_order(item), n, item) for n, item in enumerate(inputs)
    ]
    heapq.heapify(queue)
    state, out = RulesState.empty(), []
    serial = len(queue)
    answers: set[str] = set()
    stalled: datetime | None = None  # a deadline that moved nothing: not ticked again until an input
    while True:
        due = next_deadline(state)
        upto = queue[0][2].occurred_at if queue else until
        item: Recorded | Tick
        if due is not None and upto is not None and due <= upto and due != stalled:
            item = Tick(now=due)
        elif queue:
            item = heapq.heappop(queue)[2]
            stalled = None
        else:
            break
        if isinstance(item, _AIMED) and item.event_id not in answers:
            retargeted = _retarget(item, state, tracks)
            if retargeted is None:
                continue
            item = retargeted
        state, events = apply(state, item, rules)
        if isinstance(item, Tick) and next_deadline(state) == due:
            stalled = due  # the engine would tick the same deadline forever
        out += events
        for event in events:
            # An answer to a proposal a deadline raised is applied at its own time too, before
            # later deadlines (the cause may lapse an hour on: the officer answered before that).
            reply = answer(event, state) if answer and isinstance(event, ResponseProposed) else None
            if reply is not None:
                answers.add(reply.event_id)
                serial += 1
                heapq.heappush(queue, (input_order(reply), serial, reply))
    return out


_AIMED = (ProposalConfirmed, ProposalRejected, ManualEnd)


def assumed_officer(answered: dict[str, list[datetime]], delay: timedelta, made: set[str]) -> Answer:
    """The officer of a what-if: confirms, after ``delay``, each proposal on a track where no
    recorded officer acted within :data:`ANSWER_WINDOW`; adds the command ids to ``made``."""
    asked: set[tuple[str, str]] = set()

    def answer(event: ResponseProposed, state: RulesState) -> Command | None:
        times = answered.get(track_key(event.scope, event.drill), [])
        mark = (event.response_id, event.level.value)
        if mark in asked or any(event.occurred_at <= t <= event.occurred_at + ANSWER_WINDOW for t in times):
            return None
        asked.add(mark)
        confirm = ProposalConfirmed(
            event_id=derived_id("what-if.confirm", event.event_id),
            occurred_at=event.occurred_at + delay,
            response_id=event.response_id,
            officer=ASSUMED_OFFICER,
            note="assumed: no officer answered this track in the record",
        )
        made.add(confirm.event_id)
        return confirm

    return answer


def what_if(
    ledger: Ledger, rules: RulesFile, *, officer_delay: timedelta | None = None, until: datetime | None = None
) -> WhatIf:
    """Re-run the recorded inputs of ``ledger`` under ``rules`` and compare with the record."""
    delay = officer_delay if officer_delay is not None else _officer_delay(ledger)
    inputs: list[Recorded] = [*ledger.signals, *ledger.readings, *ledger.commands]
    tracks = {r.response_id: track_key(r.scope, r.drill) for r in ledger.responses}
    answered: dict[str, list[datetime]] = defaultdict(list)
    for command in ledger.commands:
        if isinstance(command, _AIMED) and command.response_id in tracks:
            answered[tracks[command.response_id]].append(command.occurred_at)
    assumed: set[str] = set()
    officer = assumed_officer(answered, delay, assumed)
    events = rerun(inputs, rules, tracks=tracks, answer=officer, until=until)
    return compare(ledger.responses, events, rules, delay=delay, assumed=frozenset(assumed))


def compare(
    recorded: Sequence[ResponseEvent],
    events: Sequence[ResponseEvent],
    rules: RulesFile,
    *,
    delay: timedelta,
    assumed: frozenset[str] = frozenset(),
) -> WhatIf:
    """The differences between the recorded responses and the what-if's."""
    before = intervals(recorded)
    after = intervals(events, assumed)
    unmatched = list(after)
    shifted, lost = [], []
    for old in before:
        match = next(
            (
                new
                for new in unmatched
                if (new.scope, new.drill) == (old.scope, old.drill) and _overlap(old, new)
            ),
            None,
        )
        if match is None:
            lost.append(old)
            continue
        unmatched.remove(match)
        ends = None if old.end is None or match.end is None else (match.end - old.end).total_seconds()
        shifted.append(
            Shift(
                recorded=old,
                what_if=match,
                start_seconds=(match.start - old.start).total_seconds(),
                end_seconds=ends,
                level_steps=match.max_rank - old.max_rank,
            )
        )
    return WhatIf(
        rules_id=rules.id,
        rules_version=rules.version,
        officer_delay_seconds=delay.total_seconds(),
        recorded_activations=_activations(recorded),
        what_if_activations=_activations(events),
        gained=tuple(unmatched),
        lost=tuple(lost),
        shifted=tuple(shifted),
        earlier=sum(1 for s in shifted if s.start_seconds < 0),
        later=sum(1 for s in shifted if s.start_seconds > 0),
        higher=sum(1 for s in shifted if s.level_steps > 0),
        lower=sum(1 for s in shifted if s.level_steps < 0),
        assumed_confirmations=sum(1 for i in after if i.assumed),
        levels=level_tracks(events),
    )
