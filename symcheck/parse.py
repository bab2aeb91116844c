"""Reading user text safely: bare expressions, staged programs, ``--at`` points, targets.

Two text forms become a `Program`:

- a bare expression, ``x*y*(exp(y) + sin(x*y + x))``: free names are inputs
  (in order of first appearance), each operation a node z1, z2, ... in
  evaluation order, the last one the output;
- a staged program (DESIGN.md): ``name = expression`` per line; a name bound
  to a bare number is an input with that default; the last assignment is the
  output; ``# claim: ...`` lines hold claims.

Text is parsed with `ast` and a whitelist (`symcheck.syntax`), never
evaluated. Every mistake is an `InputError` with file:line:col and a fix.

>>> parse_expression("x * sin(y)").names
('x', 'y', 'z1', 'z2')
"""

from __future__ import annotations

import ast
import math
import os
import re
from pathlib import Path
from typing import Optional, cast

from symcheck.claim_ast import BinOp, Call, ClaimEquation, Derivative, GradBefore, Neg, Num, Ref
from symcheck.claim_syntax import RESERVED_IN_CLAIMS, parse_claim
from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Program, SourceLocation
from symcheck.locate import BYTE_ORDER_MARK, Locator, text_lines
from symcheck.lowering import FreshNames, Lowering
from symcheck.prescan import prescan, tokens
from symcheck.program_text import parse_program, statement_error
from symcheck.suggest import did_you_mean, join_hints, listing
from symcheck.syntax import check_size, names_in, parse_python

__all__ = [
    "parse_expression", "parse_program", "parse_claim", "parse_point", "load_target",
    "ClaimEquation", "Num", "Ref", "BinOp", "Neg", "Call", "Derivative", "GradBefore",
]


def parse_expression(text: str, *, source: str = "<expression>") -> Program:
    """A bare expression as a Program: inputs (value None) first, then z1, z2, ... in evaluation order.

    >>> [(n.name, n.op, n.inputs) for n in parse_expression("x**2 + x").nodes]
    [('x', 'input', ()), ('z1', 'pow', ('x', 2.0)), ('z2', 'add', ('z1', 'x'))]
    """
    text = text.removeprefix(BYTE_ORDER_MARK)
    check_size(text, Locator(source, text_lines(text)))
    body, locator = _single_line(text, source)
    if not body.strip():
        raise locator.error("the expression is empty", 1, 0, hint="write e.g. x*y + sin(x)")
    prescan(body, locator)
    try:
        tree = cast(ast.Expression, parse_python(body, locator, "eval"))
    except InputError as error:
        raise _as_statement(body, locator) or error from None
    inputs: dict[str, Node] = {}
    variables = _variable_names(tree)

    def resolve(name: ast.Name) -> str:
        if name.id in RESERVED_IN_CLAIMS:
            raise locator.node_error(f"'{name.id}' cannot name an input", name,
                                     hint=f"rename it; in claims '{name.id}' has its own meaning")
        if name.id not in inputs:
            inputs[name.id] = Node(name.id, INPUT, (), None, location=locator.node_location(name))
        return name.id

    lowering = Lowering(locator, FreshNames(names_in(tree)), resolve, variables.__contains__)
    result = lowering.lower(tree.body)
    if not inputs:
        raise locator.error("the expression has no variables, so there is nothing to differentiate",
                            1, 0, hint="use a name such as x, e.g. x**2", width=len(body))
    if isinstance(result, str) and result in inputs:
        lowering.add(lowering.fresh(), "id", (result,), tree.body)
    return Program(tuple(inputs.values()) + tuple(lowering.nodes), lowering.nodes[-1].name, (), text)


def _as_statement(body: str, locator: Locator) -> Optional[InputError]:
    """When `body` is not an expression but a Python statement (``import os``), the error naming it."""
    try:
        module = ast.parse(body, mode="exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    if not module.body or isinstance(module.body[0], ast.Expr):
        return None
    statement = module.body[0]
    if isinstance(statement, ast.Assign):
        return locator.node_error("an expression has no assignments", statement,
                                  hint="write a staged program (one 'name = expression' per line) or the "
                                       "expression alone")
    return statement_error(statement, locator)


def _single_line(text: str, source: str) -> tuple[str, Locator]:
    """The text to parse and its locator: a one-line expression loses its surrounding blanks.

    (``ast`` rejects leading spaces as an indent; the locator keeps columns
    pointing into the line as typed.)
    """
    lines = text_lines(text)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) != 1:
        return text, Locator(source, lines)
    line = lines[filled[0]]
    lead = len(line) - len(line.lstrip())
    body = line.strip()
    base = SourceLocation(source, filled[0] + 1, 1, line)
    return body, Locator(source, [body], base=base, colmap=range(lead, lead + len(body)))


def _variable_names(tree: ast.AST) -> set[str]:
    """Names used as values (not only called), to tell ``x(y)`` from ``sine(y)``."""
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in called}


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


_FILE_SUFFIX = re.compile(r"\.[A-Za-z]\w*$")


def load_target(target: str, *, at: Optional[dict[str, float]] = None) -> Program:
    """The CLI's TARGET as a Program, with `at` applied to its inputs.

    TARGET is tried as a built-in problem's name (`problems.PROGRAMS`), then
    an existing file (a staged program), then text: a staged program if it
    has an assignment or several lines, else a bare expression. Something
    that looks like a path but does not exist is "no such file".
    """
    program = _load(target)
    return apply_point(program, at) if at else program


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


def _load(target: str) -> Program:
    problems = _builtin_programs()
    if target in problems:
        path = Path(problems[target])
        return parse_program(_read(path), source=_shown_path(path))
    if os.path.isfile(target):
        return parse_program(_read(Path(target)), source=target)
    if _looks_like_path(target):
        known = ", ".join(problems) or "none"
        raise InputError(f"no such file: '{target}'",
                         hint=f"give an existing program file, a built-in problem ({known}), or an expression")
    if "\n" in target.strip() or _has_assignment(target):
        return parse_program(target, source="<program>")
    return parse_expression(target)


def _builtin_programs() -> dict[str, object]:
    """`problems.PROGRAMS` when the problems package is importable, else nothing."""
    try:
        import problems  # imported lazily: only targets need it
    except ImportError:
        return {}
    programs = getattr(problems, "PROGRAMS", None)
    return dict(programs) if isinstance(programs, dict) else {}


def _shown_path(path: Path) -> str:
    """The path as errors show it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark is not program text
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read '{path}': {error}", hint="check the file's path and that it is UTF-8 text") from None


def _looks_like_path(target: str) -> bool:
    text = target.strip()
    if not text or "\n" in text:
        return False
    if _FILE_SUFFIX.search(text) or text.startswith(("/", "./", "../", "~")) or "\\" in text:
        return True
    first = text.split("/")[0]
    return "/" in text and bool(first) and os.path.isdir(first)


def _has_assignment(text: str) -> bool:
    """A lone ``=`` outside brackets: the text is a program, not an expression.

    ``==``, ``<=``, ``:=`` are other tokens, and an ``=`` inside brackets is a
    keyword argument (``sin(x, y=2)``, ``grad(x, before=y)``): those texts are
    expressions, so their errors speak of expressions.
    """
    depth = 0
    for token in tokens(text):
        if token.kind != "op":
            continue
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            depth = max(0, depth - 1)
        elif token.text == "=" and depth == 0:
            return True
    return False
