"""The directory dispatch reads: member units, responsible persons, and a content version.

The version is a hash of the directory's canonical CSV, so every notice can record
exactly which directory it was built from, and the same content always has the same
version, however it was loaded.

>>> from schemas.areas import Street
>>> unit = Unit(unit_id="U001", name="新安街道办事处", kind=UnitKind.STREET, street=Street.XINAN)
>>> directory = Directory.build([unit], [])
>>> directory.unit("U001").name, len(directory.version)
('新安街道办事处', 12)
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import Field, PrivateAttr, model_validator

from schemas.directory import Person, Unit, UnitKind
from schemas.envelope import Model
from services.dispatch.domain.csvrows import persons_text, units_text
from services.dispatch.domain.hazards import HazardKind

__all__ = ["Directory", "content_version"]


def content_version(
    units: Iterable[Unit], persons: Iterable[Person], hazard_kinds: Mapping[str, HazardKind]
) -> str:
    """The first 12 hex digits of the SHA-256 of the canonical units and persons CSV.

    The order of ``units`` and ``persons`` does not matter: both are sorted by id first.

    >>> content_version([], [], {})
    '1fdf62b9847d'
    """
    digest = hashlib.sha256()
    digest.update(units_text(units).encode())
    # A separator that cannot occur in CSV text keeps "units ending in X" and
    # "persons starting with X" from hashing alike.
    digest.update(b"\x00")
    digest.update(persons_text(persons, hazard_kinds).encode())
    return digest.hexdigest()[:12]


class Directory(Model):
    """Units and persons, sorted by id, internally consistent, with a content version.

    Build one with :meth:`build`; the constructor checks that a given ``version``
    matches the content, so a directory read back from JSON is verified too.
    """

    units: tuple[Unit, ...]
    persons: tuple[Person, ...]
    hazard_kinds: dict[str, HazardKind] = Field(
        default_factory=dict, description="person_id → the kind of hazard point they watch over"
    )
    version: str = Field(min_length=12, max_length=12)

    _units: dict[str, Unit] = PrivateAttr(default_factory=dict)
    _persons: dict[str, Person] = PrivateAttr(default_factory=dict)
    _by_unit: dict[str, tuple[Person, ...]] = PrivateAttr(default_factory=dict)

    @classmethod
    def build(
        cls,
        units: Iterable[Unit],
        persons: Iterable[Person],
        hazard_kinds: Mapping[str, HazardKind] | None = None,
    ) -> Directory:
        """A directory of ``units`` and ``persons``, sorted by id, with its version computed.

        Raises ``pydantic.ValidationError`` when ids repeat or references dangle;
        :func:`services.dispatch.domain.validation.check` explains such problems row by row.
        """
        unit_list = sorted(units, key=lambda unit: unit.unit_id)
        person_list = sorted(persons, key=lambda person: person.person_id)
        kinds = dict(sorted((hazard_kinds or {}).items()))
        version = content_version(unit_list, person_list, kinds)
        return cls(units=tuple(unit_list), persons=tuple(person_list), hazard_kinds=kinds, version=version)

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        unit_ids = [unit.unit_id for unit in self.units]
        person_ids = [person.person_id for person in self.persons]
        for what, ids in (("unit", unit_ids), ("person", person_ids)):
            repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
            if repeated:
                raise ValueError(f"{what} ids repeat: {', '.join(repeated[:5])}")
        self._units = {unit.unit_id: unit for unit in self.units}
        self._persons = {person.person_id: person for person in self.persons}
        for person in self.persons:
            if person.unit_id not in self._units:
                raise ValueError(f"person {person.person_id} names unknown unit {person.unit_id}")
            if person.deputy_id is not None and (
                person.deputy_id == person.person_id or person.deputy_id not in self._persons
            ):
                raise ValueError(f"person {person.person_id} has an invalid deputy {person.deputy_id}")
        unknown = sorted(set(self.hazard_kinds) - set(self._persons))
        if unknown:
            raise ValueError(f"hazard kinds for unknown persons: {', '.join(unknown[:5])}")
        expected = content_version(self.units, self.persons, self.hazard_kinds)
        if self.version != expected:
            raise ValueError(f"version {self.version} does not match the content ({expected})")
        grouped: dict[str, list[Person]] = {unit.unit_id: [] for unit in self.units}
        for person in self.persons:
            grouped[person.unit_id].append(person)
        self._by_unit = {unit_id: tuple(members) for unit_id, members in grouped.items()}
        return self

    def __repr__(self) -> str:
        # The full field dump is ~700 kB for Bao'an; logs and test failures need the gist.
        return f"Directory(version={self.version!r}, units={len(self.units)}, persons={len(self.persons)})"

    def unit(self, unit_id: str) -> Unit:
        """The unit with this id; ``KeyError`` if there is none."""
        return self._units[unit_id]

    def person(self, person_id: str) -> Person:
        """The person with this id; ``KeyError`` if there is none."""
        return self._persons[person_id]

    def has_person(self, person_id: str) -> bool:
        """Whether a person with this id is in the directory."""
        return person_id in self._persons

    def persons_of(self, unit_id: str) -> tuple[Person, ...]:
        """The unit's persons, by id; ``KeyError`` for an unknown unit."""
        return self._by_unit[unit_id]

    def is_street_unit(self, person: Person) -> bool:
        """Whether ``person`` belongs to one of the ten street units."""
        return self._units[person.unit_id].kind is UnitKind.STREET

    def hazard_kind(self, person_id: str) -> HazardKind | None:
        """The kind of hazard point the person watches over, if any."""
        return self.hazard_kinds.get(person_id)
