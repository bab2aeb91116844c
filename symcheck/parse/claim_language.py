"""The claim language: parsing ``D(f, z4) == D(f, z5) * D(z5, z4)`` into `symcheck.parse.claim_ast`.

A claim is ``lhs == rhs`` over a program's graph: node names (``f`` is the
output), numbers, ``+ - * / **`` (also ``·`` and ``×``), unary minus, the op
table's functions, ``D(a, b)`` (along every path), ``local(a, b)`` (the local
partial of a's op) and ``grad(b, before=c)``. ``lhs ≈ rhs`` is a value
relation, judged at the point to the digits written.

Textbook partials ``∂a/∂b``, ``da/db`` and ``d a / d b`` are read as a
handout means them (`textbook_reading`) and rewritten before parsing, with a
column map so errors still point into the text as typed. (A claim holding a
backslash is LaTeX, read by `symcheck.parse.latex`; `symcheck.parse.claim`
chooses.)
"""

from __future__ import annotations

import ast
import re
from typing import Optional, Sequence

from symcheck import ops
from symcheck.parse.claim_ast import (
    ADJOINT,
    EVERY_PATH,
    LOCAL,
    BinOp,
    Call,
    ClaimEquation,
    ClaimExpr,
    Derivative,
    GradBefore,
    LocalPartial,
    Neg,
    Num,
    Reading,
    Ref,
)
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

RESERVED_IN_CLAIMS = frozenset({"f", "D", "grad", "local"})
"""Names with a meaning of their own in claims: the output, and the three derivative forms."""

MAX_CLAIM_CHARS = 10_000
"""Longest claim accepted (characters)."""

APPROX = "≈"
"""The value relation: ``D(f, x) ≈ 0.507`` is judged at the point, to the digits written."""

_NAME = r"[^\W\d]\w*"
_SUGAR = re.compile(
    rf"∂\s*(?P<a>{_NAME})\s*/\s*∂\s*(?P<b>{_NAME})"
    rf"|(?<![\w.])d(?P<space>\s*)(?P<c>{_NAME})\s*/\s*d\s*(?P<d>{_NAME})"
)
_PRODUCT_SIGNS = {"·": "*", "×": "*", "⋅": "*", "−": "-"}
"""Signs a trace line or a handout prints, read as the claim language's operators."""
_COMPARISONS = {ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_EXAMPLE = "e.g. D(f, z4) == D(f, z5) * D(z5, z4)"


def textbook_reading(of: str, wrt: str, program: Program) -> str:
    """How the textbook's ∂of/∂wrt reads on `program`: `ADJOINT`, `LOCAL` or `EVERY_PATH`.

    ``∂f/∂b`` (f written as ``f``) is b's adjoint; where wrt is a direct
    operand of of, the local partial of of's op (of's other operands held
    fixed: in the homework ∂z8/∂z3 = z7); otherwise the derivative along every
    path, ``D(of, wrt)``.

    >>> from symcheck.parse import parse_program
    >>> program = parse_program("x = 1.0\\nz1 = x * x\\nz2 = z1 * x")
    >>> [textbook_reading(a, b, program) for a, b in (("f", "x"), ("z2", "x"), ("z2", "z1"), ("z1", "z2"))]
    ['adjoint', 'local', 'local', 'every path']
    """
    if of == "f" and ("f" not in program or program.output == "f"):
        return ADJOINT
    if of in program and wrt in program and wrt in program.node(of).inputs:
        return LOCAL
    return EVERY_PATH


def parse_claim_language(text: str, program: Program, *, location: Optional[SourceLocation] = None) -> ClaimEquation:
    """Parse `text`, in the claim language, as a claim about `program`; names are checked against it.

    `location` is where the claim's first character stands (a ``# claim:``
    line); errors point into that line. Without it the claim is "<claim>".

    >>> from symcheck.parse import parse_program
    >>> program = parse_program("x = 1.0\\nz1 = sin(x)\\nz2 = z1 * x")
    >>> parse_claim_language("dz2/dz1 == x", program).lhs
    LocalPartial(of='z2', wrt='z1')
    >>> parse_claim_language("df/dz1 == x", program).lhs
    Derivative(of='f', wrt='z1')
    """
    base = location or SourceLocation("<claim>", 1, 1, text)
    check_claim_text(text, base)
    rewritten, colmap = desugar(text, program)
    locator = Locator(base.file, [rewritten], base=base, colmap=colmap)
    if not rewritten:
        raise locator.error("the claim is empty", 1, 0, hint=_EXAMPLE)
    convert = _Converter(program, locator, text)
    approx = _top_level(rewritten, APPROX)
    try:
        if approx is None:
            prescan(rewritten, locator, claim=True)
            tree = parse_python(rewritten, locator, "eval")
            lhs, rhs = _sides(tree.body, locator)  # type: ignore[attr-defined]
            sides = convert(lhs), convert(rhs)
        else:
            sides = _approx_sides(rewritten, colmap, approx, base, convert)
    except RecursionError:
        raise locator.error("the claim is nested too deeply", 1, 0, hint="split it into simpler claims") from None
    return ClaimEquation(sides[0], sides[1], text, base, relation="≈" if approx is not None else "==",
                         readings=tuple(convert.readings))


def check_claim_text(text: str, base: SourceLocation) -> None:
    """A claim's size and shape before any parsing: at most `MAX_CLAIM_CHARS` characters, one line."""
    plain = Locator(base.file, [text], base=base, colmap=range(len(text)))
    check_size(text, plain, limit=MAX_CLAIM_CHARS)
    if "\n" in text or "\r" in text:
        raise plain.error("a claim is one line", 1, text.find("\n") if "\n" in text else text.find("\r"),
                          hint="write the claim on a single line")


def parse_side(text: str, program: Program, *, location: Optional[SourceLocation] = None) -> ClaimExpr:
    """One side of a claim, e.g. a ``# question:`` line's quantity ``grad(z3, before=z4)``."""
    base = location or SourceLocation("<quantity>", 1, 1, text)
    rewritten, colmap = desugar(text, program)
    locator = Locator(base.file, [rewritten], base=base, colmap=colmap)
    if not rewritten:
        raise locator.error("the quantity is empty", 1, 0, hint="e.g. D(f, z4) or grad(z3, before=z4)")
    prescan(rewritten, locator, claim=True)
    tree = parse_python(rewritten, locator, "eval")
    body = tree.body  # type: ignore[attr-defined]
    if isinstance(body, ast.Compare):
        raise locator.node_error("a quantity is one side, without '=='", body,
                                 hint="write what the answer must equal, e.g. D(f, z4)")
    return _Converter(program, locator, text)(body)


def _top_level(text: str, sign: str) -> Optional[int]:
    """The position of `sign` outside brackets, or None."""
    depth = 0
    for position, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == sign and depth == 0:
            return position
    return None


def _approx_sides(text: str, colmap: Sequence[int], at: int, base: SourceLocation,
                  convert: "_Converter") -> tuple[ClaimExpr, ClaimExpr]:
    """``lhs ≈ rhs``: each side parsed on its own, errors still pointing into the claim as typed."""
    sides = []
    for start, end in ((0, at), (at + 1, len(text))):
        part = text[start:end]
        lead = len(part) - len(part.lstrip())
        piece, cols = part.strip(), list(colmap[start + lead : start + lead + len(part.strip())])
        locator = Locator(base.file, [piece], base=base, colmap=cols or [colmap[min(start, len(colmap) - 1)]])
        if not piece:
            raise locator.error(f"'{APPROX}' needs a side on its left and on its right", 1, 0,
                                hint="e.g. D(f, x) ≈ 0.507")
        if APPROX in piece:
            raise locator.error("a claim compares exactly two sides", 1, piece.index(APPROX),
                                hint="write one relation per claim")
        prescan(piece, locator, claim=True)
        body = parse_python(piece, locator, "eval").body  # type: ignore[attr-defined]
        if isinstance(body, ast.Compare):
            raise locator.node_error("a claim compares exactly two sides", body, hint="write one relation per claim")
        convert.locator = locator
        sides.append(convert(body))
    return sides[0], sides[1]


def desugar(text: str, program: Program) -> tuple[str, list[int]]:
    """Rewrite ``∂a/∂b``, ``da/db`` and ``d a / d b`` as `textbook_reading` reads them; strip blanks.

    ``∂f/∂b`` becomes ``D(f, b)``, ``∂a/∂b`` between direct neighbours
    ``local(a, b)``, any other ``D(a, b)``; ``·`` and ``×`` become ``*``.
    Returns the new text and, for each of its characters, the column (0-based)
    in `text` it came from. ``dx/dy`` stays a division when ``dx`` or ``dy`` is
    itself a node of the program.
    """
    out: list[str] = []
    cols: list[int] = []

    def emit(chars: str, at: Sequence[int]) -> None:
        out.extend(_PRODUCT_SIGNS.get(char, char) for char in chars)
        cols.extend(at)

    position = 0
    for match in _SUGAR.finditer(text):
        of, wrt = ("a", "b") if match.group("a") else ("c", "d")
        if of == "c" and not match.group("space") and (
            "d" + match.group("c") in program or "d" + match.group("d") in program
        ):
            continue
        emit(text[position : match.start()], range(position, match.start()))
        function = {ADJOINT: "D", LOCAL: "local", EVERY_PATH: "D"}[
            textbook_reading(match.group(of), match.group(wrt), program)]
        slash = text.index("/", match.end(of))
        emit(f"{function}(", [match.start()] * (len(function) + 1))
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
        raise locator.node_error(f"claims compare with '==' (or '≈' for a value), not '{symbol}'", body,
                                 hint=_EXAMPLE)
    return body.left, body.comparators[0]


class _Converter:
    """Python `ast` of one side of a claim → `claim_ast`, names checked against the program.

    ``f`` stays ``f`` (the evaluator reads it as the output), so a verdict
    quotes the claim as typed. Each partial's reading is kept in `readings`.
    """

    def __init__(self, program: Program, locator: Locator, original: str) -> None:
        self.program = program
        self.locator = locator
        self.original = original
        self.readings: list[Reading] = []

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
        if isinstance(func, ast.Name) and func.id in ("D", "local"):
            return self._partial(node, func.id)
        if isinstance(func, ast.Name) and func.id == "grad":
            return self._grad_before(node)
        shape = call_shape(node, self.locator, is_variable=self._is_node, extra_functions=("D", "grad", "local"))
        return Call(shape.op, tuple(self(arg) for arg in shape.args), shape.index)

    def _partial(self, node: ast.Call, func: str) -> ClaimExpr:
        usage = f"write {func}(of, wrt) with two node names, e.g. {func}(f, z4)" if func == "D" else \
            "write local(of, wrt): the local partial of of's op in its operand wrt, e.g. local(z8, z3)"
        if node.keywords:
            raise self.locator.node_error(f"{func}() takes no keyword arguments", node.keywords[0], hint=usage)
        if len(node.args) != 2:
            raise self.locator.node_error(f"{func}() takes two node names, got {len(node.args)} arguments", node,
                                          hint=usage)
        of, wrt = (self._node_argument(arg, func) for arg in node.args)
        written = self._written(node)
        if func == "D":
            self.readings.append(Reading(written, ADJOINT if of == "f" else EVERY_PATH, of, wrt))
            return Derivative(of, wrt)
        self._check_operand(of, wrt, node)
        self.readings.append(Reading(written, LOCAL, of, wrt))
        return LocalPartial(of, wrt)

    def _check_operand(self, of: str, wrt: str, node: ast.Call) -> None:
        name = self.program.output if of == "f" else of
        spec = self.program.node(name)
        if spec.is_input:
            raise self.locator.node_error(f"{name} is an input: it has no op, so no local partial", node,
                                          hint=f"D({of}, {wrt}) is the derivative along every path")
        if wrt not in spec.inputs:
            operands = ", ".join(str(o) for o in spec.inputs)
            raise self.locator.node_error(
                f"{wrt} is not an operand of {name} = {spec.op}({operands})", node,
                hint=f"a local partial is taken in an operand; D({of}, {wrt}) is the derivative along every path")

    def _written(self, node: ast.AST) -> str:
        """The text the user typed for `node` (``∂z8/∂z3`` for what became ``local(z8, z3)``)."""
        _, col0, width = self.locator.node_position(node)
        start, end = self.locator._original(col0), self.locator._original(col0 + width - 1)
        return self.original[start : end + 1]

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
        if node.id in ops.OPS or node.id in ("D", "grad", "local"):
            examples = {"D": "D(f, z4)", "grad": "grad(z3, before=z4)", "local": "local(z8, z3)"}
            example = examples.get(node.id, f"{node.id}(x)")
            raise self.locator.node_error(f"'{node.id}' is a function, not a value", node, hint=f"call it, e.g. {example}")
        return self._resolve(node)

    def _resolve(self, node: ast.Name) -> str:
        name = node.id
        if name == "f" or name in self.program:
            return name
        names = list(self.program.names)
        hint = join_hints(did_you_mean(name, names + ["f"]), f"nodes: {listing(names)} (f is {self.program.output})")
        raise self.locator.node_error(f"unknown node '{name}'", node, hint=hint)

    def _is_node(self, name: str) -> bool:
        return name == "f" or name in self.program
