"""The rules file: which warning signals and how much rain call for which response level,
which decisions wait for a duty officer, and how responses come down again.

The file belongs to the district HQ; code holds no mapping of its own. Load one from YAML
with ``services.rules.domain.load_rules`` (which points errors at their line).

>>> from schemas.responses import Level
>>> from schemas.warnings import Colour, Hazard
>>> rules = RulesFile(id="demo", version="1", signals=(
...     SignalRule(id="typhoon-blue", hazard=Hazard.TYPHOON, colour=Colour.BLUE,
...                level=Level.IV, bureau_confirmed=True),))
>>> rules.signal_rule(Hazard.TYPHOON, Colour.BLUE).level
<Level.IV: 'IV'>
>>> rules.confirmation.decide(source=Source.SIGNAL, direction=Direction.UP, drill=False,
...                           level=Level.IV).decision
<Decision.OFFICER: 'officer'>
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AwareDatetime, Field, field_validator, model_validator

from schemas.areas import Scope
from schemas.envelope import Model
from schemas.responses import Explanation, Level
from schemas.warnings import Colour, Hazard

__all__ = [
    "WINDOW_HOURS",
    "ConfirmationPolicy",
    "DeEscalation",
    "Decision",
    "DecisionPublic",
    "Direction",
    "DirectionMatch",
    "DrillMatch",
    "PolicyChoice",
    "PolicyRule",
    "RainfallRule",
    "RuleConflict",
    "RulesFile",
    "RulesPublic",
    "RulesRefusalPublic",
    "RulesTablePublic",
    "SignalRule",
    "Source",
    "SourceMatch",
    "WarningReceivedPublic",
]

#: The rolling windows rainfall rules may look at, in hours.
WINDOW_HOURS: tuple[int, ...] = (1, 3, 6, 24)

RuleId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class RuleConflict(ValueError):
    """Two parts of a rules file contradict each other; ``loc`` is the field path of the later."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        self.loc = loc
        super().__init__(message)


class Source(StrEnum):
    """What a decision came from: a warning signal or rain-gauge readings."""

    SIGNAL = "signal"
    RAINFALL = "rainfall"


class Direction(StrEnum):
    """Whether a decision starts or raises a response (up) or lowers it (down)."""

    UP = "up"
    DOWN = "down"


class Decision(StrEnum):
    """Whether a decision takes effect at once or waits for a duty officer."""

    AUTOMATIC = "automatic"
    OFFICER = "officer"


class SourceMatch(StrEnum):
    """Which sources a policy rule applies to."""

    ANY = "any"
    SIGNAL = "signal"
    RAINFALL = "rainfall"


class DirectionMatch(StrEnum):
    """Which directions a policy rule applies to."""

    ANY = "any"
    UP = "up"
    DOWN = "down"


class DrillMatch(StrEnum):
    """Whether a policy rule applies to real responses, drills, or both."""

    ANY = "any"
    REAL = "real"
    DRILL = "drill"


def _text(value: Any) -> Any:
    # YAML reads `version: 2024.1` as a float; a version is a label, so keep what was written.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class SignalRule(Model):
    """A warning signal of ``hazard`` and ``colour`` calls for ``level`` in the signal's scope.

    ``bureau_confirmed`` says the district HQ has confirmed this mapping; decisions from an
    unconfirmed mapping follow ``ConfirmationPolicy.unconfirmed_mappings``.
    """

    id: RuleId
    hazard: Hazard
    colour: Colour
    level: Level
    bureau_confirmed: bool = False
    note: str = Field(default="", max_length=500)


class RainfallRule(Model):
    """At least ``min_stations`` stations of one street with ``threshold_mm`` or more in the
    last ``window_hours`` hours call for ``level`` in that street (``min_stations: 1`` is a
    per-station rule)."""

    id: RuleId
    window_hours: Literal[1, 3, 6, 24]
    threshold_mm: float = Field(gt=0, le=2000)
    min_stations: int = Field(default=1, ge=1, le=100)
    level: Level
    note: str = Field(default="", max_length=500)


class PolicyRule(Model):
    """One line of the confirmation policy; the first line that matches decides."""

    id: RuleId
    source: SourceMatch = SourceMatch.ANY
    direction: DirectionMatch = DirectionMatch.ANY
    drill: DrillMatch = DrillMatch.ANY
    levels: tuple[Level, ...] = Field(default=(), description="empty: every level")
    decide: Decision

    def matches(self, *, source: Source, direction: Direction, drill: bool, level: Level) -> bool:
        """Whether this line applies to a decision with these properties."""
        return (
            self.source in (SourceMatch.ANY, source.value)
            and self.direction in (DirectionMatch.ANY, direction.value)
            and self.drill in (DrillMatch.ANY, DrillMatch.DRILL if drill else DrillMatch.REAL)
            and (not self.levels or level in self.levels)
        )


class PolicyChoice(NamedTuple):
    """The outcome of the confirmation policy: the decision and the policy line that gave it."""

    decision: Decision
    rule: str


class ConfirmationPolicy(Model):
    """Which decisions take effect at once and which wait for a duty officer.

    ``level`` in a match is the new level when going up, the level being left when going
    down. Unanswered proposals are raised again every ``reraise_after_minutes``.
    """

    confirm_within_minutes: int = Field(default=30, gt=0, le=24 * 60)
    reraise_after_minutes: int = Field(default=15, gt=0, le=24 * 60)
    unconfirmed_mappings: Decision = Decision.OFFICER
    rules: tuple[PolicyRule, ...] = ()
    otherwise: Decision = Decision.OFFICER

    def decide(
        self,
        *,
        source: Source,
        direction: Direction,
        drill: bool,
        level: Level,
        bureau_confirmed: bool = True,
    ) -> PolicyChoice:
        """Decide one decision; an unconfirmed mapping going up follows ``unconfirmed_mappings``."""
        if direction is Direction.UP and not bureau_confirmed:
            return PolicyChoice(self.unconfirmed_mappings, "unconfirmed_mappings")
        for rule in self.rules:
            if rule.matches(source=source, direction=direction, drill=drill, level=level):
                return PolicyChoice(rule.decide, rule.id)
        return PolicyChoice(self.otherwise, "otherwise")


class DeEscalation(Model):
    """How responses come down.

    A cancelled (or lowered) signal keeps its level for ``cancel_hold_minutes`` first; a
    rainfall rule that stops firing keeps its level until it has been quiet for
    ``rainfall_quiet_minutes``. A level set by hand is never lowered or ended by the rules.
    """

    cancel_hold_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    rainfall_quiet_minutes: int = Field(default=180, gt=0, le=7 * 24 * 60)
    manual_levels: Literal["never_lowered"] = "never_lowered"


class RulesFile(Model):
    """A whole rules file; ``id`` and ``version`` are recorded in every decision."""

    id: RuleId
    version: Annotated[str, Field(min_length=1, max_length=64)]
    description: str = Field(default="", max_length=2000)
    signals: tuple[SignalRule, ...] = ()
    rainfall: tuple[RainfallRule, ...] = ()
    confirmation: ConfirmationPolicy = ConfirmationPolicy()
    de_escalation: DeEscalation = DeEscalation()

    _text_version = field_validator("version", mode="before")(_text)

    @model_validator(mode="after")
    def _check(self) -> RulesFile:
        seen: dict[str, str] = {}
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("signals", i), r.id) for i, r in enumerate(self.signals)
        ]
        named += [(("rainfall", i), r.id) for i, r in enumerate(self.rainfall)]
        named += [(("confirmation", "rules", i), r.id) for i, r in enumerate(self.confirmation.rules)]
        for loc, rule_id in named:
            where = ".".join(str(p) for p in loc[:-1]) + f"[{loc[-1]}]"
            if rule_id in seen:
                raise RuleConflict((*loc, "id"), f"rule id {rule_id!r} is already used at {seen[rule_id]}")
            seen[rule_id] = where
        pairs: dict[tuple[Hazard, Colour], int] = {}
        for index, rule in enumerate(self.signals):
            first = pairs.setdefault((rule.hazard, rule.colour), index)
            if first != index:
                raise RuleConflict(
                    ("signals", index, "colour"),
                    f"{rule.hazard.value} {rule.colour.value} is already mapped at signals[{first}]",
                )
        return self

    def signal_rule(self, hazard: Hazard, colour: Colour) -> SignalRule | None:
        """The rule for a signal of ``hazard`` and ``colour``, or None if it calls for nothing."""
        for rule in self.signals:
            if rule.hazard is hazard and rule.colour is colour:
                return rule
        return None

    def rainfall_rule(self, rule_id: str) -> RainfallRule | None:
        """The rainfall rule with ``rule_id``, if the file has it."""
        for rule in self.rainfall:
            if rule.id == rule_id:
                return rule
        return None


# --- API bodies of the rules service (GET /api/v1/rules, GET /api/v1/responses/{id}/decisions)


class RulesTablePublic(Model):
    """One table of a rules file's summary (signals, rainfall, policy, de-escalation)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class RulesRefusalPublic(Model):
    """The last reload that was refused: when, and what is wrong (line and field)."""

    at: AwareDatetime
    message: str


class RulesPublic(Model):
    """The rules that run now, where they were read from, and the last refused reload, if the
    file on disk is still the refused one."""

    id: str
    version: str
    description: str
    source: str
    loaded_at: AwareDatetime
    summary: tuple[RulesTablePublic, ...]
    refused: RulesRefusalPublic | None = None


class DecisionPublic(Model):
    """One decision about a response, with its whole explanation.

    ``by`` is ``rules`` or the duty officer who confirmed, set or ended it;
    ``waits_for_confirmation`` is true for a proposal.
    """

    event_id: str
    kind: str
    occurred_at: AwareDatetime
    scope: Scope
    drill: bool
    previous_level: Level | None
    level: Level | None
    by: str
    waits_for_confirmation: bool
    confirm_within_minutes: int | None = None
    explanation: Explanation


class WarningReceivedPublic(Model):
    """A warning signal as the rules received it (``GET /api/v1/warnings``).

    ``stale`` is ``expired`` (its expiry had passed) or ``old`` (no expiry, issued longer
    ago than the staleness limit) when it was received, with ``stale_note`` in words for
    officers; a stale signal decides nothing by itself. ``acted``: the rules applied it
    (false for a stale one, save a cancel, and for CAP Test and Draft).
    """

    event_id: str
    signal_id: str
    source: str
    hazard: Hazard
    colour: Colour | None
    action: str
    status: str
    scope: Scope
    headline: str
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None
    received_at: AwareDatetime
    stale: Literal["expired", "old"] | None
    stale_note: str | None
    acted: bool
