"""Each node's local step in isolation, against sympy's local partials.

For a node z with parents p1…pk the engine's local step ``z._backward()`` must
add ``z.grad · ∂z/∂pj`` into each ``pj.grad``. With ``z.grad = 1`` and every
``pj.grad`` set to a sentinel S, the step must leave ``S + ∂z/∂pj`` there
(the sum over every operand position where pj appears: ``a * a`` gives
``2a``). The expected partials come from sympy (`symcheck.symbolic.opkind`,
compiled for floats), never from the engine. A step that disagrees is replayed from zero grads to
tell the kinds of fault apart:

- ``missing``: the step adds nothing at all while sympy says it should;
- ``accumulation``: the step overwrites (``=``) instead of adding (``+=``)
  into a parent that is used more than once, so contributions get lost;
- ``local``: the step adds a wrong local derivative.

A node exactly on a kink (relu or abs at 0) is flagged, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from operator import sub
from typing import Any, Optional

import sympy

from symcheck.engines.graph import EngineGraph
from symcheck.errors import InputError
from symcheck.render.formulas import readable
from symcheck.report import Finding

SENTINEL = 0.75
"""The grad parents hold before an isolated step: adding to it and overwriting it differ visibly."""


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
    This loop is the hot path of a 100,000-node check: one engine step and one
    compiled call per node, a few list passes per edge.
    """
    nodes = graph.nodes
    saved = [node.grad for node in nodes]
    result = StepChecks()
    worst = 0.0
    suspects: list[int] = []
    try:
        for i, node in enumerate(nodes):
            if graph.is_leaf(i):
                continue
            result.nodes_checked += 1
            k, refs = graph.kind(i)
            parents = [nodes[r] for r in refs]
            values = [p.data for p in parents]
            if k.at_kink(values):
                result.flags.append(_kink_flag(graph, i))
                continue
            try:
                expected = k.partials_float()(*values)
            except (ArithmeticError, ValueError):  # math's own domain errors: sqrt'(0), log'(0), 1/0
                raise _domain_edge(graph, i) from None
            scale = max(map(abs, expected), default=0.0) + atol
            for p in parents:
                p.grad = SENTINEL
            node.grad = 1.0
            try:
                node._backward()
            except Exception as error:  # the student's step crashed: that is the finding
                result.failures.append(_crashed(graph, i, error))
                result.faulty.append(i)
                continue
            # a parent in several operand positions (a * a) gets every position's contribution
            got = list(map(sub, [p.grad for p in parents], repeat(SENTINEL, len(parents))))
            # normwise: the largest error over the node's partials, relative to the largest partial
            error = max(map(abs, map(sub, got, expected)), default=0.0)
            if error:
                relative = error / scale
                if relative > worst:
                    worst = relative
                if error > atol and any(abs(g - e) > atol + rtol * abs(e) for g, e in zip(got, expected)):
                    suspects.append(i)
        result.worst_relative_error = worst
        uses = graph.uses() if suspects else []
        for i in suspects:
            finding = _diagnose(graph, i, uses, rtol, atol)
            if finding is not None:
                result.failures.append(finding)
                result.faulty.append(i)
    finally:
        for node, grad in zip(nodes, saved):
            node.grad = grad
    return result


def _expected_by_parent(graph: EngineGraph, i: int) -> tuple[list[int], list[float]]:
    k, refs = graph.kind(i)
    return list(refs), [float(e) for e in k.partials_float()(*graph.variable_values(i))]


def _diagnose(graph: EngineGraph, i: int, uses: list[int], rtol: float, atol: float) -> Optional[Finding]:
    node = graph.nodes[i]
    positions, expected = _expected_by_parent(graph, i)
    parents = [graph.nodes[p] for p in positions]
    from_zero = _isolated(node, parents, 0.0)
    from_sentinel = _isolated(node, parents, SENTINEL)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= atol + rtol * abs(b)

    overwritten = [not close(s, SENTINEL + z) for s, z in zip(from_sentinel, from_zero)]
    for j, p in enumerate(positions):
        if overwritten[j] and uses[p] >= 2:
            return _accumulation(graph, i, p, from_zero[j], expected[j])
    wrong = [j for j in range(len(parents)) if not close(from_zero[j], expected[j])]
    if not wrong:
        return None  # the step only overwrites parents used once: harmless in this graph
    if all(z == 0.0 for z in from_zero) and _does_nothing(node._backward):
        j = next(n for n, e in enumerate(expected) if e != 0.0)
        return _missing(graph, i, positions[j], expected[j])
    j = wrong[0]
    return _local(graph, i, positions[j], from_zero[j], expected[j])


def _does_nothing(step: Any) -> bool:
    """True for a step whose code does nothing (micrograd's default ``lambda: None``, a ``pass``),
    or whose code cannot be read; a step with code that happens to add 0 here is judged ``local``."""
    code = getattr(getattr(step, "__func__", step), "__code__", None)
    if code is None:
        return True
    return not code.co_names and not code.co_freevars and set(code.co_consts) <= {None}


def _isolated(node: Any, parents: list[Any], start: float) -> list[float]:
    for parent in parents:
        parent.grad = start
    node.grad = 1.0
    node._backward()
    return [float(parent.grad) for parent in parents]


def expected_text(graph: EngineGraph, i: int, parent: int) -> str:
    """sympy's ∂node/∂parent in the operands' names, written for people: ``1 − tanh(z4)²``."""
    k, refs = graph.kind(i)
    symbols = [sympy.Symbol(graph.names[r], real=True) for r in refs]
    return readable(k.partial_in(refs.index(parent), symbols))


def _partial_name(graph: EngineGraph, i: int, parent: int) -> str:
    return f"∂{graph.names[i]}/∂{graph.names[parent]}"


def _local(graph: EngineGraph, i: int, parent: int, got: float, expected: float) -> Finding:
    message = (
        f"node {graph.describe(i)}: your _backward gives {_partial_name(graph, i, parent)} = {got:.6g}; "
        f"expected {expected_text(graph, i, parent)} = {expected:.6g}"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "local", message)


def _missing(graph: EngineGraph, i: int, parent: int, expected: float) -> Finding:
    message = (
        f"node {graph.describe(i)}: your _backward propagates nothing (every parent's grad stays 0); "
        f"expected {_partial_name(graph, i, parent)} = {expected_text(graph, i, parent)} = "
        f"{expected:.6g}; is _backward set for this op?"
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


def _crashed(graph: EngineGraph, i: int, error: Exception) -> Finding:
    message = f"node {graph.describe(i)}: your _backward raised {type(error).__name__}: {error}"
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "local", message)


def _domain_edge(graph: EngineGraph, i: int) -> InputError:
    k, refs = graph.kind(i)
    at = ", ".join(f"{graph.names[r]} = {graph.nodes[r].data:g}" for r in refs)
    partials = "; ".join(f"{_partial_name(graph, i, r)} = {expected_text(graph, i, r)}" for r in refs)
    return InputError(
        f"{at} is on the edge of the domain of {graph.engine_ops[i] or graph.ops[i]}, where its local derivative "
        f"({partials}) is not finite",
        node=graph.describe(i),
        hint="build the graph at a point inside the domain (e.g. a positive argument for log, sqrt, x**0.5)",
    )


def _kink_flag(graph: EngineGraph, i: int) -> Finding:
    inputs = ", ".join(f"{graph.names[o]} = {graph.nodes[o].data:g}" for o in graph.operands[i] if type(o) is int)
    message = (
        f"node {graph.describe(i)} is evaluated at a kink ({inputs}): the derivative is not defined "
        f"there, so any subgradient the engine uses is accepted"
    )
    return Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "nondifferentiable", message)
