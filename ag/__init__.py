"""ag: a small, fast scalar reverse-mode autodiff engine.

>>> import ag
>>> x = ag.Scalar(3.0, "x"); y = ag.Scalar(-4.0, "y")
>>> f = (x + ag.sigmoid(y)) / (ag.sigmoid(x) + (x + y) ** 2)
>>> f.backward(); round(x.grad, 6)
2.05957
"""

from ag.backward import backward, backward_order, zero_grad
from ag.engine import Scalar, as_scalar
from ag.errors import DomainError
from ag.functions import abs, cos, dot, exp, log, logsumexp, mean, relu, sigmoid, sin, softmax, sqrt, sum, tanh
from ag.grad_mode import is_grad_enabled, no_grad

OPS = (
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos", "tanh",
    "sigmoid", "relu", "abs", "sum", "dot", "softmax", "logsumexp", "mean",
)
"""The op vocabulary: every non-leaf Scalar's `op` is one of these ("input" and "const" mark leaves)."""

__all__ = [
    "Scalar", "DomainError", "OPS", "as_scalar", "backward", "backward_order", "zero_grad",
    "no_grad", "is_grad_enabled", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
    "relu", "abs", "sum", "dot", "mean", "logsumexp", "softmax",
]

# Sub-packages last: they import the names above.
from ag import nn, optim  # noqa: E402
