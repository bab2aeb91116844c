"""Each ``.grad`` during the backward pass, symbolically: the grad ledger.

ag's backward runs one local step per node, latest-created first. Right before
node c's step, a node b's ``.grad`` holds only the contributions of b's
consumers whose steps have already run::

    grad(b, before=c) = Σ_{k ∈ consumers(b), k's step ran before c's}  D(f, k) · ∂k/∂b

(the output's own grad is seeded with 1). `GradLedger` writes those partial
sums in node-symbol form (``z7`` for z3 before z4 in the homework graph); the
trace prints them and claims' ``grad(b, before=c)`` proves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sympy
from sympy import Expr

from symcheck.ir import Program, reaching_output
from symcheck.symbolic.graph import ordered_sum

PLACEHOLDER_ABOVE = 300
"""Above this many nodes, adjoints inside step terms are kept as placeholder symbols
``D(f, k)``: full node-symbol adjoints of a deep graph grow with its depth."""


ADJOINT_SIZE_LIMIT = 40
"""An adjoint whose node-symbol form has more tree nodes than this enters terms as ``D(f, k)``,
so steps deep in a long chain print ``D(f, a97)*cos(a96)`` instead of a 97-factor product."""

def backward_schedule(program: Program) -> tuple[str, ...]:
    """The nodes whose local step ag runs, in ag's order.

    ag orders the nodes reachable from the output latest-created first, and a
    program is built in its own order, so this is the output's ancestors (and
    the output) in reverse program order: z8, z7, …, z1, y, x for the homework.
    """
    reachable = reaching_output(program)
    return tuple(node.name for node in reversed(program.nodes) if node.name in reachable)


@dataclass(frozen=True)
class Arrival:
    """One contribution ``target.grad += D(f, source) · ∂source/∂target`` (node-symbol form)."""

    source: str
    target: str
    partial: Expr
    term: Expr


class GradLedger:
    """The symbolic side of every ``.grad`` during the backward pass.

    Built over a `SymbolicGraph`; `arrivals(k)` are the contributions k's step
    adds, `arrived(b, before=c)` the partial sum in b.grad right before c's step.

    `placeholders`: True writes every adjoint inside a term as an opaque
    ``D(f, k)`` symbol (for display), False always in full node-symbol form (for
    claims, which must evaluate and prove them), None (the trace's default)
    uses the full form where it is small and the graph has at most
    `PLACEHOLDER_ABOVE` nodes.
    """

    def __init__(self, program: Program, graph: Any, *, placeholders: Optional[bool] = None) -> None:
        self.program = program
        self.graph = graph
        self.schedule = backward_schedule(program)
        self.position = {name: i for i, name in enumerate(self.schedule)}
        consumers = program.consumers()
        self.consumers = {
            name: tuple(sorted((k for k in users if k in self.position), key=self.position.__getitem__))
            for name, users in consumers.items()
        }
        self.full_forms = placeholders is False
        if placeholders is None:
            placeholders = len(program.nodes) > PLACEHOLDER_ABOVE
        self.placeholders = placeholders
        self._adjoints: dict[str, Expr] = {}

    def adjoint(self, name: str) -> Expr:
        """D(f, name) as it enters a term: node-symbol form, or a ``D(f, name)`` placeholder on big graphs."""
        if name not in self._adjoints:
            if name == self.program.output:
                self._adjoints[name] = sympy.Integer(1)
            else:
                full = None if self.placeholders else self.graph.adjoint(name)
                small = full is not None and (self.full_forms or tree_size_at_most(full, ADJOINT_SIZE_LIMIT))
                self._adjoints[name] = full if small else sympy.Symbol(f"D(f, {name})", real=True)
        return self._adjoints[name]

    def arrivals(self, source: str) -> list[Arrival]:
        """What ``source._backward()`` adds: one term per distinct parent, in operand order."""
        node = self.program.node(source)
        parents = dict.fromkeys(op for op in node.inputs if isinstance(op, str))
        arrivals = []
        for parent in parents:
            partial = self.graph.local_partial(source, parent)
            arrivals.append(Arrival(source, parent, partial, self.adjoint(source) * partial))
        return arrivals

    def ran_before(self, consumer: str, before: str) -> bool:
        return self.position[consumer] < self.position[before]

    def arrived(self, name: str, *, before: str) -> Expr:
        """grad(name, before=before): the sum of contributions whose steps ran before `before`'s."""
        terms = [
            part  # a term that is itself a sum joins flat, as it prints in the trace
            for consumer in self.consumers.get(name, ())
            if self.ran_before(consumer, before)
            for arrival in self.arrivals(consumer)
            if arrival.target == name
            for part in flat_terms(arrival.term)
        ]
        if name == self.program.output:
            terms.insert(0, sympy.Integer(1))
        return ordered_sum(terms)

    def pending(self, name: str, *, before: str) -> tuple[str, ...]:
        """The consumers of `name` whose steps have not run before `before`'s (next to run first)."""
        return tuple(k for k in self.consumers.get(name, ()) if not self.ran_before(k, before))


def tree_size_at_most(expr: Expr, limit: int) -> bool:
    """Whether `expr` has at most `limit` tree nodes (stops counting past the limit)."""
    for count, _ in enumerate(sympy.preorder_traversal(expr), start=1):
        if count > limit:
            return False
    return True


def flat_terms(expr: Expr) -> list[Expr]:
    """The terms of a sum, nested unevaluated sums opened (``1 + (1 - t)`` → 1, 1, -t)."""
    if not expr.is_Add:
        return [expr]
    stack, terms = list(reversed(expr.args)), []
    while stack:
        part = stack.pop()
        if part.is_Add:
            stack.extend(reversed(part.args))
        else:
            terms.append(part)
    return terms
