"""The generated Bao'an directory has the bureau's figures and is reproducible."""

from __future__ import annotations

import doctest
import re
from collections import Counter
from types import ModuleType

import pytest
from pydantic import ValidationError

from schemas.areas import Street
from schemas.directory import Role, UnitKind
from services.demo.directory import baoan as baoan_data
from services.demo.directory import generator
from services.demo.directory.generator import generate_baoan_directory
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.hazards import HazardKind


@pytest.fixture(scope="module")
def baoan() -> Directory:
    """The default Bao'an directory, made once: it is immutable."""
    return generate_baoan_directory()


def test_has_the_bureaus_52_units_10_of_them_streets(baoan: Directory) -> None:
    kinds = Counter(unit.kind for unit in baoan.units)
    assert len(baoan.units) == 52
    assert kinds[UnitKind.STREET] == 10
    assert sum(kinds.values()) - kinds[UnitKind.STREET] == 42
    assert [unit.unit_id for unit in baoan.units] == [f"U{i:03d}" for i in range(1, 53)]
    streets = [unit for unit in baoan.units if unit.kind is UnitKind.STREET]
    assert [unit.street for unit in streets] == list(Street)
    assert streets[0].name == "新安街道办事处"
    assert all(unit.name.endswith("街道办事处") for unit in streets)
    assert len({unit.name for unit in baoan.units}) == 52


def test_has_exactly_3183_persons_with_contiguous_ids(baoan: Directory) -> None:
    assert len(baoan.persons) == 3183
    assert [p.person_id for p in baoan.persons] == [f"P{i:05d}" for i in range(1, 3184)]


def test_every_unit_has_a_leader_and_a_duty_contact(baoan: Directory) -> None:
    for unit in baoan.units:
        roles = {person.role for person in baoan.persons_of(unit.unit_id)}
        assert {Role.UNIT_LEADER, Role.DUTY_CONTACT} <= roles, unit.name


def test_streets_of_persons_follow_their_unit(baoan: Directory) -> None:
    for person in baoan.persons:
        unit = baoan.unit(person.unit_id)
        if unit.kind is UnitKind.STREET:
            assert person.street is unit.street
        elif person.role in (Role.UNIT_LEADER, Role.DUTY_CONTACT):
            assert person.street is None
        elif person.role is Role.HAZARD_POINT:
            assert person.street is not None
    agency_members = [p for p in baoan.persons if not baoan.is_street_unit(p) and p.role is Role.MEMBER]
    assert {p.street is None for p in agency_members} == {True, False}


def test_hazard_kinds_cover_the_bureaus_lists_and_only_hazard_point_persons(baoan: Directory) -> None:
    hazard_persons = {p.person_id for p in baoan.persons if p.role is Role.HAZARD_POINT}
    assert set(baoan.hazard_kinds) == hazard_persons
    assert set(baoan.hazard_kinds.values()) == set(HazardKind)
    vessels = [baoan.person(pid) for pid, kind in baoan.hazard_kinds.items() if kind is HazardKind.VESSEL]
    assert Street.SHIYAN not in {p.street for p in vessels}


def test_contacts_are_unique_reserved_range_phones_and_app_ids(baoan: Directory) -> None:
    phones = [p.phone for p in baoan.persons]
    app_ids = [p.app_id for p in baoan.persons]
    assert all(phone is not None and re.fullmatch(r"100\d{8}", phone) for phone in phones)
    assert len(set(phones)) == len(set(app_ids)) == 3183
    assert None not in app_ids


def test_names_are_chinese_and_short(baoan: Directory) -> None:
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", p.name) for p in baoan.persons)
    assert len({p.name for p in baoan.persons}) > 2000


def test_deputies_are_colleagues_and_command_stands_in_for_command(baoan: Directory) -> None:
    command = (Role.UNIT_LEADER, Role.DUTY_CONTACT)
    for person in baoan.persons:
        assert person.deputy_id is not None
        deputy = baoan.person(person.deputy_id)
        assert deputy.person_id != person.person_id
        assert deputy.unit_id == person.unit_id
        if person.role in command:
            assert deputy.role in command


def test_same_seed_same_version_other_seed_other_version(baoan: Directory) -> None:
    again = generate_baoan_directory(2024)
    assert again == baoan
    assert again.version == baoan.version
    other = generate_baoan_directory(7)
    assert other.version != baoan.version
    assert len(other.persons) == 3183


def test_version_is_checked_against_the_content(baoan: Directory) -> None:
    assert Directory.model_validate_json(baoan.model_dump_json()).version == baoan.version
    with pytest.raises(ValidationError, match="does not match the content"):
        Directory(units=baoan.units, persons=baoan.persons, hazard_kinds={}, version=baoan.version)


def test_lookups(baoan: Directory) -> None:
    assert baoan.person("P00001").unit_id == "U001"
    assert baoan.unit("U011").name == "宝安区应急管理局"
    assert sum(len(baoan.persons_of(unit.unit_id)) for unit in baoan.units) == 3183
    assert not baoan.has_person("P99999")
    with pytest.raises(KeyError):
        baoan.person("P99999")


@pytest.mark.parametrize("module", [baoan_data, generator])
def test_docstring_examples_run(module: ModuleType) -> None:
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
