"""The usage examples in the formats modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import services.ingest.formats as formats

MODULES = sorted(f"{formats.__name__}.{info.name}" for info in pkgutil.iter_modules(formats.__path__))
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", [formats.__name__, *MODULES])
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Examples read the samples corpus by its path from the repository root.
    monkeypatch.chdir(ROOT)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0
    assert result.attempted > 0
