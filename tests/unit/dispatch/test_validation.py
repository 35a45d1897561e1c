"""The check names every problem of a directory file with its row, and errors block the import."""

from __future__ import annotations

import pytest

from schemas.directory import Role
from services.dispatch.domain.directory_csv import check, import_directory, read_table
from services.dispatch.domain.report import ProblemCode, Severity

UNITS = """unit_id,name,kind,street,webhook_url
U001,新安街道办事处,street,xinan,
U002,宝安区水务局,agency,,
"""

PERSONS = """person_id,name,unit_id,role,street,phone,app_id,deputy_id,hazard_kind
P1,王伟,U001,unit_leader,xinan,10000000001,yjt-1,P2,
P2,李娜,U001,duty_contact,xinan,10000000002,yjt-2,P1,
P3,陈静,U002,unit_leader,,10000000003,yjt-3,P4,
P4,黄强,U002,duty_contact,,10000000004,,P3,
P5,林芳,U002,hazard_point,shajing,,yjt-5,P4,waterlogging_point
"""


def _edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def _problems(units: str, persons: str) -> set[tuple[str, int, ProblemCode, Severity]]:
    report = check(read_table(units, "units.csv"), read_table(persons, "persons.csv"))
    return {(p.table, p.row, p.code, p.severity) for p in report.problems}


def test_a_clean_directory_has_no_problems() -> None:
    directory, report = import_directory(UNITS, PERSONS)
    assert report.problems == ()
    assert directory is not None
    assert len(directory.persons) == 5
    assert directory.hazard_kind("P5") == "waterlogging_point"


E, W = Severity.ERROR, Severity.WARNING
U, P = "units.csv", "persons.csv"


@pytest.mark.parametrize(
    ("units", "persons", "expected"),
    [
        pytest.param((), ("P2,李娜", "P1,李娜"), (P, 3, ProblemCode.DUPLICATE_ID, E), id="duplicate-person"),
        pytest.param(("U002,", "U001,"), (), (U, 3, ProblemCode.DUPLICATE_ID, E), id="duplicate-unit"),
        pytest.param(
            (), ("10000000002", "100-0000 0001"), (P, 3, ProblemCode.DUPLICATE_PHONE, E), id="duplicate-phone"
        ),
        pytest.param((), ("yjt-3", "yjt-1"), (P, 4, ProblemCode.DUPLICATE_APP_ID, E), id="duplicate-app-id"),
        pytest.param(
            (), ("10000000004,,", ",,"), (P, 5, ProblemCode.MISSING_CONTACT, E), id="no-phone-no-app"
        ),
        pytest.param(
            (), ("P3,陈静,U002", "P3,陈静,U009"), (P, 4, ProblemCode.UNKNOWN_UNIT, E), id="unknown-unit"
        ),
        pytest.param(
            (), ("yjt-1,P2", "yjt-1,P9"), (P, 2, ProblemCode.UNKNOWN_DEPUTY, E), id="unknown-deputy"
        ),
        pytest.param((), ("yjt-1,P2", "yjt-1,P1"), (P, 2, ProblemCode.DEPUTY_IS_SELF, E), id="deputy-self"),
        pytest.param(
            (), ("yjt-5,P4", "yjt-5,P2"), (P, 6, ProblemCode.DEPUTY_IN_OTHER_UNIT, W), id="deputy-other-unit"
        ),
        pytest.param(
            (), ("U002,unit_leader", "U002,member"), (U, 3, ProblemCode.NO_UNIT_LEADER, W), id="no-leader"
        ),
        pytest.param(
            (), ("U001,duty_contact", "U001,member"), (U, 2, ProblemCode.NO_DUTY_CONTACT, W), id="no-duty"
        ),
        pytest.param((), (",shajing,", ",南山,"), (P, 6, ProblemCode.UNKNOWN_STREET, E), id="unknown-street"),
        pytest.param(
            ("street,xinan", "street,futian"), (), (U, 2, ProblemCode.UNKNOWN_STREET, E), id="unit-street"
        ),
        pytest.param(
            ("street,xinan", "street,"), (), (U, 2, ProblemCode.MISSING_FIELD, E), id="street-unit-no-street"
        ),
        pytest.param(
            (), ("U001,unit_leader", "U001,boss"), (P, 2, ProblemCode.UNKNOWN_ROLE, E), id="unknown-role"
        ),
        pytest.param(("agency,,", "bureau,,"), (), (U, 3, ProblemCode.UNKNOWN_KIND, E), id="unknown-kind"),
        pytest.param(
            (),
            ("waterlogging_point", "volcano"),
            (P, 6, ProblemCode.UNKNOWN_HAZARD_KIND, E),
            id="unknown-hazard",
        ),
        pytest.param(
            (),
            ("xinan,10000000001,yjt-1,P2,", "xinan,10000000001,yjt-1,P2,vessel"),
            (P, 2, ProblemCode.HAZARD_KIND_WITHOUT_ROLE, W),
            id="hazard-kind-on-leader",
        ),
        pytest.param(
            (), ("10000000003", "call me"), (P, 4, ProblemCode.INVALID_PHONE, E), id="invalid-phone"
        ),
        pytest.param((), ("P4,黄强", "P4,"), (P, 5, ProblemCode.MISSING_FIELD, E), id="empty-name"),
        pytest.param(
            (), ("P4,黄强", "P4," + "黄" * 51), (P, 5, ProblemCode.INVALID_FIELD, E), id="name-too-long"
        ),
        pytest.param((), (",role,", ",rank,"), (P, 1, ProblemCode.MISSING_COLUMN, E), id="missing-column"),
    ],
)
def test_each_problem_is_found_on_its_row(
    units: tuple[str, str] | tuple[()],
    persons: tuple[str, str] | tuple[()],
    expected: tuple[str, int, ProblemCode, Severity],
) -> None:
    units_text = _edit(UNITS, *units) if units else UNITS
    persons_text = _edit(PERSONS, *persons) if persons else PERSONS
    assert expected in _problems(units_text, persons_text)


def test_a_missing_column_is_reported_once_not_on_every_row() -> None:
    report = check(read_table(UNITS, U), read_table(_edit(PERSONS, ",role,", ",rank,"), P))
    assert [p.code for p in report.errors] == [ProblemCode.MISSING_COLUMN]


def test_errors_block_the_import_and_warnings_do_not() -> None:
    directory, report = import_directory(UNITS, _edit(PERSONS, "yjt-1,P2", "yjt-1,P9"))
    assert directory is None
    assert not report.ok
    assert "persons.csv row 2: error unknown_deputy" in str(report)
    directory, report = import_directory(UNITS, _edit(PERSONS, "yjt-5,P4", "yjt-5,P2"))
    assert directory is not None
    assert report.ok
    assert [p.code for p in report.warnings] == [ProblemCode.DEPUTY_IN_OTHER_UNIT]


def test_chinese_names_of_roles_and_streets_are_read() -> None:
    persons = _edit(PERSONS, "U001,unit_leader,xinan", "U001,单位负责人,新安街道")
    directory, report = import_directory(UNITS, persons)
    assert report.problems == ()
    assert directory is not None
    assert directory.person("P1").role is Role.UNIT_LEADER


def test_phones_written_with_spaces_are_stored_as_digits() -> None:
    directory, _ = import_directory(UNITS, _edit(PERSONS, "10000000001", "100 0000 0009"))
    assert directory is not None
    assert directory.person("P1").phone == "10000000009"
