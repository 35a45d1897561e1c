"""The helper the directory checks share: it reads cells and records problems by row.

>>> from services.dispatch.domain.report import Row, Table
>>> table = Table("units.csv", ("unit_id",), (Row(2, {"unit_id": "U1"}), Row(3, {"unit_id": "U1"})))
>>> checker = Checker()
>>> seen: dict[str, int] = {}
>>> for row in table.rows:
...     checker.unique(table, row, row.get("unit_id"), seen, ProblemCode.DUPLICATE_ID)
>>> [str(p) for p in checker.problems]
['units.csv row 3: error duplicate_id: U1 is already on row 2']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from pydantic import ValidationError

from services.dispatch.domain.report import Problem, ProblemCode, Row, Severity, Table

__all__ = ["Checker"]

_T = TypeVar("_T")


class Checker:
    """Collects the problems of one check run, and remembers which rows had errors."""

    def __init__(self, problems: tuple[Problem, ...] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        self._failed: set[tuple[str, int]] = set()
        self._broken: set[str] = set()

    def add(self, severity: Severity, code: ProblemCode, table: Table, row: int, message: str) -> None:
        """Record a problem on row number ``row`` of ``table``."""
        self.problems.append(Problem(severity, code, table.label, row, message))
        if severity is Severity.ERROR:
            self._failed.add((table.label, row))

    def error(self, code: ProblemCode, table: Table, row: Row, message: str) -> None:
        """Record an error on ``row``; the row will not become a record."""
        self.add(Severity.ERROR, code, table, row.number, message)

    def warn(self, code: ProblemCode, table: Table, row: Row, message: str) -> None:
        """Record a warning on ``row``."""
        self.add(Severity.WARNING, code, table, row.number, message)

    def failed(self, table: Table, row: Row) -> bool:
        """Whether ``row`` has an error, or its table cannot be read as a whole."""
        return table.label in self._broken or (table.label, row.number) in self._failed

    def required(self, table: Table, required: tuple[str, ...]) -> None:
        """Report required columns absent from the header once, and empty required cells.

        A table that could not be decoded, or lacks a required column, makes no records:
        one problem at its header says more than the same problem on every row.
        """
        if any(p.code is ProblemCode.ENCODING for p in table.problems):
            self._broken.add(table.label)
            return
        for column in required:
            if column not in table.columns:
                message = f"the header has no {column} column"
                self.add(Severity.ERROR, ProblemCode.MISSING_COLUMN, table, 1, message)
                self._broken.add(table.label)
        present = [column for column in required if column in table.columns]
        for row in table.rows:
            for column in present:
                if not row.get(column):
                    self.error(ProblemCode.MISSING_FIELD, table, row, f"{column} is empty")

    def choice(
        self, table: Table, row: Row, column: str, parse: Callable[[str], _T], code: ProblemCode
    ) -> _T | None:
        """The parsed non-empty cell, or None; reports ``code`` if it cannot be read."""
        text = row.get(column)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            self.error(code, table, row, f"{column} {text!r} is not known")
            return None

    def unique(self, table: Table, row: Row, value: str, seen: dict[str, int], code: ProblemCode) -> None:
        """Report ``code`` if a non-empty ``value`` was seen on an earlier row."""
        if not value:
            return
        if value in seen:
            self.error(code, table, row, f"{value} is already on row {seen[value]}")
        else:
            seen[value] = row.number

    def build(
        self, table: Table, row: Row, make: Callable[..., _T], fields: Mapping[str, object]
    ) -> _T | None:
        """``make(**fields)`` for a row without errors; the model's own limits become problems."""
        if self.failed(table, row):
            return None
        try:
            return make(**fields)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(part) for part in err["loc"])
                self.error(ProblemCode.INVALID_FIELD, table, row, f"{where}: {err['msg']}")
            return None
