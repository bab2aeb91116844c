"""ag: a small, fast scalar reverse-mode autodiff engine.

>>> import ag
>>> x = ag.Scalar(3.0, "x"); y = ag.Scalar(-4.0, "y")
>>> f = (x + ag.sigmoid(y)) / (ag.sigmoid(x) + (x + y) ** 2)
>>> f.backward(); round(x.grad, 6)
2.05957
"""

import operator as _operator

from .backward import backward, backward_order, zero_grad
from .engine import Scalar, as_scalar
from .errors import DomainError
from .functions import (
    abs, cos, dot, elu, exp, gelu, gelu_tanh, leaky_relu, log, logsumexp, max, mean, min, reciprocal, relu, sigmoid,
    silu, sin, softmax, softplus, sqrt, square, sum, tanh,
)
from .grad_mode import is_grad_enabled, no_grad

OPS = {
    "add": _operator.add, "sub": _operator.sub, "mul": _operator.mul, "div": _operator.truediv,
    "neg": _operator.neg, "pow": _operator.pow, "exp": exp, "log": log, "sqrt": sqrt, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "abs": abs, "sum": sum, "dot": dot, "softmax": softmax,
    "logsumexp": logsumexp, "mean": mean, "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu, "gelu_tanh": gelu_tanh,
    "softplus": softplus, "silu": silu, "square": square, "reciprocal": reciprocal, "max": max, "min": min,
}
"""The op table: every non-leaf Scalar's `op` is one of these names ("input" and "const" mark leaves),
each with the function that builds it: ``f(a)`` or ``f(a, b)`` (``a ** 2`` keeps the number in `arg`;
``leaky_relu(a, slope)`` and ``elu(a, alpha)`` keep a number parameter as a constant parent),
``f(xs)`` for the n-ary ops, ``dot(ws, xs)``, and ``softmax(xs)`` giving one node per input."""

__all__ = [
    "Scalar", "DomainError", "OPS", "as_scalar", "backward", "backward_order", "zero_grad",
    "no_grad", "is_grad_enabled", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
    "relu", "abs", "sum", "dot", "mean", "logsumexp", "softmax", "leaky_relu", "elu", "gelu", "gelu_tanh",
    "softplus", "silu", "square", "reciprocal", "max", "min",
]

# Sub-packages last: they import the names above.
from . import nn, optim  # noqa: E402
