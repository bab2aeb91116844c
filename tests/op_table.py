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


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _gelu_tanh(x: float) -> tuple[float, float]:
    """GELU's tanh approximation and its derivative, by the product and chain rules."""
    c = math.sqrt(2 / math.pi)
    t = math.tanh(c * (x + 0.044715 * x**3))
    return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * c * (1 + 3 * 0.044715 * x**2)


A, B = 0.7, -1.3
S = _softmax((0.2, -0.4, 1.1))
PHI = 0.5 * (1 + math.erf(A / math.sqrt(2)))  # the normal distribution function at A
DENSITY = math.exp(-A * A / 2) / math.sqrt(2 * math.pi)  # its density at A
GELU_TANH, GELU_TANH_PRIME = _gelu_tanh(A)

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
    Row("leaky_relu", ("a", "b"), (B, 0.1), 0.1 * B, (0.1, B)),
    Row("elu", ("a", "b"), (B, 0.8), 0.8 * (math.exp(B) - 1), (0.8 * math.exp(B), math.exp(B) - 1)),
    Row("gelu", ("a",), (A,), A * PHI, (PHI + A * DENSITY,)),
    Row("gelu_tanh", ("a",), (A,), GELU_TANH, (GELU_TANH_PRIME,)),
    Row("softplus", ("a",), (B,), math.log(1 + math.exp(B)), (_sigmoid(B),)),
    Row("silu", ("a",), (B,), B * _sigmoid(B), (_sigmoid(B) * (1 + B * (1 - _sigmoid(B))),)),
    Row("square", ("a",), (B,), B * B, (2 * B,)),
    Row("reciprocal", ("a",), (B,), 1 / B, (-1 / B**2,)),
    Row("max", ("a", "b"), (A, B), A, (1.0, 0.0)),
    Row("min", ("a", "b"), (A, B), B, (0.0, 1.0)),
)
