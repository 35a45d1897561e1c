"""The season's warning signals: 36 issued (typhoon and rainstorm, district and streets), with
updates, upgrades issued as new signals, cancellations, and one drill.

Each chain is one signal's life; ``steps`` are (hours after the start, action, colour).
``reissue`` is an upgrade the observatory issues as a new signal (it counts as issued).

>>> signals = season_signals()
>>> sum(1 for s in signals if s.action is WarningAction.ISSUE and not s.drill)
36
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.areas import Scope, Street
from schemas.envelope import derived_id
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal, WarningStatus
from services.core.clock import BEIJING

__all__ = ["CHAINS", "SEASON_END", "SEASON_START", "Chain", "season_signals"]

SEASON_START = datetime(2024, 1, 1, tzinfo=BEIJING)
SEASON_END = datetime(2024, 7, 1, tzinfo=BEIJING)

_S = {
    "XA": Street.XINAN,
    "XX": Street.XIXIANG,
    "HC": Street.HANGCHENG,
    "FY": Street.FUYONG,
    "FH": Street.FUHAI,
    "SJ": Street.SHAJING,
    "XQ": Street.XINQIAO,
    "SG": Street.SONGGANG,
    "YL": Street.YANLUO,
    "SY": Street.SHIYAN,
}


@dataclass(frozen=True)
class Chain:
    """One signal's life, from its issue to its cancellation."""

    start: str
    hazard: Hazard
    streets: str
    steps: tuple[tuple[float, str, str], ...]
    drill: bool = False
    pre_emptive: str = ""  # the station whose rain comes first, for the 2 pre-emptive chains

    @property
    def at(self) -> datetime:
        """The issue time (Beijing)."""
        return datetime.strptime(self.start, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)

    @property
    def scope(self) -> Scope:
        """The district, or the named streets."""
        if not self.streets:
            return Scope.district()
        return Scope.of_streets(_S[code] for code in self.streets.split())

    @property
    def hours(self) -> float:
        """How long the signal is in force (until its cancellation)."""
        return self.steps[-1][0]

    def colours(self) -> list[tuple[float, Colour]]:
        """The colour in force from each step on."""
        return [(h, Colour(c)) for h, action, c in self.steps if action != "cancel"]


def _r(start: str, streets: str, *steps: tuple[float, str, str], pre: str = "") -> Chain:
    return Chain(start, Hazard.RAINSTORM, streets, steps, pre_emptive=pre)


def _t(start: str, *steps: tuple[float, str, str], drill: bool = False) -> Chain:
    return Chain(start, Hazard.TYPHOON, "", steps, drill=drill)


def _y(hours: float) -> tuple[tuple[float, str, str], ...]:
    return ((0, "issue", "yellow"), (hours, "cancel", ""))


def _o(hours: float) -> tuple[tuple[float, str, str], ...]:
    return ((0, "issue", "orange"), (hours, "cancel", ""))


CHAINS: tuple[Chain, ...] = (
    _r("2024-04-04 05:00", "", *_y(8)),
    _t("2024-04-09 10:00", (0, "issue", "blue"), (2, "cancel", ""), drill=True),
    _r("2024-04-12 14:00", "SG YL", *_y(6)),
    _t("2024-04-16 08:00", (0, "issue", "blue"), (12, "cancel", "")),
    _r("2024-04-20 22:00", "", (0, "issue", "yellow"), (3, "reissue", "orange"), (14, "cancel", "")),
    _r("2024-04-24 03:00", "XX HC", *_y(6)),
    _r("2024-04-28 06:00", "", *_y(10)),
    _r("2024-05-01 16:00", "SY", *_y(5)),
    _r("2024-05-04 06:45", "SG FY SJ FH XQ YL", *_o(10)),
    _r("2024-05-06 05:30", "SY", *_y(6), pre="BA020"),
    _r("2024-05-08 13:00", "", *_y(6)),
    _r("2024-05-12 02:00", "XA XX", *_y(6)),
    _r("2024-05-16 08:00", "", (0, "issue", "yellow"), (2, "update", "orange"), (12, "cancel", "")),
    _r("2024-05-20 15:00", "FH SJ", *_y(5)),
    _r("2024-05-24 04:00", "", *_o(12)),
    _t("2024-05-28 09:00", (0, "issue", "blue"), (20, "cancel", "")),
    _t(
        "2024-05-31 10:00",
        (0, "issue", "blue"),
        (6, "update", "yellow"),
        (18, "update", "blue"),
        (26, "cancel", ""),
    ),
    _r("2024-06-02 16:30", "XX", *_o(8), pre="BA004"),
    _r("2024-06-04 05:00", "XX SY", *_y(6)),
    _r("2024-06-06 10:00", "", *_y(8)),
    _r(
        "2024-06-08 20:00",
        "",
        (0, "issue", "yellow"),
        (2, "reissue", "orange"),
        (5, "reissue", "red"),
        (16, "cancel", ""),
    ),
    _r("2024-06-11 03:00", "XQ SG", *_o(8)),
    _r("2024-06-13 07:00", "", *_y(8)),
    _r("2024-06-15 01:00", "", *_o(10)),
    _r("2024-06-17 09:00", "FY FH", *_y(5)),
    _r("2024-06-18 23:00", "", *_y(7)),
    _r("2024-06-20 11:00", "HC XA", *_y(6)),
    _r("2024-06-22 05:00", "", *_o(10)),
    _r("2024-06-23 20:00", "YL", *_y(5)),
    _r("2024-06-25 06:00", "", *_y(8)),
    _r("2024-06-26 18:00", "SJ XQ", *_y(5)),
    _r("2024-06-27 12:00", "", *_y(6)),
    _r("2024-06-28 22:00", "SY SG", *_y(6)),
    _r("2024-06-29 14:00", "", *_y(6)),
)


def _identifier(at: datetime) -> str:
    """A GB/T 35965.1-style id: Shenzhen's observatory code, then Beijing time."""
    return f"44030041600000_{at.astimezone(BEIJING):%Y%m%d%H%M%S}"


def _headline(hazard: Hazard, colour: Colour | None, scope: Scope, action: str) -> str:
    name = f"{hazard.chinese}{colour.chinese if colour else ''}预警信号"
    where = "宝安区" if scope.kind == "district" else f"宝安区{scope.describe()}"
    verb = {"issue": "发布", "reissue": "升级为", "update": "更新为", "cancel": "解除"}[action]
    return f"深圳市气象台{verb}{where}{name}"


def chain_signals(chain: Chain) -> list[WarningSignal]:
    """The messages of one chain, in order."""
    signals: list[WarningSignal] = []
    current: str | None = None
    colour: Colour | None = None
    for hours, action, colour_text in chain.steps:
        at = (chain.at + timedelta(hours=hours)).astimezone(BEIJING)
        identifier = _identifier(at)
        kind = {"issue": WarningAction.ISSUE, "reissue": WarningAction.ISSUE}.get(action)
        kind = kind or (WarningAction.UPDATE if action == "update" else WarningAction.CANCEL)
        colour = Colour(colour_text) if colour_text else colour
        signals.append(
            WarningSignal(
                event_id=derived_id("warning", identifier),
                occurred_at=at,
                signal_id=identifier,
                source="demo-season",
                hazard=chain.hazard,
                colour=None if kind is WarningAction.CANCEL else colour,
                action=kind,
                scope=chain.scope,
                status=WarningStatus.EXERCISE if chain.drill else WarningStatus.ACTUAL,
                issued_at=at,
                references=(current,) if current and action != "reissue" else (),
                headline=_headline(chain.hazard, colour, chain.scope, action),
            )
        )
        current = identifier
    return signals


def season_signals() -> list[WarningSignal]:
    """Every signal message of the season, in time order."""
    return sorted((s for chain in CHAINS for s in chain_signals(chain)), key=lambda s: s.issued_at)
