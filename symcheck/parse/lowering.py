"""From a checked expression's `ast` to IR nodes, one node per operation.

Each operation becomes a `Node` in evaluation order (Python's: left operand,
right operand, then the operation; call arguments left to right). The
operation at the root of a program line takes the assigned name; every other
one gets a generated name from `FreshNames`. Constants stay float operands,
and a unary minus on a number is folded into it (``x * -2`` multiplies by
-2.0). The walk uses an explicit stack, so long chains do not recurse.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Optional

from symcheck import ops
from symcheck.ir import Node, Operand
from symcheck.parse.locate import Locator
from symcheck.parse.syntax import (
    BINARY_OPS,
    BINARY_SYMBOLS,
    bad_operator,
    call_shape,
    check_divisor,
    check_exponent,
    number,
    operator_position,
    unsupported,
)

_Z_NUMBER = re.compile(r"z(\d{1,18})")


class FreshNames:
    """Generated node names.

    In a bare expression they are z<k>, k continuing after the largest
    z-number the user wrote (z1, z2, …). Inside a staged program's line
    (`stem` set to the line's name) they are derived from that name, so a
    student recognises them: ``loss = 0.5*err**2`` computes ``err**2`` as
    ``loss_1``. No generated name equals any name in `taken`.
    """

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        numbers = (int(m.group(1)) for name in self.taken if (m := _Z_NUMBER.fullmatch(name)))
        self.next = max(numbers, default=0) + 1
        self.stem: Optional[str] = None
        self._per_stem: dict[str, int] = {}

    def __call__(self) -> str:
        if self.stem is not None:
            return self._derived(self.stem)
        while f"z{self.next}" in self.taken:
            self.next += 1
        name = f"z{self.next}"
        self.taken.add(name)
        self.next += 1
        return name

    def _derived(self, stem: str) -> str:
        count = self._per_stem.get(stem, 0) + 1
        while f"{stem}_{count}" in self.taken:
            count += 1
        self._per_stem[stem] = count
        name = f"{stem}_{count}"
        self.taken.add(name)
        return name


class _Shape(NamedTuple):
    """One syntax node, checked: its kind, its child expressions in evaluation order, and a detail
    (a number's value, a name, whether a unary op negates, a binary op's name, a call's shape)."""

    kind: str
    children: tuple[ast.expr, ...]
    extra: Any


Resolve = Callable[[ast.Name], Operand]
"""Maps a name used in an expression to a node name (or a constant's value: ``pi``), or raises InputError."""


@dataclass
class Lowering:
    """Appends the nodes of expressions to `nodes`.

    `resolve` checks a name where it is used (defined? defined earlier?);
    `is_variable` tells user names from misspelt functions in ``x(...)``.
    """

    locator: Locator
    fresh: FreshNames
    resolve: Resolve
    is_variable: Callable[[str], bool]
    nodes: list[Node] = field(default_factory=list)

    def lower(self, expr: ast.expr, target: Optional[str] = None) -> Operand:
        """Lower `expr`; its root operation is named `target` (or a fresh name).

        Returns the operand that holds the expression's value: a node name, or
        a float when the expression is a number.
        """
        root = _strip_plus(expr)
        values: list[Operand] = []
        stack: list[tuple[ast.expr, Optional[_Shape]]] = [(expr, None)]
        while stack:
            node, shape = stack.pop()
            if shape is None:
                shape = self._expand(node)
                stack.append((node, shape))
                stack.extend((child, None) for child in reversed(shape.children))
                continue
            count = len(shape.children)
            operands = values[len(values) - count :] if count else []
            del values[len(values) - count :]
            name = target if (node is root and target is not None) else None
            values.append(self._finish(node, shape, operands, name))
        return values[-1]

    def add(self, name: str, op: str, inputs: tuple[Operand, ...], at: ast.AST, index: Optional[int] = None,
            *, generated: bool = False) -> str:
        """Append one node and return its name (located at its operator, or its function's name)."""
        if isinstance(at, ast.BinOp):
            location = self.locator.at(*operator_position(at, BINARY_SYMBOLS[type(at.op)], self.locator))
        else:
            location = self.locator.node_location(at)
        self.nodes.append(Node(name, op, inputs, None, index, None, location, generated))
        return name

    def _expand(self, node: ast.expr) -> _Shape:
        """The shape of one whitelisted syntax node; anything else is an InputError."""
        if isinstance(node, ast.Constant):
            return _Shape("number", (), number(node, self.locator))
        if isinstance(node, ast.Name):
            return _Shape("name", (), self._name(node))
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise bad_operator(node.op, node, self.locator)
            return _Shape("unary", (node.operand,), isinstance(node.op, ast.USub))
        if isinstance(node, ast.BinOp):
            if type(node.op) not in BINARY_OPS:
                raise bad_operator(node.op, node, self.locator)
            return _Shape("binary", (node.left, node.right), BINARY_OPS[type(node.op)])
        if isinstance(node, ast.Call):
            shape = call_shape(node, self.locator, is_variable=self.is_variable)
            return _Shape("call", shape.args, shape)
        raise unsupported(node, self.locator)

    def _name(self, node: ast.Name) -> Operand:
        if node.id in ops.OPS:
            raise self.locator.node_error(f"'{node.id}' is a function, not a value", node,
                                          hint=f"call it, e.g. {node.id}(x)")
        return self.resolve(node)

    def _finish(self, node: ast.expr, shape: _Shape, operands: list[Operand], name: Optional[str]) -> Operand:
        kind, _, extra = shape
        if kind in ("number", "name"):
            return extra
        if kind == "unary":
            (operand,) = operands
            if not extra:
                return operand
            if isinstance(operand, float):
                return -operand
            return self.add(name or self.fresh(), "neg", (operand,), node, generated=name is None)
        if kind == "binary":
            if extra == "pow" and isinstance(operands[1], float):
                check_exponent(operands[1], node.right, self.locator)  # type: ignore[attr-defined]
            if extra == "div" and operands[1] == 0.0:
                check_divisor(0.0, node.right, self.locator)  # type: ignore[attr-defined]
            return self.add(name or self.fresh(), extra, tuple(operands), node, generated=name is None)
        return self.add(name or self.fresh(), extra.op, tuple(operands), node, extra.index, generated=name is None)


def _strip_plus(expr: ast.expr) -> ast.expr:
    """The expression under any unary pluses (``+(a*b)`` is named like ``a*b``)."""
    while isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.UAdd):
        expr = expr.operand
    return expr

