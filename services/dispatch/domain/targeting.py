"""Who is told of a response: a policy of roles per level, applied to a scope.

The default policy tells everyone in scope at every level, because that is how the
bureau's first deployment works (all 3,183 persons). ``TargetingPolicy.graded()`` is
the narrower example of issue 5: IV → unit leaders and duty contacts; III → also
hazard-point responsible persons; II and I → everyone.

District-wide persons (street None) are in scope only of district-wide responses, with
one exception: the unit leaders and duty contacts of the agencies, institutions and
enterprises are told of street-level responses too. A rainstorm over three streets
still needs the water bureau's duty desk and the metro's control room to move, and
they have no street of their own that a scope could name. The exception can be
switched off with ``agency_command_on_street_scopes``.

>>> from services.demo.directory.generator import generate_baoan_directory
>>> directory = generate_baoan_directory()
>>> len(recipients(directory, Scope.district(), Level.IV))
3183
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from itertools import pairwise

from pydantic import Field, model_validator

from schemas.areas import Scope
from schemas.directory import Person, Role
from schemas.envelope import Model
from schemas.responses import Level
from services.dispatch.domain.directory import Directory

__all__ = ["DEFAULT_POLICY", "TargetingPolicy", "iter_recipients", "recipients"]

_COMMAND = frozenset({Role.UNIT_LEADER, Role.DUTY_CONTACT})


def _everyone() -> dict[Level, frozenset[Role]]:
    return {level: frozenset(Role) for level in Level}


class TargetingPolicy(Model):
    """Which roles are told at each level; every level must be listed.

    >>> sorted(TargetingPolicy.graded().roles_for(Level.IV))
    [<Role.DUTY_CONTACT: 'duty_contact'>, <Role.UNIT_LEADER: 'unit_leader'>]
    """

    roles: dict[Level, frozenset[Role]] = Field(default_factory=_everyone)
    agency_command_on_street_scopes: bool = Field(
        default=True,
        description="tell agency unit leaders and duty contacts (street None) of street-level responses",
    )

    @model_validator(mode="after")
    def _every_level(self) -> TargetingPolicy:
        # A level left out would silently tell nobody; make the configuration say so.
        missing = [level.value for level in Level if level not in self.roles]
        if missing:
            raise ValueError(f"the targeting policy lists no roles for level(s) {', '.join(missing)}")
        return self

    @classmethod
    def graded(cls) -> TargetingPolicy:
        """The narrower example policy: the watch stage and IV reach the command roles only."""
        hazard = _COMMAND | {Role.HAZARD_POINT}
        return cls(
            roles={
                Level.WATCH: _COMMAND,
                Level.IV: _COMMAND,
                Level.III: hazard,
                Level.II: frozenset(Role),
                Level.I: frozenset(Role),
            }
        )

    def roles_for(self, level: Level) -> frozenset[Role]:
        """The roles told at ``level``."""
        return self.roles[level]


DEFAULT_POLICY = TargetingPolicy()
"""Everyone in scope at every level."""


def recipients(
    directory: Directory, scope: Scope, level: Level, policy: TargetingPolicy = DEFAULT_POLICY
) -> list[Person]:
    """The persons to tell of a response at ``level`` over ``scope``, sorted by person id.

    >>> from schemas.areas import Street
    >>> from services.demo.directory.generator import generate_baoan_directory
    >>> songgang = Scope.of_streets([Street.SONGGANG])
    >>> told = recipients(generate_baoan_directory(), songgang, Level.IV, TargetingPolicy.graded())
    >>> {p.street for p in told} == {Street.SONGGANG, None}
    True
    """
    return list(iter_recipients(directory, scope, [level], policy))


def iter_recipients(
    directory: Directory,
    scope: Scope,
    levels: list[Level],
    policy: TargetingPolicy = DEFAULT_POLICY,
    *,
    also: Container[str] = (),
) -> Iterator[Person]:
    """The persons to tell at any of ``levels`` over ``scope``, and those of ``also`` (person
    ids) still in the directory, in person id order, one at a time.

    One pass over the directory (which is sorted by person id), so a province-sized audience
    is never held as a list.

    >>> from services.demo.directory.generator import generate_baoan_directory
    >>> baoan = generate_baoan_directory()
    >>> graded = TargetingPolicy.graded()
    >>> told = iter_recipients(baoan, Scope.district(), [Level.III, Level.IV], graded, also={"gone"})
    >>> [p.person_id for p in told] == [p.person_id for p in recipients(baoan, Scope.district(),
    ...     Level.III, graded)]
    True
    """
    roles = frozenset().union(*(policy.roles_for(level) for level in levels))
    persons: Iterable[Person] = directory.persons
    # Directory.build sorts by id; a directory made another way is sorted here (a list of
    # references, not of persons) so that the order, and so each chunk's locks, stay the same.
    if any(a.person_id > b.person_id for a, b in pairwise(directory.persons)):
        persons = sorted(directory.persons, key=lambda person: person.person_id)
    for person in persons:
        if person.person_id in also or (person.role in roles and _in_scope(directory, person, scope, policy)):
            yield person


def _in_scope(directory: Directory, person: Person, scope: Scope, policy: TargetingPolicy) -> bool:
    if scope.covers(person.street):
        return True
    return (
        policy.agency_command_on_street_scopes
        and person.street is None
        and person.role in _COMMAND
        and not directory.is_street_unit(person)
    )
