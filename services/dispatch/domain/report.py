"""Tables read from CSV, and the report of what is wrong with them, row by row.

Row numbers are as a spreadsheet shows them: the header is row 1, the first record row 2.

>>> problem = Problem(Severity.ERROR, ProblemCode.DUPLICATE_ID, "persons.csv", 7, "P00001 repeats row 2")
>>> str(problem)
'persons.csv row 7: error duplicate_id: P00001 repeats row 2'
>>> ValidationReport((problem,)).ok
False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Problem", "ProblemCode", "Row", "Severity", "Table", "ValidationReport"]


class Severity(StrEnum):
    """Errors block an import; warnings are reported and the import goes ahead."""

    ERROR = "error"
    WARNING = "warning"


class ProblemCode(StrEnum):
    """What kind of problem a row has."""

    ENCODING = "encoding"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    DUPLICATE_ID = "duplicate_id"
    DUPLICATE_PHONE = "duplicate_phone"
    DUPLICATE_APP_ID = "duplicate_app_id"
    INVALID_PHONE = "invalid_phone"
    MISSING_CONTACT = "missing_contact"
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_ROLE = "unknown_role"
    UNKNOWN_STREET = "unknown_street"
    UNKNOWN_HAZARD_KIND = "unknown_hazard_kind"
    UNKNOWN_DEPUTY = "unknown_deputy"
    DEPUTY_IS_SELF = "deputy_is_self"
    DEPUTY_IN_OTHER_UNIT = "deputy_in_other_unit"
    HAZARD_KIND_WITHOUT_ROLE = "hazard_kind_without_role"
    NO_UNIT_LEADER = "no_unit_leader"
    NO_DUTY_CONTACT = "no_duty_contact"


@dataclass(frozen=True)
class Problem:
    """One problem in one row of one table."""

    severity: Severity
    code: ProblemCode
    table: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.table} row {self.row}: {self.severity} {self.code}: {self.message}"


@dataclass(frozen=True)
class Row:
    """One record of a table: its row number and its cells by column name."""

    number: int
    values: Mapping[str, str]

    def get(self, column: str) -> str:
        """The cell's text without surrounding blanks; ``""`` when the column is absent."""
        return self.values.get(column, "").strip()


@dataclass(frozen=True)
class Table:
    """A CSV table as read: a label for messages, the header, the rows, reading problems."""

    label: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found, in the order found; ``ok`` when none of them is an error."""

    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that block an import."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems reported without blocking."""
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """Whether the tables can be imported."""
        return not self.errors

    def __str__(self) -> str:
        summary = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return "\n".join([*map(str, self.problems), summary])
