"""The symbolic layer: each node's local partials and adjoint, derived by sympy.

One real symbol per node. A node's *forward* expression is its op's meaning
(`symcheck.ops`) over its operands' symbols; its *local partial* ∂node/∂operand
is `sympy.diff` of that forward expression (derived once per op kind, see
`symcheck.opkind`). Adjoints follow the chain rule over consumers, in backward
order (latest consumer first):

    ∂f/∂b = Σ_c ∂f/∂c · ∂c/∂b          (c ranges over b's consumers)

and come in three forms:

* chain-rule form — the sum above with the partials left as placeholders;
* node-symbol form — placeholders replaced by the local partials and the
  consumers' adjoints, e.g. ∂f/∂z3 = ``z7 + z3*cos(z4)`` in the homework graph;
* expanded form — every node symbol rewritten in the inputs.

Sums keep the chain rule's term order (latest consumer first); print them with
`symcheck.render.formulas`, which preserves it.

>>> from symcheck.parse import parse_program          # doctest: +SKIP
>>> graph = SymbolicGraph(parse_program(HOMEWORK))     # doctest: +SKIP
>>> text(graph.adjoint("z3"))                           # doctest: +SKIP
'z7 + z3*cos(z4)'
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.symbolic import values as precision
from symcheck.ir import Program, reaching_output
from symcheck.parse.point import resolve_inputs
from symcheck.symbolic.opkind import op_kind
from symcheck.symbolic.sweep import replace_all
from symcheck.ops import softmax
from symcheck.render.formulas import adjoint_latex, partial_latex
from symcheck.symbolic.kinks import find_kinks
from symcheck.report import Finding

ZERO = sympy.Integer(0)
ONE = sympy.Integer(1)


class Partial(sympy.Symbol):
    """The placeholder ∂of/∂wrt in a chain-rule form (an opaque real factor)."""

    def __new__(cls, of: str, wrt: str) -> "Partial":
        obj = super().__new__(cls, f"∂{of}/∂{wrt}", real=True)
        obj.of, obj.wrt = of, wrt
        return obj

    def __getnewargs_ex__(self) -> Any:
        return ((self.of, self.wrt), {})

    def _latex(self, printer: Any) -> str:
        return partial_latex(self.of, self.wrt)


def ordered_sum(terms: list[Expr]) -> Expr:
    """The sum of `terms`, zeros dropped, kept in the given order for printing."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return ZERO
    if len(terms) == 1:
        return terms[0]
    return sympy.Add(*terms, evaluate=False)


class SymbolicGraph:
    """A program seen by sympy: symbols, forward expressions, local partials and adjoints."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self._symbols: dict[str, sympy.Symbol] = {}
        self._position = {name: i for i, name in enumerate(program.names)}
        self._consumers = program.consumers()
        self._derivatives: dict[str, dict[str, Expr]] = {}
        self._expansions: Optional[dict[sympy.Symbol, Expr]] = None
        self._reaching: Optional[set[str]] = None
        self._nameable_forwards: dict[str, Optional[Expr]] = {}  # each node's forward worth naming
        self._local_partials: dict[str, dict[str, Expr]] = {}

    # -- per node ------------------------------------------------------------

    def symbol(self, name: str) -> sympy.Symbol:
        """The real symbol of node `name`, printed as the name itself."""
        symbol = self._symbols.get(name)
        if symbol is None:
            self.program.node(name)  # KeyError for a name that is not a node
            symbol = self._symbols[name] = sympy.Symbol(name, real=True)
        return symbol

    def forward(self, name: str) -> Expr:
        """The node's forward expression in its operands' symbols (an input: its own symbol)."""
        node = self.program.node(name)
        if node.is_input:
            return self.symbol(name)
        kind, names = op_kind(node)
        return kind.substitute(kind.forward, [self.symbol(n) for n in names])

    def local_partial(self, node: str, parent: str) -> Expr:
        """∂node/∂parent in node-symbol form, summed over every position `parent` fills (0 if none)."""
        return self.local_partials(node).get(parent, ZERO)

    def local_partials(self, node: str) -> dict[str, Expr]:
        """∂node/∂operand for each distinct node operand, in node-symbol form (an input: none).

        All of a node's partials are written at once and kept: an op over n
        operands shares parts between its n partials (logsumexp's sum), which
        are rewritten once, not n times.
        """
        cached = self._local_partials.get(node)
        if cached is None:
            spec = self.program.node(node)
            if spec.is_input:
                cached = {}
            else:
                kind, names = op_kind(spec)
                partials = self._named(kind.partials_in([self.symbol(n) for n in names]), node, names)
                cached = dict(zip(names, partials))
            self._local_partials[node] = cached
        return cached

    def _named(self, partials: list[Expr], node: str, operands: Any) -> list[Expr]:
        """Local partials with every sub-expression that is a node's forward meaning written as that node.

        sympy writes ∂h1/∂z4 for h1 = tanh(z4) as ``1 - tanh(z4)**2``, ∂z6/∂z2 for
        z6 = exp(z2) as ``exp(z2)`` and ∂sᵢ/∂xⱼ in softmax components; in the
        student's own nodes these read ``1 - h1**2``, ``z6`` and ``p0*(1 - p0)``.
        The nodes looked for are the node itself and the other softmax components
        over the same operands, so the cost stays linear in the graph (and a
        cos(a) partial stays -sin(a) even where sin(a) is a node elsewhere).
        """
        replacements = {}
        for sibling in self._siblings(node, tuple(operands)):
            forward = self._forward_expression(sibling)
            if forward is not None:
                replacements.setdefault(forward, self.symbol(sibling))
        return replace_all(partials, replacements) if replacements else partials

    def _siblings(self, node: str, operands: tuple[str, ...]) -> list[str]:
        """`node` itself and, for a softmax component, the other components over the same operands."""
        if self.program.node(node).op != "softmax" or not operands:
            return [node]
        found = [node]
        for k in self._consumers.get(operands[0], ()):
            other = self.program.node(k)
            if k != node and other.op == "softmax" and tuple(dict.fromkeys(
                    o for o in other.inputs if isinstance(o, str))) == operands:
                found.append(k)
        return found

    def _forward_expression(self, name: str) -> Optional[Expr]:
        """The forward expression worth naming (None for copies, inputs, constants and names symcheck made up)."""
        if name not in self._nameable_forwards:
            node = self.program.node(name)
            # a name the user wrote, not z2 (softmax components are always named: their sums are unreadable)
            named = not (node.is_input or node.op == "id") and (not node.generated or node.op == "softmax")
            forward = self.forward(name) if named else None
            self._nameable_forwards[name] = None if forward is None or forward.is_Symbol or forward.is_Number \
                else forward
        return self._nameable_forwards[name]

    def consumers(self, name: str) -> tuple[str, ...]:
        """The nodes using `name` as an operand, in backward order (latest first)."""
        return tuple(reversed(self._consumers[name]))

    # -- adjoints ------------------------------------------------------------

    def derivative(self, of: str, wrt: str) -> Expr:
        """D(of, wrt): ∂of/∂wrt along every path from `wrt` to `of`, wrt's ancestors held fixed."""
        self.program.node(wrt)
        return self._derivatives_of(of).get(wrt, ZERO)

    def adjoint(self, name: str) -> Expr:
        """∂f/∂name in node-symbol form (e.g. ``z7 + z3*cos(z4)``)."""
        return self.derivative(self.program.output, name)

    def chain_rule(self, name: str) -> Expr:
        """∂f/∂name as Σ_c ∂f/∂c·∂c/∂name over the consumers c that reach f (placeholders kept)."""
        terms = self._chain_terms(name)
        if terms is None:
            return ONE
        products = [sympy.Mul(Partial("f", c), Partial(c, name), evaluate=False) for c in terms]
        return ordered_sum(products)

    def chain_rule_text(self, name: str) -> str:
        """The chain-rule form as text: ``∂f/∂z8·∂z8/∂z3 + ∂f/∂z4·∂z4/∂z3``."""
        terms = self._chain_terms(name)
        if terms is None:
            return "1"
        return " + ".join(f"∂f/∂{c}·∂{c}/∂{name}" for c in terms) or "0"

    def chain_rule_latex(self, name: str) -> str:
        r"""The chain-rule form in LaTeX, ``\frac{\partial f}{\partial z_{8}} \frac{\partial z_{8}}{\partial z_{3}} + …``."""
        terms = self._chain_terms(name)
        if terms is None:
            return "1"
        parts = [f"{adjoint_latex(c)} {partial_latex(c, name)}" for c in terms]
        return " + ".join(parts) or "0"

    def _chain_terms(self, name: str) -> Optional[list[str]]:
        """The consumers of `name` that reach the output (backward order); None for the output itself."""
        if name == self.program.output:
            return None
        if self._reaching is None:
            self._reaching = reaching_output(self.program)
        return [c for c in self.consumers(name) if c in self._reaching]

    def _derivatives_of(self, of: str) -> dict[str, Expr]:
        """D(of, b) for every ancestor b of `of` (and `of` itself), in one backward sweep."""
        cached = self._derivatives.get(of)
        if cached is not None:
            return cached
        derivatives: dict[str, Expr] = {of: ONE}
        terms: dict[str, list[Expr]] = {}
        for node in reversed(self.program.nodes[: self._position[of] + 1]):
            name = node.name
            if name != of:
                if name not in terms:
                    continue  # not an ancestor of `of`
                derivatives[name] = ordered_sum(terms.pop(name))
            if node.is_input:
                continue
            seed = derivatives[name]
            for operand, partial in self.local_partials(name).items():
                terms.setdefault(operand, []).append(seed * partial)
        self._derivatives[of] = derivatives
        return derivatives

    # -- forms in the inputs -------------------------------------------------

    def expanded(self, expr: Expr) -> Expr:
        """`expr` with every non-input node symbol replaced by its forward expression in the inputs.

        Softmax components become e^xi / Σ e^xk here, so that sympy can prove
        identities such as softmax(0, a, b) + softmax(1, a, b) = 1.
        """
        if self._expansions is None:
            self._expansions = self._expand_all()
        expanded = expr.xreplace(self._expansions)
        if expanded.has(softmax):
            expanded = expanded.replace(lambda e: isinstance(e, softmax), lambda e: e.quotient())
        return expanded

    def _expand_all(self) -> dict[sympy.Symbol, Expr]:
        expansions: dict[sympy.Symbol, Expr] = {}
        for node in self.program.nodes:
            if not node.is_input:
                symbol = self.symbol(node.name)
                expansions[symbol] = self.forward(node.name).xreplace(expansions)
        return expansions

    def adjoint_sizes(self) -> dict[str, int]:
        """An estimate of each node-symbol adjoint's tree size, in integers (no sympy work).

        Shared sub-expressions count once per use, as a printer would print
        them, so a ladder of diamonds shows its exponential growth here first.
        """
        sizes = {node.name: 0 for node in self.program.nodes}
        sizes[self.program.output] = 1
        for node in reversed(self.program.nodes):
            seed = sizes[node.name]
            if node.is_input or not seed:
                continue
            kind, names = op_kind(node)
            for operand, partial_size in zip(names, kind.partial_sizes()):
                sizes[operand] += seed + partial_size
        return sizes

    def expanded_sizes(self) -> dict[str, int]:
        """Tree size of each node's forward expression in the inputs (cheap: no sympy)."""
        sizes: dict[str, int] = {}
        for node in self.program.nodes:
            sizes[node.name] = 1 + sum(sizes[o] for o in node.inputs if isinstance(o, str))
        return sizes

    # -- numbers -------------------------------------------------------------

    def values(self, at: Optional[Mapping[str, float]] = None) -> dict[str, Any]:
        """Every node's value (mpmath, `precision.DIGITS` digits) at the inputs `at` (defaults fill gaps)."""
        return precision.node_values(self.program, resolve_inputs(self.program, at))

    def evaluate(self, expr: Expr, values: Mapping[str, Any]) -> float:
        """A node-symbol expression evaluated at `values` (high precision, then rounded)."""
        subs = {self.symbol(name): sympy.Float(str(v), precision.DIGITS) for name, v in values.items()}
        return float(expr.xreplace(subs).evalf(precision.DIGITS))

    def adjoint_values(self, values: Mapping[str, Any]) -> dict[str, float]:
        """Every node's adjoint at the point, node by node in backward order (linear time)."""
        return {name: float(v) for name, v in precision.adjoint_values(self.program, values).items()}

    def kinks(self, values: Mapping[str, Any]) -> list[Finding]:
        """Flags for non-differentiable points and domain edges met at these values."""
        return find_kinks(self.program, values)
