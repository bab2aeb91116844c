"""`check_engine`: the three witnesses plus root causes, for any micrograd-style value.

1. Capture the graph (`symcheck.engines.graph`).
2. Run the engine's own backward once from zero grads, watching its step
   order (`symcheck.engines.run`): the engine witness, ``order`` and ``stale``.
3. Run every local step alone against sympy's local partials
   (`symcheck.engines.steps`): ``local``, ``missing``, ``accumulation``.
4. Compare every node's grad with the symbolic and finite-difference
   witnesses (`symcheck.compare.check_program`): ``mismatch``.

Root causes come first; a mismatch they explain (at a node upstream of a
faulty step, whose grad the fault flows into) is left out by the comparator,
an unexplained one is kept.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from symcheck.compare import check_program
from symcheck.engines.graph import capture_engine
from symcheck.engines.run import order_findings, run_backward, stale_findings
from symcheck.engines.steps import check_steps
from symcheck.errors import InputError
from symcheck.report import Report


def check_engine(
    value: Any,
    *,
    at: Optional[Mapping[str, float]] = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    forms: bool = True,
) -> Report:
    """Check a micrograd-style engine's gradients at the value it computed, and find the faulty op.

    Every node's ``grad`` after the engine's own ``backward()`` is compared with
    ∂f/∂node from sympy and from finite differences (ok when
    |engine − symbolic| ≤ atol + rtol·|symbolic|); every local step is also run
    alone and compared with sympy's local partials. `forms=False` skips the
    printed derivation forms (chain rule, symbolic adjoints): faster for fuzzing.

    >>> from micrograd.engine import Value
    >>> x = Value(0.5); report = check_engine((x * x).relu())
    >>> report.ok
    True
    """
    if at:
        raise InputError(
            "a live graph of another engine is checked at the values it was built with; at= cannot move it",
            hint="build the graph at the point you want (e.g. Value(0.5)) and pass its output",
        )
    graph = capture_engine(value)
    steps = check_steps(graph, rtol=rtol, atol=atol)  # first: a point on a domain edge is named before the engine runs
    run = run_backward(graph)
    causes = stale_findings(graph, run, rtol=rtol, atol=atol) + steps.failures + order_findings(graph, run)
    program = graph.to_program()
    engine_grads = {graph.names[i]: run.grads[i] for i in range(len(graph)) if graph.names[i] in program}
    return check_program(program, rtol=rtol, atol=atol, engine_grads=engine_grads, forms=forms,
                         target=f"<{graph.adapter.name} graph, output {graph.names[graph.output]}>",
                         root_causes=causes, step_flags=steps.flags)
