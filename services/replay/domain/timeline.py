"""The timeline of a window: signals, rain peaks, proposals and officers' answers, level
changes, and per response change one line each for its notices, deliveries, acks and
escalations. Sorted by time, so two reads of the same events (store, Kafka) give equal lists.

>>> from services.replay.domain.ledger import Ledger
>>> build_timeline(Ledger(), peaks=())
()
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.notices import Channel, DeliveryStatus
from schemas.responses import ResponseActivated, ResponseEnded, ResponseLevelChanged, ResponseProposed
from schemas.warnings import WarningSignal
from services.replay.domain.ledger import Ledger, NoticeRecord
from services.replay.domain.metrics import first_acks
from services.replay.domain.results import Entry

__all__ = ["KIND_ORDER", "build_timeline"]

#: Order of entries that share a time: cause before effect.
KIND_ORDER = {
    kind: index
    for index, kind in enumerate(
        (
            "rain.peak",
            "signal.issue",
            "signal.update",
            "signal.cancel",
            "response.proposed",
            "officer.confirmed",
            "officer.rejected",
            "officer.level_set",
            "officer.ended",
            "response.activated",
            "response.level_changed",
            "response.ended",
            "notices",
            "deliveries",
            "acks",
            "escalations",
        )
    )
}


_T = TypeVar("_T")

_COMMAND_KINDS = {
    "command.proposal_confirmed": "officer.confirmed",
    "command.proposal_rejected": "officer.rejected",
    "command.manual_end": "officer.ended",
}


def _summary(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signal(signal: WarningSignal) -> Entry:
    colour = signal.colour.value if signal.colour else ""
    colour_zh = signal.colour.chinese if signal.colour else ""
    return Entry(
        at=signal.issued_at,
        kind=f"signal.{signal.action.value}",
        scope=signal.scope.key,
        drill=signal.drill,
        who=signal.source,
        what=(
            f"{signal.scope.describe()}{signal.hazard.chinese}{colour_zh}预警信号 {signal.action.value}"
            f" / {signal.hazard.value} {colour} signal {signal.action.value}".replace("  ", " ")
        ),
        ref=signal.signal_id,
    )


def _responses(ledger: Ledger) -> list[Entry]:
    entries = []
    for event in ledger.responses:
        common = {
            "at": event.occurred_at,
            "scope": event.scope.key,
            "drill": event.drill,
            "ref": event.response_id,
            "what": _summary(event.explanation.summary),
        }
        match event:
            case ResponseProposed():
                entries.append(
                    Entry(kind="response.proposed", level=event.level.value, who="rules", **common)
                )
            case ResponseActivated():
                entries.append(
                    Entry(
                        kind="response.activated", level=event.level.value, who=event.activated_by, **common
                    )
                )
            case ResponseLevelChanged():
                entries.append(
                    Entry(
                        kind="response.level_changed", level=event.level.value, who=event.changed_by, **common
                    )
                )
            case ResponseEnded():
                entries.append(
                    Entry(
                        kind="response.ended", level=event.previous_level.value, who=event.ended_by, **common
                    )
                )
    return entries


def _commands(ledger: Ledger) -> list[Entry]:
    scopes = {r.response_id: (r.scope.key, r.drill) for r in ledger.responses}
    entries = []
    for command in ledger.commands:
        match command:
            case ProposalConfirmed() | ProposalRejected() | ManualEnd():
                scope, drill = scopes.get(command.response_id, ("", False))
                kind = _COMMAND_KINDS[command.kind]
                note = command.reason if isinstance(command, ManualEnd) else command.note
                entries.append(
                    Entry(
                        at=command.occurred_at,
                        kind=kind,
                        scope=scope,
                        drill=drill,
                        who=command.officer,
                        what=f"{kind.removeprefix('officer.')} {note}".strip(),
                        ref=command.response_id,
                    )
                )
            case ManualLevelSet():
                entries.append(
                    Entry(
                        at=command.occurred_at,
                        kind="officer.level_set",
                        scope=command.scope.key,
                        level=command.level.value,
                        drill=command.drill,
                        who=command.officer,
                        what=f"level set to {command.level.value} {command.reason}".strip(),
                        ref=command.event_id,
                    )
                )
    return entries


def _span(kind: str, group: Sequence[NoticeRecord], times: Sequence[datetime], what: str) -> Entry:
    first = group[0]
    return Entry(
        at=min(times),
        until=max(times),
        kind=kind,
        level=first.level.value,
        drill=first.drill,
        what=what,
        ref=first.response_event_id,
        count=len(times),
    )


def _person_level(ledger: Ledger) -> list[Entry]:
    by_change: dict[str, list[NoticeRecord]] = defaultdict(list)
    for notice in ledger.notices.values():
        by_change[notice.response_event_id].append(notice)
    change_of = {nid: n.response_event_id for nid, n in ledger.notices.items()}
    scope_of = {r.event_id: r.scope.key for r in ledger.responses}
    # Times and what to count per change; counted as enum members and named once per
    # distinct value (an enum's ``.value`` is a slow property, read here a million times).
    deliveries: dict[str, tuple[list[datetime], list[tuple[Channel, DeliveryStatus]]]] = {}
    for d in ledger.deliveries:
        change = change_of.get(d.notice_id)
        if change is not None:
            times, outcomes = deliveries.get(change) or deliveries.setdefault(change, ([], []))
            times.append(d.at)
            outcomes.append((d.channel, d.status))
    acks: dict[str, tuple[list[datetime], list[Channel]]] = {}
    for ack in first_acks(a for a in ledger.acks if a.notice_id in change_of).values():
        times, channels = acks.get(change_of[ack.notice_id]) or acks.setdefault(
            change_of[ack.notice_id], ([], [])
        )
        times.append(ack.at)
        channels.append(ack.channel)
    escalations: dict[str, tuple[list[datetime], list[int]]] = {}
    for e in ledger.escalations:
        change = change_of.get(e.notice_id)
        if change is not None:
            times, steps = escalations.get(change) or escalations.setdefault(change, ([], []))
            times.append(e.at)
            steps.append(e.step)
    entries = []
    for change, group in by_change.items():
        scope = scope_of.get(change, "")
        made = [
            _span("notices", group, [n.at for n in group], f"{len(group)} notices / {len(group)} 条通知"),
        ]
        if change in deliveries:
            times, outcomes = deliveries[change]
            named = _named(Counter(outcomes), lambda o: f"{o[0].value} {o[1].value}")
            made.append(_span("deliveries", group, times, _counted(named)))
        if change in acks:
            times, channels = acks[change]
            asked = sum(1 for n in group if n.ack_by is not None)
            named = _named(Counter(channels), lambda c: c.value)
            made.append(
                _span("acks", group, times, f"{len(times)} of {asked} acknowledged: {_counted(named)}")
            )
        if change in escalations:
            times, steps = escalations[change]
            made.append(
                _span("escalations", group, times, _counted(_named(Counter(steps), "step {}".format)))
            )
        entries += [entry.model_copy(update={"scope": scope}) for entry in made]
    return entries


def _named(counts: Counter[_T], name: Callable[[_T], str]) -> Counter[str]:
    named: Counter[str] = Counter()
    for value, n in counts.items():
        named[name(value)] += n
    return named


def _counted(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def build_timeline(ledger: Ledger, *, peaks: Iterable[Entry]) -> tuple[Entry, ...]:
    """Every line of the timeline of ``ledger``, with the rain ``peaks``, in order."""
    entries = [_signal(s) for s in ledger.signals if s.actionable]
    entries += list(peaks)
    entries += _responses(ledger)
    entries += _commands(ledger)
    entries += _person_level(ledger)
    return tuple(sorted(entries, key=lambda e: (e.at, KIND_ORDER.get(e.kind, 99), e.ref, e.what)))
