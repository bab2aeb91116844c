"""`check_engine`: the three witnesses plus root causes, for any engine symcheck can read.

1. Capture the graph (`symcheck.engines.graph`): every node from the output
   down to the leaves, read by discovery or a declared `Reader`, each node's
   reading checked against its own value (``forward`` when none reproduces it).
2. Run every local step alone against sympy's local partials
   (`symcheck.engines.steps`): ``local``, ``missing``, ``accumulation``, ``crashed``.
3. Run the engine's own backward once from zero grads, watching its steps
   (`symcheck.engines.run`): the engine witness, and ``no_step``, ``repeated``,
   ``order``, ``missing``, ``accumulation``, ``crashed``, ``stale``.
4. Compare every node's grad with the symbolic and finite-difference
   witnesses (`symcheck.compare.check_program`): ``mismatch``.

Root causes come first, one per op and kind (`symcheck.engines.group`); a
mismatch they explain (at a node whose grad the fault flows into) is left out
by the comparator, an unexplained one is kept. The report says how many nodes
it read (`Report.nodes_read`): every one of them was judged.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional

from symcheck.compare import check_program
from symcheck.engines.graph import EngineGraph, capture_engine
from symcheck.engines.group import group_findings
from symcheck.engines.run import driver_findings, run_backward, stale_findings
from symcheck.engines.steps import check_steps
from symcheck.errors import InputError
from symcheck.numeric.finite_diff import MODES
from symcheck.report import Finding, Report

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.engines.reader import Reader
    from symcheck.render.progress import Progress


def check_engine(
    value: Any,
    *,
    at: Optional[Mapping[str, float]] = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    forms: bool = True,
    reader: Optional["Reader"] = None,
    fd: str = "auto",
    progress: Optional["Progress"] = None,
) -> Report:
    """Check an engine's gradients at the values it computed, and find the faulty op or the faulty backward.

    Every node's grad after the engine's own backward is compared with
    ∂f/∂node from sympy and from finite differences (ok when
    |engine − symbolic| ≤ atol + rtol·|symbolic|); every local step is also run
    alone and compared with sympy's local partials. `reader` declares where the
    nodes keep what discovery cannot find; `fd` is ``"auto"``, ``"all"`` or
    ``"none"`` (`symcheck.compare.check_program`); `forms=False` skips the
    printed derivation forms (faster for fuzzing); `progress` hears of each stage.

    >>> from micrograd.engine import Value
    >>> x = Value(0.5); report = check_engine((x * x).relu())
    >>> report.ok, report.nodes_read
    (True, 3)
    """
    if at:
        raise InputError(
            "a live graph of another engine is checked at the values it was built with; at= cannot move it",
            hint="build the graph at the point you want (e.g. Value(0.5)) and pass its output",
        )
    if fd not in MODES:
        raise InputError(f"fd={fd!r} is not a finite-difference mode", hint="use fd='auto', 'all' or 'none'")
    with collector_spared():  # the engine's graph is big and often cyclic (closures): collections skip it
        graph = capture_engine(value, reader=reader, progress=progress)
        steps = check_steps(graph, rtol=rtol, atol=atol, progress=progress)  # first: a domain edge is named first
        if progress is not None:
            progress.begin("running your backward()")
        run = run_backward(graph)
        if progress is not None:
            progress.done()
        causes = (forward_findings(graph) + stale_findings(graph, run, rtol=rtol, atol=atol) + steps.failures
                  + driver_findings(graph, run, steps, rtol=rtol, atol=atol))
        program = graph.to_program()
        engine_grads = {graph.names[i]: run.grads[i] for i in range(len(graph)) if graph.names[i] in program}
        return check_program(program, rtol=rtol, atol=atol, engine_grads=engine_grads, forms=forms, fd=fd,
                             target=f"<{graph.adapter.family} graph, output {graph.names[graph.output]}>",
                             root_causes=group_findings(causes), step_flags=steps.flags + ambiguous_flags(graph),
                             nodes_read=len(graph), progress=progress)


@contextmanager
def collector_spared() -> Iterator[None]:
    """Python's cyclic garbage collector leaves the objects alive now (the engine's graph) alone for a while.

    A check allocates a little per node; with a large graph of closures alive
    (micrograd's nodes are all reference cycles) every full collection walks
    all of it, which made a check cost several times more. `gc.freeze` moves
    them out of the collector's sight and `gc.unfreeze` puts them back; new
    garbage is still collected. (Left alone when something else froze objects.)
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def forward_findings(graph: EngineGraph) -> list[Finding]:
    """A ``forward`` finding for each node whose value its op does not give from its parents' values."""
    findings = []
    for i, reading in sorted(graph.readings.items()):
        if reading.reproduced:
            continue
        parents = ", ".join(f"{graph.names[o]} = {graph.values[o]:.6g}" if type(o) is int else f"{o:g}"
                            for o in graph.operands[i])
        gives = "is undefined" if reading.op_value is None else f"gives {reading.op_value:.6g}"
        message = (
            f"node {graph.describe(i)}: its value is {graph.values[i]:.6g}, but {graph.ops[i]} of its parents "
            f"({parents}) {gives} in any operand order: the forward value is wrong, or the op is not "
            f"{graph.op_name(i)}; symcheck judges the gradients as those of {graph.ops[i]}"
        )
        findings.append(Finding(graph.names[i], graph.op_name(i), "forward", message))
    return findings


def ambiguous_flags(graph: EngineGraph) -> list[Finding]:
    """One ``ambiguous`` flag per set of ops that fit a node's value and its local step alike, naming the nodes."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, reading in sorted(graph.readings.items()):
        if reading.ambiguous and reading.reproduced:
            groups.setdefault(reading.ambiguous, []).append(i)
    flags = []
    for ops, positions in groups.items():
        i = positions[0]
        names = " and ".join([", ".join(ops[:-1]), ops[-1]]) if len(ops) > 1 else ops[0]
        named = f"names its op {graph.engine_ops[i]!r}" if graph.engine_ops[i] else "names no op"
        message = (
            f"node {graph.names[i]} {named}; {names} {'both' if len(ops) == 2 else 'all'} give its value and its "
            f"local gradients here, so "
            f"symcheck reads it as {graph.ops[i]} (at this point the check does not depend on which)"
        )
        flags.append(Finding(graph.names[i], graph.op_name(i), "ambiguous", message,
                             tuple(graph.names[j] for j in positions)))
    return flags
