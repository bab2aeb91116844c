"""Points where an op is not differentiable, and the nodes whose adjoints they affect.

At a kink the three witnesses legitimately differ, each by its own convention,
so symcheck flags the point instead of judging it:

* relu at 0 — the engine takes the subgradient 0, a central finite difference
  gives ½ ((h − 0)/2h), sympy's Heaviside(0) = ½;
* abs at 0 — the engine takes the subgradient 0, a central difference gives 0,
  sympy's sign(0) = 0;
* sqrt at 0 (and a power below 1 at 0) — the derivative is infinite; ag
  refuses the node, the other witnesses have no finite value.

A local partial that sympy cannot evaluate at a point where the node itself has
a value (``∂(0**x)/∂x = 0**x·log(0)``) is a `domain` flag (`domain_flag`): it
names the partial, the limit sympy found in its place (if any) and what the
engine and finite differences give, so a missing symbolic witness is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

import mpmath
import sympy

from symcheck.ir import Node, Program, ancestors, reaching_output
from symcheck.ops import op_spec
from symcheck.symbolic.opkind import DIGITS, op_kind
from symcheck.render.formulas import dotted
from symcheck.report import Finding
from symcheck.symbolic.values import direct_partials



def find_kinks(program: Program, values: Mapping[str, Any]) -> list[Finding]:
    """A `nondifferentiable` flag for every node whose operand sits exactly on a kink."""
    flags = []
    for node in program.nodes:
        message = _kink_message(node, values)
        if message:
            flags.append(Finding(node.name, node.op, "nondifferentiable", message))
    return flags


def _kink_message(node: Node, values: Mapping[str, Any]) -> str:
    kink = None if node.is_input else op_spec(node.op).kink
    if kink is None or not node.inputs or not isinstance(node.inputs[0], str):
        return ""
    operands = [float(values[o]) if isinstance(o, str) else float(o) for o in node.inputs]
    if not kink.at(operands, [not isinstance(o, str) for o in node.inputs]):
        return ""
    base = node.inputs[0]
    texts = [o if isinstance(o, str) else f"{float(o):g}" for o in node.inputs]
    where = kink.place(node.op, texts) if kink.place else f"{node.op}({base}) at {base} = 0"
    return (f"{where} is not differentiable: {kink.convention}; the engine's gradients "
            f"through {node.name} are accepted under either convention")


def affected_by(program: Program, kink_nodes: Iterable[str]) -> set[str]:
    """The strict ancestors of the kink nodes: their adjoints flow through a kink.

    Only kinks that reach the output matter; an unreached kink affects nothing.
    """
    reaches = reaching_output(program)
    return ancestors(program, [name for name in kink_nodes if name in reaches])


@dataclass(frozen=True)
class PartialGap:
    """A local partial ∂node/∂operand with no finite value at the point, though the node has one.

    `limit` is the value sympy's limit gave instead (`OpKind.partial_limit`),
    used in its place; None when there is none, and the partial stays NaN.
    """

    node: str
    operand: str
    limit: Optional[float]


def partial_gaps(program: Program, values: Mapping[str, Any]) -> list[PartialGap]:
    """Every local partial on a path to the output that has no finite value at the point."""
    reached = reaching_output(program)
    gaps = []
    for node in program.nodes:
        if node.is_input or node.name not in reached:
            continue
        kind, names = op_kind(node)
        args = [values[n] for n in names]
        with mpmath.workdps(DIGITS):
            direct = direct_partials(kind, args)
        for k, (name, partial) in enumerate(zip(names, direct)):
            if partial is None:
                limit = kind.partial_limit(k, args)
                gaps.append(PartialGap(node.name, name, None if limit is None else float(limit)))
    return gaps



def domain_flag(
    program: Program, gap: PartialGap, values: Mapping[str, Any], engine: Optional[float], fd: Optional[float]
) -> Finding:
    """The `domain` flag for a local partial with no value at the point (`precision.partial_gaps`).

    `engine` and `fd` are the two other witnesses' ∂f/∂operand.
    """
    node = program.node(gap.node)
    operands = [o for o in dict.fromkeys(node.inputs) if isinstance(o, str)]
    at = ", ".join(f"{name} = {_num(float(values[name]))}" for name in operands)
    head = f"∂{gap.node}/∂{gap.operand} = {partial_text(node, gap.operand)} has no value at {at} (sympy)"
    if gap.limit is not None:
        used = f"sympy's limit there is {_num(gap.limit)}, used as the symbolic witness"
    else:
        used = (f"sympy's limit does not decide it, so ∂f/∂{gap.operand} and the nodes behind it are "
                f"judged engine against finite differences")
    witnesses = f"the engine gives ∂f/∂{gap.operand} = {_num(engine)}, finite differences {_num(fd)}"
    if gap.limit is None and fd is None:
        witnesses += " (no finite difference has a value here either: nothing confirms or refutes the engine)"
    return Finding(gap.node, node.op, "domain", f"{head}; {used}; {witnesses}")


def partial_text(node: Node, operand: str) -> str:
    """∂node/∂operand as sympy writes it before folding constants: ``0**x·log(0)``."""
    kind, names = op_kind(node)
    partial, symbols = kind.slot_partial(names.index(operand))
    shown = [sympy.Symbol(o if isinstance(o, str) else _num(float(o))) for o in node.inputs]
    return dotted(partial.xreplace(dict(zip(symbols, shown))))


def _num(value: Optional[float]) -> str:
    return "not taken" if value is None else f"{value:.10g}"
