"""A deterministic, synthetic directory of Bao'an's 52 member units and 3,183 persons.

The figures are the bureau's (``mission.md``); the people are invented. Phone numbers
are 11 digits starting with ``100``: China's numbering plan gives mobile subscribers
the 13x-19x blocks and uses ``10``-prefixed codes only for short carrier service
numbers (10000, 10010, 10086 …), so no real phone holds any of these numbers and a
misrouted demo SMS or call cannot reach a stranger. Only the sandbox gateway answers them.

>>> directory = generate_baoan_directory()
>>> len(directory.units), len(directory.persons)
(52, 3183)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple

from schemas.areas import Street
from schemas.directory import Person, Role, Unit, UnitKind
from services.demo.directory.baoan import (
    AGENCIES,
    COASTAL_STREETS,
    GIVEN_NAME_CHARS,
    STREET_SIZES,
    SURNAMES,
)
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.hazards import HazardKind

__all__ = ["BAOAN_PERSON_COUNT", "BAOAN_UNIT_COUNT", "generate_baoan_directory"]

BAOAN_UNIT_COUNT = 52
BAOAN_PERSON_COUNT = 3183
_STREET_HAZARDS = tuple(HazardKind)
_INLAND_HAZARDS = tuple(kind for kind in HazardKind if kind is not HazardKind.VESSEL)


class _Slot(NamedTuple):
    """One person to be made: role, street, hazard kind."""

    role: Role
    street: Street | None
    hazard: HazardKind | None


def generate_baoan_directory(seed: int = 2024) -> Directory:
    """The Bao'an directory for ``seed``: the same seed always gives the same version.

    >>> directory = generate_baoan_directory(7)
    >>> directory.person("P00001").phone.startswith("100"), directory.unit("U052").name
    (True, '深圳市宝安城市建设投资集团有限公司')
    """
    # Not cryptographic: a seeded generator is the point, so the data is reproducible.
    rng = random.Random(seed)  # noqa: S311
    units = _units()
    phones = iter(rng.sample(range(10**8), BAOAN_PERSON_COUNT))
    app_ids = iter(rng.sample(range(16**10), BAOAN_PERSON_COUNT))
    persons: list[Person] = []
    hazard_kinds: dict[str, HazardKind] = {}
    duties = [()] * len(Street) + [spec.hazards for spec in AGENCIES]
    for unit, size, hazards in zip(units, _sizes(), duties, strict=True):
        slots = _plan(unit, size, hazards, rng)
        first = len(persons) + 1
        ids = [f"P{first + index:05d}" for index in range(size)]
        for index, slot in enumerate(slots):
            person = Person(
                person_id=ids[index],
                name=_name(rng),
                unit_id=unit.unit_id,
                role=slot.role,
                street=slot.street,
                phone=f"100{next(phones):08d}",
                app_id=f"yjt-{next(app_ids):010x}",
                deputy_id=ids[_deputy(index, slots, rng)],
            )
            persons.append(person)
            if slot.hazard is not None:
                hazard_kinds[person.person_id] = slot.hazard
    return Directory.build(units, persons, hazard_kinds)


def _units() -> list[Unit]:
    streets = [
        Unit(unit_id=f"U{index:03d}", name=f"{street.chinese}街道办事处", kind=UnitKind.STREET, street=street)
        for index, street in enumerate(Street, start=1)
    ]
    others = [
        Unit(unit_id=f"U{index:03d}", name=spec.name, kind=spec.kind)
        for index, spec in enumerate(AGENCIES, start=len(streets) + 1)
    ]
    return streets + others


def _sizes() -> list[int]:
    """Head counts per unit, streets first; units without a fixed size share the rest evenly."""
    rest = BAOAN_PERSON_COUNT - sum(STREET_SIZES.values()) - sum(s.size or 0 for s in AGENCIES)
    sharing = sum(1 for spec in AGENCIES if spec.size is None)
    base, extra = divmod(rest, sharing)
    sizes = [STREET_SIZES[street] for street in Street]
    shared = 0
    for spec in AGENCIES:
        if spec.size is None:
            sizes.append(base + (1 if shared < extra else 0))
            shared += 1
        else:
            sizes.append(spec.size)
    return sizes


def _plan(unit: Unit, size: int, duties: tuple[HazardKind, ...], rng: random.Random) -> list[_Slot]:
    """Roles for a unit: leaders, duty contacts, hazard-point persons, then members.

    Street offices watch over every kind of hazard point in their street; other units
    over the kinds in ``duties``, with their hazard-point staff stationed in a street.
    """
    if unit.street is not None:
        kinds = _STREET_HAZARDS if unit.street in COASTAL_STREETS else _INLAND_HAZARDS
        head = [_Slot(Role.UNIT_LEADER, unit.street, None)] * 3
        head += [_Slot(Role.DUTY_CONTACT, unit.street, None)] * 4
        hazard_count = round(size * 0.45)
        hazards = [_Slot(Role.HAZARD_POINT, unit.street, kinds[i % len(kinds)]) for i in range(hazard_count)]
        members = [_Slot(Role.MEMBER, unit.street, None)] * (size - len(head) - hazard_count)
        return head + hazards + members
    head = [_Slot(Role.UNIT_LEADER, None, None)] * 2 + [_Slot(Role.DUTY_CONTACT, None, None)] * 2
    hazard_count = round(size * 0.4) if duties else 0
    hazards = []
    for i in range(hazard_count):
        kind = duties[i % len(duties)]
        # Agency staff watching a hazard point are stationed in the point's street.
        where = sorted(COASTAL_STREETS) if kind is HazardKind.VESSEL else list(Street)
        hazards.append(_Slot(Role.HAZARD_POINT, rng.choice(where), kind))
    # A quarter of agency members work from a street office; the rest district-wide.
    members = [
        _Slot(Role.MEMBER, rng.choice(list(Street)) if rng.random() < 0.25 else None, None)
        for _ in range(size - len(head) - hazard_count)
    ]
    return head + hazards + members


def _deputy(index: int, slots: Sequence[_Slot], rng: random.Random) -> int:
    """Someone else in the unit: leaders and duty contacts stand in for each other;
    others for a colleague of the same role (same street if possible), else a duty contact."""
    me = slots[index]
    command = (Role.UNIT_LEADER, Role.DUTY_CONTACT)
    others = [i for i in range(len(slots)) if i != index]
    if me.role in command:
        pool = [i for i in others if slots[i].role in command]
    else:
        same_role = [i for i in others if slots[i].role is me.role]
        pool = [i for i in same_role if slots[i].street == me.street] or same_role
        pool = pool or [i for i in others if slots[i].role is Role.DUTY_CONTACT]
    return rng.choice(pool)


def _name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(length))
