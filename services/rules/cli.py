"""``sanfang rules …``: work with rules files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sanfang rules check FILE``."""
    rules = commands.add_parser("rules", help="work with rules files").add_subparsers(dest="rules_command")
    check = rules.add_parser("check", help="validate a rules file and print what it would do")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    from services.rules.domain.summary import render_summary
    from services.rules.service import read_rules_file

    rules = read_rules_file(args.file)
    sys.stdout.write(render_summary(rules))
    return 0
