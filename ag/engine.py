"""The scalar node and its elementwise operators.

Every operation builds one `Scalar` that remembers its parents (in operand
order) and the local partial derivative with respect to each parent, stored as
a plain number at forward time. Backward then only multiplies and adds; no
closures are created, which keeps the graph small and the garbage collector
quiet.

Values stay finite floats: an op outside its domain (log or sqrt of a negative,
0 ** negative, a negative base to a non-integer power) or whose result or
partial would overflow raises `ag.DomainError` naming the op, the argument and
the node's label; never a complex number, a NaN or an inf. At the kinks, relu
and abs take the subgradient 0.

Why the parents live in slots: a node of a unary or binary op keeps its
parents and their partials in four slots (`_p`, `_q`, `_dp`, `_dq`) instead
of two tuples, so building it allocates one object, not three. The garbage
collector runs once per so many allocations of container objects, so this
cuts its work on a big graph by about two thirds; `parents` and `partials`
rebuild the tuples when asked. A leaf, or a node with three or more parents
(the fused ops), has ``_p = None`` and keeps ``(parents, partials)`` in
`_many` (None for a leaf). The slots a node sets: always `data`, `grad`,
`label`, `op`, `arg`, `_id` and `_p`; with `_p` set also `_dp` and `_q`
(and `_dq` when `_q` is set); with `_p` None also `_many`. Nothing reads a
slot its node does not set.
"""

from __future__ import annotations

import math
from itertools import count
from numbers import Real
from typing import Callable, Optional, Union

from .errors import DomainError
from .grad_mode import recording_paused

Number = Union[int, float]
Operand = Union["Scalar", int, float]

_next_id = count().__next__  # creation ids: itertools.count is atomic, so threads never share one
_new_object = object.__new__


def _as_float(value: object, what: str, op: str, label: Optional[str], subject: str = "the value") -> float:
    """`value` as a finite float.

    A non-number is a TypeError naming `what` needed it and the value's type; a
    non-finite number is a DomainError naming `op`, the value, the node `label`
    and which `subject` (the value, the exponent, the other operand) it was.
    """
    kind = value.__class__
    if kind is not float and kind is not int:  # the exact types skip the slower ABC check
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"{what} needs a real number, got {kind.__name__}: {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise DomainError(op, math.inf, label, f"{subject} is too large for a float") from None
    if number - number:  # inf - inf and nan - nan are nan (truthy); finite x - x is 0.0
        raise DomainError(op, number, label, f"{subject} is not a finite number")
    return number


class Scalar:
    """A scalar value in a computation graph.

    Attributes:
        data: the forward value.
        grad: ∂output/∂self, accumulated by `backward()`.
        label: an optional name (symcheck uses it as the node's name).
        op: the name of the op that made this node (``"input"`` for a value
            you created, ``"const"`` for a number an operator coerced).
        parents: the operands, in operand order (a tuple: ``a + a`` has two).
        partials: ∂self/∂parent for each parent, as numbers (a tuple).
        arg: the op's number argument (a `pow` exponent, a `softmax` index).

    Raises:
        TypeError: `data` is not a real number (the message names its type), or
            `label` is not a str.
        DomainError: `data` is not finite.
        ValueError: `parents` and `partials` differ in length.

    >>> x = Scalar(2.0, label="x"); y = x * x + 1
    >>> y.backward(); (y.data, x.grad)
    (5.0, 4.0)
    """

    __slots__ = ("data", "grad", "label", "op", "arg", "_id", "_p", "_q", "_dp", "_dq", "_many", "__weakref__")

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
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Scalar label must be a str, got {type(label).__name__}")
        if data.__class__ is not float or data - data:
            data = _as_float(data, "Scalar()", "Scalar", label)
        parents, partials = tuple(parents), tuple(partials)
        if len(parents) != len(partials):
            raise ValueError(f"Scalar() needs one partial per parent, got {len(parents)} parents and "
                             f"{len(partials)} partials")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = op
        self.arg = arg
        self._id = _next_id()
        _link(self, parents, partials)

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Scalar({name}data={self.data:.6g}, grad={self.grad:.6g}, op={self.op!r})"

    # -- the graph ----------------------------------------------------------------

    @property
    def parents(self) -> tuple:
        """The operands, in operand order (``a + a`` has two)."""
        p = self._p
        if p is None:
            many = self._many
            return () if many is None else many[0]
        q = self._q
        return (p,) if q is None else (p, q)

    @parents.setter
    def parents(self, parents: tuple) -> None:
        _link(self, *_matched(tuple(parents), self.partials, "parents"))

    @property
    def partials(self) -> tuple:
        """∂self/∂parent for each parent, in the order of `parents` (settable: a test may plant a wrong one)."""
        if self._p is None:
            many = self._many
            return () if many is None else many[1]
        return (self._dp,) if self._q is None else (self._dp, self._dq)

    @partials.setter
    def partials(self, partials: tuple) -> None:
        _link(self, *_matched(self.parents, tuple(partials), "partials"))

    # -- the local step -------------------------------------------------------

    def _backward(self) -> None:
        """One local step: add ``self.grad × ∂self/∂parent`` into each parent's grad.

        >>> x = Scalar(3.0); y = x * x; y.grad = 1.0
        >>> y._backward(); x.grad                 # 1 · ∂y/∂x, added once per parent slot: 3 + 3
        6.0
        """
        g = self.grad
        p = self._p
        if p is not None:
            p.grad += g * self._dp
            q = self._q
            if q is not None:
                q.grad += g * self._dq
        elif self._many is not None:
            for parent, partial in zip(*self._many):
                parent.grad += g * partial

    def backward(
        self,
        *,
        before_step: Optional[Callable[["Scalar"], None]] = None,
        after_step: Optional[Callable[["Scalar"], None]] = None,
    ) -> None:
        """Run the whole backward pass from this node (see `ag.backward`).

        `before_step(node)` / `after_step(node)` are called right before and after
        each node's local step, in backward order (latest created first):

        >>> x = Scalar(3.0, "x"); f = x * x + x
        >>> f.backward(before_step=lambda n: print(n.op, n.grad))   # each node's grad right before its step
        add 1.0
        mul 1.0
        input 7.0
        """
        from .backward import backward

        backward(self, before_step=before_step, after_step=after_step)

    # -- binary operators -------------------------------------------------------

    def __add__(self, other: Operand) -> "Scalar":
        """a + b; ∂/∂a = 1, ∂/∂b = 1."""
        if other.__class__ is not Scalar:
            other = _const(other, "add", self)
        value = self.data + other.data
        if value - value:
            raise _overflow("add", "+", self, other)
        node = _new_object(Scalar)  # _binary, inlined: add is one of the two hottest ops
        node.data = value
        node.grad = 0.0
        node.label = None
        node.arg = None
        node._id = _next_id()
        if recording_paused():
            node.op = "input"
            node._p = node._many = None
            return node
        node.op = "add"
        node._p = self
        node._q = other
        node._dp = 1.0
        node._dq = 1.0
        return node

    def __radd__(self, other: Number) -> "Scalar":  # other + self
        return _const(other, "add", self).__add__(self)

    def __sub__(self, other: Operand) -> "Scalar":
        """a - b; ∂/∂a = 1, ∂/∂b = -1."""
        if other.__class__ is not Scalar:
            other = _const(other, "sub", self)
        value = self.data - other.data
        if value - value:
            raise _overflow("sub", "-", self, other)
        return _binary(value, "sub", self, other, 1.0, -1.0)

    def __rsub__(self, other: Number) -> "Scalar":  # other - self
        return _const(other, "sub", self).__sub__(self)

    def __mul__(self, other: Operand) -> "Scalar":
        """a · b; ∂/∂a = b, ∂/∂b = a."""
        if other.__class__ is not Scalar:
            other = _const(other, "mul", self)
        a = self.data
        b = other.data
        value = a * b
        if value - value:
            raise _overflow("mul", "*", self, other)
        node = _new_object(Scalar)  # _binary, inlined: mul is one of the two hottest ops
        node.data = value
        node.grad = 0.0
        node.label = None
        node.arg = None
        node._id = _next_id()
        if recording_paused():
            node.op = "input"
            node._p = node._many = None
            return node
        node.op = "mul"
        node._p = self
        node._q = other
        node._dp = b
        node._dq = a
        return node

    def __rmul__(self, other: Number) -> "Scalar":  # other * self
        return _const(other, "mul", self).__mul__(self)

    def __truediv__(self, other: Operand) -> "Scalar":
        """a / b; ∂/∂a = 1/b, ∂/∂b = -a/b²."""
        if other.__class__ is not Scalar:
            other = _const(other, "div", self)
        a = self.data
        b = other.data
        if b == 0.0:
            raise DomainError("div", b, other.label or self.label, f"division of {a!r} by zero")
        value = a / b
        inverse = 1.0 / b
        d_divisor = -value * inverse
        if value - value or inverse - inverse or d_divisor - d_divisor:
            raise _overflow("div", "/", self, other)
        return _binary(value, "div", self, other, inverse, d_divisor)

    def __rtruediv__(self, other: Number) -> "Scalar":  # other / self
        return _const(other, "div", self).__truediv__(self)

    def __pow__(self, other: Operand) -> "Scalar":
        """a ** n with a number n: ∂/∂a = n·a^(n-1) (one parent, n kept in `arg`).

        a ** b with a Scalar b: ∂/∂a = b·a^(b-1), ∂/∂b = a^b·ln a (needs a > 0,
        or a = 0 with b > 0, where ∂/∂b is taken as its limit 0).
        """
        if other.__class__ is Scalar:
            return _pow_scalar(self, other)
        n = other if other.__class__ is float and not other - other else \
            _as_float(other, "the exponent of **", "pow", self.label, "the exponent")
        a = self.data
        value = _checked_pow(a, n, self.label)
        if recording_paused():
            return _unary(value, "pow", self, 0.0)
        if a == 0.0 and 0.0 < n < 1.0:
            raise DomainError("pow", a, self.label, f"the derivative of a ** {n:g} is infinite at a = 0")
        partial = n * _checked_pow(a, n - 1.0, self.label) if n != 0.0 else 0.0
        if partial - partial:
            raise DomainError("pow", a, self.label, f"the derivative of a ** {n:g} overflows a float")
        node = _unary(value, "pow", self, partial)
        node.arg = n
        return node

    def __rpow__(self, other: Number) -> "Scalar":  # other ** self
        return _pow_scalar(_const(other, "pow", self), self)

    def __neg__(self) -> "Scalar":
        """-a; ∂/∂a = -1."""
        return _unary(-self.data, "neg", self, -1.0)

    def __pos__(self) -> "Scalar":
        return self

    # -- unary functions ---------------------------------------------------------

    def exp(self) -> "Scalar":
        """e^a; ∂/∂a = e^a."""
        try:
            value = math.exp(self.data)
        except OverflowError:
            raise DomainError("exp", self.data, self.label, "the result overflows a float") from None
        return _unary(value, "exp", self, value)

    def log(self) -> "Scalar":
        """ln a (a > 0); ∂/∂a = 1/a."""
        a = self.data
        if a <= 0.0:
            raise DomainError("log", a, self.label, "log needs a positive argument")
        inverse = 1.0 / a
        if inverse - inverse:
            raise DomainError("log", a, self.label, "the derivative 1/a overflows a float")
        return _unary(math.log(a), "log", self, inverse)

    def sqrt(self) -> "Scalar":
        """√a (a > 0); ∂/∂a = 1/(2√a). At a = 0 the derivative is infinite: an error."""
        a = self.data
        if a < 0.0:
            raise DomainError("sqrt", a, self.label, "sqrt needs a non-negative argument")
        if a == 0.0 and not recording_paused():
            raise DomainError("sqrt", a, self.label, "sqrt has an infinite derivative at 0")
        value = math.sqrt(a)
        partial = 0.5 / value if value else 0.0
        if partial - partial:
            raise DomainError("sqrt", a, self.label, "the derivative 1/(2√a) overflows a float")
        return _unary(value, "sqrt", self, partial)

    def sin(self) -> "Scalar":
        """sin a; ∂/∂a = cos a."""
        a = self.data
        return _unary(math.sin(a), "sin", self, math.cos(a))

    def cos(self) -> "Scalar":
        """cos a; ∂/∂a = -sin a."""
        a = self.data
        return _unary(math.cos(a), "cos", self, -math.sin(a))

    def tanh(self) -> "Scalar":
        """tanh a; ∂/∂a = 1 - tanh² a."""
        t = math.tanh(self.data)
        return _unary(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self) -> "Scalar":
        """σ(a) = 1/(1 + e^-a), computed without overflow; ∂/∂a = σ(1 - σ)."""
        a = self.data
        if a >= 0.0:
            s = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            s = e / (1.0 + e)
        return _unary(s, "sigmoid", self, s * (1.0 - s))

    def relu(self) -> "Scalar":
        """max(a, 0); ∂/∂a = 1 if a > 0 else 0 (the subgradient 0 at a = 0)."""
        if self.data > 0.0:
            return _unary(self.data, "relu", self, 1.0)
        return _unary(0.0, "relu", self, 0.0)

    def abs(self) -> "Scalar":
        """|a|; ∂/∂a = sign(a) (the subgradient 0 at a = 0)."""
        a = self.data
        sign = 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)
        return _unary(a * sign, "abs", self, sign)

    __abs__ = abs

    # Scalars are graph nodes: hash and compare by identity, never by value.
    __hash__ = object.__hash__


# -- building nodes ----------------------------------------------------------------------
# The constructors below skip `__init__`'s argument parsing and checks: every caller passes
# a finite float it computed itself. Under `no_grad` (in this thread or task) a result is a
# plain leaf with op "input".


def _binary(value: float, op: str, a: Scalar, b: Scalar, da: float, db: float) -> Scalar:
    """A node with the two parents `a`, `b` and the partials ∂/∂a = `da`, ∂/∂b = `db`."""
    node = _new_object(Scalar)
    node.data = value
    node.grad = 0.0
    node.label = None
    node.arg = None
    node._id = _next_id()
    if recording_paused():
        node.op = "input"
        node._p = node._many = None
        return node
    node.op = op
    node._p = a
    node._q = b
    node._dp = da
    node._dq = db
    return node


def _unary(value: float, op: str, a: Scalar, da: float) -> Scalar:
    """A node with the one parent `a` and the partial ∂/∂a = `da`."""
    node = _new_object(Scalar)
    node.data = value
    node.grad = 0.0
    node.label = None
    node.arg = None
    node._id = _next_id()
    if recording_paused():
        node.op = "input"
        node._p = node._many = None
        return node
    node.op = op
    node._p = a
    node._q = None
    node._dp = da
    return node


def _make(value: float, op: str, parents: tuple, partials: tuple) -> Scalar:
    """A node with any number of parents (the fused ops use it): one partial per parent."""
    count = len(parents)
    if count == 2:
        return _binary(value, op, parents[0], parents[1], partials[0], partials[1])
    if count == 1:
        return _unary(value, op, parents[0], partials[0])
    node = _new_object(Scalar)
    node.data = value
    node.grad = 0.0
    node.label = None
    node.arg = None
    node._id = _next_id()
    node._p = None
    if recording_paused():
        node.op = "input"
        node._many = None
    else:
        node.op = op
        node._many = (parents, partials) if count else None
    return node


def _matched(parents: tuple, partials: tuple, changed: str) -> tuple[tuple, tuple]:
    if len(parents) != len(partials):
        raise ValueError(f"a node needs one partial per parent: setting {changed} would give {len(parents)} "
                         f"parents and {len(partials)} partials")
    return parents, partials


def _link(node: Scalar, parents: tuple, partials: tuple) -> None:
    """Store `parents` and `partials` in the node's slots (see the module docstring)."""
    if len(parents) in (1, 2):
        node._p, node._dp = parents[0], partials[0]
        node._q, node._dq = (parents[1], partials[1]) if len(parents) == 2 else (None, 0.0)
    else:
        node._p = None
        node._many = (parents, partials) if parents else None


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _const(value: object, op: str, partner: Optional[Scalar]) -> Scalar:
    """A number coerced by `op` next to the Scalar `partner` (errors name both)."""
    if value.__class__ is not float or value - value:
        label = partner.label if partner is not None else None
        what = f"operand of {_SYMBOLS[op]}" if op in _SYMBOLS else f"ag.{op}"
        subject = "the other operand" if op in _SYMBOLS else "the argument"
        value = _as_float(value, what, op, label, subject)
    node = _new_object(Scalar)
    node.data = value
    node.grad = 0.0
    node.label = None
    node.op = "const"
    node.arg = None
    node._id = _next_id()
    node._p = node._many = None
    return node


def _overflow(op: str, symbol: str, left: Scalar, right: Scalar) -> DomainError:
    label = left.label or right.label
    return DomainError(op, left.data, label, f"{left.data!r} {symbol} {right.data!r} overflows a float")


def _checked_pow(a: float, n: float, label: Optional[str]) -> float:
    if a == 0.0 and n < 0.0:
        raise DomainError("pow", a, label, f"0 ** {n:g} divides by zero")
    if a < 0.0 and not n.is_integer():
        raise DomainError("pow", a, label, f"a negative base to the non-integer power {n:g}")
    try:
        value = a**n
    except OverflowError:
        raise DomainError("pow", a, label, f"{a:g} ** {n:g} overflows a float") from None
    if value - value:
        raise DomainError("pow", a, label, f"{a:g} ** {n:g} overflows a float")
    return value


def _pow_scalar(base: Scalar, exponent: Scalar) -> Scalar:
    a, b = base.data, exponent.data
    label = base.label or exponent.label
    if a < 0.0:
        raise DomainError(
            "pow", a, label, "a negative base to a Scalar exponent (∂/∂exponent needs ln of the base)"
        )
    value = _checked_pow(a, b, label)
    if recording_paused():
        return _binary(value, "pow", base, exponent, 0.0, 0.0)
    if a == 0.0 and 0.0 < b < 1.0:
        raise DomainError("pow", a, label, f"the derivative of a ** {b:g} is infinite at a = 0")
    d_base = b * _checked_pow(a, b - 1.0, label) if b != 0.0 else 0.0
    d_exponent = value * math.log(a) if a > 0.0 else 0.0
    if d_base - d_base or d_exponent - d_exponent:
        raise DomainError("pow", a, label, f"the derivative of {a:g} ** {b:g} overflows a float")
    return _binary(value, "pow", base, exponent, d_base, d_exponent)


def as_scalar(value: Operand, op: str = "as_scalar") -> Scalar:
    """Return `value` if it is a Scalar, else a constant Scalar holding it.

    `op` names the caller in errors: ``as_scalar("a", "exp")`` is a TypeError
    saying ag.exp needs a real number.
    """
    return value if value.__class__ is Scalar else _const(value, op, None)
