"""Each node's local step in isolation, against sympy's local partials.

For a node z with parents p1…pk the engine's local step must contribute
``z.grad · ∂z/∂pj`` to each ``pj.grad`` (summed over every operand position
where pj appears: ``a * a`` gives ``2a``). Each step is run alone with
``z.grad = 1`` (`EngineAdapter.step`: a closure run with the parents' grads at
a sentinel, a returned contribution, stored local gradients, a minitorch
function's backward) and compared with sympy's partials (`symcheck.symbolic.opkind`,
compiled for floats), never with anything the engine computed. A step that
disagrees is told apart:

- ``missing``: there is no step (no ``_backward``, no stored local gradients), or the
  step adds nothing at all while sympy says it should;
- ``accumulation``: the step overwrites (``=``) instead of adding (``+=``)
  into a parent that is used more than once, so contributions get lost;
- ``local``: the step gives a wrong local derivative — every wrong partial is named;
- ``crashed``: the step raised (the exception is named).

A node exactly on a kink (relu or abs at 0) is flagged, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import sub
from typing import TYPE_CHECKING, Any, Optional

import sympy

from symcheck.engines.families.closure import SENTINEL, ClosureAdapter
from symcheck.engines.families.returning import StepResultError
from symcheck.engines.graph import EngineGraph
from symcheck.errors import InputError
from symcheck.render.formulas import readable
from symcheck.report import Finding

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.render.progress import Progress

PROGRESS_EVERY = 4096
"""Steps checked between two progress reports."""


@dataclass
class StepChecks:
    """Every non-leaf node's isolated step: the worst relative error, failures, kink flags, and what each step gave.

    `partials[i]` is what node i's own step gave each distinct parent (in the
    order of `EngineGraph.kind`), kept for engines whose backward pass, not the
    step, adds the contributions up (`symcheck.engines.run` replays them).
    """

    nodes_checked: int = 0
    worst_relative_error: float = 0.0
    failures: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)
    faulty: list[int] = field(default_factory=list)
    partials: dict[int, list[float]] = field(default_factory=dict)


def check_steps(graph: EngineGraph, *, rtol: float = 1e-6, atol: float = 1e-9,
                progress: Optional["Progress"] = None) -> StepChecks:
    """Run every non-leaf node's local step alone and compare with sympy's local partials.

    Grads are restored afterwards, so this can run before or after a real backward pass.
    This loop is the hot path of a 100,000-node check: one engine step and one
    compiled call per node, a few list passes per edge.
    """
    adapter = graph.adapter
    nodes = graph.nodes
    saved = [adapter.grad(node) if adapter.grads_on_every_node else None for node in nodes]
    keep = not adapter.step_adds
    result = StepChecks()
    worst = 0.0
    suspects: list[int] = []
    closure = adapter.step_adds and isinstance(adapter, ClosureAdapter)
    names: dict[type, tuple[str, str]] = {}  # per node class: its grad's and its step's attribute names
    if progress is not None:
        progress.begin("checking each local step", len(nodes))
    try:
        for i, node in enumerate(nodes):
            if progress is not None and i % PROGRESS_EVERY == PROGRESS_EVERY - 1:
                progress.advance(PROGRESS_EVERY)
            if graph.is_leaf(i):
                continue
            result.nodes_checked += 1
            k, refs = graph.kind(i)
            values = graph.variable_values(i)
            if k.at_kink(values):
                result.flags.append(_kink_flag(graph, i))
                continue
            try:
                expected = k.partials_float()(*values)
            except (ArithmeticError, ValueError):  # math's own domain errors: sqrt'(0), log'(0), 1/0
                raise _domain_edge(graph, i) from None
            if not adapter.has_step(node):
                result.failures.append(_no_step(graph, i, refs, expected))
                result.faulty.append(i)
                continue
            parents = [nodes[r] for r in refs]
            try:
                got = _closure_step(adapter, node, parents, names) if closure else adapter.step(node, parents)
            except StepResultError as error:
                result.failures.append(_shapeless(graph, i, refs, expected, str(error)))
                result.faulty.append(i)
                continue
            except Exception as error:  # the engine's step crashed: that is the finding
                result.failures.append(_crashed(graph, i, error))
                result.faulty.append(i)
                continue
            if keep:
                result.partials[i] = got
            scale = max(map(abs, expected), default=0.0) + atol
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
            finding = _diagnose(graph, i, uses, result.partials.get(i), rtol, atol)
            if finding is not None:
                result.failures.append(finding)
                result.faulty.append(i)
    finally:
        if adapter.grads_on_every_node:
            for node, grad in zip(nodes, saved):
                adapter.set_grad(node, grad)
        if progress is not None:
            progress.done()
    return result


def _closure_step(adapter: Any, node: Any, parents: list[Any], names: dict[type, tuple[str, str]]) -> list[float]:
    """A closure step alone (the fast path of `ClosureAdapter.step`): parents at the sentinel, the node at 1.

    `names` caches each node class's grad and step attribute names (the hot loop of a big check).
    """
    grad, step = names.get(type(node)) or _names(adapter, node, names)
    if grad == "grad" and set(map(type, parents)) <= {type(node)}:  # micrograd, ag: one node class
        for parent in parents:
            parent.grad = SENTINEL
        node.grad = 1.0
        getattr(node, step)()
        got = [parent.grad for parent in parents]
    else:
        for parent in parents:
            setattr(parent, (names.get(type(parent)) or _names(adapter, parent, names))[0], SENTINEL)
        setattr(node, grad, 1.0)
        getattr(node, step)()
        got = [getattr(parent, names[type(parent)][0]) for parent in parents]
    return [(g if g.__class__ is float else float(g or 0.0)) - SENTINEL for g in got]


def _names(adapter: Any, node: Any, names: dict[type, tuple[str, str]]) -> tuple[str, str]:
    layout = adapter.layout(node)
    if layout.grad is None:
        adapter.set_grad(node, 0.0)  # raises the error that says no grad was found
    found = names[type(node)] = (layout.grad, layout.step or "_backward")
    return found


def _expected_by_parent(graph: EngineGraph, i: int) -> tuple[list[int], list[float]]:
    k, refs = graph.kind(i)
    return list(refs), [float(e) for e in k.partials_float()(*graph.variable_values(i))]


def _diagnose(graph: EngineGraph, i: int, uses: list[int], given: Optional[list[float]], rtol: float,
              atol: float) -> Optional[Finding]:
    positions, expected = _expected_by_parent(graph, i)

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= atol + rtol * abs(b)

    if graph.adapter.step_adds:
        node = graph.nodes[i]
        parents = [graph.nodes[p] for p in positions]
        from_zero = _isolated(graph, node, parents, 0.0)
        from_sentinel = _isolated(graph, node, parents, SENTINEL)
        overwritten = [not close(s, SENTINEL + z) for s, z in zip(from_sentinel, from_zero)]
        for j, p in enumerate(positions):
            if overwritten[j] and uses[p] >= 2:
                return _accumulation(graph, i, p, from_zero[j], expected[j])
        got = from_zero
    else:
        got = given or []
    wrong = [j for j in range(len(positions)) if not close(got[j], expected[j])]
    if not wrong:
        return None  # the step only overwrites parents used once: harmless in this graph
    if all(g == 0.0 for g in got) and _does_nothing(graph, i):
        j = next(n for n, e in enumerate(expected) if e != 0.0)
        return _missing(graph, i, positions[j], expected[j])
    return _local(graph, i, [(positions[j], got[j], expected[j]) for j in wrong])


def _does_nothing(graph: EngineGraph, i: int) -> bool:
    """True for a step whose code does nothing (micrograd's default ``lambda: None``, a ``pass``) or that
    cannot be read; a step with code that happens to give 0 here, or stored gradients of 0, are ``local``."""
    adapter, node = graph.adapter, graph.nodes[i]
    layout = adapter.layout(node)
    if layout.step is None:
        return True
    step = getattr(node, layout.step, None)
    code = getattr(getattr(step, "__func__", step), "__code__", None)
    if code is None:
        return True
    return not code.co_names and not code.co_freevars and set(code.co_consts) <= {None}


def _isolated(graph: EngineGraph, node: Any, parents: list[Any], start: float) -> list[float]:
    adapter = graph.adapter
    for parent in parents:
        adapter.set_grad(parent, start)
    adapter.set_grad(node, 1.0)
    getattr(node, adapter.layout(node).step)()
    return [float(adapter.grad(parent) or 0.0) for parent in parents]


def expected_text(graph: EngineGraph, i: int, parent: int) -> str:
    """sympy's ∂node/∂parent in the operands' names, written for people: ``1 − tanh(z4)²``."""
    k, refs = graph.kind(i)
    symbols = [sympy.Symbol(graph.names[r], real=True) for r in refs]
    return readable(k.partial_in(refs.index(parent), symbols))


def _partial_name(graph: EngineGraph, i: int, parent: int) -> str:
    return f"∂{graph.names[i]}/∂{graph.names[parent]}"


def _step_word(graph: EngineGraph, i: int) -> str:
    """How the engine calls the node's local step, for messages."""
    adapter = graph.adapter
    layout = adapter.layout(graph.nodes[i])
    if adapter.family == "stored local gradients":
        return f"stored local gradient{'s' if len(graph.parents(i)) > 1 else ''} ({layout.local_grads})"
    if adapter.family == "minitorch history":
        return f"{graph.engine_ops[i]}.backward"
    return f"{layout.step or '_backward'}"


def _local(graph: EngineGraph, i: int, wrong: list[tuple[int, float, float]]) -> Finding:
    parts = [f"{_partial_name(graph, i, p)} = {got:.6g}; expected {expected_text(graph, i, p)} = {expected:.6g}"
             for p, got, expected in wrong]
    message = f"node {graph.describe(i)}: your {_step_word(graph, i)} gives " + "; and ".join(parts)
    return Finding(graph.names[i], graph.op_name(i), "local", message + _inferred_note(graph, i))


def _inferred_note(graph: EngineGraph, i: int) -> str:
    reading = graph.readings.get(i)
    if reading is None or not reading.inferred:
        return ""
    others = [op for op in reading.inferred if op != graph.ops[i]]
    also = f"; {', '.join(others)} also give{'s' if len(others) == 1 else ''} that value" if others else ""
    return f" (this node names no op: {graph.ops[i]} is the op that gives its value{also})"


def _missing(graph: EngineGraph, i: int, parent: int, expected: float) -> Finding:
    message = (
        f"node {graph.describe(i)}: your {_step_word(graph, i)} propagates nothing (every parent's grad stays 0); "
        f"expected {_partial_name(graph, i, parent)} = {expected_text(graph, i, parent)} = "
        f"{expected:.6g}; is {_step_word(graph, i)} set for this op?"
    )
    return Finding(graph.names[i], graph.op_name(i), "missing", message)


def _no_step(graph: EngineGraph, i: int, refs: tuple[int, ...], expected: Any) -> Finding:
    j = next((n for n, e in enumerate(expected) if e != 0.0), 0)
    what = "stores no local gradients" if graph.adapter.family == "stored local gradients" else "has no local step"
    message = (
        f"node {graph.describe(i)} {what} (no {_step_word(graph, i)}), so backward passes nothing to its parents; "
        f"expected {_partial_name(graph, i, refs[j])} = {expected_text(graph, i, refs[j])} = {float(expected[j]):.6g}"
    )
    return Finding(graph.names[i], graph.op_name(i), "missing", message)


def _shapeless(graph: EngineGraph, i: int, refs: tuple[int, ...], expected: Any, what: str) -> Finding:
    if what.startswith("it returned 0 contribution"):
        return _no_step(graph, i, refs, expected)
    message = f"node {graph.describe(i)}: your {_step_word(graph, i)} cannot be read: {what}"
    return Finding(graph.names[i], graph.op_name(i), "crashed", message)


def _accumulation(graph: EngineGraph, i: int, parent: int, got: float, expected: float) -> Finding:
    users = [graph.names[c] for c in graph.consumers()[parent]]
    used = (", ".join(users[:-1]) + f" and {users[-1]}") if len(users) > 1 else f"{users[0]} twice"
    message = (
        f"node {graph.describe(i)}: your {_step_word(graph, i)} overwrites {graph.names[parent]}.grad "
        f"(= instead of +=), but {graph.names[parent]} is used by {used}, so its grad must be the sum "
        f"of every contribution; this step's own {_partial_name(graph, i, parent)} = {got:.6g} "
        f"(expected {expected:.6g})"
    )
    return Finding(graph.names[i], graph.op_name(i), "accumulation", message)


def _crashed(graph: EngineGraph, i: int, error: Exception) -> Finding:
    message = (f"node {graph.describe(i)}: your {_step_word(graph, i)} raised {type(error).__name__}: {error} "
               f"(run alone, with {graph.names[i]}.grad = 1)")
    return Finding(graph.names[i], graph.op_name(i), "crashed", message)


def _domain_edge(graph: EngineGraph, i: int) -> InputError:
    k, refs = graph.kind(i)
    at = ", ".join(f"{graph.names[r]} = {graph.values[r]:g}" for r in refs)
    partials = "; ".join(f"{_partial_name(graph, i, r)} = {expected_text(graph, i, r)}" for r in refs)
    return InputError(
        f"{at} is on the edge of the domain of {graph.op_name(i)}, where its local derivative "
        f"({partials}) is not finite",
        node=graph.describe(i),
        hint="build the graph at a point inside the domain (e.g. a positive argument for log, sqrt, x**0.5)",
    )


def _kink_flag(graph: EngineGraph, i: int) -> Finding:
    inputs = ", ".join(f"{graph.names[o]} = {graph.values[o]:g}" for o in graph.operands[i] if type(o) is int)
    message = (
        f"node {graph.describe(i)} is evaluated at a kink ({inputs}): the derivative is not defined "
        f"there, so any subgradient the engine uses is accepted"
    )
    return Finding(graph.names[i], graph.op_name(i), "nondifferentiable", message)
