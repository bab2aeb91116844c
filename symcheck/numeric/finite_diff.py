"""The finite-difference witness: perturb one node, re-run only what is downstream.

For node v with value a, the output f is re-evaluated with v set to a ± h and
a ± 2h — every other node that does not depend on v keeps its value, which is
exactly "v's ancestors held fixed" — and the five-point central stencil

    f'(a) ≈ [f(a − 2h) − 8 f(a − h) + 8 f(a + h) − f(a + 2h)] / (12 h)

gives ∂f/∂v with truncation error O(h⁴). The step is h = `STEP` · max(1, |a|)
(1e-4): the truncation error is then ~1e-17·f⁽⁵⁾ and the rounding error
~1.5 ε |f| / h ≈ 3e-12 |f|, far inside `FD_RTOL`. If a stencil point leaves an
op's domain the step becomes min(h, |a|)/100 and is tried once more; if that fails too
the node gets no finite difference (None).

The forward evaluation is symcheck's own: each op's meaning in plain floating
point, from its row of the op table (`symcheck.ops.OpSpec.numeric`), never an
engine's code or partials. Ops added with `register_op` are evaluated from
their sympy forward expression, compiled for floats.

Cost: a node's difference costs 4 × (its downstream nodes) evaluations, so all
nodes together are O(n²) on a deep graph. `choose_nodes` keeps within a budget
of node evaluations (`BUDGET`): every node when it fits, otherwise the suspects
first (nodes where engine and symbolic disagree, latest first), then the inputs,
then an evenly spread deterministic sample.
"""

from __future__ import annotations

import math
import sys
from functools import partial
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from symcheck.ir import Node, Program
from symcheck.ops import op_spec
from symcheck.symbolic.opkind import op_kind

STEP = 1e-4
"""Relative step of the five-point stencil: h = STEP · max(1, |value|)."""

FD_RTOL = 1e-5
"""Relative tolerance for comparing a finite difference with the symbolic adjoint."""

FD_ATOL = 1e-7
"""Absolute tolerance for that comparison, scaled by max(1, |f|) (rounding grows with f)."""

ROUNDING_SAFETY = 4.0
"""Factor on the first-order rounding-error estimate of a stencil (it ignores rounding inside an op)."""

BUDGET = 6_000_000
"""Node evaluations the finite-difference witness may spend (a few seconds of Python)."""


_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class Evaluator:
    """A program compiled for float re-evaluation of the nodes downstream of one node."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.position = {name: i for i, name in enumerate(program.names)}
        self.output = self.position[program.output]
        self.constants: list[float] = []
        self.steps = [self._compile(node) for node in program.nodes]
        self.downstream_masks = self._downstream_masks()
        # A node that reads n > 2 operands costs n/2 evaluations (a sum of 20,000 inputs is 10,000), so
        # the budget bounds the work done, not the count of nodes; `wide` marks those nodes.
        self.extra_cost = {i: (len(step[1]) + 1) // 2 - 1 for i, step in enumerate(self.steps)
                           if step is not None and len(step[1]) > 2}
        self.wide = sum(1 << i for i in self.extra_cost)

    def _compile(self, node: Node) -> Optional[tuple[Callable[..., float], tuple[int, ...]]]:
        if node.is_input:
            return None
        spec = op_spec(node.op)
        if spec.numeric is None:  # a registered op: its own forward expression, compiled for floats
            kind, names = op_kind(node)
            return kind.forward_float(), tuple(self.position[n] for n in names)
        numeric = partial(spec.numeric, node.index or 0) if spec.indexed else spec.numeric
        return numeric, self._positions(node.inputs)

    def _positions(self, operands: Sequence[Any]) -> tuple[int, ...]:
        positions = []
        for operand in operands:
            if isinstance(operand, str):
                positions.append(self.position[operand])
            else:  # constants live after the nodes, in slots of their own
                positions.append(len(self.program.nodes) + len(self.constants))
                self.constants.append(float(operand))
        return tuple(positions)

    def _downstream_masks(self) -> list[int]:
        """Bit sets: for node i, the nodes that depend on it and reach the output."""
        count = len(self.program.nodes)
        reaches = [False] * count
        reaches[self.output] = True
        masks = [0] * count
        for i in range(count - 1, -1, -1):
            step = self.steps[i]
            if step is None or not reaches[i]:
                continue
            for p in set(step[1]):
                if p < count:
                    reaches[p] = True
                    masks[p] |= masks[i] | (1 << i)
        return masks

    def cost(self, name: str) -> int:
        """Node evaluations one five-point difference of `name` takes (a node of n > 2 operands counts n/2)."""
        mask = self.downstream_masks[self.position[name]]
        extra = sum(self.extra_cost[k] for k in _bits(mask & self.wide)) if mask & self.wide else 0
        return 4 * max(1, mask.bit_count() + extra)

    def derivative(self, name: str, base: list[float], step: float = STEP) -> Optional[float]:
        """∂f/∂name by the five-point stencil (None if every step tried leaves a domain)."""
        i = self.position[name]
        if i == self.output:
            return 1.0
        order = _bits(self.downstream_masks[i])
        if not order:
            return 0.0  # the output does not depend on this node
        a = base[i]
        h = step * max(1.0, abs(a))
        for _ in range(2):
            try:
                f = [self._run(i, a + k * h, order, base) for k in (-2, -1, 1, 2)]
                return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)
            except _ERRORS:  # near a domain edge: stay well inside it, relative to the value
                h = min(h, abs(a) or h) / 100.0
        return None

    def rounding_error(self, name: str, base: list[float], adjoints: Mapping[str, Optional[float]], step: float = STEP) -> float:
        """An estimate of the rounding error in `derivative(name, base, step)`.

        Every re-run node k (and the perturbed node itself) is rounded by about
        ε·|k|, which reaches f scaled by |∂f/∂k|; so one evaluation of f is off
        by δ ≈ ε·Σ_k |∂f/∂k|·|k|, and the stencil's weights (1 + 8 + 8 + 1)/12h
        turn that into 1.5·δ/h. Large intermediate values that cancel (x + 1e8
        − 1e8) make δ large even where f is small: that is where a fixed
        tolerance would raise a false alarm.
        """
        i = self.position[name]
        names = self.program.names
        delta = 0.0
        for k in [i, *_bits(self.downstream_masks[i])]:
            adjoint = adjoints.get(names[k])
            if adjoint is not None and math.isfinite(base[k]):
                delta += abs(adjoint * base[k])
        h = step * max(1.0, abs(base[i]))
        return ROUNDING_SAFETY * 1.5 * sys.float_info.epsilon * delta / h

    def _run(self, i: int, value: float, order: list[int], base: list[float]) -> float:
        values = base.copy()
        values[i] = value
        steps = self.steps
        for k in order:
            fn, positions = steps[k]  # type: ignore[misc]
            values[k] = fn(*[values[p] for p in positions])
        return values[self.output]

    def base(self, values: Mapping[str, Any]) -> list[float]:
        """The value slots for these node values (then the constants)."""
        return [float(values[name]) for name in self.program.names] + self.constants


def _bits(mask: int) -> list[int]:
    positions = []
    while mask:
        low = mask & -mask
        positions.append(low.bit_length() - 1)
        mask ^= low
    return positions


def finite_differences(
    program: Program,
    values: Mapping[str, Any],
    nodes: Optional[Iterable[str]] = None,
    *,
    step: float = STEP,
    evaluator: Optional[Evaluator] = None,
) -> dict[str, Optional[float]]:
    """∂f/∂node by five-point central differences, for `nodes` (default: every node).

    `values` holds every node's value at the point (floats or mpmath numbers).
    """
    evaluator = evaluator or Evaluator(program)
    base = evaluator.base(values)
    names = program.names if nodes is None else list(nodes)
    return {name: evaluator.derivative(name, base, step) for name in names}


def choose_nodes(
    program: Program, suspects: Sequence[str] = (), *, budget: int = BUDGET, evaluator: Optional[Evaluator] = None
) -> tuple[list[str], str]:
    """Which nodes get a finite difference within `budget` evaluations, and a sentence saying so."""
    evaluator = evaluator or Evaluator(program)
    names = program.names
    total = sum(evaluator.cost(n) for n in names)
    if total <= budget:
        return list(names), f"five-point central differences on every node ({len(names)} nodes, {total} node evaluations)"
    chosen: dict[str, None] = {}
    spent = 0
    spread = sorted(range(len(names)), key=lambda i: (i * 0.6180339887498949) % 1.0)
    candidates = [*suspects, *(n.name for n in program.inputs), *(names[i] for i in spread)]
    for name in candidates:
        cost = evaluator.cost(name)
        if name not in chosen and (spent + cost <= budget or not chosen):
            chosen[name] = None
            spent += cost
    picked_suspects = sum(1 for s in suspects if s in chosen)
    order = {name: i for i, name in enumerate(names)}
    return sorted(chosen, key=order.__getitem__), (
        f"five-point central differences on {len(chosen)} of {len(names)} nodes within a budget of {budget} node "
        f"evaluations (all would take {total}): {picked_suspects} of {len(suspects)} nodes where engine and symbolic "
        f"disagree, then the inputs, then an evenly spread deterministic sample; the others have no finite difference"
    )
