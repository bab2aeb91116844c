"""A bare expression as a Program: ``x*y*(exp(y) + sin(x*y + x))``.

Free names are inputs (in order of first appearance), except ``e`` and
``pi``, which are the constants; each operation is a node z1, z2, ... in
evaluation order, the last one the output.
"""

from __future__ import annotations

import ast
from typing import Optional, cast

from symcheck.errors import InputError
from symcheck.ir import INPUT, Node, Operand, Program, SourceLocation
from symcheck.parse.claim import RESERVED_IN_CLAIMS
from symcheck.parse.locate import BYTE_ORDER_MARK, Locator, text_lines
from symcheck.parse.lowering import FreshNames, Lowering
from symcheck.parse.prescan import prescan
from symcheck.parse.program import statement_error
from symcheck.parse.syntax import CONSTANTS, check_size, names_in, parse_python


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

    def resolve(name: ast.Name) -> Operand:
        if name.id in CONSTANTS:
            return CONSTANTS[name.id]
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


