"""Targeting tells the right persons: by scope, by level, and by the configured roles."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.areas import Scope, Street
from schemas.directory import Role
from schemas.responses import Level
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.targeting import DEFAULT_POLICY, TargetingPolicy, recipients

COMMAND = {Role.UNIT_LEADER, Role.DUTY_CONTACT}
SONGGANG_SHAJING = Scope.of_streets([Street.SONGGANG, Street.SHAJING])


def test_the_default_tells_all_3183_of_a_district_response_at_every_level(baoan: Directory) -> None:
    for level in Level:
        assert len(recipients(baoan, Scope.district(), level, DEFAULT_POLICY)) == 3183


def test_a_street_response_tells_those_streets_and_the_agencies_command(baoan: Directory) -> None:
    told = recipients(baoan, SONGGANG_SHAJING, Level.IV)
    expected = {
        p.person_id
        for p in baoan.persons
        if p.street in (Street.SONGGANG, Street.SHAJING)
        or (p.street is None and p.role in COMMAND and not baoan.is_street_unit(p))
    }
    assert {p.person_id for p in told} == expected
    streets = {p.street for p in told}
    assert streets == {Street.SONGGANG, Street.SHAJING, None}
    # Agency staff stationed in those streets are told; district-wide agency members are not.
    stationed = [p for p in told if p.street is not None and not baoan.is_street_unit(p)]
    assert stationed
    assert all(p.role in COMMAND for p in told if p.street is None)
    agency_command = [p for p in baoan.persons if p.street is None and p.role in COMMAND]
    assert len(agency_command) == 42 * 4
    assert set(agency_command) <= set(told)


def test_street_leaders_of_other_streets_are_not_told(baoan: Directory) -> None:
    told = {p.person_id for p in recipients(baoan, SONGGANG_SHAJING, Level.I)}
    xinan_leaders = [p for p in baoan.persons_of("U001") if p.role is Role.UNIT_LEADER]
    assert xinan_leaders
    assert not {p.person_id for p in xinan_leaders} & told


def test_the_agency_exception_can_be_switched_off(baoan: Directory) -> None:
    policy = TargetingPolicy(agency_command_on_street_scopes=False)
    told = recipients(baoan, SONGGANG_SHAJING, Level.IV, policy)
    assert {p.street for p in told} == {Street.SONGGANG, Street.SHAJING}


@pytest.mark.parametrize(
    ("level", "roles"),
    [
        (Level.WATCH, COMMAND),
        (Level.IV, COMMAND),
        (Level.III, COMMAND | {Role.HAZARD_POINT}),
        (Level.II, set(Role)),
        (Level.I, set(Role)),
    ],
)
def test_the_graded_policy_widens_with_the_level(baoan: Directory, level: Level, roles: set[Role]) -> None:
    told = recipients(baoan, Scope.district(), level, TargetingPolicy.graded())
    assert {p.role for p in told} == roles
    assert len(told) == sum(1 for p in baoan.persons if p.role in roles)


def test_recipients_are_sorted_and_repeatable(baoan: Directory) -> None:
    first = recipients(baoan, SONGGANG_SHAJING, Level.III, TargetingPolicy.graded())
    ids = [p.person_id for p in first]
    assert ids == sorted(ids)
    assert first == recipients(baoan, SONGGANG_SHAJING, Level.III, TargetingPolicy.graded())


def test_a_policy_must_list_every_level() -> None:
    with pytest.raises(ValidationError, match="no roles for level"):
        TargetingPolicy(roles={Level.IV: frozenset({Role.UNIT_LEADER})})


def test_a_policy_reads_from_configuration_json() -> None:
    roles = {level.value: ["unit_leader", "duty_contact"] for level in Level}
    policy = TargetingPolicy.model_validate({"roles": roles})
    assert policy.roles_for(Level.I) == COMMAND
    assert TargetingPolicy.model_validate_json(TargetingPolicy.graded().model_dump_json()) == (
        TargetingPolicy.graded()
    )
