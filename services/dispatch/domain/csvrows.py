"""The CSV form of units and persons: the columns and how one record becomes a row.

Both the directory's content version and the CSV export are made from this one form,
so an export read back in gives the same version.

>>> UNIT_COLUMNS
('unit_id', 'name', 'kind', 'street', 'webhook_url')
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from schemas.directory import Person, Unit
from services.dispatch.domain.hazards import HazardKind

__all__ = [
    "PERSON_COLUMNS",
    "REQUIRED_PERSON_COLUMNS",
    "REQUIRED_UNIT_COLUMNS",
    "UNIT_COLUMNS",
    "person_row",
    "persons_text",
    "unit_row",
    "units_text",
    "write_rows",
]

UNIT_COLUMNS = ("unit_id", "name", "kind", "street", "webhook_url")
PERSON_COLUMNS = (
    "person_id",
    "name",
    "unit_id",
    "role",
    "street",
    "phone",
    "app_id",
    "deputy_id",
    "hazard_kind",
)
REQUIRED_UNIT_COLUMNS = ("unit_id", "name", "kind")
REQUIRED_PERSON_COLUMNS = ("person_id", "name", "unit_id", "role")


def unit_row(unit: Unit) -> list[str]:
    """The cells of one unit, in ``UNIT_COLUMNS`` order; empty cells for ``None``.

    >>> from schemas.directory import UnitKind
    >>> unit_row(Unit(unit_id="U011", name="宝安区应急管理局", kind=UnitKind.AGENCY))
    ['U011', '宝安区应急管理局', 'agency', '', '']
    """
    street = unit.street.value if unit.street else ""
    return [unit.unit_id, unit.name, unit.kind.value, street, unit.webhook_url or ""]


def person_row(person: Person, hazard_kind: HazardKind | None) -> list[str]:
    """The cells of one person, in ``PERSON_COLUMNS`` order; empty cells for ``None``.

    >>> from schemas.directory import Role
    >>> person = Person(person_id="P00001", name="王伟", unit_id="U001", role=Role.HAZARD_POINT)
    >>> person_row(person, HazardKind.VESSEL)
    ['P00001', '王伟', 'U001', 'hazard_point', '', '', '', '', 'vessel']
    """
    return [
        person.person_id,
        person.name,
        person.unit_id,
        person.role.value,
        person.street.value if person.street else "",
        person.phone or "",
        person.app_id or "",
        person.deputy_id or "",
        hazard_kind.value if hazard_kind else "",
    ]


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[str]], *, bom: bool = False) -> str:
    """CSV text with a header row and ``\\n`` line ends; ``bom`` prefixes U+FEFF for Excel.

    >>> write_rows(["a", "b"], [["1", "x,y"]])
    'a,b\\n1,"x,y"\\n'
    """
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def units_text(units: Iterable[Unit], *, bom: bool = False) -> str:
    """The units as CSV, sorted by ``unit_id``.

    >>> units_text([])
    'unit_id,name,kind,street,webhook_url\\n'
    """
    ordered = sorted(units, key=lambda unit: unit.unit_id)
    return write_rows(UNIT_COLUMNS, (unit_row(unit) for unit in ordered), bom=bom)


def persons_text(
    persons: Iterable[Person], hazard_kinds: Mapping[str, HazardKind], *, bom: bool = False
) -> str:
    """The persons as CSV, sorted by ``person_id``, with each one's hazard kind if any.

    >>> persons_text([], {}).startswith("person_id,name,unit_id,role,")
    True
    """
    ordered = sorted(persons, key=lambda person: person.person_id)
    rows = (person_row(person, hazard_kinds.get(person.person_id)) for person in ordered)
    return write_rows(PERSON_COLUMNS, rows, bom=bom)
