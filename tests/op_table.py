"""The tests' op table: one row per built-in op, with its value and local partials worked out by hand.

A new op is one row here, one in ag's table (`ag.OPS`) and one in symcheck's
(`symcheck.ops`); `test_op_tables.py` fails when the three disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Row:
    """``op(*operands)`` at `values` (one per distinct node operand a, b, c, d; numbers stay numbers)."""

    op: str
    operands: tuple
    values: tuple[float, ...]
    value: float
    partials: tuple[float, ...]
    index: Optional[int] = None


def _softmax(xs: tuple[float, ...]) -> list[float]:
    exps = [math.exp(x) for x in xs]
    return [e / sum(exps) for e in exps]


A, B = 0.7, -1.3
S = _softmax((0.2, -0.4, 1.1))

ROWS = (
    Row("id", ("a",), (A,), A, (1.0,)),
    Row("add", ("a", "b"), (A, B), A + B, (1.0, 1.0)),
    Row("sub", ("a", "b"), (A, B), A - B, (1.0, -1.0)),
    Row("mul", ("a", "b"), (A, B), A * B, (B, A)),
    Row("div", ("a", "b"), (A, B), A / B, (1 / B, -A / B**2)),
    Row("neg", ("a",), (A,), -A, (-1.0,)),
    Row("pow", ("a", "b"), (A, 1.7), A**1.7, (1.7 * A**0.7, A**1.7 * math.log(A))),
    Row("exp", ("a",), (A,), math.exp(A), (math.exp(A),)),
    Row("log", ("a",), (A,), math.log(A), (1 / A,)),
    Row("sqrt", ("a",), (A,), math.sqrt(A), (0.5 / math.sqrt(A),)),
    Row("sin", ("a",), (A,), math.sin(A), (math.cos(A),)),
    Row("cos", ("a",), (A,), math.cos(A), (-math.sin(A),)),
    Row("tanh", ("a",), (A,), math.tanh(A), (1 - math.tanh(A) ** 2,)),
    Row("sigmoid", ("a",), (B,), 1 / (1 + math.exp(-B)), (math.exp(-B) / (1 + math.exp(-B)) ** 2,)),
    Row("relu", ("a",), (B,), 0.0, (0.0,)),
    Row("abs", ("a",), (B,), -B, (-1.0,)),
    Row("sum", ("a", "b", "c"), (A, B, 0.4), A + B + 0.4, (1.0, 1.0, 1.0)),
    Row("dot", ("a", "b", "c", "d"), (A, B, 0.4, 2.0), A * 0.4 + B * 2.0, (0.4, 2.0, A, B)),
    Row("mean", ("a", "b", "c"), (A, B, 0.4), (A + B + 0.4) / 3, (1 / 3, 1 / 3, 1 / 3)),
    Row("logsumexp", ("a", "b", "c"), (0.2, -0.4, 1.1), math.log(sum(math.exp(v) for v in (0.2, -0.4, 1.1))),
        tuple(S)),
    Row("softmax", ("a", "b", "c"), (0.2, -0.4, 1.1), S[1], (-S[1] * S[0], S[1] * (1 - S[1]), -S[1] * S[2]), index=1),
)
