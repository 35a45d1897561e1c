"""The words of every decision, Chinese first then English, and the Explanation they go in.

>>> from schemas.areas import Scope, Street
>>> scope_words(Scope.of_streets([Street.SONGGANG]))
('松岗街道', 'Songgang street')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.areas import Scope
from schemas.responses import Explanation, Level
from schemas.rules import RulesFile, Source
from schemas.warnings import WarningAction, WarningSignal

__all__ = ["Trigger", "Words", "explanation", "level_words", "scope_words", "signal_words"]

Words = tuple[str, str]


@dataclass(frozen=True)
class Trigger:
    """The input a decision is taken on: its time, ids, and what it says in words.

    ``input_id`` makes the emitted ids; ``correlation_id`` None means "the chain of the
    response or cause it acts on".
    """

    at: datetime
    input_id: str
    source: Source | None
    rule: str
    inputs: tuple[str, ...]
    reason: Words
    causation_id: str | None = None
    correlation_id: str | None = None


def scope_words(scope: Scope) -> Words:
    """The scope in Chinese and English."""
    if scope.kind == "district":
        return "全区", "the district"
    return scope.describe(), ", ".join(s.value.capitalize() for s in scope.streets) + " street"


def level_words(level: Level | None) -> Words:
    """A level in Chinese and English ("Ⅲ级", "level III"); None reads as no response."""
    if level is None:
        return "未启动", "none"
    if level is Level.WATCH:
        return level.chinese, "watch"
    return level.chinese, f"level {level.value}"


def signal_words(signal: WarningSignal, scope: Scope) -> Words:
    """A signal as it is named in decisions ("松岗街道暴雨橙色预警信号")."""
    zh_scope, en_scope = scope_words(scope)
    colour_zh = signal.colour.chinese if signal.colour else ""
    colour_en = f" {signal.colour.value}" if signal.colour else ""
    zh = f"{zh_scope}{signal.hazard.chinese}{colour_zh}预警信号"
    en = f"{signal.hazard.value}{colour_en} signal for {en_scope}"
    if signal.action is WarningAction.CANCEL:
        return zh + "解除", en + " cancelled"
    return zh, en


def explanation(
    rules: RulesFile,
    rule: str,
    inputs: Iterable[str],
    previous: Level | None,
    new: Level | None,
    parts: Iterable[Words],
) -> Explanation:
    """An Explanation whose summary is the Chinese parts, then " / ", then the English parts."""
    chosen = [p for p in parts if p[0] or p[1]]
    summary = "；".join(p[0] for p in chosen) + " / " + "; ".join(p[1] for p in chosen)
    return Explanation(
        rules_id=rules.id,
        rules_version=rules.version,
        rule=rule,
        inputs=tuple(dict.fromkeys(inputs)),
        summary=summary,
        previous_level=previous,
        new_level=new,
    )
