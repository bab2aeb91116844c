"""Each node's local step in isolation, against sympy's local partials.

For a node z with parents p1…pk the engine's local step ``z._backward()`` must
add ``z.grad · ∂z/∂pj`` into each ``pj.grad``. With ``z.grad = 1`` and every
``pj.grad`` set to a sentinel S, the step must leave ``S + ∂z/∂pj`` there
(the sum over every operand position where pj appears: ``a * a`` gives
``2a``). The expected partials come from sympy (`symcheck.engines.kinds`),
never from the engine. A step that disagrees is replayed from zero grads to
tell the kinds of fault apart:

- ``missing``: the step adds nothing at all while sympy says it should;
- ``accumulation``: the step overwrites (``=``) instead of adding (``+=``)
  into a parent that is used more than once, so contributions get lost;
- ``local``: the step adds a wrong local derivative.

A node exactly on a kink (relu or abs at 0) is flagged, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import sympy

from symcheck.engines.graph import EngineGraph
from symcheck.engines.kinds import at_kink
from symcheck.report import Finding

SENTINEL = 0.75
"""The grad parents hold before an isolated step: adding to it and overwriting it differ visibly."""


@dataclass
class StepOutcome:
    """One node's isolated step: per parent the engine's local partial and sympy's."""

    node: int
    parents: list[int]
    engine: list[float]
    expected: list[float]
    worst_relative_error: float = 0.0
    finding: Optional[Finding] = None
    flag: Optional[Finding] = None


@dataclass
class StepChecks:
    """Every non-leaf node's isolated step, the worst relative error, failures and kink flags."""

    nodes_checked: int = 0
    worst_relative_error: float = 0.0
    failures: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)
    faulty: list[int] = field(default_factory=list)


def check_steps(graph: EngineGraph, *, rtol: float = 1e-6, atol: float = 1e-9) -> StepChecks:
    """Run every non-leaf node's `_backward()` alone and compare with sympy's local partials.

    Grads are restored afterwards, so this can run before or after a real backward pass.
    """
    nodes = graph.nodes
    saved = [node.grad for node in nodes]
    uses: Optional[list[int]] = None
    result = StepChecks()
    try:
        for i in range(len(nodes)):
            if graph.is_leaf(i):
                continue
            result.nodes_checked += 1
            outcome = _check_one(graph, i, rtol, atol)
            if outcome is None:
                continue
            if outcome.flag is not None:
                result.flags.append(outcome.flag)
                continue
            result.worst_relative_error = max(result.worst_relative_error, outcome.worst_relative_error)
            if outcome.worst_relative_error > 0.0 and _fails(outcome, rtol, atol):
                if uses is None:
                    uses = graph.uses()
                finding = _diagnose(graph, outcome, uses, rtol, atol)
                if finding is not None:
                    result.failures.append(finding)
                    result.faulty.append(i)
    finally:
        for node, grad in zip(nodes, saved):
            node.grad = grad
    return result


def _check_one(graph: EngineGraph, i: int, rtol: float, atol: float) -> Optional[StepOutcome]:
    k = graph.kind(i)
    operands = graph.operands[i]
    nodes = graph.nodes
    values = graph.variable_values(i)
    if at_kink(k, values):
        return StepOutcome(i, [], [], [], flag=_kink_flag(graph, i, values))
    partials = k.local(*values)
    parents = graph.parents(i)
    expected = dict.fromkeys(parents, 0.0)
    for operand, partial in zip((o for o in operands if type(o) is int), partials):
        expected[operand] += partial
    engine = _isolated(nodes[i], [nodes[p] for p in parents], SENTINEL)
    engine = [g - SENTINEL for g in engine]
    want = [expected[p] for p in parents]
    worst = 0.0
    for got, exp in zip(engine, want):
        diff = abs(got - exp)
        if diff:
            worst = max(worst, diff / max(abs(exp), atol))
    return StepOutcome(i, parents, engine, want, worst)


def _isolated(node: Any, parents: list[Any], start: float) -> list[float]:
    for parent in parents:
        parent.grad = start
    node.grad = 1.0
    node._backward()
    return [float(parent.grad) for parent in parents]


def _fails(outcome: StepOutcome, rtol: float, atol: float) -> bool:
    return any(abs(g - e) > atol + rtol * abs(e) for g, e in zip(outcome.engine, outcome.expected))


def _diagnose(graph: EngineGraph, outcome: StepOutcome, uses: list[int], rtol: float, atol: float) -> Optional[Finding]:
    i = outcome.node
    node = graph.nodes[i]
    parents = [graph.nodes[p] for p in outcome.parents]
    from_zero = _isolated(node, parents, 0.0)
    from_sentinel = _isolated(node, parents, SENTINEL)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= atol + rtol * abs(b)

    overwritten = [not close(s, SENTINEL + z) for s, z in zip(from_sentinel, from_zero)]
    for j, p in enumerate(outcome.parents):
        if overwritten[j] and uses[p] >= 2:
            return _accumulation(graph, i, p, from_zero[j], outcome.expected[j])
    wrong = [j for j in range(len(parents)) if not close(from_zero[j], outcome.expected[j])]
    if not wrong:
        return None  # the step only overwrites parents used once: harmless in this graph
    if all(z == 0.0 for z in from_zero):
        return _missing(graph, i, outcome)
    j = wrong[0]
    return _local(graph, i, outcome.parents[j], from_zero[j], outcome.expected[j])


def symbols_of(graph: EngineGraph, i: int) -> list[sympy.Symbol]:
    """One real symbol per variable operand of node i, named after the operand node."""
    return [sympy.Symbol(graph.names[o], real=True) for o in graph.operands[i] if type(o) is int]


def expected_text(graph: EngineGraph, i: int, parent: int) -> str:
    """sympy's ∂node/∂parent in the operands' names, e.g. ``1 - tanh(z4)**2``."""
    k = graph.kind(i)
    symbols = symbols_of(graph, i)
    positions = [n for n, o in enumerate(o for o in graph.operands[i] if type(o) is int) if o == parent]
    return str(sympy.Add(*[k.partial_in(n, symbols) for n in positions]))


def _partial_name(graph: EngineGraph, i: int, parent: int) -> str:
    return f"∂{graph.names[i]}/∂{graph.names[parent]}"


def _local(graph: EngineGraph, i: int, parent: int, got: float, expected: float) -> Finding:
    message = (
        f"node {graph.describe(i)}: your _backward gives {_partial_name(graph, i, parent)} = {got:.6g}; "
        f"expected {expected_text(graph, i, parent)} = {expected:.6g}"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "local", message)


def _missing(graph: EngineGraph, i: int, outcome: StepOutcome) -> Finding:
    j = next(n for n, e in enumerate(outcome.expected) if e != 0.0)
    parent = outcome.parents[j]
    message = (
        f"node {graph.describe(i)}: your _backward propagates nothing (every parent's grad stays 0); "
        f"expected {_partial_name(graph, i, parent)} = {expected_text(graph, i, parent)} = "
        f"{outcome.expected[j]:.6g}; is _backward set for this op?"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "missing", message)


def _accumulation(graph: EngineGraph, i: int, parent: int, got: float, expected: float) -> Finding:
    users = [graph.names[c] for c in graph.consumers()[parent]]
    used = " and ".join(users) if len(users) > 1 else f"{users[0]} twice"
    message = (
        f"node {graph.describe(i)}: your _backward overwrites {graph.names[parent]}.grad "
        f"(= instead of +=), but {graph.names[parent]} is used by {used}, so its grad must be the sum "
        f"of every contribution; this step's own {_partial_name(graph, i, parent)} = {got:.6g} "
        f"(expected {expected:.6g})"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "accumulation", message)


def _kink_flag(graph: EngineGraph, i: int, values: list[float]) -> Finding:
    inputs = ", ".join(f"{graph.names[o]} = {graph.nodes[o].data:g}" for o in graph.operands[i] if type(o) is int)
    message = (
        f"node {graph.describe(i)} is evaluated at a kink ({inputs}): the derivative is not defined "
        f"there, so any subgradient the engine uses is accepted"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "nondifferentiable", message)
