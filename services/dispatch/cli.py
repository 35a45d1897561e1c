"""``sanfang directory import|export|check``: the directory as two CSV files.

``check UNITS PERSONS`` prints the validation report; ``import`` does the same and, when
there is no error, stores the directory as a new version (the next dispatch uses it,
and every notice records the version); ``export DIR`` writes the current version.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from services.core.errors import ConfigError

if TYPE_CHECKING:
    from services.dispatch.domain.directory import Directory

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sanfang directory import|export|check``."""
    directory = commands.add_parser("directory", help="the units and persons directory (CSV)")
    sub = directory.add_subparsers(dest="directory_command", required=True)
    for name, text in (
        ("check", "validate units.csv and persons.csv and print the report"),
        ("import", "validate, then store as the new current directory version"),
    ):
        parser = sub.add_parser(name, help=text)
        parser.add_argument("units", type=Path, help="units CSV")
        parser.add_argument("persons", type=Path, help="persons CSV")
        parser.set_defaults(handler=_check if name == "check" else _import)
    export = sub.add_parser("export", help="write the current directory as units.csv and persons.csv")
    export.add_argument("out", type=Path, help="a folder")
    export.add_argument("--bom", action="store_true", help="with a byte-order mark, for Excel")
    export.set_defaults(handler=_export)


def _read(args: argparse.Namespace) -> Directory | None:
    from services.dispatch.domain.directory_csv import import_directory

    try:
        units, persons = args.units.read_bytes(), args.persons.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the CSV files: {exc}") from exc
    directory, report = import_directory(units, persons)
    sys.stdout.write(str(report) + "\n")
    return directory


def _check(args: argparse.Namespace) -> int:
    directory = _read(args)
    if directory is None:
        return 1
    sys.stdout.write(
        f"ok: {len(directory.units)} units, {len(directory.persons)} persons, version {directory.version}\n"
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    from services.core.clock import SystemClock
    from services.core.settings import Settings
    from services.core.store import Store
    from services.dispatch.directory_store import save_directory

    directory = _read(args)
    if directory is None:
        sys.stdout.write("nothing imported: fix the errors above\n")
        return 1
    settings = Settings()

    async def save() -> bool:
        async with Store(settings.database_url_effective) as store:
            await store.migrate()
            source = f"import: {args.units.name} + {args.persons.name}"
            return await save_directory(store, directory, source=source, now=SystemClock().now())

    changed = asyncio.run(save())
    verb = "imported as the current version" if changed else "already the current version"
    sys.stdout.write(f"{len(directory.persons)} persons, version {directory.version}: {verb}\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from services.core.settings import Settings
    from services.core.store import Store
    from services.dispatch.directory_store import load_directory
    from services.dispatch.domain.directory_csv import persons_csv, units_csv

    settings = Settings()

    async def load() -> Directory | None:
        async with Store(settings.database_url_effective) as store:
            await store.migrate()
            return await load_directory(store)

    directory = asyncio.run(load())
    if directory is None:
        raise ConfigError(
            "no directory has been imported yet: import one with "
            "'sanfang directory import units.csv persons.csv'"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "units.csv").write_text(units_csv(directory, bom=args.bom), encoding="utf-8")
    (args.out / "persons.csv").write_text(persons_csv(directory, bom=args.bom), encoding="utf-8")
    sys.stdout.write(f"wrote {args.out}/units.csv and persons.csv (version {directory.version})\n")
    return 0
