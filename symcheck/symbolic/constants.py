"""Nodes that no input reaches: constant expressions, and the error when one fails.

A node whose value does not depend on any input (``10**400`` in ``10**400*x``,
``log(0 - 1)``) fails at every point, so when evaluation fails there the
error names the constant expression instead of suggesting another ``--at``.
Both evaluators (`symcheck.symbolic.values` and `symcheck.numeric.build`) ask
`constant_error` before blaming the point, whatever kind of target the
program came from (text, a `Program` built in Python, a captured ag graph).
"""

from __future__ import annotations

import sys
from typing import Optional

import mpmath

from symcheck.errors import InputError
from symcheck.ir import Program, upstream
from symcheck.parse.writeback import expression_text
from symcheck.symbolic.opkind import DIGITS, finite_real, op_kind

_HINT = "no input reaches it, so no --at can help: change the constant"


def constant_error(program: Program, name: str) -> Optional[InputError]:
    """The error for failing node `name` when no input reaches it, else None.

    The constant nodes upstream of `name` are evaluated in program order to
    `symbolic.opkind.DIGITS` digits from the op table's forward expressions; the
    first one that has no real value, or whose value no float can hold, is the
    one named (``name`` itself when only a float evaluator failed on it).
    """
    nodes = upstream(program, name)
    if any(program.node(n).is_input for n in nodes):
        return None
    values: dict[str, mpmath.mpf] = {}
    with mpmath.workdps(DIGITS):
        for node in program.nodes:
            if node.name not in nodes:
                continue
            kind, names = op_kind(node)
            try:
                value = finite_real(kind.forward_mp()(*(values[n] for n in names)))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                value = None
            if value is None:
                problem = f"is outside {node.op}'s domain"
            elif abs(value) > sys.float_info.max:
                problem = "is too large for a float"
            elif node.name == name:
                problem = f"is outside {node.op}'s domain"
            else:
                values[node.name] = value
                continue
            return InputError(f"the constant expression {expression_text(program, node.name, spaced=False, short_numbers=True)} {problem}",
                              location=node.location, node=node.name, hint=_HINT)
    return None  # pragma: no cover - `name` is in `nodes`, so the loop returns
