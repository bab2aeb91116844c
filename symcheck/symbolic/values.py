"""High-precision values and adjoints of a program, node by node.

Values come from each node's own forward expression (the op table's meaning,
compiled for mpmath), never from an engine. Adjoints are accumulated in
backward order — reverse program order, the output seeded with 1 — by adding
``adjoint(node) · ∂node/∂operand`` into each operand, with the partials
obtained by sympy differentiation (`symcheck.opkind`); a partial with no value
at the point (sympy's ``0**x·log(0)``) is replaced by sympy's limit there when
one exists (`partial_gaps` lists them, so they are flagged, never silent). Both passes visit each
node once: linear in the size of the program.

Precision: `DIGITS` significant digits (30), rounded to float only at the end,
so the symbolic witness carries no floating-point error worth the name.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Collection, Mapping, Optional

import mpmath
import sympy

from symcheck.ir import Node, Program, default_value
from symcheck.symbolic.opkind import op_kind

DIGITS = 30
"""Working precision (significant decimal digits) of the symbolic witness."""


def resolve_inputs(program: Program, at: Optional[Mapping[str, float]] = None) -> dict[str, float]:
    """The value of every input: from `at`, else the program's own value, else `default_value`.

    Unknown names in `at`, and values that are not finite numbers, are an
    `InputError` (a NaN point would only come back as a puzzling domain error).
    """
    inputs = program.inputs
    known = {node.name for node in inputs}
    unknown = sorted(set(at or {}) - known)
    if unknown:
        from symcheck.errors import InputError

        raise InputError(
            f"{unknown[0]!r} is not an input of this program",
            hint=f"the inputs are: {', '.join(sorted(known)) or '(none)'}",
        )
    point: dict[str, float] = {}
    for position, node in enumerate(inputs):
        if at and node.name in at:
            point[node.name] = finite_input(node.name, at[node.name])
        elif node.value is not None:
            point[node.name] = float(node.value)
        else:
            point[node.name] = default_value(position)
    return point


def finite_input(name: str, value: Any) -> float:
    """`value` as the float value of input `name`; `InputError` unless it is a finite number."""
    from symcheck.errors import InputError

    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"the input's value {value!r} is not a number", node=name, hint="give a finite number") from None
    if not math.isfinite(number):
        raise InputError(f"the input's value {number} is not a finite number", node=name, hint="give a finite number")
    return number


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
                from symcheck.symbolic.constants import constant_error

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


@dataclass(frozen=True)
class PartialGap:
    """A local partial ∂node/∂operand with no finite value at the point, though the node has one.

    `limit` is the value sympy's limit gave instead (`OpKind.partial_limit`),
    used in its place; None when there is none, and the partial stays NaN.
    """

    node: str
    operand: str
    limit: Optional[float]


def local_partials(node: Node, values: Mapping[str, Any]) -> dict[str, mpmath.mpf]:
    """∂node/∂operand at the point for each distinct node operand, to `DIGITS` digits.

    Evaluated from the op kind's sympy partials; where that has no finite value
    (sympy's ``0**x·log(0)`` at x = 2) sympy's limit of the partial at the point
    stands in when it exists (`OpKind.partial_limit`), else the partial is NaN.
    """
    kind, names = op_kind(node)
    args = [values[n] for n in names]
    with mpmath.workdps(DIGITS):
        direct = _direct_partials(kind, args)
        partials = {}
        for k, (name, partial) in enumerate(zip(names, direct)):
            if partial is None:
                limit = kind.partial_limit(k, args)
                partial = mpmath.mpf(sympy.N(limit, DIGITS)) if limit is not None else mpmath.mpf("nan")
            partials[name] = partial
    return partials


def partial_gaps(program: Program, values: Mapping[str, Any]) -> list[PartialGap]:
    """Every local partial on a path to the output that has no finite value at the point."""
    from symcheck.symbolic.kinks import reaching_output

    reached = reaching_output(program)
    gaps = []
    for node in program.nodes:
        if node.is_input or node.name not in reached:
            continue
        kind, names = op_kind(node)
        args = [values[n] for n in names]
        with mpmath.workdps(DIGITS):
            direct = _direct_partials(kind, args)
        for k, (name, partial) in enumerate(zip(names, direct)):
            if partial is None:
                limit = kind.partial_limit(k, args)
                gaps.append(PartialGap(node.name, name, None if limit is None else float(limit)))
    return gaps


def _direct_partials(kind: Any, args: list) -> tuple[Optional[mpmath.mpf], ...]:
    """Each partial evaluated at the point, None where it has no finite real value."""
    try:
        partials = kind.partials_mp()(*args)
    except (ZeroDivisionError, ValueError, OverflowError):
        return (None,) * len(args)
    return tuple(map(finite_real, partials))


def finite_real(value: Any) -> Optional[mpmath.mpf]:
    """`value` as a finite real mpf, or None (complex, infinite or NaN)."""
    if isinstance(value, mpmath.mpc):
        if value.imag != 0:
            return None
        value = value.real
    try:
        value = mpmath.mpf(value)
    except (TypeError, ValueError):
        return None
    return value if mpmath.isfinite(value) else None


def _domain_error(node: Node, operands: list, args: list) -> Exception:
    from symcheck.errors import InputError

    shown = ", ".join(f"{n} = {mpmath.nstr(v, 8)}" for n, v in zip(operands, args))
    return InputError(
        f"{node.op} is outside its domain at node {node.name!r} ({shown or 'constant operands'})",
        location=node.location,
        node=node.name,
        hint="choose another point with --at (e.g. a positive argument for log/sqrt, a nonzero divisor)",
    )
