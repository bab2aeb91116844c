"""The point: ``--at x=1.5,y=0.5`` on the command line, ``at=`` in Python.

`parse_point` reads the ``--at`` text; `apply_point` sets a program's inputs.
"""

from __future__ import annotations

import math
import re

from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.locate import Locator
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.parse.syntax import check_size


_POINT_ITEM = re.compile(r"\s*(?P<name>[^\W\d]\w*)?\s*(?P<eq>=)?\s*(?P<value>[^\s]*)\s*")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_NON_FINITE = re.compile(r"[-+]?(?:nan|inf|infinity)", re.IGNORECASE)


def parse_point(text: str) -> dict[str, float]:
    """The ``--at`` syntax: ``"x=1.5,y=0.5"`` → ``{"x": 1.5, "y": 0.5}`` (errors carry the column).

    >>> parse_point("x=1.5, y=-2e-1")
    {'x': 1.5, 'y': -0.2}
    """
    locator = Locator("<--at>", [text])
    check_size(text, locator, limit=100_000)
    point: dict[str, float] = {}
    start = 0
    for piece in text.split(","):
        if piece.strip() or text.strip():
            name, value = _point_item(piece, start, locator)
            if name in point:
                raise locator.error(f"{name} is given twice", 1, start + piece.index(name), width=len(name),
                                    hint="give each input once")
            point[name] = value
        start += len(piece) + 1
    return point


def _point_item(piece: str, start: int, locator: Locator) -> tuple[str, float]:
    """One ``name=number`` of ``--at``, at column `start` of the whole text."""
    match = _POINT_ITEM.fullmatch(piece)
    example = "write name=number pairs separated by commas, e.g. x=1.5,y=0.5"
    if match is None or not match.group("name") or not match.group("eq"):
        col0 = start + len(piece) - len(piece.lstrip())
        got = f"'{piece.strip()}'" if piece.strip() else "nothing"
        raise locator.error(f"expected name=number, got {got}", 1, col0, hint=example,
                            width=max(1, len(piece.strip())))
    value = match.group("value")
    col0 = start + match.start("value")
    if not _NUMBER.fullmatch(value) and not _NON_FINITE.fullmatch(value):
        fix = "write '-' for minus" if "\u2212" in value else example
        raise locator.error(f"'{value}' is not a number", 1, col0, hint=fix, width=max(1, len(value)))
    number = float(value)
    if not math.isfinite(number):  # nan, inf, or a literal too big for a float (1e400)
        raise locator.error(f"'{value}' is not a finite number", 1, col0, hint="use a finite number",
                            width=len(value))
    return match.group("name"), number


def apply_point(program: Program, at: dict[str, float]) -> Program:
    """`program` with the given inputs' values; an unknown or non-input name is an InputError."""
    inputs = [node.name for node in program.inputs]
    for name in at:
        if name in inputs:
            continue
        if name in program:
            raise InputError(f"'{name}' is not an input (it is computed by {program.node(name).op})",
                             hint=f"set inputs only: {listing(inputs)}")
        raise InputError(f"no input named '{name}'", hint=join_hints(did_you_mean(name, inputs),
                                                                      f"inputs: {listing(inputs)}"))
    return program.with_inputs({name: float(value) for name, value in at.items()})
