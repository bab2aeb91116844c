"""The homework's problems: graphs as staged programs, and runnable exercises.

`PROGRAMS` maps a name to a staged program file (what ``symcheck check NAME``
loads); `RUNNABLE` maps a name to the module that ``symcheck run NAME``
imports (each has ``main(argv) -> int`` and ``run(...) -> dict``). Nothing is
imported here eagerly: listing the problems stays instant.

The modules import each other relatively and reach the engine through
`symcheck.own`, so the package works under the private name symcheck loads it
by when a folder of the student's own is called ``problems``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

PROGRAMS: dict[str, Path] = {
    "backprop": Path(__file__).with_name("backprop.sc"),
}
"""Built-in staged programs, by name."""

RUNNABLE: dict[str, str] = {
    "gradient_descent": "problems.gradient_descent",
    "transformer": "problems.transformer_run",
}
"""Built-in runnable exercises, by name → module path."""

DESCRIPTIONS: dict[str, str] = {
    "backprop": "homework 4, part 1: f(x, y) staged as z1..z8, claims for 1.3.7 and 1.3.8",
    "gradient_descent": "homework 4, part 2: gradient descent with ag.Scalar",
    "transformer": "homework 4, part 3: a small Transformer trained on ag.Scalar",
}
"""One line per problem, for ``symcheck problems``."""


def runnable_module(name: str) -> ModuleType:
    """The module of the runnable problem `name` (a key of `RUNNABLE`), imported from this package."""
    submodule = RUNNABLE[name].rpartition(".")[2]
    return importlib.import_module(f".{submodule}", __name__)
