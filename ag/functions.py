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
_builtin_sum = builtins.sum  # this module defines its own `sum`, `max` and `min`
_builtin_max = builtins.max


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
    m = _builtin_max(data)
    exps = [math.exp(v - m) for v in data]
    total = math.fsum(exps)
    inverse = 1.0 / total
    return _make(m + math.log(total), "logsumexp", xs, tuple([e * inverse for e in exps]))


def softmax(xs: Sequence[Operand]) -> list[Scalar]:
    """sᵢ = e^xᵢ / Σ e^xⱼ, one node per output (index i kept in `arg`); ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ - sⱼ)."""
    xs = _scalars(xs, "softmax")
    data = [x.data for x in xs]
    m = _builtin_max(data)
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


# -- activations and two-operand ops that real engines use ----------------------------------------

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _logistic(a: float) -> float:
    """σ(a) without overflow."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _with_parameter(x: Scalar, parameter: Operand, op: str) -> tuple[Scalar, Scalar]:
    """`x` and the op's parameter (a slope, an alpha) as Scalars: a number becomes a constant leaf."""
    return x, parameter if parameter.__class__ is Scalar else as_scalar(parameter, op)


def leaky_relu(x: Operand, slope: Operand = 0.01) -> Scalar:
    """x if x > 0 else slope·x; ∂/∂x = 1 or slope (slope at 0), ∂/∂slope = min(x, 0)."""
    x, s = _with_parameter(as_scalar(x, "leaky_relu"), slope, "leaky_relu")
    a = x.data
    if a > 0.0:
        return _make(a, "leaky_relu", (x, s), (1.0, 0.0))
    return _make(s.data * a, "leaky_relu", (x, s), (s.data, a))


def elu(x: Operand, alpha: Operand = 1.0) -> Scalar:
    """x if x > 0 else alpha·(e^x − 1); ∂/∂x = 1 or alpha·e^x, ∂/∂alpha = 0 or e^x − 1."""
    x, s = _with_parameter(as_scalar(x, "elu"), alpha, "elu")
    a = x.data
    if a > 0.0:
        return _make(a, "elu", (x, s), (1.0, 0.0))
    e = math.exp(a)
    return _make(s.data * (e - 1.0), "elu", (x, s), (s.data * e, e - 1.0))


def softplus(x: Operand) -> Scalar:
    """ln(1 + e^x), computed without overflow; ∂/∂x = σ(x)."""
    x = as_scalar(x, "softplus")
    a = x.data
    value = _builtin_max(a, 0.0) + math.log1p(math.exp(-builtins.abs(a)))
    return _make(value, "softplus", (x,), (_logistic(a),))


def silu(x: Operand) -> Scalar:
    """x·σ(x) (also called swish); ∂/∂x = σ(x)·(1 + x·(1 − σ(x)))."""
    x = as_scalar(x, "silu")
    a = x.data
    s = _logistic(a)
    return _make(a * s, "silu", (x,), (s * (1.0 + a * (1.0 - s)),))


def gelu(x: Operand) -> Scalar:
    """x·Φ(x) with Φ the normal distribution function (the erf form); ∂/∂x = Φ(x) + x·φ(x)."""
    x = as_scalar(x, "gelu")
    a = x.data
    cdf = 0.5 * (1.0 + math.erf(a * _INV_SQRT_2))
    density = _INV_SQRT_2PI * math.exp(-0.5 * a * a)
    return _make(a * cdf, "gelu", (x,), (cdf + a * density,))


def gelu_tanh(x: Operand) -> Scalar:
    """½x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GELU's tanh approximation; ∂/∂x by the product rule."""
    x = as_scalar(x, "gelu_tanh")
    a = x.data
    t = math.tanh(_SQRT_2_OVER_PI * (a + _GELU_CUBIC * a * a * a))
    inner = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * a * a)
    return _make(0.5 * a * (1.0 + t), "gelu_tanh", (x,), (0.5 * (1.0 + t) + 0.5 * a * (1.0 - t * t) * inner,))


def square(x: Operand) -> Scalar:
    """x²; ∂/∂x = 2x."""
    x = as_scalar(x, "square")
    a = x.data
    value = a * a
    if value - value:
        raise DomainError("square", a, x.label, "the result overflows a float")
    return _make(value, "square", (x,), (2.0 * a,))


def reciprocal(x: Operand) -> Scalar:
    """1/x; ∂/∂x = −1/x²."""
    x = as_scalar(x, "reciprocal")
    a = x.data
    if a == 0.0:
        raise DomainError("reciprocal", a, x.label, "the reciprocal of 0")
    value = 1.0 / a
    partial = -value * value
    if value - value or partial - partial:
        raise DomainError("reciprocal", a, x.label, "the result or its derivative overflows a float")
    return _make(value, "reciprocal", (x,), (partial,))


def max(a: Operand, b: Operand) -> Scalar:  # noqa: A001 - the op table's name
    """The larger of a and b; ∂/∂a = 1 where a > b, 0 where a < b, ½ each at a tie."""
    a, b = _pair(a, b, "max")
    da = 1.0 if a.data > b.data else (0.0 if a.data < b.data else 0.5)
    return _make(a.data if da >= 0.5 else b.data, "max", (a, b), (da, 1.0 - da))


def min(a: Operand, b: Operand) -> Scalar:  # noqa: A001 - the op table's name
    """The smaller of a and b; ∂/∂a = 1 where a < b, 0 where a > b, ½ each at a tie."""
    a, b = _pair(a, b, "min")
    da = 1.0 if a.data < b.data else (0.0 if a.data > b.data else 0.5)
    return _make(a.data if da >= 0.5 else b.data, "min", (a, b), (da, 1.0 - da))


def _pair(a: Operand, b: Operand, op: str) -> tuple[Scalar, Scalar]:
    return as_scalar(a, op), as_scalar(b, op)
