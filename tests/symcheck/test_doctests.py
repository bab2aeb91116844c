"""Every example in symcheck's docstrings runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from typing import Iterator

import pytest

import symcheck
from symcheck import ops

MODULES = sorted(info.name for info in pkgutil.walk_packages(symcheck.__path__, "symcheck.")
                 if not info.name.endswith("__main__"))


@pytest.fixture
def builtin_ops_only() -> Iterator[None]:
    """Docstrings register example ops; other tests must not see them."""
    saved = dict(ops.OPS)
    yield
    ops.OPS.clear()
    ops.OPS.update(saved)


@pytest.mark.parametrize("name", ["symcheck", *MODULES])
def test_the_docstring_examples_of(name: str, builtin_ops_only: None) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_public_entry_points_have_examples() -> None:
    finder = doctest.DocTestFinder()
    examples = {name: sum(len(test.examples) for test in finder.find(importlib.import_module(name)))
                for name in ("symcheck", "symcheck.parse", "symcheck.claims.judge", "symcheck.testing")}
    assert all(count > 0 for count in examples.values()), examples
