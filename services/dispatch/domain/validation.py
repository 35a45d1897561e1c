"""Checks CSV tables of units and persons and turns the good rows into directory records.

Errors (duplicate ids, phones or app ids, persons without any contact, unknown units,
deputies, streets, roles or kinds, invalid fields) block an import; warnings (a deputy
in another unit, a unit without a leader or duty contact, a hazard kind on someone who
is not hazard-point responsible) are reported and let it pass.

>>> from services.dispatch.domain.directory_csv import read_table
>>> units = read_table("unit_id,name,kind\\nU001,宝安区水务局,agency\\n", "units.csv")
>>> text = "person_id,name,unit_id,role,phone\\nP1,王伟,U009,member,10000000001\\n"
>>> persons = read_table(text, "persons.csv")
>>> [f"{p.table} {p.row} {p.code}" for p in check(units, persons).problems]
['persons.csv 2 unknown_unit', 'units.csv 2 no_unit_leader', 'units.csv 2 no_duty_contact']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.areas import Street
from schemas.directory import Person, Role, Unit, UnitKind
from services.dispatch.domain.checker import Checker
from services.dispatch.domain.csvrows import REQUIRED_PERSON_COLUMNS, REQUIRED_UNIT_COLUMNS
from services.dispatch.domain.hazards import HazardKind
from services.dispatch.domain.report import ProblemCode as C
from services.dispatch.domain.report import Row, Table, ValidationReport

__all__ = ["Parsed", "check", "parse_role", "parse_tables"]

# At most 20 characters in all, as the Person contract allows.
_PHONE = re.compile(r"\+?\d{3,19}")


@dataclass(frozen=True)
class Parsed:
    """The records of the rows without errors, and the report on all rows."""

    units: tuple[Unit, ...]
    persons: tuple[Person, ...]
    hazard_kinds: Mapping[str, HazardKind]
    report: ValidationReport


def check(units: Table, persons: Table) -> ValidationReport:
    """Every problem in the two tables, with the row it is on (see the module example)."""
    return parse_tables(units, persons).report


def parse_tables(units: Table, persons: Table) -> Parsed:
    """Check both tables and build the records; import them only if ``report.ok``.

    >>> from services.dispatch.domain.directory_csv import read_table
    >>> parsed = parse_tables(read_table("unit_id,name,kind\\n", "u"), read_table("person_id,name\\n", "p"))
    >>> [str(p) for p in parsed.report.errors]
    ['p row 1: error missing_column: the header has no unit_id column', \
'p row 1: error missing_column: the header has no role column']
    """
    checker = Checker((*units.problems, *persons.problems))
    unit_rows = _units(checker, units)
    records, hazard_kinds = _persons(checker, persons, unit_rows)
    _command(checker, units, unit_rows, records)
    return Parsed(
        units=tuple(unit for unit, _ in unit_rows.values() if unit is not None),
        persons=tuple(records),
        hazard_kinds=hazard_kinds,
        report=ValidationReport(tuple(checker.problems)),
    )


def parse_role(text: str) -> Role:
    """A role from its code or its Chinese name; ``ValueError`` for anything else.

    >>> parse_role("值班联系人") is Role.DUTY_CONTACT
    True
    """
    for role in Role:
        if text in (role.value, role.chinese):
            return role
    raise ValueError(f"unknown role {text!r}")


def _units(checker: Checker, table: Table) -> dict[str, tuple[Unit | None, Row]]:
    """Unit id → (record, or None if its row has errors; first row with the id)."""
    checker.required(table, REQUIRED_UNIT_COLUMNS)
    seen: dict[str, int] = {}
    found: dict[str, tuple[Unit | None, Row]] = {}
    for row in table.rows:
        unit_id = row.get("unit_id")
        checker.unique(table, row, unit_id, seen, C.DUPLICATE_ID)
        kind = checker.choice(table, row, "kind", UnitKind, C.UNKNOWN_KIND)
        street = checker.choice(table, row, "street", Street.parse, C.UNKNOWN_STREET)
        if kind is UnitKind.STREET and street is None and not checker.failed(table, row):
            checker.error(C.MISSING_FIELD, table, row, "a street unit must name its street")
        fields = {
            "unit_id": unit_id,
            "name": row.get("name"),
            "kind": kind,
            "street": street,
            "webhook_url": row.get("webhook_url") or None,
        }
        unit = checker.build(table, row, Unit, fields)
        if unit_id:
            found.setdefault(unit_id, (unit, row))
    return found


def _persons(
    checker: Checker, table: Table, units: Mapping[str, tuple[Unit | None, Row]]
) -> tuple[list[Person], dict[str, HazardKind]]:
    checker.required(table, REQUIRED_PERSON_COLUMNS)
    seen: dict[str, int] = {}
    phones: dict[str, int] = {}
    app_ids: dict[str, int] = {}
    unit_of: dict[str, str] = {}
    drafts: list[tuple[Row, dict[str, object], HazardKind | None]] = []
    for row in table.rows:
        person_id, unit_id = row.get("person_id"), row.get("unit_id")
        checker.unique(table, row, person_id, seen, C.DUPLICATE_ID)
        unit_of.setdefault(person_id, unit_id)
        if unit_id and unit_id not in units:
            checker.error(C.UNKNOWN_UNIT, table, row, f"unit_id {unit_id} is not in the units table")
        role = checker.choice(table, row, "role", parse_role, C.UNKNOWN_ROLE)
        street = checker.choice(table, row, "street", Street.parse, C.UNKNOWN_STREET)
        hazard = checker.choice(table, row, "hazard_kind", HazardKind.parse, C.UNKNOWN_HAZARD_KIND)
        if hazard is not None and role not in (None, Role.HAZARD_POINT):
            checker.warn(C.HAZARD_KIND_WITHOUT_ROLE, table, row, f"a {role} has hazard kind {hazard}")
        # Spreadsheets write numbers with spaces or dashes; the gateway wants digits.
        phone = row.get("phone").replace(" ", "").replace("-", "")
        if phone and not _PHONE.fullmatch(phone):
            checker.error(C.INVALID_PHONE, table, row, f"phone {row.get('phone')!r} is not a phone number")
        checker.unique(table, row, phone, phones, C.DUPLICATE_PHONE)
        checker.unique(table, row, row.get("app_id"), app_ids, C.DUPLICATE_APP_ID)
        if not phone and not row.get("app_id"):
            message = "no phone and no app_id: this person cannot be reached"
            checker.error(C.MISSING_CONTACT, table, row, message)
        fields: dict[str, object] = {
            "person_id": person_id,
            "name": row.get("name"),
            "unit_id": unit_id,
            "role": role,
            "street": street,
            "phone": phone or None,
            "app_id": row.get("app_id") or None,
            "deputy_id": row.get("deputy_id") or None,
        }
        drafts.append((row, fields, hazard))
    records: list[Person] = []
    hazard_kinds: dict[str, HazardKind] = {}
    for row, fields, hazard in drafts:
        _deputy(checker, table, row, unit_of)
        person = checker.build(table, row, Person, fields)
        if person is not None:
            records.append(person)
            if hazard is not None:
                hazard_kinds[person.person_id] = hazard
    return records, hazard_kinds


def _deputy(checker: Checker, table: Table, row: Row, unit_of: Mapping[str, str]) -> None:
    deputy, person_id = row.get("deputy_id"), row.get("person_id")
    if not deputy:
        return
    if deputy == person_id:
        checker.error(C.DEPUTY_IS_SELF, table, row, "a person cannot be their own deputy")
    elif deputy not in unit_of:
        checker.error(C.UNKNOWN_DEPUTY, table, row, f"deputy_id {deputy} is not in the persons table")
    elif unit_of[deputy] != row.get("unit_id"):
        checker.warn(C.DEPUTY_IN_OTHER_UNIT, table, row, f"deputy {deputy} is in unit {unit_of[deputy]}")


def _command(
    checker: Checker, table: Table, units: Mapping[str, tuple[Unit | None, Row]], persons: list[Person]
) -> None:
    """Warn about units that nobody leads or nobody answers for when a notice comes."""
    roles: dict[str, set[Role]] = {}
    for person in persons:
        roles.setdefault(person.unit_id, set()).add(person.role)
    for unit_id, (unit, row) in units.items():
        if unit is None:
            continue
        if Role.UNIT_LEADER not in roles.get(unit_id, set()):
            checker.warn(C.NO_UNIT_LEADER, table, row, f"unit {unit_id} has no unit_leader")
        if Role.DUTY_CONTACT not in roles.get(unit_id, set()):
            checker.warn(C.NO_DUTY_CONTACT, table, row, f"unit {unit_id} has no duty_contact")
