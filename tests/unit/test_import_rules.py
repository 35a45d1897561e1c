"""The layout's import rules, checked on every build so that the next drift fails it:

- a ``domain`` package is pure: it imports the standard library (no IO modules), pydantic,
  YAML parsing, ``schemas``, other ``domain`` packages and the clock and errors of
  ``services.core``, nothing else;
- a service (console, dispatch, ingest, recorder, replay, rules) imports ``schemas``,
  ``services.core``, the web edge ``services.web`` and other services' pure ``domain``
  packages, never another service's IO code; no service but the console imports the console.

The composition roots (``services/app.py``, ``runtime.py``, ``cli.py``), the demo and the
gateway sandbox are not services: they put services together and may import any of them.
What the services still import of each other is listed in ``KNOWN`` with its reason, each to
be moved behind the owner's API; a new pair fails the build.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

SERVICES = frozenset({"console", "dispatch", "ingest", "recorder", "replay", "rules"})
SHARED = frozenset({"core", "web"})
#: Standard-library modules that do IO or run things: not for a pure domain.
IO_MODULES = frozenset(
    {"asyncio", "os", "shutil", "socket", "sqlite3", "subprocess", "threading", "urllib", "http", "ssl"}
)
#: Third-party packages a pure domain may use: validation and parsing of text it is given.
PURE_PACKAGES = frozenset({"pydantic", "pydantic_core", "yaml"})
#: The modules of ``services.core`` that do no IO: the time zone and clock protocol, the errors.
PURE_CORE = frozenset({"services.core.clock", "services.core.errors"})

#: (importing module, imported module): the reads and writes across services still to move.
KNOWN = {
    # The console's read models read the tables of dispatch and rules.
    ("services/console/escalations.py", "services.dispatch"),
    ("services/console/manual_notices.py", "services.dispatch"),
    ("services/console/timeline.py", "services.dispatch"),
    ("services/console/timeline.py", "services.rules.proposals"),
    ("services/console/timeline.py", "services.rules.tables"),
    ("services/console/overview.py", "services.rules.proposals"),
    ("services/console/overview.py", "services.rules.tables"),
    # An officer's on-behalf ack is written with dispatch's ack code, in the console's request.
    ("services/console/onbehalf.py", "services.dispatch.acks"),
    # The console shows the escalation policy file dispatch runs.
    ("services/console/service.py", "services.dispatch.policy_file"),
    # Ingest writes its refusals in the recorder's dead-letter row shape.
    ("services/ingest/intake.py", "services.recorder.service"),
    # Replay's what-if reads rules files as the rules service does.
    ("services/replay/cli.py", "services.rules.service"),
    ("services/replay/http.py", "services.rules.service"),
    ("services/replay/component.py", "services.rules.component"),
}


def imports(path: Path) -> Iterator[str]:
    """The absolute module names ``path`` imports (at any depth of the file)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def violations(root: Path, known: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """Every import under ``root/services`` that breaks the rules, as readable lines."""
    found = []
    for path in sorted((root / "services").rglob("*.py")):
        where = path.relative_to(root).as_posix()
        parts = path.relative_to(root / "services").parts
        owner = parts[0] if len(parts) > 1 else ""
        pure = "domain" in parts[1:-1]
        for name in imports(path):
            top, *rest = name.split(".")
            if pure and top not in ("services", "schemas", "__future__"):
                if top not in PURE_PACKAGES and (top not in sys.stdlib_module_names or top in IO_MODULES):
                    found.append(f"{where}: a pure domain imports {name}")
                continue
            if top != "services" or not rest:
                continue
            other = rest[0]
            if pure and "domain" not in rest[1:2] and name not in PURE_CORE:
                found.append(f"{where}: a pure domain imports {name}")
            elif owner in SERVICES and other in SERVICES and other != owner:
                if rest[1:2] == ["domain"]:
                    continue  # another service's pure code
                module = ".".join(["services", other, *rest[1:2]])
                if (where, module) not in known:
                    found.append(f"{where}: the {owner} service imports {name}")
    return found


def test_the_tree_keeps_the_import_rules() -> None:
    root = Path(__file__).resolve().parents[2]
    assert violations(root, frozenset(KNOWN)) == []


def test_every_known_exception_is_still_needed() -> None:
    """A pair moved behind its owner's API leaves the list, so the list only shrinks."""
    root = Path(__file__).resolve().parents[2]
    everything = set(violations(root))
    for where, module in sorted(KNOWN):
        assert any(line.startswith(f"{where}: ") and module in line for line in everything), (where, module)


def test_no_service_but_the_console_imports_the_console(tmp_path: Path) -> None:
    """A deliberate violation fails: rules importing the console's code."""
    rules = tmp_path / "services" / "rules"
    rules.mkdir(parents=True)
    (rules / "http.py").write_text("from services.console.board import Board\n", encoding="utf-8")
    (rules / "tables.py").write_text(
        "from services.web.auth import Auth\nimport schemas.rules\n", encoding="utf-8"
    )
    assert violations(tmp_path) == [
        "services/rules/http.py: the rules service imports services.console.board"
    ]


def test_a_pure_domain_importing_io_fails(tmp_path: Path) -> None:
    domain = tmp_path / "services" / "ingest" / "domain"
    domain.mkdir(parents=True)
    (domain / "parse.py").write_text(
        "import json\nimport sqlalchemy\nfrom services.core.store import Store\n"
        "from services.rules.domain.state import RulesState\n"
        "def later():\n    import asyncio\n",
        encoding="utf-8",
    )
    assert violations(tmp_path) == [
        "services/ingest/domain/parse.py: a pure domain imports sqlalchemy",
        "services/ingest/domain/parse.py: a pure domain imports services.core.store",
        "services/ingest/domain/parse.py: a pure domain imports asyncio",
    ]
