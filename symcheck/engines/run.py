"""Running the engine's own backward once, watching its local steps, and naming what its driver gets wrong.

Every node's step reports itself while the engine's backward runs
(`EngineAdapter.observe`: a wrapped ``_backward``, ag's ``before_step`` hook,
watched stored gradients, a wrapped ``chain_rule``). From that record and the
grads the run leaves:

- ``no_step``: ``backward()`` ran no local step at all (one finding, not one per node);
- ``repeated``: a node's step ran more than once (a recursive walk with no visited set);
- ``order``: a node's step ran before the step of one of its consumers, so it
  pushed an incomplete grad to its parents (backward must run in reverse
  topological order);
- ``missing``: some steps never ran (one finding listing them);
- ``accumulation``: for engines whose backward adds the steps' contributions
  (not the steps themselves), a grad that is not the sum of what its
  consumers' steps gave — ``=`` where ``+=`` belongs;
- ``crashed``: ``backward()`` raised (the node whose step was running is named);
- ``stale``: the grads handed over are not what one backward from zero gives
  (they were not zeroed before the last backward).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Optional

from symcheck.engines.graph import EngineGraph
from symcheck.engines.steps import StepChecks
from symcheck.errors import SymcheckError
from symcheck.report import Finding

MAX_NAMED = 8
"""Nodes a finding names before it counts the rest."""


class EngineLimitError(SymcheckError):
    """The engine's own backward() cannot run on this graph at all (not a wrong gradient).

    The usual case: a recursive topological sort (micrograd's ``build_topo``)
    on a graph deeper than Python's recursion limit.
    """


@dataclass
class EngineRun:
    """The grads the engine's backward gave from zero, those held before, and its step record.

    `grads[i]` is None where the engine keeps no gradient (minitorch's
    intermediate nodes) or when the run crashed; `calls` is None when the steps
    could not be watched; `crashed` is the node whose step was running and the
    exception, when ``backward()`` raised.
    """

    grads: list[Optional[float]]
    entry_grads: list[Optional[float]]
    calls: Optional[list[int]]
    before_steps: Optional[list[list[Optional[float]]]] = None
    """With ``snapshots=True``: every node's grad right before each recorded step."""
    crashed: Optional[tuple[Optional[int], BaseException]] = None


def run_backward(graph: EngineGraph, *, snapshots: bool = False) -> EngineRun:
    """Zero every grad, run the engine's backward from the output, record each grad and the steps' record.

    With `snapshots`, also every grad right before each step (for small graphs:
    that is quadratic). The grads the graph held before are put back afterwards.
    """
    adapter, nodes = graph.adapter, graph.nodes
    names = [adapter.layout(node).grad for node in nodes]
    entry = [getattr(node, name, None) if name else None for node, name in zip(nodes, names)]
    calls: list[int] = []
    before: Optional[list[list[Optional[float]]]] = [] if snapshots else None

    def record(i: int) -> None:
        calls.append(i)
        if before is not None:
            before.append([adapter.grad(node) for node in nodes])

    crashed: Optional[tuple[Optional[int], BaseException]] = None
    try:
        for node, name in zip(nodes, names):
            if name:
                setattr(node, name, 0.0)
        restore = adapter.observe(nodes, record)
        try:
            adapter.run(nodes[graph.output])
        except RecursionError:
            raise _recursion_limit(graph) from None
        except SymcheckError as error:
            if error.node is None and error.location is None:
                error.node = graph.names[graph.output]
            raise
        except Exception as error:  # the engine's own backward raised: a finding, not symcheck's crash
            crashed = (calls[-1] if calls else None, error)
        finally:
            if restore is not None:
                restore()
        grads = [None] * len(nodes) if crashed else [adapter.grad(node) for node in nodes]
    finally:
        for node, name, grad in zip(nodes, names, entry):
            if name:
                setattr(node, name, grad)
    entry_grads = [_number(g) for g in entry]
    observed = calls if restore is not None else None
    if observed is not None and not any(not graph.is_leaf(i) for i in observed) and _moved(graph, grads):
        observed = None  # grads changed, yet no watched step ran: the engine runs its steps some other way
    return EngineRun(grads, entry_grads, observed, before, crashed)


def _moved(graph: EngineGraph, grads: list[Optional[float]]) -> bool:
    return any(g for i, g in enumerate(grads) if i != graph.output)


def _number(grad: Any) -> Optional[float]:
    try:
        return float(grad) if grad is not None else None
    except (TypeError, ValueError):
        return None


def _recursion_limit(graph: EngineGraph) -> EngineLimitError:
    return EngineLimitError(
        f"your engine's backward() hit Python's recursion limit ({sys.getrecursionlimit()}) on this graph "
        f"({len(graph)} nodes, {graph.depth()} deep): its recursive walk of the graph (build_topo calling "
        f"itself) cannot go this deep; this is a limit of your engine, not a wrong gradient",
        node=graph.names[graph.output],
        hint="build the topological order with an explicit stack, or call sys.setrecursionlimit(...) "
        "above the graph's depth before backward()",
    )


# -- what the record says ------------------------------------------------------------------------


def driver_findings(graph: EngineGraph, run: EngineRun, steps: StepChecks, *, rtol: float, atol: float) -> list[Finding]:
    """Findings about the engine's backward pass as a whole (not about one op's local step)."""
    if run.crashed is not None:
        return [_crash(graph, *run.crashed)]
    stepped = [i for i in range(len(graph)) if not graph.is_leaf(i) and graph.adapter.has_step(graph.nodes[i])]
    if run.calls is None:
        return [_no_step(graph)] if stepped and _nothing_moved(graph, run) else []
    steppable = set(stepped)
    ran = Counter(i for i in run.calls if i in steppable)
    if stepped and not ran:
        return [_no_step(graph)]
    findings = []
    repeated = [i for i in reversed(stepped) if ran[i] > 1]
    if repeated:
        findings.append(_repeated(graph, repeated, ran))
    findings += _order(graph, run, stepped)
    never = [i for i in reversed(stepped) if not ran[i]]
    if never:
        findings.append(_never(graph, never))
    if not findings and not graph.adapter.step_adds:
        findings += _summed_wrong(graph, run, steps, rtol=rtol, atol=atol)
    return findings


def _nothing_moved(graph: EngineGraph, run: EngineRun) -> bool:
    """With no record of the steps: True when no grad but the output's changed from zero."""
    return all(not g for i, g in enumerate(run.grads) if i != graph.output)


def _no_step(graph: EngineGraph) -> Finding:
    out = graph.output
    message = (
        f"backward() ran no local step: after it every grad but the output's is still 0 (the graph has "
        f"{sum(not graph.is_leaf(i) for i in range(len(graph)))} steps to run); it must seed "
        f"{graph.names[out]}.grad = 1 and call each node's local step in reverse topological order"
    )
    return Finding(graph.names[out], graph.op_name(out), "no_step", message)


def _crash(graph: EngineGraph, i: Optional[int], error: BaseException) -> Finding:
    where = f" in the step of node {graph.describe(i)}" if i is not None else ""
    message = (f"backward() raised {type(error).__name__}: {error}{where}; symcheck ran it from zero grads, "
               f"so no gradient of the engine could be read (each local step is still checked alone)")
    node = i if i is not None else graph.output
    return Finding(graph.names[node], graph.op_name(node), "crashed", message)


def _listed(graph: EngineGraph, positions: list[int], extra: Callable[[int], str] = lambda i: "") -> str:
    shown = [f"{graph.names[i]}{extra(i)}" for i in positions[:MAX_NAMED]]
    more = f", … {len(positions) - MAX_NAMED} more" if len(positions) > MAX_NAMED else ""
    return ", ".join(shown) + more


def _repeated(graph: EngineGraph, repeated: list[int], ran: Counter) -> Finding:
    first = repeated[0]
    others = (f" (and the steps of {len(repeated) - 1} other node(s) ran more than once: "
              f"{_listed(graph, repeated[1:], lambda i: f' ×{ran[i]}')})") if len(repeated) > 1 else ""
    message = (
        f"node {graph.describe(first)}: its local step ran {ran[first]} times during one backward(){others}; each "
        f"step must run once, after every consumer's step (a recursive walk with no visited set runs a shared "
        f"node's step once per path to it)"
    )
    return Finding(graph.names[first], graph.op_name(first), "repeated", message,
                   tuple(graph.names[i] for i in repeated))


def _never(graph: EngineGraph, never: list[int]) -> Finding:
    first = never[0]
    others = f" (nor did those of {_listed(graph, never[1:])})" if len(never) > 1 else ""
    message = f"node {graph.describe(first)}: its local step never ran during backward(){others}"
    return Finding(graph.names[first], graph.op_name(first), "missing", message,
                   tuple(graph.names[i] for i in never))


def _order(graph: EngineGraph, run: EngineRun, stepped: list[int]) -> list[Finding]:
    """An ``order`` finding for the first node (from the output) whose step ran before a consumer's."""
    first: dict[int, int] = {}
    for when, i in enumerate(run.calls or ()):
        first.setdefault(i, when)
    consumers = graph.consumers()
    early: list[tuple[int, int]] = []
    for i in reversed(stepped):
        if i not in first:
            continue
        late = [c for c in consumers[i] if first.get(c, -1) > first[i]]
        if late:
            early.append((i, late[0]))
    if not early:
        return []
    i, consumer = early[0]
    others = f" (and {len(early) - 1} other node(s) ran before a consumer)" if len(early) > 1 else ""
    message = (
        f"node {graph.describe(i)}: its local step ran before that of its consumer "
        f"{graph.describe(consumer)}, so it passed on an incomplete {graph.names[i]}.grad{others}; "
        f"backward must run the steps in reverse topological order (for v in reversed(topo))"
    )
    return [Finding(graph.names[i], graph.op_name(i), "order", message, tuple(graph.names[j] for j, _ in early))]


def _summed_wrong(graph: EngineGraph, run: EngineRun, steps: StepChecks, *, rtol: float, atol: float) -> list[Finding]:
    """Where backward adds the contributions, each grad must be their sum; an ``accumulation`` finding
    names the nodes where it is not (the steps themselves were run once each, in order)."""
    expected, parts = _replayed(graph, steps)
    wrong = []
    for i in reversed(range(len(graph))):
        got = run.grads[i]
        if got is None or i == graph.output or i not in parts:
            continue
        if abs(got - expected[i]) > atol + rtol * abs(expected[i]):
            wrong.append(i)
    if not wrong:
        return []
    i = wrong[0]
    got = run.grads[i]
    terms = parts[i]
    last = any(abs(got - t) <= atol + rtol * abs(t) for t in terms) if len(terms) > 1 else False  # type: ignore[operator]
    how = ("it holds only one of them: backward assigns (=) where it must add (+=)" if last
           else "backward loses some of them: it assigns (=) where it must add (+=), or skips a contribution")
    others = f" (and at {_listed(graph, wrong[1:])})" if len(wrong) > 1 else ""
    message = (
        f"node {graph.names[i]}: backward() leaves {graph.names[i]}.grad = {got:.6g}, but its consumers' steps "
        f"give {' + '.join(f'{t:.6g}' for t in terms)} = {expected[i]:.6g}; {how}{others}"
    )
    return [Finding(graph.names[i], "backward", "accumulation", message, tuple(graph.names[j] for j in wrong))]


def _replayed(graph: EngineGraph, steps: StepChecks) -> tuple[list[float], dict[int, list[float]]]:
    """Every grad as a correct backward pass would leave it with the engine's own local steps, and the
    contributions each node received."""
    grads = [0.0] * len(graph)
    grads[graph.output] = 1.0
    parts: dict[int, list[float]] = {}
    for i in reversed(range(len(graph))):
        given = steps.partials.get(i)
        if given is None:
            continue
        _, refs = graph.kind(i)
        for p, partial in zip(refs, given):
            contribution = grads[i] * partial
            grads[p] += contribution
            parts.setdefault(p, []).append(contribution)
    return grads, parts


def stale_findings(graph: EngineGraph, run: EngineRun, *, rtol: float, atol: float) -> list[Finding]:
    """A ``stale`` finding when the grads handed over are not what one backward from zero gives."""
    stale = [
        i for i in reversed(range(len(graph)))
        if run.entry_grads[i] and run.grads[i] is not None
        and abs(run.entry_grads[i] - run.grads[i]) > atol + rtol * abs(run.grads[i])  # type: ignore[operator]
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
    return [Finding(graph.names[i], graph.op_name(i), "stale", message)]
