"""Module-level functions: the unary ops for Scalars or numbers, and fused n-ary ops.

A fused op is one node (softmax: one node per output) whose local partials are
computed exactly at forward time, so `dot` of two length-n vectors is one node
with 2n parents instead of 2n - 1 nodes.
"""

from __future__ import annotations

import math
from typing import Sequence

from ag.engine import Operand, Scalar, _grad_mode, as_scalar


def exp(x: Operand) -> Scalar:
    """e^x; ∂/∂x = e^x."""
    return as_scalar(x).exp()


def log(x: Operand) -> Scalar:
    """ln x; ∂/∂x = 1/x."""
    return as_scalar(x).log()


def sqrt(x: Operand) -> Scalar:
    """√x; ∂/∂x = 1/(2√x)."""
    return as_scalar(x).sqrt()


def sin(x: Operand) -> Scalar:
    """sin x; ∂/∂x = cos x."""
    return as_scalar(x).sin()


def cos(x: Operand) -> Scalar:
    """cos x; ∂/∂x = -sin x."""
    return as_scalar(x).cos()


def tanh(x: Operand) -> Scalar:
    """tanh x; ∂/∂x = 1 - tanh² x."""
    return as_scalar(x).tanh()


def sigmoid(x: Operand) -> Scalar:
    """σ(x); ∂/∂x = σ(x)(1 - σ(x))."""
    return as_scalar(x).sigmoid()


def relu(x: Operand) -> Scalar:
    """max(x, 0); ∂/∂x = [x > 0]."""
    return as_scalar(x).relu()


def abs(x: Operand) -> Scalar:  # noqa: A001 - mirrors math naming on purpose
    """|x|; ∂/∂x = sign(x), 0 at 0."""
    return as_scalar(x).abs()


def _scalars(xs: Sequence[Operand], op: str) -> list[Scalar]:
    if isinstance(xs, Scalar) or not hasattr(xs, "__iter__"):
        raise TypeError(f"ag.{op} takes a sequence of Scalars or numbers, got {type(xs).__name__}")
    out = [x if x.__class__ is Scalar else as_scalar(x) for x in xs]
    if not out:
        raise ValueError(f"ag.{op} of an empty sequence")
    return out


def _node(value: float, op: str, parents: tuple, partials: tuple, arg=None) -> Scalar:
    if _grad_mode.enabled:
        return Scalar(value, op=op, parents=parents, partials=partials, arg=arg)
    return Scalar(value)


def sum(xs: Sequence[Operand]) -> Scalar:  # noqa: A001
    """Σ xᵢ as one node; ∂/∂xᵢ = 1."""
    xs = _scalars(xs, "sum")
    return _node(math.fsum([x.data for x in xs]), "sum", tuple(xs), (1.0,) * len(xs))


def mean(xs: Sequence[Operand]) -> Scalar:
    """(1/n) Σ xᵢ as one node; ∂/∂xᵢ = 1/n."""
    xs = _scalars(xs, "mean")
    n = len(xs)
    return _node(math.fsum([x.data for x in xs]) / n, "mean", tuple(xs), (1.0 / n,) * n)


def dot(ws: Sequence[Operand], xs: Sequence[Operand]) -> Scalar:
    """Σ wᵢ·xᵢ as one node with parents (w₁…wₙ, x₁…xₙ); ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ."""
    ws = _scalars(ws, "dot")
    xs = _scalars(xs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"ag.dot needs equal lengths, got {len(ws)} and {len(xs)}")
    wd = [w.data for w in ws]
    xd = [x.data for x in xs]
    value = 0.0
    for a, b in zip(wd, xd):
        value += a * b
    return _node(value, "dot", (*ws, *xs), (*xd, *wd))


def logsumexp(xs: Sequence[Operand]) -> Scalar:
    """ln Σ e^xᵢ, computed as m + ln Σ e^(xᵢ-m) with m = max xᵢ; ∂/∂xᵢ = softmax(x)ᵢ."""
    xs = _scalars(xs, "logsumexp")
    data = [x.data for x in xs]
    m = max(data)
    exps = [math.exp(v - m) for v in data]
    total = math.fsum(exps)
    return _node(m + math.log(total), "logsumexp", tuple(xs), tuple(e / total for e in exps))


def softmax(xs: Sequence[Operand]) -> list[Scalar]:
    """sᵢ = e^xᵢ / Σ e^xⱼ, one node per output (index i kept in `arg`); ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ - sⱼ)."""
    xs = _scalars(xs, "softmax")
    data = [x.data for x in xs]
    m = max(data)
    exps = [math.exp(v - m) for v in data]
    total = math.fsum(exps)
    probs = [e / total for e in exps]
    parents = tuple(xs)
    out = []
    for i, si in enumerate(probs):
        partials = tuple([-si * sj for sj in probs])
        partials = partials[:i] + (si - si * si,) + partials[i + 1 :]
        out.append(_node(si, "softmax", parents, partials, arg=i))
    return out
