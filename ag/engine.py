"""The scalar node and its elementwise operators.

Every operation builds one `Scalar` that remembers its parents (in operand
order) and the local partial derivative with respect to each parent, stored as
a plain number at forward time. Backward then only multiplies and adds; no
closures are created, which keeps the graph small and the garbage collector
quiet.
"""

from __future__ import annotations

import math
from itertools import count
from numbers import Real
from typing import Callable, Iterable, Optional, Union

from ag.errors import DomainError

Number = Union[int, float]
Operand = Union["Scalar", int, float]

_ids = count()


class _GradMode:
    """Whether operations record parents and partials (see `ag.no_grad`)."""

    enabled = True


_grad_mode = _GradMode()


def _as_float(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{where} needs a real number or an ag.Scalar, got {type(value).__name__}: {value!r}"
        )
    return float(value)


class Scalar:
    """A scalar value in a computation graph.

    Attributes:
        data: the forward value.
        grad: ∂output/∂self, accumulated by `backward()`.
        label: an optional name (symcheck uses it as the node's name).
        op: the name of the op that made this node (``"input"`` for a value
            you created, ``"const"`` for a number an operator coerced).
        parents: the operands, in operand order (a tuple: ``a + a`` has two).
        partials: ∂self/∂parent for each parent, as numbers.
        arg: the op's number argument (a `pow` exponent, a `softmax` index).

    >>> x = Scalar(2.0, label="x"); y = x * x + 1
    >>> y.backward(); (y.data, x.grad)
    (5.0, 4.0)
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "partials", "arg", "_id", "__weakref__")

    def __init__(
        self,
        data: Number,
        label: Optional[str] = None,
        *,
        op: str = "input",
        parents: tuple = (),
        partials: tuple = (),
        arg: Optional[float] = None,
    ) -> None:
        if data.__class__ is not float:
            data = _as_float(data, "Scalar()")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Scalar label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = op
        self.parents = parents
        self.partials = partials
        self.arg = arg
        self._id = next(_ids)

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Scalar({name}data={self.data:.6g}, grad={self.grad:.6g}, op={self.op!r})"

    # -- the local step -------------------------------------------------------

    def _backward(self) -> None:
        """One local step: add ``self.grad × ∂self/∂parent`` into each parent's grad."""
        g = self.grad
        for parent, partial in zip(self.parents, self.partials):
            parent.grad += g * partial

    def backward(
        self,
        *,
        before_step: Optional[Callable[["Scalar"], None]] = None,
        after_step: Optional[Callable[["Scalar"], None]] = None,
    ) -> None:
        """Run the whole backward pass from this node (see `ag.backward`)."""
        from ag.backward import backward

        backward(self, before_step=before_step, after_step=after_step)

    # -- binary operators -------------------------------------------------------

    def __add__(self, other: Operand) -> "Scalar":
        """a + b; ∂/∂a = 1, ∂/∂b = 1."""
        if other.__class__ is not Scalar:
            other = _const(other, "+")
        if _grad_mode.enabled:
            return Scalar(self.data + other.data, op="add", parents=(self, other), partials=(1.0, 1.0))
        return Scalar(self.data + other.data)

    def __radd__(self, other: Number) -> "Scalar":  # other + self
        return _const(other, "+").__add__(self)

    def __sub__(self, other: Operand) -> "Scalar":
        """a - b; ∂/∂a = 1, ∂/∂b = -1."""
        if other.__class__ is not Scalar:
            other = _const(other, "-")
        if _grad_mode.enabled:
            return Scalar(self.data - other.data, op="sub", parents=(self, other), partials=(1.0, -1.0))
        return Scalar(self.data - other.data)

    def __rsub__(self, other: Number) -> "Scalar":  # other - self
        return _const(other, "-").__sub__(self)

    def __mul__(self, other: Operand) -> "Scalar":
        """a · b; ∂/∂a = b, ∂/∂b = a."""
        if other.__class__ is not Scalar:
            other = _const(other, "*")
        a, b = self.data, other.data
        if _grad_mode.enabled:
            return Scalar(a * b, op="mul", parents=(self, other), partials=(b, a))
        return Scalar(a * b)

    def __rmul__(self, other: Number) -> "Scalar":  # other * self
        return _const(other, "*").__mul__(self)

    def __truediv__(self, other: Operand) -> "Scalar":
        """a / b; ∂/∂a = 1/b, ∂/∂b = -a/b²."""
        if other.__class__ is not Scalar:
            other = _const(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise DomainError("div", b, other.label, "division by zero")
        if _grad_mode.enabled:
            return Scalar(a / b, op="div", parents=(self, other), partials=(1.0 / b, -a / (b * b)))
        return Scalar(a / b)

    def __rtruediv__(self, other: Number) -> "Scalar":  # other / self
        return _const(other, "/").__truediv__(self)

    def __pow__(self, other: Operand) -> "Scalar":
        """a ** n with a number n: ∂/∂a = n·a^(n-1) (one parent, n kept in `arg`).

        a ** b with a Scalar b: ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a (needs a > 0,
        or a = 0 with b > 0, where ∂/∂b is taken as its limit 0).
        """
        if other.__class__ is Scalar:
            return _pow_scalar(self, other)
        n = _as_float(other, "** exponent")
        a = self.data
        value = _checked_pow(a, n, self.label)
        if not _grad_mode.enabled:
            return Scalar(value)
        partial = n * _checked_pow(a, n - 1.0, self.label) if n != 0.0 else 0.0
        return Scalar(value, op="pow", parents=(self,), partials=(partial,), arg=n)

    def __rpow__(self, other: Number) -> "Scalar":  # other ** self
        return _pow_scalar(_const(other, "**"), self)

    def __neg__(self) -> "Scalar":
        """-a; ∂/∂a = -1."""
        if _grad_mode.enabled:
            return Scalar(-self.data, op="neg", parents=(self,), partials=(-1.0,))
        return Scalar(-self.data)

    def __pos__(self) -> "Scalar":
        return self

    # -- unary functions ---------------------------------------------------------

    def exp(self) -> "Scalar":
        """e^a; ∂/∂a = e^a."""
        try:
            value = math.exp(self.data)
        except OverflowError:
            raise DomainError("exp", self.data, self.label, "the result overflows a float") from None
        return _unary(self, "exp", value, value)

    def log(self) -> "Scalar":
        """ln a (a > 0); ∂/∂a = 1/a."""
        a = self.data
        if a <= 0.0:
            raise DomainError("log", a, self.label, "log needs a positive argument")
        return _unary(self, "log", math.log(a), 1.0 / a)

    def sqrt(self) -> "Scalar":
        """√a (a > 0); ∂/∂a = 1/(2√a). At a = 0 the derivative is infinite: an error."""
        a = self.data
        if a < 0.0:
            raise DomainError("sqrt", a, self.label, "sqrt needs a non-negative argument")
        value = math.sqrt(a)
        if a == 0.0:
            if _grad_mode.enabled:
                raise DomainError("sqrt", a, self.label, "sqrt has an infinite derivative at 0")
            return Scalar(0.0)
        return _unary(self, "sqrt", value, 0.5 / value)

    def sin(self) -> "Scalar":
        """sin a; ∂/∂a = cos a."""
        return _unary(self, "sin", math.sin(self.data), math.cos(self.data))

    def cos(self) -> "Scalar":
        """cos a; ∂/∂a = -sin a."""
        return _unary(self, "cos", math.cos(self.data), -math.sin(self.data))

    def tanh(self) -> "Scalar":
        """tanh a; ∂/∂a = 1 - tanh² a."""
        t = math.tanh(self.data)
        return _unary(self, "tanh", t, 1.0 - t * t)

    def sigmoid(self) -> "Scalar":
        """σ(a) = 1/(1 + e^-a), computed without overflow; ∂/∂a = σ(1 - σ)."""
        a = self.data
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return _unary(self, "sigmoid", s, s * (1.0 - s))

    def relu(self) -> "Scalar":
        """max(a, 0); ∂/∂a = 1 if a > 0 else 0 (the subgradient 0 at a = 0)."""
        a = self.data
        return _unary(self, "relu", a if a > 0.0 else 0.0, 1.0 if a > 0.0 else 0.0)

    def abs(self) -> "Scalar":
        """|a|; ∂/∂a = sign(a) (the subgradient 0 at a = 0)."""
        a = self.data
        sign = 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)
        return _unary(self, "abs", abs(a), sign)

    __abs__ = abs

    # Scalars are graph nodes: hash and compare by identity, never by value.
    __hash__ = object.__hash__


def _unary(x: Scalar, op: str, value: float, partial: float) -> Scalar:
    if _grad_mode.enabled:
        return Scalar(value, op=op, parents=(x,), partials=(partial,))
    return Scalar(value)


def _const(value: object, operator: str) -> Scalar:
    if value.__class__ is float:
        return Scalar(value, op="const")
    return Scalar(_as_float(value, f"operand of {operator}"), op="const")


def _checked_pow(a: float, n: float, label: Optional[str]) -> float:
    if a == 0.0 and n < 0.0:
        raise DomainError("pow", a, label, f"0 ** {n:g} divides by zero")
    if a < 0.0 and not n.is_integer():
        raise DomainError("pow", a, label, f"a negative base to the non-integer power {n:g}")
    try:
        value = a**n
    except OverflowError:
        raise DomainError("pow", a, label, f"{a:g} ** {n:g} overflows a float") from None
    if value in (math.inf, -math.inf):
        raise DomainError("pow", a, label, f"{a:g} ** {n:g} overflows a float")
    return value


def _pow_scalar(base: Scalar, exponent: Scalar) -> Scalar:
    a, b = base.data, exponent.data
    if a < 0.0:
        raise DomainError(
            "pow", a, base.label, "a negative base to a Scalar exponent (∂/∂exponent needs ln of the base)"
        )
    value = _checked_pow(a, b, base.label)
    if not _grad_mode.enabled:
        return Scalar(value)
    d_base = b * _checked_pow(a, b - 1.0, base.label) if b != 0.0 else 0.0
    d_exponent = value * math.log(a) if a > 0.0 else 0.0
    return Scalar(value, op="pow", parents=(base, exponent), partials=(d_base, d_exponent))


def as_scalar(value: Operand) -> Scalar:
    """Return `value` if it is a Scalar, else a constant Scalar holding it."""
    return value if value.__class__ is Scalar else _const(value, "ag")


def leaves(values: Iterable[Scalar]) -> list[Scalar]:
    """The nodes among `values` that no operation made (inputs and constants)."""
    return [v for v in values if not v.parents]
