"""The usage examples in the domain's docstrings run and say what the code does."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import services.dispatch.domain as domain

MODULES = sorted(info.name for info in pkgutil.iter_modules(domain.__path__, prefix=f"{domain.__name__}."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
