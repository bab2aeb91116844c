"""The homework's graph as the built-in problem ships it (problems/backprop.sc), for the tests of several modules.

z8 = (sin(z1 z2 + z1) + exp(z2)) · z1 z2 at x = 1.5, y = 0.5, with two claims:
``D(f, z4) == D(f, z5) * D(z5, z4)`` and ``grad(z3, before=z4) == z7``.
(`render_samples.homework` is the same graph built by hand, with no text.)
"""

from __future__ import annotations

import problems
from symcheck.ir import Program
from symcheck.parse import parse_program

BACKPROP_PATH = problems.PROGRAMS["backprop"]
BACKPROP_TEXT = BACKPROP_PATH.read_text(encoding="utf-8")


def backprop_program() -> Program:
    """problems/backprop.sc parsed, its locations naming the file as ``backprop.sc``."""
    return parse_program(BACKPROP_TEXT, source=BACKPROP_PATH.name)
