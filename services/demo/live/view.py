"""The live view of the season: the simulated date, the signals in force, the running
responses, and how many were notified, acknowledged and escalated.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Scope
>>> from schemas.warnings import Colour, Hazard, WarningAction
>>> at = datetime(2024, 5, 4, tzinfo=UTC)
>>> signals = Signals()
>>> signals.apply(WarningSignal(event_id="w1", occurred_at=at, signal_id="s1", source="demo",
...     hazard=Hazard.TYPHOON, colour=Colour.BLUE, action=WarningAction.ISSUE, scope=Scope.district(),
...     issued_at=at))
>>> signals.in_force()
['台风蓝色 全区']
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from schemas.areas import Scope
from schemas.warnings import WarningAction, WarningSignal, WarningStatus
from services.core.clock import BEIJING

__all__ = ["Signals", "Snapshot", "render"]


@dataclass
class Signals:
    """The warning signals in force, as the playback sent them."""

    current: dict[str, WarningSignal] = field(default_factory=dict)
    latest: deque[str] = field(default_factory=lambda: deque(maxlen=5))

    def apply(self, signal: WarningSignal) -> None:
        """Take one message: an issue adds a signal, an update replaces, a cancel ends it."""
        for reference in signal.references:
            self.current.pop(reference, None)
        if signal.action is not WarningAction.CANCEL:
            self.current[signal.signal_id] = signal
        self.latest.append(f"{signal.issued_at.astimezone(BEIJING):%m-%d %H:%M} {signal.headline}")

    def in_force(self) -> list[str]:
        """Each signal in force, in words."""
        return [_words(s) for s in self.current.values()]


def _words(signal: WarningSignal) -> str:
    colour = signal.colour.chinese if signal.colour else ""
    drill = "【演练】" if signal.status is WarningStatus.EXERCISE else ""
    return f"{drill}{signal.hazard.chinese}{colour} {signal.scope.describe()}"


@dataclass(frozen=True)
class Snapshot:
    """One frame of the live view."""

    now: datetime
    start: datetime
    end: datetime
    signals: list[str]
    responses: list[tuple[str, str, str, bool]]
    kinds: Counter[str]
    notified: int
    acknowledged: int
    never: int
    acks_by_channel: dict[str, int]
    skips: int
    latest: list[str]

    @property
    def done(self) -> float:
        """How much of the window has played, 0 to 1."""
        total = (self.end - self.start).total_seconds()
        return min(1.0, max(0.0, (self.now - self.start).total_seconds() / total))


def render(frame: Snapshot, *, speed: float) -> Panel:
    """The frame as a rich panel."""
    head = Table.grid(padding=(0, 2))
    head.add_row(
        Text(f"{frame.now.astimezone(BEIJING):%Y-%m-%d %H:%M}", style="bold"),
        f"{frame.done:6.1%} of the window",
        f"{speed:g}× while busy, {frame.skips} quiet stretches skipped",
    )
    body = Table(show_header=False, box=None, padding=(0, 1))
    body.add_row("signals in force", "; ".join(frame.signals) or "—")
    for scope_json, level, state, drill in frame.responses:
        scope = Scope.model_validate_json(scope_json).describe()
        mark = "【演练】" if drill else ""
        body.add_row("response", f"{mark}{scope} level {level} · {state}")
    k = frame.kinds
    body.add_row(
        "decisions",
        f"{k['response.activated']} activated, {k['response.level_changed']} level changes, "
        f"{k['response.ended']} ended, {k['response.proposed']} proposed "
        f"({k['command.proposal_confirmed']} confirmed, {k['command.proposal_rejected']} rejected)",
    )
    channels = ", ".join(f"{channel} {count}" for channel, count in sorted(frame.acks_by_channel.items()))
    body.add_row("notices", f"{frame.notified} sent, {k['delivery']} deliveries")
    body.add_row("acknowledged", f"{frame.acknowledged} ({channels or '—'}); {frame.never} will never answer")
    body.add_row("escalations", str(k["escalation"]))
    body.add_row("inputs", f"{k['warning.signal']} warning messages, {k['rainfall.reading']} gauge readings")
    for line in frame.latest:
        body.add_row("", Text(line, style="dim", no_wrap=True, overflow="ellipsis"))
    return Panel(Group(head, body), title="宝安区三防 · Sanfang demo season 2024 H1")
