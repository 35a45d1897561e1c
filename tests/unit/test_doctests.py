"""The usage examples in the docstrings under ``services/`` run, so they stay true.

One test per module that has examples; a failure shows the example, what it expected and
what it got. Examples marked ``# doctest: +SKIP`` (they need a broker, a database or a
network) are read but not run.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Not modules to import: alembic's env.py runs migrations when it is imported, and the
#: migration scripts are loaded by alembic alone.
_NOT_IMPORTED = ("services/core/migrations/",)


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.as_posix().startswith(_NOT_IMPORTED) or path.name == "__main__.py":
            continue
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = relative.with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules_with_examples()


def test_the_examples_of_every_service_are_found() -> None:
    for package in ("core", "rules", "replay", "dispatch", "ingest", "demo"):
        assert any(name.startswith(f"services.{package}.") for name in MODULES), package
    assert "services.core.clock" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = doctest.DocTestFinder().find(module, name)
    assert any(test.examples for test in tests), f"{name} has '>>>' outside any docstring doctest reads"
    report: list[str] = []
    for test in tests:
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert not results.failed, "".join(report)
    if not results.attempted:
        pytest.skip("every example needs IO (+SKIP)")
