"""Exporting the directory to CSV and importing it back keeps it, and its version."""

from __future__ import annotations

import io

from services.dispatch.domain.directory import Directory
from services.dispatch.domain.directory_csv import import_directory, persons_csv, read_table, units_csv
from services.dispatch.domain.report import ProblemCode


def test_round_trip_gives_the_same_directory_and_version(baoan: Directory) -> None:
    directory, report = import_directory(units_csv(baoan), persons_csv(baoan))
    assert report.problems == ()
    assert directory == baoan
    assert directory is not None
    assert directory.version == baoan.version


def test_excel_style_files_with_bom_as_bytes_or_streams_import_alike(baoan: Directory) -> None:
    units = units_csv(baoan, bom=True)
    persons = persons_csv(baoan, bom=True)
    assert units.startswith("\ufeffunit_id,")
    from_bytes, _ = import_directory(units.encode(), persons.encode())
    from_streams, _ = import_directory(io.StringIO(units), io.StringIO(persons.replace("\n", "\r\n")))
    assert from_bytes is not None
    assert from_bytes.version == baoan.version
    assert from_streams is not None
    assert from_streams.version == baoan.version


def test_row_order_does_not_change_the_version(baoan: Directory) -> None:
    header, *rows = persons_csv(baoan).splitlines()
    shuffled = "\n".join([header, *reversed(rows)]) + "\n"
    directory, _ = import_directory(units_csv(baoan), shuffled)
    assert directory is not None
    assert directory.version == baoan.version


def test_a_changed_phone_changes_the_version(baoan: Directory) -> None:
    text = persons_csv(baoan)
    phone = baoan.persons[0].phone
    assert phone is not None
    directory, _ = import_directory(units_csv(baoan), text.replace(phone, "10099999999", 1))
    assert directory is not None
    assert directory.version != baoan.version


def test_gbk_files_are_refused_with_a_clear_problem() -> None:
    units = "unit_id,name,kind\nU001,宝安区水务局,agency\n".encode("gbk")
    directory, report = import_directory(units, "person_id,name,unit_id,role\n")
    assert directory is None
    assert [(p.code, p.table, p.row) for p in report.errors] == [(ProblemCode.ENCODING, "units.csv", 1)]
    assert "GBK" in report.errors[0].message


def test_blank_lines_are_skipped_but_counted() -> None:
    table = read_table("unit_id,name,kind\n\nU001,宝安区水务局,agency\n,,\n", "units.csv")
    assert [row.number for row in table.rows] == [3]


def test_header_names_are_trimmed_and_duplicates_reported() -> None:
    table = read_table(" unit_id ,name,name\n", "units.csv")
    assert table.columns == ("unit_id", "name", "name")
    assert [(p.code, p.row) for p in table.problems] == [(ProblemCode.DUPLICATE_COLUMN, 1)]
