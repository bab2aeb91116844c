"""A claim's syntax tree (`symcheck.parse.claim_ast`) as sympy over node symbols.

* a node name is its symbol, ``f`` the output's;
* ``D(a, b)`` is `SymbolicGraph.derivative` (every path from b to a);
* ``local(a, b)`` is `SymbolicGraph.local_partial` (a's op in its operand b);
* ``grad(b, before=c)`` is the partial sum in b.grad right before c's step
  (`symcheck.symbolic.ledger.GradLedger.arrived`);
* a function is the op table's forward expression.

Arithmetic on written numbers is exact, so a claim such as
``f == ((10**1000)**1000)**1000`` would have sympy compute a billion-digit
integer inside C, where no time limit reaches. Constants are therefore
measured by their logarithm before they are computed: one beyond
`MAX_CONSTANT_DIGITS` digits, or a power beyond `MAX_EXPONENT`, is refused
as too large, naming where it stands in the claim.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import sympy
from sympy import Expr

from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.ops import OPS
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.parse.syntax import MAX_EXPONENT
from symcheck.parse.writeback import claim_text
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger
from symcheck.symbolic.opkind import exact_number

MAX_CONSTANT_DIGITS = 4000
"""Largest constant (in decimal digits of its magnitude, either way) a claim may compute exactly: far past
any float (about 10^±308), and cheap for sympy."""


class ClaimTranslator:
    """Turns a claim's AST (from `symcheck.parse.parse_claim`) into sympy over node symbols."""

    def __init__(self, program: Program, graph: SymbolicGraph, ledger: GradLedger,
                 location: Optional[SourceLocation] = None) -> None:
        self.program, self.graph, self.ledger = program, graph, ledger
        self.location = location

    def to_sympy(self, node: Any) -> Expr:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"claim syntax node {type(node).__name__} is not understood")
        return method(node)

    def _Num(self, node: Any) -> Expr:
        return exact_number(float(node.value))

    def _Ref(self, node: Any) -> Expr:
        return self.graph.symbol(self._name(node.name))

    def _BinOp(self, node: Any) -> Expr:
        left, right = self.to_sympy(node.left), self.to_sympy(node.right)
        if left.is_Number and right.is_Number or node.op == "**" and right.is_Number:
            self._check_constant(node, left, right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if node.op == "/":
            return left / right
        if node.op == "**":
            return left**right
        raise TypeError(f"operator {node.op!r} is not understood")

    def _Neg(self, node: Any) -> Expr:
        return -self.to_sympy(node.operand)

    def _Call(self, node: Any) -> Expr:
        spec = OPS.get(node.func)
        if spec is None:
            raise self._error(f"{node.func!r} is not a function of the op table", f"use one of {', '.join(OPS)}")
        args = [self.to_sympy(a) for a in _flat(node.args)]
        index = getattr(node, "index", None)
        if spec.indexed and index is None:
            if not args or not args[0].is_Integer:
                raise self._error(f"{node.func} needs a whole-number component index first", f"write {node.func}(0, a, b, ...)")
            index, args = int(args[0]), args[1:]
            if not 0 <= index < len(args):
                raise self._error(f"{node.func} component {index} is out of range for {len(args)} arguments", "")
        if spec.arity is not None and len(args) != spec.arity:
            raise self._error(f"{node.func} takes {spec.arity} argument(s), got {len(args)}", "")
        if spec.even and len(args) % 2:
            raise self._error(f"{node.func} takes an even number of arguments (w..., x...)", "")
        return spec.expression(args, index)

    def _check_constant(self, node: Any, left: Expr, right: Expr) -> None:
        """Refuse arithmetic on numbers whose exact result would be too large to compute (see the module)."""
        if node.op == "**" and abs(float(right)) > MAX_EXPONENT:
            raise self._error(f"the exponent in {claim_text(node)} is about {_magnitude(right)}: too large "
                              f"(the limit is ±{MAX_EXPONENT:g})", "use exp and log, or a smaller power")
        if not (left.is_Number and right.is_Number):
            return
        digits = _log10(left, right, node.op)
        if digits is not None and abs(digits) > MAX_CONSTANT_DIGITS:
            size = "large" if digits > 0 else "small"
            raise self._error(f"the constant {claim_text(node)} is about 10^{round(digits)}: too {size} to compare "
                              f"with a value at the point (floats reach about 10^±308)",
                              "write a number within a float's range")

    def _Derivative(self, node: Any) -> Expr:
        return self.graph.derivative(self._name(node.of), self._name(node.wrt))

    def _LocalPartial(self, node: Any) -> Expr:
        return self.graph.local_partial(self._name(node.of), self._name(node.wrt))

    def _GradBefore(self, node: Any) -> Expr:
        name, before = self._name(node.node), self._name(node.before)
        if before not in self.ledger.position:
            raise self._error(
                f"{before} has no backward step: it does not reach the output {self.program.output}",
                f"name one of the steps {listing(self.ledger.schedule)}",
            )
        return self.ledger.arrived(name, before=before)

    def _name(self, ref: Any) -> str:
        """A node name from an AST reference (a Ref or a plain name); ``f`` is the output."""
        name = ref if isinstance(ref, str) else ref.name
        if name == "f" and "f" not in self.program:
            return self.program.output
        if name not in self.program:
            raise self._error(f"no node named {name!r}", join_hints(did_you_mean(name, self.program.names),
                                                                   f"the nodes are {listing(self.program.names)}"))
        return name

    def _error(self, message: str, hint: str) -> Exception:
        return InputError(message, location=self.location, hint=hint)


def _log10(left: Expr, right: Expr, op: str) -> Optional[float]:
    """log10 of |left op right|, computed from the operands' logarithms (None when it is 0 or not a real)."""
    a, b = _digits(left), _digits(right)
    if op == "**":
        return None if a is None else a * float(right)
    if op == "*":
        return None if a is None or b is None else a + b
    if op == "/":
        return None if a is None or b is None else a - b
    return None if a is None and b is None else max(x for x in (a, b) if x is not None)


def _digits(number: Expr) -> Optional[float]:
    """log10 |number| without computing a huge power: a rational's from its numerator's and denominator's."""
    if number == 0 or not number.is_real:
        return None
    if number.is_Rational:
        p, q = abs(int(number.p)), int(number.q)
        return _int_log10(p) - _int_log10(q)
    return math.log10(abs(float(number)))


def _int_log10(value: int) -> float:
    bits = value.bit_length()
    if bits < 1000:
        return math.log10(value)
    shift = bits - 64
    return math.log10(value >> shift) + shift * math.log10(2)


def _magnitude(number: Expr) -> str:
    digits = _digits(sympy.Abs(number))
    return "0" if digits is None else f"10^{round(digits)}" if abs(digits) > 6 else f"{float(number):g}"


def _flat(args: Sequence[Any]) -> list[Any]:
    """Call arguments with list arguments (``dot([w1, w2], [x1, x2])``) spliced in."""
    flat: list[Any] = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            flat.extend(arg)
        else:
            flat.append(arg)
    return flat
