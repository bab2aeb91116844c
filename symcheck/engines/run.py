"""Running the engine's own backward once, watching the order of its local steps.

Every node's ``_backward`` is wrapped for the run to record when it is called
(micrograd keeps it as an instance attribute; a method is shadowed by an
instance attribute and removed afterwards); ag reports its steps through its
``before_step`` hook. From the record:

- ``order``: a node's step ran before the step of one of its consumers, so it
  pushed an incomplete grad to its parents (backward must run in reverse
  topological order). The finding names the node whose step ran too early
  and its op.
- ``stale``: grads were not zero when the last backward started (the value
  handed to symcheck holds grads that one fresh backward does not give).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

from symcheck.engines.adapters import AgAdapter
from symcheck.engines.graph import EngineGraph
from symcheck.errors import InputError, SymcheckError
from symcheck.report import Finding


class EngineLimitError(SymcheckError):
    """The engine's own backward() cannot run on this graph at all (not a wrong gradient).

    The usual case: a recursive topological sort (micrograd's ``build_topo``)
    on a graph deeper than Python's recursion limit.
    """


@dataclass
class EngineRun:
    """The grads the engine's backward gave from zero, those held before, and its step order."""

    grads: list[float]
    entry_grads: list[float]
    calls: Optional[list[int]]
    before_steps: Optional[list[list[float]]] = None
    """With ``snapshots=True``: every node's grad right before each recorded step."""


def run_backward(graph: EngineGraph, *, snapshots: bool = False) -> EngineRun:
    """Zero every grad, run ``output.backward()``, record each node's grad and the steps' order.

    With `snapshots`, also every grad right before each step (for small graphs:
    that is quadratic). The grads the graph held before are put back afterwards.
    """
    nodes = graph.nodes
    entry = [node.grad for node in nodes]
    for node in nodes:
        node.grad = 0.0
    calls: list[int] = []
    before: Optional[list[list[float]]] = [] if snapshots else None

    def record(i: int) -> None:
        calls.append(i)
        if before is not None:
            before.append([float(node.grad) for node in nodes])

    output = nodes[graph.output]
    if not callable(getattr(output, "backward", None)):
        raise InputError(
            f"a {type(output).__name__} has no backward() method, so symcheck cannot run your engine's backward pass",
            node=graph.names[graph.output],
            hint="give the value class a backward() that seeds the output's grad with 1 and calls each node's "
            "_backward() in reverse topological order (as micrograd's Value.backward does)",
        )
    try:
        if isinstance(graph.adapter, AgAdapter):
            position = {id(node): i for i, node in enumerate(nodes)}
            output.backward(before_step=lambda node: record(position[id(node)]))
            observed: Optional[list[int]] = calls
        else:
            restore = _wrap_steps(nodes, record)
            try:
                output.backward()
            except RecursionError:
                raise _recursion_limit(graph) from None
            except Exception as error:
                error.add_note("symcheck: raised by the engine's own backward(), run from zero grads")
                raise
            finally:
                restore()
            observed = calls if len(restore.wrapped) == len(nodes) else None  # type: ignore[attr-defined]
        grads = [float(node.grad) for node in nodes]
    finally:
        for node, grad in zip(nodes, entry):
            node.grad = grad
    return EngineRun(grads, [float(g) for g in entry], observed, before)


def _recursion_limit(graph: EngineGraph) -> EngineLimitError:
    return EngineLimitError(
        f"your engine's backward() hit Python's recursion limit ({sys.getrecursionlimit()}) on this graph "
        f"({len(graph)} nodes, {graph.depth()} deep): its recursive walk of the graph (build_topo calling "
        f"itself) cannot go this deep; this is a limit of your engine, not a wrong gradient",
        node=graph.names[graph.output],
        hint="build the topological order with an explicit stack, or call sys.setrecursionlimit(...) "
        "above the graph's depth before backward()",
    )


def _wrap_steps(nodes: list[Any], record: Callable[[int], None]) -> Callable[[], None]:
    wrapped: list[tuple[Any, Any, bool]] = []
    for i, node in enumerate(nodes):
        own = getattr(node, "__dict__", None)
        if own is None:
            continue
        original = own.get("_backward")
        step = original if original is not None else node._backward

        def recorder(step: Callable[[], None] = step, i: int = i) -> None:
            record(i)
            step()

        try:
            node._backward = recorder
        except AttributeError:
            continue
        wrapped.append((node, original, original is not None))

    def restore() -> None:
        for node, original, had_own in wrapped:
            if had_own:
                node._backward = original
            else:
                del node._backward

    restore.wrapped = wrapped  # type: ignore[attr-defined]
    return restore


def order_findings(graph: EngineGraph, run: EngineRun) -> list[Finding]:
    """An ``order`` finding for the first node (from the output) whose step ran before a consumer's."""
    if run.calls is None:
        return []
    first: dict[int, int] = {}
    for when, i in enumerate(run.calls):
        first.setdefault(i, when)
    consumers = graph.consumers()
    early: list[tuple[int, int]] = []
    never: list[int] = []
    for i in reversed(range(len(graph))):
        if graph.is_leaf(i):
            continue
        if i not in first:
            never.append(i)
            continue
        late = [c for c in consumers[i] if first.get(c, -1) > first[i]]
        if late:
            early.append((i, late[0]))
    findings = []
    if early:
        i, consumer = early[0]
        others = f" (and {len(early) - 1} other node(s) ran before a consumer)" if len(early) > 1 else ""
        message = (
            f"node {graph.describe(i)}: its _backward ran before that of its consumer "
            f"{graph.describe(consumer)}, so it passed on an incomplete {graph.names[i]}.grad{others}; "
            f"backward must call _backward in reverse topological order (for v in reversed(topo))"
        )
        findings.append(Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "order", message))
    for i in never:
        message = f"node {graph.describe(i)}: its _backward never ran during backward()"
        findings.append(Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "missing", message))
    return findings


def stale_findings(graph: EngineGraph, run: EngineRun, *, rtol: float, atol: float) -> list[Finding]:
    """A ``stale`` finding when the grads handed over are not what one backward from zero gives."""
    stale = [
        i
        for i in reversed(range(len(graph)))
        if run.entry_grads[i] != 0.0 and abs(run.entry_grads[i] - run.grads[i]) > atol + rtol * abs(run.grads[i])
    ]
    if not stale:
        return []
    i = stale[0]
    others = f" (and {len(stale) - 1} other node(s))" if len(stale) > 1 else ""
    message = (
        f"node {graph.describe(i)}: {graph.names[i]}.grad was {run.entry_grads[i]:.6g} when symcheck got "
        f"the graph, but one backward from zero grads gives {run.grads[i]:.6g}{others}: the grads were not "
        f"zero when backward started; set every grad to 0 before calling backward() "
        f"(symcheck checked a fresh run)"
    )
    return [Finding(graph.names[i], graph.engine_ops[i] or graph.ops[i], "stale", message)]
