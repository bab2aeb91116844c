"""A claim's syntax tree (`symcheck.parse.claim_ast`) as sympy over node symbols.

* a node name is its symbol, ``f`` the output's;
* ``D(a, b)`` is `SymbolicGraph.derivative` (every path from b to a);
* ``grad(b, before=c)`` is the partial sum in b.grad right before c's step
  (`symcheck.symbolic.ledger.GradLedger.arrived`);
* a function is the op table's forward expression.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from sympy import Expr

from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.ops import OPS
from symcheck.parse.suggest import did_you_mean, join_hints, listing
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger
from symcheck.symbolic.opkind import exact_number


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

    def _Derivative(self, node: Any) -> Expr:
        return self.graph.derivative(self._name(node.of), self._name(node.wrt))

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


def _flat(args: Sequence[Any]) -> list[Any]:
    """Call arguments with list arguments (``dot([w1, w2], [x1, x2])``) spliced in."""
    flat: list[Any] = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            flat.extend(arg)
        else:
            flat.append(arg)
    return flat
