"""Points where an op is not differentiable, and the nodes whose adjoints they affect.

At a kink the three witnesses legitimately differ, each by its own convention,
so symcheck flags the point instead of judging it:

* relu at 0 — the engine takes the subgradient 0, a central finite difference
  gives ½ ((h − 0)/2h), sympy's Heaviside(0) = ½;
* abs at 0 — the engine takes the subgradient 0, a central difference gives 0,
  sympy's sign(0) = 0;
* sqrt at 0 (and a power below 1 at 0) — the derivative is infinite; ag
  refuses the node, the other witnesses have no finite value.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from symcheck.ir import Node, Program
from symcheck.report import Finding

CONVENTIONS = {
    "relu": "the engine takes the subgradient 0, finite differences give ½, sympy's Heaviside(0) = ½",
    "abs": "the engine takes the subgradient 0, central finite differences give 0, sympy's sign(0) = 0",
    "sqrt": "the derivative 1/(2√0) is infinite: ag refuses the node, finite differences and sympy have no finite value",
    "pow": "the derivative of a power below 1 is infinite at 0: no witness has a finite value",
}


def find_kinks(program: Program, values: Mapping[str, Any]) -> list[Finding]:
    """A `nondifferentiable` flag for every node whose operand sits exactly on a kink."""
    flags = []
    for node in program.nodes:
        message = _kink_message(node, values)
        if message:
            flags.append(Finding(node.name, node.op, "nondifferentiable", message))
    return flags


def _kink_message(node: Node, values: Mapping[str, Any]) -> str:
    if node.op not in CONVENTIONS or not node.inputs or not isinstance(node.inputs[0], str):
        return ""
    base = node.inputs[0]
    if values[base] != 0:
        return ""
    if node.op == "pow" and not _fractional_power_below_one(node):
        return ""
    return f"{node.op}({base}) at {base} = 0 is not differentiable: {CONVENTIONS[node.op]}; the engine's gradients through {node.name} are accepted under either convention"


def _fractional_power_below_one(node: Node) -> bool:
    exponent = node.inputs[1] if len(node.inputs) > 1 else None
    return isinstance(exponent, float) and 0 < exponent < 1


def affected_by(program: Program, kink_nodes: Iterable[str]) -> set[str]:
    """The strict ancestors of the kink nodes: their adjoints flow through a kink.

    Only kinks that reach the output matter; an unreached kink affects nothing.
    """
    reaches = reaching_output(program)
    pending = [name for name in kink_nodes if name in reaches]
    affected: set[str] = set()
    while pending:
        node = program.node(pending.pop())
        for operand in node.inputs:
            if isinstance(operand, str) and operand not in affected:
                affected.add(operand)
                pending.append(operand)
    return affected


def reaching_output(program: Program) -> set[str]:
    """The output and every node with a path to it."""
    reached = {program.output}
    for node in reversed(program.nodes):
        if node.name in reached:
            reached.update(o for o in node.inputs if isinstance(o, str))
    return reached
