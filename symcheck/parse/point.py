"""The point: ``--at x=1.5,y=0.5`` on the command line, ``at=`` in Python; one validator for both.

`parse_point` reads the ``--at`` text into a `Point` that remembers it was
written as ``--at`` (`parse_points` adds up several ``--at`` options);
`check_point` validates any point against the names it may set (a program's
inputs, a function's parameters) and `apply_point` / `resolve_inputs` apply
it to a program. Every error has one wording and names what the caller
wrote: ``--at names 'q', which is not an input; the inputs are: x, y`` on the
command line, ``at= names 'q', …`` in Python.

Nothing is made up silently: a point that sets some inputs must set every
input that has no value of its own (an expression's inputs have none; a
staged program's ``x = 1.5`` is one), and a point that sets none leaves the
program at its own values or, where it has none, at the default point
(`symcheck.ir.default_value`), which the check's header names as such.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Optional, Sequence, Union

from symcheck.errors import InputError
from symcheck.ir import Program, default_value
from symcheck.parse.locate import Locator
from symcheck.parse.lookalike import describe, lookalike
from symcheck.parse.literals import NUMBER_TEXT, foreign_digit, quoted, shortened, too_large, too_small, underflows
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.parse.syntax import check_size


_POINT_ITEM = re.compile(r"\s*(?P<name>[^\W\d]\w*)?\s*(?P<eq>=)?\s*(?P<value>[^\s]*)\s*")
_NON_FINITE = re.compile(r"[-+]?(?:nan|inf|infinity)", re.IGNORECASE)


class Point(dict):  # type: ignore[type-arg]
    """Input values by name, remembering how the caller wrote them (``--at`` or ``at=``) for errors."""

    def __init__(self, values: Mapping[str, float] = (), *, given_as: str = "at=") -> None:  # type: ignore[assignment]
        super().__init__(values)
        self.given_as = given_as


def parse_point(text: str, *, given_as: str = "--at") -> Point:
    """The ``--at`` syntax: ``"x=1.5,y=0.5"`` → ``{"x": 1.5, "y": 0.5}`` (errors carry the column).

    >>> parse_point("x=1.5, y=-2e-1")
    {'x': 1.5, 'y': -0.2}
    """
    locator = Locator(f"<{given_as}>", [text])
    check_size(text, locator, limit=100_000)
    point = Point(given_as=given_as)
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


def parse_points(texts: Sequence[str], *, given_as: str = "--at") -> Point:
    """Several ``--at`` options added up; an input given in two of them is an error.

    >>> parse_points(["x=1.5", "y=0.5"])
    {'x': 1.5, 'y': 0.5}
    """
    point = Point(given_as=given_as)
    for text in texts:
        for name, value in parse_point(text, given_as=given_as).items():
            if name in point:
                raise InputError(f"{given_as} gives {name} twice ({name}={point[name]:g} and {name}={value:g})",
                                 hint=f"give each input once (several {given_as} options add up)")
            point[name] = value
    return point


def _point_item(piece: str, start: int, locator: Locator) -> tuple[str, float]:
    """One ``name=number`` of ``--at``, at column `start` of the whole text."""
    match = _POINT_ITEM.fullmatch(piece)
    example = "write name=number pairs separated by commas, e.g. x=1.5,y=0.5"
    if match is None or not match.group("name") or not match.group("eq"):
        col0 = start + len(piece) - len(piece.lstrip())
        got = quoted(piece.strip()) if piece.strip() else "nothing"
        raise locator.error(f"expected name=number, got {got}", 1, col0, hint=example,
                            width=max(1, len(piece.strip())))
    name = match.group("name")
    found = lookalike(name)
    if found is not None:
        message, hint = describe(name, found[1], found[2])
        raise locator.error(message, 1, start + match.start("name") + found[0], hint=hint)
    return name, _point_number(match.group("value"), start + match.start("value"), locator)


def _point_number(value: str, col0: int, locator: Locator) -> float:
    """The number after ``name=``, worded as a literal in an expression would be."""
    width = max(1, len(value))
    digit = foreign_digit(value)
    if digit is not None:
        raise locator.error(digit[2], 1, col0 + digit[0], hint=digit[3])
    if not NUMBER_TEXT.fullmatch(value) and not _NON_FINITE.fullmatch(value):
        fix = "write '-' for minus" if "\u2212" in value else \
            "write name=number pairs separated by commas, e.g. x=1.5,y=0.5"
        raise locator.error(f"{quoted(value)} is not a number", 1, col0, hint=fix, width=width)
    if _NON_FINITE.fullmatch(value):
        raise locator.error(f"'{value}' is not a finite number", 1, col0, hint="use a finite number", width=width)
    number = float(value)
    if not math.isfinite(number):  # a literal too big for a float (1e400)
        message, hint = too_large(value)
        raise locator.error(message, 1, col0, hint=hint, width=width)
    if underflows(value.lstrip("+-"), number):
        message, hint = too_small(value)
        raise locator.error(message, 1, col0, hint=hint, width=width)
    return number


PointLike = Union[Mapping[str, Any], str, None]
"""What a caller may pass as a point: a mapping of names to numbers, ``"x=1.5,y=0.5"``, or nothing."""


def as_point(at: PointLike) -> Optional[Point]:
    """`at` as a `Point` of finite floats (a string is read as ``--at`` syntax), or None."""
    if at is None:
        return None
    if isinstance(at, Point):
        return at
    if isinstance(at, str):
        return parse_point(at, given_as="at=")
    return Point({str(name): _finite(str(name), value, "at=") for name, value in at.items()})


def check_point(at: PointLike, names: Sequence[str], *, what: str = "input",
                program: Optional[Program] = None, required: Sequence[str] = ()) -> Point:
    """`at` validated against the `names` it may set (a program's inputs, a function's parameters).

    A name that is not among them, or a value that is not a finite number, is
    an `InputError` naming what the caller wrote (``--at`` or ``at=``); with
    `program`, a name the program computes says which op computes it. A point
    that sets any name must set every one of `required` (those with no value
    of their own), else the error names the ones left out.
    """
    point = as_point(at) or Point()
    given = getattr(point, "given_as", "at=")
    known = set(names)  # a program of 20,000 inputs: one lookup each, not a scan
    for name in point:
        if name in known:
            continue
        listed = f"the {what}s are: {listing(list(names)) or '(none)'}"
        if program is not None and name in program:
            raise InputError(f"{given} names {quoted(name)}, which is not an {what} (it is computed by "
                             f"{program.node(name).op})", hint=listed)
        article = "an" if what[0] in "aeiou" else "a"
        raise InputError(f"{given} names {quoted(name)}, which is not {article} {what}",
                         hint=join_hints(did_you_mean(name, names), listed))
    if point:
        _check_complete(point, names, required, given, what)
    return Point({name: _finite(name, value, given) for name, value in point.items()}, given_as=given)


def _check_complete(point: Point, names: Sequence[str], required: Sequence[str], given: str, what: str) -> None:
    """Every required name is set, or one error naming all that are left out (with a complete example)."""
    missing = [name for name in required if name not in point]
    if not missing:
        return
    values = {name: point[name] if name in point else default_value(position)
              for position, name in enumerate(names) if name in point or name in missing}
    if given == "--at":
        example = "--at " + ",".join(f"{name}={_number(value)}" for name, value in values.items())
    else:
        example = "at={" + ", ".join(f"{name!r}: {_number(value)}" for name, value in values.items()) + "}"
    left_out = f"{what} {missing[0]}, which has no value of its own" if len(missing) == 1 else \
        f"{what}s {listing(missing)}, which have no values of their own"
    raise InputError(f"{given} leaves out the {left_out}",
                     hint=f"give every {what} a value, e.g. {example} (or leave out {given} for the default point)")


def _number(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return repr(value)


def _finite(name: str, value: Any, given: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{given} gives {shortened(name)} = {shortened(repr(value))}, which is not a number",
                         hint="give a finite number") \
            from None
    if not math.isfinite(number):
        raise InputError(f"{given} gives {shortened(name)} = {number}, which is not a finite number",
                         hint="give a finite number")
    return number


def apply_point(program: Program, at: PointLike) -> Program:
    """`program` with the given inputs' values (validated by `check_point`)."""
    point = check_point(at, [node.name for node in program.inputs], program=program, required=unvalued(program))
    return program.with_inputs(dict(point)) if point else program


def resolve_inputs(program: Program, at: PointLike = None) -> dict[str, float]:
    """The value of every input: from `at`, else the program's own value, else `default_value`."""
    point = check_point(at, [node.name for node in program.inputs], program=program, required=unvalued(program))
    resolved: dict[str, float] = {}
    for position, node in enumerate(program.inputs):
        if node.name in point:
            resolved[node.name] = point[node.name]
        elif node.value is not None:
            resolved[node.name] = float(node.value)
        else:
            resolved[node.name] = default_value(position)
    return resolved


def unvalued(program: Program) -> list[str]:
    """The inputs with no value of their own (a point must give them, or the default point does)."""
    return [node.name for node in program.inputs if node.value is None]
