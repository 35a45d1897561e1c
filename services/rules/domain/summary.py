"""What a rules file would do, as plain tables: ``sanfang rules check`` prints them, the API serves them.

>>> from schemas.rules import RulesFile
>>> [t.title for t in summarise(RulesFile(id="x", version="1"))]
['Signals → levels', 'Rainfall → levels', 'Confirmation policy', 'De-escalation']
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.responses import Level
from schemas.rules import Direction, RulesFile, Source

__all__ = ["Table", "summarise"]


@dataclass(frozen=True)
class Table:
    """A titled table of text cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _decides(rules: RulesFile, source: Source, level: Level, confirmed: bool) -> str:
    real, drill = (
        rules.confirmation.decide(
            source=source, direction=Direction.UP, drill=d, level=level, bureau_confirmed=confirmed
        )
        for d in (False, True)
    )
    if real == drill:
        return f"{real.decision.value} ({real.rule})"
    return f"real: {real.decision.value} ({real.rule}); drill: {drill.decision.value} ({drill.rule})"


def summarise(rules: RulesFile) -> list[Table]:
    """The rules as four tables: signals, rainfall, confirmation policy, de-escalation.

    >>> from schemas.rules import RulesFile
    >>> summarise(RulesFile(id="x", version="1"))[3].rows[0]
    ('cancel hold', '60 min', 'a cancelled or lowered signal keeps its level this long')
    """
    signals = Table(
        "Signals → levels",
        ("rule", "signal", "level", "bureau confirmed", "decision"),
        tuple(
            (
                r.id,
                f"{r.hazard.chinese}{r.colour.chinese} {r.hazard.value} {r.colour.value}",
                f"{r.level.chinese} {r.level.value}",
                "yes" if r.bureau_confirmed else "NO — bureau to confirm",
                _decides(rules, Source.SIGNAL, r.level, r.bureau_confirmed),
            )
            for r in rules.signals
        ),
    )
    rainfall = Table(
        "Rainfall → levels",
        ("rule", "window", "threshold", "stations in a street", "level", "decision"),
        tuple(
            (
                r.id,
                f"{r.window_hours} h",
                f"≥ {r.threshold_mm:g} mm",
                f"≥ {r.min_stations}",
                f"{r.level.chinese} {r.level.value}",
                _decides(rules, Source.RAINFALL, r.level, True),
            )
            for r in rules.rainfall
        ),
    )
    policy = rules.confirmation
    lines = [
        (
            p.id,
            p.source.value,
            p.direction.value,
            p.drill.value,
            ", ".join(level.value for level in p.levels) or "any",
            p.decide.value,
        )
        for p in policy.rules
    ]
    lines.append(("unconfirmed_mappings", "signal", "up", "any", "any", policy.unconfirmed_mappings.value))
    lines.append(("otherwise", "any", "any", "any", "any", policy.otherwise.value))
    confirmation = Table(
        "Confirmation policy",
        ("rule (first match wins)", "source", "direction", "drill", "levels", "decide"),
        tuple(lines),
    )
    de = rules.de_escalation
    de_escalation = Table(
        "De-escalation",
        ("setting", "value", "meaning"),
        (
            (
                "cancel hold",
                f"{de.cancel_hold_minutes} min",
                "a cancelled or lowered signal keeps its level this long",
            ),
            (
                "rainfall quiet",
                f"{de.rainfall_quiet_minutes} min",
                "a rainfall rule that stops firing keeps its level this long",
            ),
            (
                "proposal re-raised",
                f"every {policy.reraise_after_minutes} min",
                "while no duty officer answers",
            ),
            ("confirm within", f"{policy.confirm_within_minutes} min", "asked of the duty officer"),
            ("manual levels", "never lowered", "a level set by hand is never lowered or ended by the rules"),
        ),
    )
    return [signals, rainfall, confirmation, de_escalation]
