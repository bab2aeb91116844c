"""High-precision values and adjoints of a program, node by node.

Values come from each node's own forward expression (the op table's meaning,
compiled for mpmath), never from an engine. Adjoints are accumulated in
backward order — reverse program order, the output seeded with 1 — by adding
``adjoint(node) · ∂node/∂operand`` into each operand, with the partials
obtained by sympy differentiation (`symcheck.symbolic.opkind`); a partial with
no value at the point (sympy's ``0**x·log(0)``) is replaced by sympy's limit
there when one exists (`symcheck.symbolic.kinks.partial_gaps` lists them, so
they are flagged, never silent). Both passes visit each node once: linear in
the size of the program.

Precision: `DIGITS` significant digits (30), rounded to float only at the end,
so the symbolic witness carries no floating-point error worth the name.
"""

from __future__ import annotations

import sys
from typing import Any, Collection, Mapping, Optional

import mpmath
import sympy

from symcheck.errors import InputError
from symcheck.ir import Node, Program
from symcheck.symbolic.constants import constant_error
from symcheck.symbolic.opkind import DIGITS, finite_real, op_kind

def node_values(program: Program, point: Mapping[str, float]) -> dict[str, mpmath.mpf]:
    """Every node's value at `point`, to `DIGITS` digits.

    A node evaluated outside its op's real domain (log of a non-positive
    number, division by zero, …) raises `InputError` naming the node and op.
    When no input reaches that node, or a node no input reaches has a value
    no float can hold, the error names the constant expression instead
    (`symcheck.constant_expr`): no other point would help.
    """
    values: dict[str, mpmath.mpf] = {}
    reached: set[str] = set()  # nodes some input reaches
    with mpmath.workdps(DIGITS):
        for node in program.nodes:
            if node.is_input:
                values[node.name] = mpmath.mpf(point[node.name])
                reached.add(node.name)
                continue
            kind, names = op_kind(node)
            args = [values[n] for n in names]
            try:
                value = finite_real(kind.forward_mp()(*args))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                value = None
            if any(n in reached for n in names):
                reached.add(node.name)
            elif value is None or abs(value) > sys.float_info.max:
                raise constant_error(program, node.name) or _domain_error(node, names, args)
            if value is None:
                raise _domain_error(node, names, args)
            values[node.name] = value
    return values


def adjoint_values(
    program: Program, values: Mapping[str, Any], *, zero_partials: Collection[str] = ()
) -> dict[str, mpmath.mpf]:
    """Every node's adjoint ∂f/∂node at the point (`values` from `node_values`).

    A partial that cannot be evaluated (sqrt's at 0 is infinite) contributes
    NaN, so the affected adjoints are NaN rather than a wrong finite number.
    The local partials of the nodes in `zero_partials` are taken as 0: an
    engine's subgradient convention at a kink, for comparison.
    """
    adjoints = {node.name: mpmath.mpf(0) for node in program.nodes}
    adjoints[program.output] = mpmath.mpf(1)
    with mpmath.workdps(DIGITS):
        for node in reversed(program.nodes):
            seed = adjoints[node.name]
            if node.is_input or seed == 0 or node.name in zero_partials:
                continue  # 0 · partial adds nothing (an unreached node)
            for name, partial in local_partials(node, values).items():
                adjoints[name] += seed * partial
    return adjoints


def local_partials(node: Node, values: Mapping[str, Any]) -> dict[str, mpmath.mpf]:
    """∂node/∂operand at the point for each distinct node operand, to `DIGITS` digits.

    Evaluated from the op kind's sympy partials; where that has no finite value
    (sympy's ``0**x·log(0)`` at x = 2) sympy's limit of the partial at the point
    stands in when it exists (`OpKind.partial_limit`), else the partial is NaN.
    """
    kind, names = op_kind(node)
    args = [values[n] for n in names]
    with mpmath.workdps(DIGITS):
        direct = direct_partials(kind, args)
        partials = {}
        for k, (name, partial) in enumerate(zip(names, direct)):
            if partial is None:
                limit = kind.partial_limit(k, args)
                partial = mpmath.mpf(sympy.N(limit, DIGITS)) if limit is not None else mpmath.mpf("nan")
            partials[name] = partial
    return partials


def direct_partials(kind: Any, args: list) -> tuple[Optional[mpmath.mpf], ...]:
    """Each partial evaluated at the point, None where it has no finite real value."""
    try:
        partials = kind.partials_mp()(*args)
    except (ZeroDivisionError, ValueError, OverflowError):
        return (None,) * len(args)
    return tuple(map(finite_real, partials))


def _domain_error(node: Node, operands: list, args: list) -> Exception:
    shown = ", ".join(f"{n} = {mpmath.nstr(v, 8)}" for n, v in zip(operands, args))
    return InputError(
        f"{node.op} is outside its domain at node {node.name!r} ({shown or 'constant operands'})",
        location=node.location,
        node=node.name,
        hint="choose another point with --at (e.g. a positive argument for log/sqrt, a nonzero divisor)",
    )
