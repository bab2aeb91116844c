"""The finite-difference witness: perturb one node, re-run only what is downstream.

For node v with value a, the output f is re-evaluated with v set to a ± h and
a ± 2h — every other node that does not depend on v keeps its value, which is
exactly "v's ancestors held fixed" — and the five-point central stencil

    f'(a) ≈ [f(a − 2h) − 8 f(a − h) + 8 f(a + h) − f(a + 2h)] / (12 h)

gives ∂f/∂v with truncation error O(h⁴). (Near the largest float, where 8 f(a + h)
overflows, the same stencil is summed as [8 (f(a + h) − f(a − h)) − (f(a + 2h) −
f(a − 2h))] / 12 / h, differences first.)
The step is h = `STEP` · max(1, |a|) (1e-4): the truncation error is then
~1e-17·f⁽⁵⁾ and the rounding error ~1.5 ε |f| / h ≈ 3e-12 |f|, far inside
`FD_RTOL`.

Where a stencil point leaves an op's domain, h becomes min(h, |a|)/100 and is
tried again; where the function overflows a float within the stencil, h
becomes h/100. If no step works the node gets no finite difference, and
`Evaluator.why_missing` says why (``"domain"`` or ``"overflow"``): the
comparator shows that as a flag, never as a disagreement.

The forward evaluation is symcheck's own: each op's meaning in plain floating
point, from its row of the op table (`symcheck.ops.OpSpec.numeric`), never an
engine's code or partials. Ops added with `register_op` are evaluated from
their sympy forward expression, compiled for floats.

Cost: a node's difference costs 4 × (its downstream nodes) evaluations, so all
nodes together are O(n²) on a deep graph. `schedule` orders the nodes — the
suspects first (nodes where engine and symbolic disagree, latest first), then
the inputs, then an evenly spread deterministic sample — and `take` spends a
budget of node evaluations (`BUDGET`) and of time (`SECONDS`) along that
order: every node when it fits (``fd="auto"``), every node whatever it costs
(``fd="all"``), or none (``fd="none"``). Downstream sets are found when a node
is taken, one at a time, so memory stays linear in the graph.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence

from symcheck.errors import InputError
from symcheck.ir import Node, Program
from symcheck.ops import op_spec
from symcheck.symbolic.opkind import op_kind

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.render.progress import Progress

STEP = 1e-4
"""Relative step of the five-point stencil: h = STEP · max(1, |value|)."""

FD_RTOL = 1e-5
"""Relative tolerance for comparing a finite difference with the symbolic adjoint."""

FD_ATOL = 1e-7
"""Absolute tolerance for that comparison, scaled by max(1, |f|) (rounding grows with f)."""

ROUNDING_SAFETY = 4.0
"""Factor on the first-order rounding-error estimate of a stencil (it ignores rounding inside an op)."""

BUDGET = 6_000_000
"""Node evaluations the finite-difference witness may spend with ``fd="auto"`` (a few seconds of Python)."""

SECONDS = 2.0
"""Seconds the finite-difference witness may spend with ``fd="auto"`` (the suspects come first)."""

MODES = ("auto", "all", "none")
"""``fd=``: within the budgets, every node whatever it costs, or no finite differences."""

SHRINK_TRIES = 3
"""Steps tried per node: h, then up to two smaller ones after a domain edge or an overflow."""

_DOMAIN = (ValueError, ZeroDivisionError)

Step = tuple[Callable[..., float], tuple[int, ...]]


class Evaluator:
    """A program compiled for float re-evaluation of the nodes downstream of one node."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.position = {name: i for i, name in enumerate(program.names)}
        self.output = self.position[program.output]
        self.constants: list[float] = []
        self.steps: list[Optional[Step]] = [self._compile(node) for node in program.nodes]
        self.consumers, self.reaches = self._links()
        self.why_missing: dict[str, str] = {}
        """Nodes whose every step failed, and why: ``"domain"`` (a stencil point outside an op's domain)
        or ``"overflow"`` (the function overflows a float within the stencil)."""
        # A node that reads n > 2 operands costs n/2 evaluations (a sum of 20,000 inputs is 10,000), so
        # the budget bounds the work done, not the count of nodes.
        self.extra_cost = {i: (len(step[1]) + 1) // 2 - 1 for i, step in enumerate(self.steps)
                           if step is not None and len(step[1]) > 2}

    def _compile(self, node: Node) -> Optional[Step]:
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

    def _links(self) -> tuple[list[list[int]], bytearray]:
        """Each node's distinct consumers, and which nodes reach the output."""
        count = len(self.program.nodes)
        consumers: list[list[int]] = [[] for _ in range(count)]
        reaches = bytearray(count)
        reaches[self.output] = 1
        for i in range(count - 1, -1, -1):
            step = self.steps[i]
            if step is None:
                continue
            for p in dict.fromkeys(step[1]):
                if p < count:
                    consumers[p].append(i)
                    if reaches[i]:
                        reaches[p] = 1
        return consumers, reaches

    def downstream(self, i: int) -> list[int]:
        """The nodes that depend on node i and reach the output, in program order."""
        if not self.reaches[i]:
            return []
        seen = bytearray(len(self.consumers))
        found: list[int] = []
        stack = [i]
        consumers, reaches = self.consumers, self.reaches
        while stack:
            for c in consumers[stack.pop()]:
                if not seen[c] and reaches[c]:
                    seen[c] = 1
                    found.append(c)
                    stack.append(c)
        found.sort()
        return found

    def cost(self, name: str) -> int:
        """Node evaluations one five-point difference of `name` takes (a node of n > 2 operands counts n/2)."""
        return self.cost_of(self.downstream(self.position[name]))

    def cost_of(self, downstream: Sequence[int]) -> int:
        """Node evaluations one five-point difference takes that re-runs the nodes `downstream`."""
        extra = self.extra_cost
        return 4 * max(1, len(downstream) + (sum(extra.get(k, 0) for k in downstream) if extra else 0))

    def derivative(
        self, name: str, base: list[float], step: float = STEP, order: Optional[list[int]] = None
    ) -> Optional[float]:
        """∂f/∂name by the five-point stencil (None if every step tried fails; `why_missing` says why).

        `order` is the node's downstream nodes when the caller already has them.
        """
        i = self.position[name]
        if i == self.output:
            return 1.0
        order = self.downstream(i) if order is None else order
        if not order:
            return 0.0  # the output does not depend on this node
        a = base[i]
        h = step * max(1.0, abs(a))
        why = ""
        for _ in range(SHRINK_TRIES):
            try:
                f = [self._run(i, a + k * h, order, base) for k in (-2, -1, 1, 2)]
            except _DOMAIN:  # near a domain edge: stay well inside it, relative to the value
                h, why = min(h, abs(a) or h) / 100.0, "domain"
                continue
            except OverflowError:
                h, why = h / 100.0, "overflow"
                continue
            estimate = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)
            if not math.isfinite(estimate):  # near the largest float: take the differences first
                estimate = (8.0 * (f[2] - f[1]) - (f[3] - f[0])) / 12.0 / h
            if math.isfinite(estimate):
                self.why_missing.pop(name, None)
                return estimate
            # an infinite or NaN value within the stencil (a product past the largest float), or a slope beyond it
            h, why = h / 100.0, "overflow"
        self.why_missing[name] = why
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
        for k in [i, *self.downstream(i)]:
            adjoint = adjoints.get(names[k])
            if adjoint is not None and math.isfinite(base[k]) and math.isfinite(adjoint):
                delta += abs(adjoint * base[k])
        h = step * max(1.0, abs(base[i]))
        return ROUNDING_SAFETY * 1.5 * sys.float_info.epsilon * delta / h

    def _run(self, i: int, value: float, order: list[int], base: list[float]) -> float:
        values = base.copy()
        values[i] = value
        steps = self.steps
        for k in order:
            fn, positions = steps[k]  # type: ignore[misc]
            if len(positions) == 1:
                values[k] = fn(values[positions[0]])
            elif len(positions) == 2:
                values[k] = fn(values[positions[0]], values[positions[1]])
            else:
                values[k] = fn(*[values[p] for p in positions])
        return values[self.output]

    def base(self, values: Mapping[str, Any]) -> list[float]:
        """The value slots for these node values (then the constants)."""
        return [float(values[name]) for name in self.program.names] + self.constants


def finite_differences(
    program: Program,
    values: Mapping[str, Any],
    nodes: Optional[Iterable[str]] = None,
    *,
    step: float = STEP,
    evaluator: Optional[Evaluator] = None,
) -> dict[str, Optional[float]]:
    """∂f/∂node by five-point central differences, for `nodes` (default: every node), with no budget.

    `values` holds every node's value at the point (floats or mpmath numbers).
    """
    evaluator = evaluator or Evaluator(program)
    base = evaluator.base(values)
    names = program.names if nodes is None else list(nodes)
    return {name: evaluator.derivative(name, base, step) for name in names}


def candidates(program: Program, suspects: Sequence[str] = ()) -> list[str]:
    """Every node once, in the order finite differences are spent: the suspects (as given), the inputs,
    then every node in an evenly spread deterministic order (golden-ratio steps through program order)."""
    names = program.names
    spread = sorted(range(len(names)), key=lambda i: (i * 0.6180339887498949) % 1.0)
    return list(dict.fromkeys([*suspects, *(n.name for n in program.inputs), *(names[i] for i in spread)]))


def schedule(program: Program, suspects: Sequence[str] = (), *, budget: Optional[int] = BUDGET,
             evaluator: Optional[Evaluator] = None) -> Iterator[tuple[str, list[int], int]]:
    """The nodes to take within `budget` node evaluations (None: every node), each with its downstream
    nodes and its cost, found one at a time (so a deadline stops the planning too, and memory stays linear).

    A node that does not fit is skipped and cheaper ones later may still fit;
    the walk stops once it has looked at as many nodes' costs as the budget
    allows evaluations, so planning stays within the budget's own cost.
    """
    evaluator = evaluator or Evaluator(program)
    spent = walked = 0
    for name in candidates(program, suspects):
        if budget is not None and walked > budget:
            return
        downstream = evaluator.downstream(evaluator.position[name])
        cost = evaluator.cost_of(downstream)
        walked += cost
        if budget is None or spent + cost <= budget or not spent:
            spent += cost
            yield name, downstream, cost


@dataclass
class Taken:
    """The finite differences taken, why some nodes have none, and a sentence saying what was done."""

    values: dict[str, Optional[float]]
    missing: dict[str, str]
    strategy: str


def take(
    program: Program,
    values: Mapping[str, Any],
    suspects: Sequence[str] = (),
    *,
    mode: str = "auto",
    budget: int = BUDGET,
    seconds: float = SECONDS,
    evaluator: Optional[Evaluator] = None,
    progress: Optional["Progress"] = None,
) -> Taken:
    """The finite-difference witness for a check: `mode` one of `MODES`, within `budget` and `seconds` for "auto"."""
    if mode not in MODES:
        raise InputError(f"fd={mode!r} is not a finite-difference mode", hint="use fd='auto', 'all' or 'none'")
    if mode == "none":
        return Taken({}, {}, "no finite differences (fd='none'): each node is judged on engine against symbolic")
    evaluator = evaluator or Evaluator(program)
    base = evaluator.base(values)
    deadline = time.perf_counter() + seconds if mode == "auto" else math.inf
    taken: dict[str, Optional[float]] = {}
    evaluations = 0
    timed_out = False
    if progress is not None:
        progress.begin("finite differences", len(program.nodes))
    for name, order, cost in schedule(program, suspects, budget=None if mode == "all" else budget, evaluator=evaluator):
        if taken and time.perf_counter() > deadline:
            timed_out = True
            break
        taken[name] = evaluator.derivative(name, base, order=order)
        evaluations += cost
        if progress is not None:
            progress.advance()
    if progress is not None:
        progress.done()
    missing = {name: why for name, why in evaluator.why_missing.items() if name in taken}
    picked = sum(1 for s in dict.fromkeys(suspects) if s in taken)
    return Taken(taken, missing, _strategy(program, taken, evaluations, picked, len(set(suspects)), budget,
                                           seconds, timed_out))


def _strategy(program: Program, taken: Mapping[str, Any], evaluations: int, picked: int, suspects: int, budget: int,
              seconds: float, timed_out: bool) -> str:
    count = len(program.nodes)
    if len(taken) == count:
        return f"five-point central differences on every node ({count} nodes, {evaluations} node evaluations)"
    limits = f"a budget of {budget} node evaluations and {seconds:g} s" + (" (the time ran out first)" if timed_out
                                                                          else "")
    return (
        f"five-point central differences on {len(taken)} of {count} nodes within {limits}: {picked} of "
        f"{suspects} nodes where engine and symbolic disagree, then the inputs, then an evenly spread "
        f"deterministic sample; the others have no finite difference (fd='all' takes every node)"
    )


def choose_nodes(
    program: Program, suspects: Sequence[str] = (), *, budget: int = BUDGET, evaluator: Optional[Evaluator] = None
) -> tuple[list[str], str]:
    """Which nodes get a finite difference within `budget` evaluations (program order), and a sentence saying so."""
    planned = list(schedule(program, suspects, budget=budget, evaluator=evaluator))
    order = {name: i for i, name in enumerate(program.names)}
    chosen = sorted((name for name, _, _ in planned), key=order.__getitem__)
    evaluations = sum(cost for _, _, cost in planned)
    if len(chosen) == len(program.nodes):
        return chosen, f"five-point central differences on every node ({len(chosen)} nodes, {evaluations} node evaluations)"
    picked = sum(1 for s in dict.fromkeys(suspects) if s in order and s in set(chosen))
    return chosen, (
        f"five-point central differences on {len(chosen)} of {len(program.nodes)} nodes within a budget of {budget} "
        f"node evaluations: {picked} of {len(set(suspects))} nodes where engine and symbolic disagree, then the "
        f"inputs, then an evenly spread deterministic sample; the others have no finite difference"
    )
