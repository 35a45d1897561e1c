"""The timeline of a window: signals, rain peaks, proposals and officers' answers, level
changes, and per response change one line each for its notices, deliveries, acks and
escalations. Sorted by time, so two reads of the same events (store, Kafka) give equal lists.

>>> from services.replay.domain.ledger import Ledger
>>> build_timeline(Ledger(), peaks=())
()
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.notices import DeliveryStatus
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
    deliveries: dict[str, list[tuple[datetime, str, DeliveryStatus]]] = defaultdict(list)
    for d in ledger.deliveries:
        if d.notice_id in change_of:
            deliveries[change_of[d.notice_id]].append((d.at, d.channel.value, d.status))
    acks: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for ack in first_acks(a for a in ledger.acks if a.notice_id in change_of).values():
        acks[change_of[ack.notice_id]].append((ack.at, ack.channel.value))
    escalations: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for e in ledger.escalations:
        if e.notice_id in change_of:
            escalations[change_of[e.notice_id]].append((e.at, e.step))
    entries = []
    for change, group in by_change.items():
        scope = scope_of.get(change, "")
        made = [
            _span("notices", group, [n.at for n in group], f"{len(group)} notices / {len(group)} 条通知"),
        ]
        if deliveries[change]:
            channels = Counter(f"{channel} {status.value}" for _, channel, status in deliveries[change])
            made.append(_span("deliveries", group, [t for t, _, _ in deliveries[change]], _counted(channels)))
        if acks[change]:
            asked = sum(1 for n in group if n.ack_by is not None)
            channels = Counter(channel for _, channel in acks[change])
            made.append(
                _span(
                    "acks",
                    group,
                    [t for t, _ in acks[change]],
                    f"{len(acks[change])} of {asked} acknowledged: {_counted(channels)}",
                )
            )
        if escalations[change]:
            steps = Counter(f"step {step}" for _, step in escalations[change])
            made.append(_span("escalations", group, [t for t, _ in escalations[change]], _counted(steps)))
        entries += [entry.model_copy(update={"scope": scope}) for entry in made]
    return entries


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
