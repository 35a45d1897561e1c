"""The directory as two CSV files, one of units and one of persons: export, import, check.

Files are passed in as text, bytes or open text streams; nothing here opens a path.
UTF-8 with or without a byte-order mark is read; Excel's other encodings are refused
with a clear problem rather than read as garbage.

>>> from services.demo.directory.generator import generate_baoan_directory
>>> directory = generate_baoan_directory()
>>> again, report = import_directory(units_csv(directory), persons_csv(directory, bom=True))
>>> report.ok, again is not None and again.version == directory.version
(True, True)
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from services.dispatch.domain.csvrows import persons_text, units_text
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.report import Problem, ProblemCode, Row, Severity, Table, ValidationReport
from services.dispatch.domain.validation import check, parse_tables

__all__ = ["Source", "check", "import_directory", "persons_csv", "read_table", "units_csv"]

Source = str | bytes | TextIO
"""CSV content: the text itself, its bytes, or a text stream opened by the caller."""


def units_csv(directory: Directory, *, bom: bool = False) -> str:
    """The units as CSV text; ``bom=True`` for files that Excel should open as UTF-8.

    >>> from schemas.areas import Street
    >>> from schemas.directory import Unit, UnitKind
    >>> unit = Unit(unit_id="U001", name="新安街道办事处", kind=UnitKind.STREET, street=Street.XINAN)
    >>> units_csv(Directory.build([unit], [])).splitlines()[1]
    'U001,新安街道办事处,street,xinan,'
    """
    return units_text(directory.units, bom=bom)


def persons_csv(directory: Directory, *, bom: bool = False) -> str:
    """The persons as CSV text, with their hazard kinds; ``bom`` as for :func:`units_csv`.

    >>> persons_csv(Directory.build([], [])).splitlines()[0]
    'person_id,name,unit_id,role,street,phone,app_id,deputy_id,hazard_kind'
    """
    return persons_text(directory.persons, directory.hazard_kinds, bom=bom)


def read_table(source: Source, label: str) -> Table:
    """Read CSV content into a :class:`Table`; ``label`` names it in problems.

    Blank lines are skipped (their row numbers still count); header names are trimmed.

    >>> table = read_table("\\ufeffunit_id, name\\nU001,宝安区水务局\\n", "units.csv")
    >>> table.columns, table.rows[0].number, table.rows[0].get("name")
    (('unit_id', 'name'), 2, '宝安区水务局')
    """
    if isinstance(source, str):
        text = source
    elif isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            message = f"not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8' or convert it from GBK"
            problem = Problem(Severity.ERROR, ProblemCode.ENCODING, label, 1, message)
            return Table(label, (), (), (problem,))
    else:
        text = source.read()
    records = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not records:
        return Table(label, (), ())
    columns = tuple(cell.strip() for cell in records[0])
    problems = tuple(
        Problem(Severity.ERROR, ProblemCode.DUPLICATE_COLUMN, label, 1, f"column {name} appears twice")
        for index, name in enumerate(columns)
        if name in columns[:index]
    )
    rows = tuple(
        Row(number, dict(zip(columns, cells, strict=False)))
        for number, cells in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in cells)
    )
    return Table(label, columns, rows, problems)


def import_directory(units: Source, persons: Source) -> tuple[Directory | None, ValidationReport]:
    """Check both files and, if there is no error, the directory they hold.

    >>> directory, report = import_directory("unit_id,name,kind\\n", "person_id,name,unit_id,role\\n")
    >>> directory is not None and len(directory.persons), report.ok
    (0, True)
    """
    parsed = parse_tables(read_table(units, "units.csv"), read_table(persons, "persons.csv"))
    if not parsed.report.ok:
        return None, parsed.report
    return Directory.build(parsed.units, parsed.persons, parsed.hazard_kinds), parsed.report
