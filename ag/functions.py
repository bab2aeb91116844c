"""Module-level functions: the unary ops for Scalars or numbers, and fused n-ary ops.

A fused op is one node (softmax: one node per output) whose local partials are
computed exactly at forward time, so `dot` of two length-n vectors is one node
with 2n parents instead of 2n - 1 nodes.
"""

from __future__ import annotations

import builtins
import math
from operator import attrgetter, mul
from typing import Sequence

from .engine import Operand, Scalar, _make, as_scalar
from .errors import DomainError


def exp(x: Operand) -> Scalar:
    """e^x; ∂/∂x = e^x."""
    return as_scalar(x, "exp").exp()


def log(x: Operand) -> Scalar:
    """ln x; ∂/∂x = 1/x."""
    return as_scalar(x, "log").log()


def sqrt(x: Operand) -> Scalar:
    """√x; ∂/∂x = 1/(2√x)."""
    return as_scalar(x, "sqrt").sqrt()


def sin(x: Operand) -> Scalar:
    """sin x; ∂/∂x = cos x."""
    return as_scalar(x, "sin").sin()


def cos(x: Operand) -> Scalar:
    """cos x; ∂/∂x = -sin x."""
    return as_scalar(x, "cos").cos()


def tanh(x: Operand) -> Scalar:
    """tanh x; ∂/∂x = 1 - tanh² x."""
    return as_scalar(x, "tanh").tanh()


def sigmoid(x: Operand) -> Scalar:
    """σ(x); ∂/∂x = σ(x)(1 - σ(x))."""
    return as_scalar(x, "sigmoid").sigmoid()


def relu(x: Operand) -> Scalar:
    """max(x, 0); ∂/∂x = [x > 0]."""
    return as_scalar(x, "relu").relu()


def abs(x: Operand) -> Scalar:  # noqa: A001 - mirrors math naming on purpose
    """|x|; ∂/∂x = sign(x), 0 at 0."""
    return as_scalar(x, "abs").abs()


def _scalars(xs: Sequence[Operand], op: str) -> tuple[Scalar, ...]:
    """`xs` as a tuple of Scalars (numbers become constant leaves); errors name the op.

    A set is refused: its order varies from run to run, and the order of a
    node's parents is part of the graph (dot pairs them, softmax indexes them).
    """
    if isinstance(xs, (Scalar, str, set, frozenset)) or not hasattr(xs, "__iter__"):
        hint = " (unordered; pass a list)" if isinstance(xs, (set, frozenset)) else ""
        raise TypeError(f"ag.{op} takes a sequence of Scalars or numbers, got {type(xs).__name__}{hint}")
    out = tuple(xs)
    if set(map(type, out)) != _ONLY_SCALARS:  # the common case costs one C-level pass
        if not out:
            raise ValueError(f"ag.{op} of an empty sequence")
        out = tuple([x if x.__class__ is Scalar else _element(x, op, i) for i, x in enumerate(out)])
    return out


def _element(value: Operand, op: str, index: int) -> Scalar:
    try:
        return as_scalar(value, op)
    except TypeError:
        raise TypeError(
            f"ag.{op} needs Scalars or real numbers, got {type(value).__name__} at position {index}: {value!r}"
        ) from None
    except DomainError as error:
        raise DomainError(op, error.value, None, f"the value at position {index} is not a finite number") from None


_ONLY_SCALARS = {Scalar}
_data = attrgetter("data")
_builtin_sum = builtins.sum  # this module defines its own `sum`


def _finite(value: float, op: str, xs: tuple[Scalar, ...]) -> float:
    if value - value:  # inf - inf and nan - nan are nan; a finite value gives 0.0
        raise _overflow(op, xs)
    return value


def _exact_sum(xs: tuple[Scalar, ...], op: str) -> float:
    try:
        return _finite(math.fsum(map(_data, xs)), op, xs)
    except OverflowError:
        raise _overflow(op, xs) from None


def _overflow(op: str, xs: tuple[Scalar, ...]) -> DomainError:
    label = next((x.label for x in xs if x.label), None)
    return DomainError(op, xs[0].data, label, f"the {op} of {len(xs)} values overflows a float")


def sum(xs: Sequence[Operand]) -> Scalar:  # noqa: A001
    """Σ xᵢ as one node; ∂/∂xᵢ = 1 (summed exactly with `math.fsum`)."""
    xs = _scalars(xs, "sum")
    value = _exact_sum(xs, "sum")
    return _make(value, "sum", xs, (1.0,) * len(xs))


def mean(xs: Sequence[Operand]) -> Scalar:
    """(1/n) Σ xᵢ as one node; ∂/∂xᵢ = 1/n."""
    xs = _scalars(xs, "mean")
    n = len(xs)
    value = _exact_sum(xs, "mean") / n
    return _make(value, "mean", xs, (1.0 / n,) * n)


def dot(ws: Sequence[Operand], xs: Sequence[Operand]) -> Scalar:
    """Σ wᵢ·xᵢ as one node with parents (w₁…wₙ, x₁…xₙ); ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ."""
    ws = _scalars(ws, "dot")
    xs = _scalars(xs, "dot")
    if len(ws) != len(xs):
        raise ValueError(f"ag.dot needs equal lengths, got {len(ws)} and {len(xs)}")
    wd = [w.data for w in ws]
    xd = [x.data for x in xs]
    parents = ws + xs
    value = _finite(_builtin_sum(map(mul, wd, xd)), "dot", parents)
    return _make(value, "dot", parents, tuple(xd + wd))


def logsumexp(xs: Sequence[Operand]) -> Scalar:
    """ln Σ e^xᵢ, computed as m + ln Σ e^(xᵢ-m) with m = max xᵢ; ∂/∂xᵢ = softmax(x)ᵢ."""
    xs = _scalars(xs, "logsumexp")
    data = [x.data for x in xs]
    m = max(data)
    exps = [math.exp(v - m) for v in data]
    total = math.fsum(exps)
    inverse = 1.0 / total
    return _make(m + math.log(total), "logsumexp", xs, tuple([e * inverse for e in exps]))


def softmax(xs: Sequence[Operand]) -> list[Scalar]:
    """sᵢ = e^xᵢ / Σ e^xⱼ, one node per output (index i kept in `arg`); ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ - sⱼ)."""
    xs = _scalars(xs, "softmax")
    data = [x.data for x in xs]
    m = max(data)
    exps = [math.exp(v - m) for v in data]
    inverse = 1.0 / math.fsum(exps)
    probs = [e * inverse for e in exps]
    parents = xs
    out = []
    for i, si in enumerate(probs):
        partials = [-si * sj for sj in probs]
        partials[i] = si - si * si
        node = _make(si, "softmax", parents, tuple(partials))
        node.arg = i
        out.append(node)
    return out
