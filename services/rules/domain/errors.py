"""What the rules domain raises.

SanfangError
└── RulesError            root of the rules service's own errors
    └── RulesFileError    a rules file is not valid (also a ConfigError: refuse to start)
"""

from __future__ import annotations

from services.core.errors import ConfigError, SanfangError

__all__ = ["Problem", "RulesError", "RulesFileError"]


class RulesError(SanfangError):
    """Root of every error the rules service raises on purpose."""


class Problem:
    """One thing wrong in a rules file: where (line, field path) and what."""

    __slots__ = ("line", "path", "problem", "source")

    def __init__(self, source: str, line: int, path: str, problem: str) -> None:
        self.source = source
        self.line = line
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        where = f", {self.path}" if self.path else ""
        return f"{self.source} line {self.line}{where}: {self.problem}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"


class RulesFileError(RulesError, ConfigError):
    """A rules file that cannot be used; the message names the line and field of each problem.

    >>> str(RulesFileError([Problem("rules/x.yaml", 12, "signals[3].colour", "'pink' is not a colour")]))
    "rules/x.yaml line 12, signals[3].colour: 'pink' is not a colour"
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))
