"""``sanfang rules …``: work with rules files, and print what one would do as text tables."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from schemas.rules import RulesFile

__all__ = ["register", "render_summary"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sanfang rules check FILE``."""
    rules = commands.add_parser("rules", help="work with rules files").add_subparsers(dest="rules_command")
    check = rules.add_parser("check", help="validate a rules file and print what it would do")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_check)


def render_summary(rules: RulesFile, *, width: int = 120) -> str:
    """The summary as text tables (no colour codes), headed by the file's id and version.

    >>> from schemas.rules import RulesFile
    >>> render_summary(RulesFile(id="x", version="1")).splitlines()[0]
    'Rules x version 1'
    """
    # Imported here, not above: every ``sanfang`` command imports this module for its subcommand.
    from services.rules.domain.summary import summarise

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    console.print(f"Rules {rules.id} version {rules.version}", markup=False, highlight=False)
    if rules.description:
        console.print(rules.description.strip(), markup=False, highlight=False)
    for table in summarise(rules):
        shown = Table(title=table.title, title_justify="left")
        for column in table.columns:
            shown.add_column(column)
        for row in table.rows:
            shown.add_row(*row)
        console.print(shown)
    return out.getvalue()


def _check(args: argparse.Namespace) -> int:
    from services.rules.service import read_rules_file

    rules = read_rules_file(args.file)
    sys.stdout.write(render_summary(rules))
    return 0
