"""Rules files: the shipped files load, and every error names its line and field."""

from __future__ import annotations

import pytest

from schemas.responses import Level
from schemas.rules import Decision, Direction, Source
from schemas.warnings import Colour, Hazard
from services.rules.cli import render_summary
from services.rules.domain import RulesFileError, load_rules, summarise
from tests.unit.rules.factories import RULES_DIR, rules_file

SHIPPED = ("default", "minimal", "strict", "loose")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rules_files_load_and_summarise(name: str) -> None:
    rules = rules_file(name)
    text = render_summary(rules)
    assert f"Rules {rules.id} version {rules.version}" in text
    assert [t.title for t in summarise(rules)] == [
        "Signals → levels",
        "Rainfall → levels",
        "Confirmation policy",
        "De-escalation",
    ]


def test_default_encodes_observed_practice_and_marks_the_rest_for_the_bureau() -> None:
    rules = rules_file("default")
    confirmed = {(r.hazard, r.colour): r.level for r in rules.signals if r.bureau_confirmed}
    assert confirmed == {(Hazard.TYPHOON, Colour.BLUE): Level.IV, (Hazard.TYPHOON, Colour.YELLOW): Level.III}
    to_confirm = {(r.hazard, r.colour): r.level for r in rules.signals if not r.bureau_confirmed}
    assert to_confirm == {
        (Hazard.TYPHOON, Colour.WHITE): Level.WATCH,
        (Hazard.TYPHOON, Colour.ORANGE): Level.II,
        (Hazard.TYPHOON, Colour.RED): Level.I,
        (Hazard.RAINSTORM, Colour.YELLOW): Level.IV,
        (Hazard.RAINSTORM, Colour.ORANGE): Level.III,
        (Hazard.RAINSTORM, Colour.RED): Level.II,
    }
    text = (RULES_DIR / "default.yaml").read_text(encoding="utf-8")
    assert text.count("bureau to confirm") >= 6  # the YAML says so beside each mapping, not only the field
    summary = summarise(rules)[0]
    assert sum("bureau to confirm" in row[3] for row in summary.rows) == 6


def test_minimal_is_only_the_observed_practice_automatic_without_hold() -> None:
    rules = rules_file("minimal")
    assert [(r.hazard, r.colour, r.level) for r in rules.signals] == [
        (Hazard.TYPHOON, Colour.BLUE, Level.IV),
        (Hazard.TYPHOON, Colour.YELLOW, Level.III),
    ]
    assert rules.rainfall == ()
    assert rules.de_escalation.cancel_hold_minutes == 0
    choice = rules.confirmation.decide(
        source=Source.SIGNAL, direction=Direction.UP, drill=False, level=Level.III
    )
    assert choice.decision is Decision.AUTOMATIC


def test_strict_activates_higher_and_loose_lower_than_default() -> None:
    default, strict, loose = rules_file("default"), rules_file("strict"), rules_file("loose")
    for rule in default.signals:
        higher = strict.signal_rule(rule.hazard, rule.colour)
        lower = loose.signal_rule(rule.hazard, rule.colour)
        assert higher is not None
        assert higher.level >= rule.level
        assert lower is None or lower.level <= rule.level
    assert strict.de_escalation.cancel_hold_minutes > default.de_escalation.cancel_hold_minutes
    assert loose.de_escalation.cancel_hold_minutes < default.de_escalation.cancel_hold_minutes


HEAD = "id: demo\nversion: 1\n"
SIGNAL = "signals:\n  - id: a\n    hazard: typhoon\n    colour: blue\n    level: IV\n"


@pytest.mark.parametrize(
    ("text", "line", "path", "says"),
    [
        pytest.param(
            HEAD + SIGNAL.replace("blue", "pink"),
            6,
            "signals[0].colour",
            "'pink' is not a colour",
            id="unknown colour",
        ),
        pytest.param(
            HEAD + SIGNAL.replace("typhoon", "tornado"),
            5,
            "signals[0].hazard",
            "'tornado' is not a hazard",
            id="unknown hazard",
        ),
        pytest.param(
            HEAD + SIGNAL.replace("IV", "V"), 7, "signals[0].level", "'V' is not a level", id="unknown level"
        ),
        pytest.param(
            HEAD + "rainfall:\n  - {id: r, window_hours: 2, threshold_mm: 50, level: IV}\n",
            4,
            "rainfall[0].window_hours",
            "expected 1, 3, 6 or 24",
            id="window not 1/3/6/24",
        ),
        pytest.param(
            HEAD + "rainfall:\n  - id: r\n    window_hours: 3\n    threshold_mm: -5\n    level: IV\n",
            6,
            "rainfall[0].threshold_mm",
            "greater than 0",
            id="negative threshold",
        ),
        pytest.param(
            HEAD + SIGNAL + "  - {id: a, hazard: rainstorm, colour: red, level: II}\n",
            8,
            "signals[1].id",
            "rule id 'a' is already used at signals[0]",
            id="duplicate rule id",
        ),
        pytest.param(
            HEAD + SIGNAL + "  - {id: b, hazard: typhoon, colour: blue, level: III}\n",
            8,
            "signals[1].colour",
            "typhoon blue is already mapped at signals[0]",
            id="duplicate mapping",
        ),
        pytest.param(
            HEAD + SIGNAL + "    colour_of_sky: grey\n",
            8,
            "signals[0].colour_of_sky",
            "unknown field 'colour_of_sky'",
            id="unknown field",
        ),
        pytest.param("id: demo\n" + SIGNAL, 1, "version", "this field is required", id="missing version"),
        pytest.param(
            HEAD + "confirmation:\n  rules:\n    - {id: p, levels: [IV, X], decide: automatic}\n",
            5,
            "confirmation.rules[0].levels[1]",
            "'X' is not a level",
            id="bad level in a policy",
        ),
        pytest.param(
            HEAD + "confirmation:\n  otherwise: maybe\n",
            4,
            "confirmation.otherwise",
            "'maybe' is not a decision",
            id="bad decision",
        ),
        pytest.param(
            HEAD + "de_escalation:\n  manual_levels: lowered\n",
            4,
            "de_escalation.manual_levels",
            "expected 'never_lowered'",
            id="manual levels are never lowered",
        ),
        pytest.param(
            HEAD + "id: again\n", 3, "id", "duplicate key 'id' (first on line 1)", id="duplicate key"
        ),
        pytest.param(
            HEAD + "signals: [\n  {id: a\n", 5, "", "while parsing a flow mapping on line 4", id="yaml syntax"
        ),
        pytest.param("- just\n- a list\n", 1, "", "a rules file is a mapping", id="not a mapping"),
    ],
)
def test_errors_point_at_line_and_field(text: str, line: int, path: str, says: str) -> None:
    with pytest.raises(RulesFileError) as caught:
        load_rules(text, source="rules/test.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (line, path)
    assert says in problem.problem
    where = f", {path}" if path else ""
    assert str(caught.value).startswith(f"rules/test.yaml line {line}{where}: ")


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = HEAD + SIGNAL.replace("blue", "pink").replace("IV", "V")
    with pytest.raises(RulesFileError) as caught:
        load_rules(text, source="x.yaml")
    assert [p.path for p in caught.value.problems] == ["signals[0].colour", "signals[0].level"]
    assert str(caught.value).count("\n") == 1


def test_a_rules_file_error_is_a_config_error_so_the_service_refuses_to_start() -> None:
    from services.core.errors import ConfigError

    with pytest.raises(ConfigError):
        load_rules("id: x\n")


UP_AUTO = "confirmed-signal-up-automatic"
# The default confirmation policy, line by line: (source, direction, drill, level, bureau
# confirmed) → (decision, the policy line that gave it).
POLICY_TABLE = [
    # rain proposes; an officer activates, raises or lowers — real or drill, any level
    (Source.RAINFALL, Direction.UP, False, Level.IV, True, Decision.OFFICER, "rainfall-waits-for-officer"),
    (Source.RAINFALL, Direction.UP, True, Level.III, True, Decision.OFFICER, "rainfall-waits-for-officer"),
    (Source.RAINFALL, Direction.DOWN, False, Level.III, True, Decision.OFFICER, "rainfall-waits-for-officer"),
    # confirmed signal mappings up to III take effect at once
    (
        Source.SIGNAL,
        Direction.UP,
        False,
        Level.WATCH,
        True,
        Decision.AUTOMATIC,
        "confirmed-signal-up-automatic",
    ),
    (Source.SIGNAL, Direction.UP, False, Level.IV, True, Decision.AUTOMATIC, UP_AUTO),
    (Source.SIGNAL, Direction.UP, True, Level.III, True, Decision.AUTOMATIC, UP_AUTO),
    # II and I go up only with an officer
    (Source.SIGNAL, Direction.UP, False, Level.II, True, Decision.OFFICER, "otherwise"),
    (Source.SIGNAL, Direction.UP, False, Level.I, True, Decision.OFFICER, "otherwise"),
    # a mapping the bureau has not confirmed only proposes, whatever the level
    (Source.SIGNAL, Direction.UP, False, Level.IV, False, Decision.OFFICER, "unconfirmed_mappings"),
    (Source.SIGNAL, Direction.UP, False, Level.WATCH, False, Decision.OFFICER, "unconfirmed_mappings"),
    # a cancelled or lowered signal lowers or ends after the hold time, by itself
    (Source.SIGNAL, Direction.DOWN, False, Level.III, True, Decision.AUTOMATIC, "signal-down-automatic"),
    (Source.SIGNAL, Direction.DOWN, False, Level.I, False, Decision.AUTOMATIC, "signal-down-automatic"),
]


@pytest.mark.parametrize(
    ("source", "direction", "drill", "level", "confirmed", "decision", "line"), POLICY_TABLE
)
def test_default_confirmation_policy(
    source: Source,
    direction: Direction,
    drill: bool,
    level: Level,
    confirmed: bool,
    decision: Decision,
    line: str,
) -> None:
    policy = rules_file("default").confirmation
    choice = policy.decide(
        source=source, direction=direction, drill=drill, level=level, bureau_confirmed=confirmed
    )
    assert (choice.decision, choice.rule) == (decision, line)


def test_default_policy_table_covers_every_line_and_the_hold_times() -> None:
    rules = rules_file("default")
    lines = {line for *_, line in POLICY_TABLE}
    assert lines == {r.id for r in rules.confirmation.rules} | {"otherwise", "unconfirmed_mappings"}
    assert (rules.confirmation.confirm_within_minutes, rules.confirmation.reraise_after_minutes) == (30, 15)
    hold = rules.de_escalation
    assert (hold.cancel_hold_minutes, hold.rainfall_quiet_minutes, hold.manual_levels) == (
        60,
        180,
        "never_lowered",
    )
