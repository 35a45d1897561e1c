"""Inputs for rules tests: signals, readings, commands and ticks with readable defaults."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.areas import Scope, Street
from schemas.commands import ManualEnd, ManualLevelSet, ProposalConfirmed, ProposalRejected
from schemas.rainfall import GaugeReading
from schemas.responses import Level, ResponseEvent
from schemas.rules import RulesFile
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal, WarningStatus
from services.rules.domain import Input, RulesState, Tick, apply, load_rules

RULES_DIR = Path(__file__).resolve().parents[3] / "rules"
T0 = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)


def rules_file(name: str) -> RulesFile:
    path = RULES_DIR / f"{name}.yaml"
    return load_rules(path.read_text(encoding="utf-8"), source=f"rules/{name}.yaml")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def streets(*names: Street) -> Scope:
    return Scope.of_streets(names)


def signal(
    event_id: str,
    hazard: Hazard,
    colour: Colour | None,
    *,
    minute: float = 0,
    action: WarningAction = WarningAction.ISSUE,
    scope: Scope | None = None,
    status: WarningStatus = WarningStatus.ACTUAL,
) -> WarningSignal:
    return WarningSignal(
        event_id=event_id,
        occurred_at=at(minute),
        signal_id=f"sig-{event_id}",
        hazard=hazard,
        colour=colour,
        action=action,
        scope=scope or Scope.district(),
        status=status,
        issued_at=at(minute),
    )


def cancel(
    event_id: str,
    hazard: Hazard,
    *,
    minute: float,
    scope: Scope | None = None,
    status: WarningStatus = WarningStatus.ACTUAL,
) -> WarningSignal:
    return signal(
        event_id, hazard, None, minute=minute, action=WarningAction.CANCEL, scope=scope, status=status
    )


def reading(station: str, street: Street, mm: float, *, minute: float, interval: int = 5) -> GaugeReading:
    return GaugeReading(
        event_id=f"r-{station}-{minute:g}",
        occurred_at=at(minute),
        station_id=station,
        street=street,
        observed_at=at(minute),
        interval_minutes=interval,
        rainfall_mm=mm,
    )


def rain(station: str, street: Street, total_mm: float, *, start: float, hours: float) -> list[GaugeReading]:
    """``total_mm`` spread evenly over 5-minute readings ending from ``start`` + 5 for ``hours``."""
    count = int(hours * 12)
    return [
        reading(station, street, round(total_mm / count, 3), minute=start + 5 * (i + 1)) for i in range(count)
    ]


def tick(minute: float) -> Tick:
    return Tick(now=at(minute))


def confirm(
    response_id: str, *, minute: float, event_id: str = "c-confirm", seen: str | None = None
) -> ProposalConfirmed:
    return ProposalConfirmed(
        event_id=event_id,
        occurred_at=at(minute),
        response_id=response_id,
        proposal_event_id=seen,
        officer="duty-01",
    )


def reject(
    response_id: str, *, minute: float, event_id: str = "c-reject", seen: str | None = None
) -> ProposalRejected:
    return ProposalRejected(
        event_id=event_id,
        occurred_at=at(minute),
        response_id=response_id,
        proposal_event_id=seen,
        officer="duty-01",
    )


def manual(scope: Scope, level: Level, *, minute: float, event_id: str = "c-manual") -> ManualLevelSet:
    return ManualLevelSet(
        event_id=event_id,
        occurred_at=at(minute),
        scope=scope,
        level=level,
        officer="duty-01",
        reason="会商决定",
    )


def manual_end(response_id: str, *, minute: float, event_id: str = "c-end") -> ManualEnd:
    return ManualEnd(
        event_id=event_id, occurred_at=at(minute), response_id=response_id, officer="duty-01", reason="雨停"
    )


def run(
    rules: RulesFile, items: Iterable[Input], state: RulesState | None = None
) -> tuple[RulesState, list[ResponseEvent]]:
    current = state or RulesState.empty()
    events: list[ResponseEvent] = []
    for item in items:
        current, decided = apply(current, item, rules)
        # The state must survive the JSON round trip the service makes after each batch.
        current = RulesState.from_json(current.to_json())
        events += decided
    return current, events


def brief(events: Iterable[ResponseEvent]) -> list[tuple[str, str, str | None]]:
    """(kind, scope key, level) of each event: what a reader of the decisions notices."""
    rows: list[tuple[str, str, str | None]] = []
    for event in events:
        level = getattr(event, "level", None)
        rows.append((event.kind.removeprefix("response."), event.scope.key, level.value if level else None))
    return rows
