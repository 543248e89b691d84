"""The examples in cxlens's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cxlens

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(cxlens.__path__, "cxlens.")
    if ".migrations" not in m.name  # Alembic's env.py runs only inside Alembic
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see output)"
