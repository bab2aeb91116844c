"""The node-by-node check, fast enough for Transformer-sized graphs.

`check_local_steps(output)` runs every node's local step ``_backward()`` alone
(``node.grad = 1``, parents' grads at a sentinel) and compares what it adds to
each parent with sympy's local partial ∂node/∂parent, evaluated at the node's
operand values. Sympy differentiates each op *kind* (op × operand pattern)
once and the partials are compiled (`symcheck.symbolic.opkind`), so the cost per
node is one engine step plus one compiled call: linear in the graph's size.

A step agrees when |engine − sympy| ≤ atol + rtol·|sympy|. Nodes exactly on
a kink are flagged, not judged.

>>> import ag
>>> x = ag.Scalar(0.5, "x"); f = ag.tanh(x * x + x)
>>> result = check_local_steps(f)
>>> (result.nodes_checked, result.ok)
(3, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from symcheck.engines.check import collector_spared
from symcheck.engines.graph import capture_engine
from symcheck.engines.reader import Reader
from symcheck.engines.steps import check_steps
from symcheck.report import Finding


@dataclass
class LocalCheck:
    """The result: how many local steps were checked, the worst relative error, failures and kink flags.

    The relative error of a partial is |engine − sympy| / max(|sympy|, atol).
    """

    nodes_checked: int
    worst_relative_error: float
    failures: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def check_local_steps(output: Any, *, rtol: float = 1e-6, atol: float = 1e-9, reader: Optional[Reader] = None) -> LocalCheck:
    """Check every local step of the graph behind `output` (any engine `symcheck.check` reads).

    Grads are left as they were. Failures have kinds ``local``, ``missing``,
    ``accumulation`` or ``crashed`` and name the node and the engine's op.
    """
    with collector_spared():
        graph = capture_engine(output, reader=reader)
        steps = check_steps(graph, rtol=rtol, atol=atol)
    return LocalCheck(steps.nodes_checked, steps.worst_relative_error, steps.failures, steps.flags)
