"""Who a person is, for grouping acknowledgement times: name, unit, street, role.

Replay reads this from the directory tables (``units``, ``persons``); the metrics only
need the lookup, so a test can hand it any persons it likes.

>>> from schemas.directory import Person, Role, Unit, UnitKind
>>> people = People.from_directory(
...     [Unit(unit_id="U1", name="水务局", kind=UnitKind.AGENCY)],
...     [Person(person_id="P1", name="李明", unit_id="U1", role=Role.DUTY_CONTACT)])
>>> people.get("P1").unit_name, people.get("P9") is None
('水务局', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.areas import Street
from schemas.directory import Person, Role, Unit

__all__ = ["People", "PersonInfo"]


@dataclass(frozen=True, slots=True)
class PersonInfo:
    """One responsible person as the review groups them."""

    person_id: str
    name: str
    unit_id: str
    unit_name: str
    street: Street | None
    role: Role


class People:
    """Persons by id; unknown ids (a person since removed from the directory) give None."""

    def __init__(self, persons: Iterable[PersonInfo] = ()) -> None:
        self._by_id = {person.person_id: person for person in persons}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, person_id: str) -> PersonInfo | None:
        """The person with ``person_id``, or None."""
        return self._by_id.get(person_id)

    @classmethod
    def from_directory(cls, units: Iterable[Unit], persons: Iterable[Person]) -> People:
        """The lookup of a directory's persons, with their unit's name."""
        names = {unit.unit_id: unit.name for unit in units}
        return cls(
            PersonInfo(p.person_id, p.name, p.unit_id, names.get(p.unit_id, p.unit_id), p.street, p.role)
            for p in persons
        )
