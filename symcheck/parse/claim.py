"""The claim language: parsing ``D(f, z4) == D(f, z5) * D(z5, z4)`` into `symcheck.claim_ast`.

A claim is ``lhs == rhs`` over a program's graph: node names (``f`` is the
output), numbers, ``+ - * / **``, unary minus, the op table's functions,
``D(a, b)`` and ``grad(b, before=c)``. The sugar ``∂f/∂z4``, ``df/dz4`` and
``d f / d z4`` is rewritten to ``D(f, z4)`` before parsing, with a column map
so errors still point into the text as typed.
"""

from __future__ import annotations

import ast
import re
from typing import Optional, Sequence

from symcheck import ops
from symcheck.parse.claim_ast import BinOp, Call, ClaimEquation, ClaimExpr, Derivative, GradBefore, Neg, Num, Ref
from symcheck.ir import Program, SourceLocation
from symcheck.parse.locate import Locator
from symcheck.parse.prescan import prescan
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.parse.syntax import (
    BINARY_SYMBOLS,
    bad_operator,
    call_shape,
    check_divisor,
    check_exponent,
    check_size,
    number,
    parse_python,
    unsupported,
)

RESERVED_IN_CLAIMS = frozenset({"f", "D", "grad"})
"""Names with a meaning of their own in claims: the output, and the two derivative forms."""

MAX_CLAIM_CHARS = 10_000
"""Longest claim accepted (characters)."""

_NAME = r"[^\W\d]\w*"
_SUGAR = re.compile(
    rf"∂\s*(?P<a>{_NAME})\s*/\s*∂\s*(?P<b>{_NAME})"
    rf"|(?<![\w.])d(?P<space>\s*)(?P<c>{_NAME})\s*/\s*d\s*(?P<d>{_NAME})"
)
_COMPARISONS = {ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_EXAMPLE = "e.g. D(f, z4) == D(f, z5) * D(z5, z4)"


def parse_claim(text: str, program: Program, *, location: Optional[SourceLocation] = None) -> ClaimEquation:
    """Parse `text` as a claim about `program`; names are checked and ``f`` becomes the output's name.

    `location` is where the claim's first character stands (a ``# claim:``
    line); errors point into that line. Without it the claim is "<claim>".

    >>> from symcheck.parse import parse_program
    >>> program = parse_program("x = 1.0\\nz1 = sin(x)\\nz2 = z1 * x")
    >>> parse_claim("df/dz1 == x", program).lhs
    Derivative(of='z2', wrt='z1')
    """
    base = location or SourceLocation("<claim>", 1, 1, text)
    plain = Locator(base.file, [text], base=base, colmap=range(len(text)))
    check_size(text, plain, limit=MAX_CLAIM_CHARS)
    if "\n" in text or "\r" in text:
        raise plain.error("a claim is one line", 1, text.find("\n") if "\n" in text else text.find("\r"),
                          hint="write the claim on a single line")
    rewritten, colmap = desugar(text, program)
    locator = Locator(base.file, [rewritten], base=base, colmap=colmap)
    if not rewritten:
        raise locator.error("the claim is empty", 1, 0, hint=_EXAMPLE)
    prescan(rewritten, locator, claim=True)
    tree = parse_python(rewritten, locator, "eval")
    lhs, rhs = _sides(tree.body, locator)  # type: ignore[attr-defined]
    convert = _Converter(program, locator)
    try:
        return ClaimEquation(convert(lhs), convert(rhs), text, base)
    except RecursionError:
        raise locator.error("the claim is nested too deeply", 1, 0, hint="split it into simpler claims") from None


def desugar(text: str, program: Program) -> tuple[str, list[int]]:
    """Rewrite ``∂a/∂b``, ``da/db`` and ``d a / d b`` to ``D(a, b)``; strip surrounding blanks.

    Returns the new text and, for each of its characters, the column (0-based)
    in `text` it came from. ``dx/dy`` stays a division when ``dx`` or ``dy`` is
    itself a node of the program.
    """
    out: list[str] = []
    cols: list[int] = []

    def emit(chars: str, at: Sequence[int]) -> None:
        out.extend(chars)
        cols.extend(at)

    position = 0
    for match in _SUGAR.finditer(text):
        of, wrt = ("a", "b") if match.group("a") else ("c", "d")
        if of == "c" and not match.group("space") and (
            "d" + match.group("c") in program or "d" + match.group("d") in program
        ):
            continue
        emit(text[position : match.start()], range(position, match.start()))
        slash = text.index("/", match.end(of))
        emit("D(", [match.start()] * 2)
        emit(match.group(of), range(match.start(of), match.end(of)))
        emit(", ", [slash] * 2)
        emit(match.group(wrt), range(match.start(wrt), match.end(wrt)))
        emit(")", [match.end() - 1])
        position = match.end()
    emit(text[position:], range(position, len(text)))
    rewritten = "".join(out)
    lead = len(rewritten) - len(rewritten.lstrip())
    kept = len(rewritten.strip())
    return rewritten.strip(), cols[lead : lead + kept]


def _sides(body: ast.expr, locator: Locator) -> tuple[ast.expr, ast.expr]:
    if not isinstance(body, ast.Compare):
        raise locator.node_error("a claim needs '==' between two sides", body, hint=f"write LHS == RHS, {_EXAMPLE}")
    if len(body.ops) != 1:
        raise locator.node_error("a claim compares exactly two sides", body,
                                 hint="write one '==' per claim; split chains into several claims")
    if not isinstance(body.ops[0], ast.Eq):
        symbol = _COMPARISONS.get(type(body.ops[0]), "?")
        raise locator.node_error(f"claims compare with '==', not '{symbol}'", body, hint=_EXAMPLE)
    return body.left, body.comparators[0]


class _Converter:
    """Python `ast` of one side of a claim → `claim_ast`, names resolved against the program."""

    def __init__(self, program: Program, locator: Locator) -> None:
        self.program = program
        self.locator = locator

    def __call__(self, node: ast.expr) -> ClaimExpr:
        if isinstance(node, ast.Constant):
            line, col0, width = self.locator.node_position(node)
            return Num(number(node, self.locator), self.locator.line_text(line)[col0 : col0 + width])
        if isinstance(node, ast.Name):
            return Ref(self._value_name(node))
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise unsupported(node, self.locator)

    def _unary(self, node: ast.UnaryOp) -> ClaimExpr:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise bad_operator(node.op, node, self.locator)
        operand = self(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        return Num(-operand.value, operand.written) if isinstance(operand, Num) else Neg(operand)

    def _binary(self, node: ast.BinOp) -> ClaimExpr:
        symbol = BINARY_SYMBOLS.get(type(node.op))
        if symbol is None:
            raise bad_operator(node.op, node, self.locator)
        left, right = self(node.left), self(node.right)
        if symbol == "**" and isinstance(right, Num):
            check_exponent(right.value, node.right, self.locator)
        if symbol == "/" and isinstance(right, Num):
            check_divisor(right.value, node.right, self.locator)
        return BinOp(symbol, left, right)

    def _call(self, node: ast.Call) -> ClaimExpr:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "D":
            return self._derivative(node)
        if isinstance(func, ast.Name) and func.id == "grad":
            return self._grad_before(node)
        shape = call_shape(node, self.locator, is_variable=self._is_node, extra_functions=("D", "grad"))
        return Call(shape.op, tuple(self(arg) for arg in shape.args), shape.index)

    def _derivative(self, node: ast.Call) -> Derivative:
        usage = "write D(of, wrt) with two node names, e.g. D(f, z4)"
        if node.keywords:
            raise self.locator.node_error("D() takes no keyword arguments", node.keywords[0], hint=usage)
        if len(node.args) != 2:
            raise self.locator.node_error(f"D() takes two node names, got {len(node.args)} arguments", node,
                                          hint=usage)
        of, wrt = (self._node_argument(arg, "D") for arg in node.args)
        return Derivative(of, wrt)

    def _grad_before(self, node: ast.Call) -> GradBefore:
        usage = "write grad(b, before=c): b.grad right before c._backward() runs"
        if len(node.args) != 1:
            raise self.locator.node_error(f"grad() takes one node name and before=, got {len(node.args)} "
                                          "positional arguments", node, hint=usage)
        before = [k for k in node.keywords if k.arg == "before"]
        for keyword in node.keywords:
            if keyword.arg != "before":
                raise self.locator.node_error(f"grad() has no argument '{keyword.arg}'", keyword, hint=usage)
        if len(before) != 1:
            raise self.locator.node_error("grad() needs before=<node>", node, hint=usage)
        return GradBefore(self._node_argument(node.args[0], "grad"), self._node_argument(before[0].value, "grad"))

    def _node_argument(self, arg: ast.expr, func: str) -> str:
        if not isinstance(arg, ast.Name):
            raise self.locator.node_error(f"{func}() takes node names, not expressions", arg,
                                          hint="name the subexpression in the program and use that name")
        return self._resolve(arg)

    def _value_name(self, node: ast.Name) -> str:
        if node.id in ops.OPS or node.id in ("D", "grad"):
            example = "D(f, z4)" if node.id == "D" else "grad(z3, before=z4)" if node.id == "grad" else f"{node.id}(x)"
            raise self.locator.node_error(f"'{node.id}' is a function, not a value", node, hint=f"call it, e.g. {example}")
        return self._resolve(node)

    def _resolve(self, node: ast.Name) -> str:
        name = node.id
        if name == "f":
            return self.program.output
        if name in self.program:
            return name
        names = list(self.program.names)
        hint = join_hints(did_you_mean(name, names + ["f"]), f"nodes: {listing(names)} (f is {self.program.output})")
        raise self.locator.node_error(f"unknown node '{name}'", node, hint=hint)

    def _is_node(self, name: str) -> bool:
        return name == "f" or name in self.program
