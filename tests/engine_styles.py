"""Scalar autodiff engines in the styles people publish, each correct or with one planted bug.

Every factory returns a value class (or, for minitorch, a module-like
namespace) written the way that family writes it:

- `closure_engine`: micrograd and its course variants — parents under any of
  ``_prev``/``prev``/``_children``/``children``/``_parents``/``parents``/
  ``inputs`` in a set, tuple, list or dict; the value in ``data`` or
  ``value``; op names ``'+'``, ``'*'``, ``'**2'`` or ``'pow(2)'``, ``'ReLU'``;
  leaves with or without a ``_backward``; a ``_backward()`` closure;
- `class_per_op_engine`: one subclass per op (``class Mul(Node)``) with
  ``self.inputs`` and a ``_backward()`` method, no op attribute at all;
- `method_engine`: the method protocol, ``parents()`` and ``_backward(grad)``
  returning the parents' contributions, which ``backward()`` adds up;
- `stored_engine`: microgpt's ``__slots__ = ('data', 'grad', '_children',
  '_local_grads')``, local gradients stored as numbers, no op names;
- `minitorch_engine`: minitorch module 1's ``ScalarFunction`` classes with
  ``forward``/``backward(ctx, d)``, ``ScalarHistory(last_fn, ctx, inputs)``,
  ``derivative`` on leaves only, ``chain_rule`` and ``backpropagate``.

The bugs (`BUGS`) are the classic four: a wrong tanh derivative, ``=`` where
``+=`` belongs, a step run twice (a topological sort with no visited set) and
a ``backward()`` that runs no step. Every engine builds the same function with
`build` (tanh, reuse, a power, exp, a constant), so one test runs them all.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any, Callable, Optional

BUGS = ("tanh", "overwrite", "twice", "nothing")
"""a wrong tanh derivative (1 − x² of the input); = for +=; each step once per path; backward runs no step."""

X, Y = 0.6, -0.8
"""The point every engine is built at (derivatives of order 1, no kink)."""


def build(V: Callable[..., Any], **kw: Any) -> Any:
    """f(x, y) = tanh(x·y + x)·(x·y + x) + exp(y²)·0.5: reuse (x, h), tanh, a power, exp, a constant."""
    x, y = V(X, **kw), V(Y, **kw)
    _label(x, "x")
    _label(y, "y")
    h = x * y + x
    return h.tanh() * h + (y**2).exp() * 0.5


def _label(node: Any, name: str) -> None:
    try:
        node.label = name
    except AttributeError:  # an engine with __slots__ and no label
        pass


def _tanh_local(x: float, t: float, bug: Optional[str]) -> float:
    return 1 - x**2 if bug == "tanh" else 1 - t**2


def _topological(output: Any, parents: Callable[[Any], Any], bug: Optional[str]) -> list:
    """Nodes in topological order, iteratively; with bug "twice", no visited set (duplicates on shared nodes)."""
    topo: list = []
    visited: set = set()
    stack = [(output, False)]
    while stack:
        v, ready = stack.pop()
        if ready:
            topo.append(v)
            continue
        if bug != "twice":
            if id(v) in visited:
                continue
            visited.add(id(v))
        stack.append((v, True))
        stack.extend((p, False) for p in reversed(list(parents(v))))
    return topo


# -- micrograd and its variants ------------------------------------------------------------------


def closure_engine(*, parents: str = "_prev", container: str = "set", value: str = "data", pow_name: str = "**{k}",
                   relu_name: str = "ReLU", leaf_step: bool = True, bug: Optional[str] = None) -> type:
    """A micrograd-style Value: `parents` names the attribute holding a `container` of parents."""
    wrap = {"set": set, "tuple": tuple, "list": list,
            "dict": lambda xs: {f"operand{k}": p for k, p in enumerate(xs)}}[container]

    def listed(node: Any) -> list:
        found = getattr(node, parents)
        return list(found.values()) if isinstance(found, dict) else list(found)

    class Value:
        def __init__(self, data: float, children: tuple = (), op: str = "", label: str = "") -> None:
            setattr(self, value, float(data))
            self.grad = 0.0
            setattr(self, parents, wrap(children))
            self._op = op
            self.label = label
            if leaf_step or children:
                self._backward = lambda: None

        @property
        def v(self) -> float:
            return getattr(self, value)

        def __add__(self, other: Any) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.v + other.v, (self, other), "+")

            def _backward() -> None:
                if bug == "overwrite":
                    self.grad = out.grad
                    other.grad = out.grad
                else:
                    self.grad += out.grad
                    other.grad += out.grad

            out._backward = _backward
            return out

        def __mul__(self, other: Any) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.v * other.v, (self, other), "*")

            def _backward() -> None:
                self.grad += other.v * out.grad
                other.grad += self.v * out.grad

            out._backward = _backward
            return out

        def __pow__(self, k: float) -> "Value":
            out = Value(self.v**k, (self,), pow_name.format(k=k))

            def _backward() -> None:
                self.grad += k * self.v ** (k - 1) * out.grad

            out._backward = _backward
            return out

        def tanh(self) -> "Value":
            t = math.tanh(self.v)
            out = Value(t, (self,), "tanh")

            def _backward() -> None:
                self.grad += _tanh_local(self.v, t, bug) * out.grad

            out._backward = _backward
            return out

        def exp(self) -> "Value":
            out = Value(math.exp(self.v), (self,), "exp")

            def _backward() -> None:
                self.grad += out.v * out.grad

            out._backward = _backward
            return out

        def relu(self) -> "Value":
            out = Value(max(self.v, 0.0), (self,), relu_name)

            def _backward() -> None:
                self.grad += (out.v > 0) * out.grad

            out._backward = _backward
            return out

        def backward(self) -> None:
            topo = _topological(self, listed, bug)
            self.grad = 1.0
            if bug == "nothing":
                return
            for node in reversed(topo):
                if hasattr(node, "_backward"):
                    node._backward()

        def __radd__(self, other: Any) -> "Value":
            return self + other

        def __rmul__(self, other: Any) -> "Value":
            return self * other

        def __neg__(self) -> "Value":
            return self * -1

        def __sub__(self, other: Any) -> "Value":
            return self + (-other)

    return Value


# -- one class per op ------------------------------------------------------------------------------


def class_per_op_engine(bug: Optional[str] = None) -> type:
    """``class Node`` holding ``value``/``grad``/``inputs``, one subclass per op, no op attribute."""

    class Node:
        def __init__(self, value: float, *inputs: "Node") -> None:
            self.value = float(value)
            self.grad = 0.0
            self.inputs = inputs

        def _backward(self) -> None:  # a leaf passes nothing on
            pass

        def __add__(self, other: Any) -> "Node":
            return Add(self, _node(other))

        def __mul__(self, other: Any) -> "Node":
            return Mul(self, _node(other))

        def __pow__(self, k: float) -> "Node":
            return Pow(self, k)

        def tanh(self) -> "Node":
            return Tanh(self)

        def exp(self) -> "Node":
            return Exp(self)

        def backward(self) -> None:
            topo = _topological(self, lambda n: n.inputs, bug)
            self.grad = 1.0
            if bug == "nothing":
                return
            for node in reversed(topo):
                node._backward()

    def _node(value: Any) -> Node:
        return value if isinstance(value, Node) else Const(value)

    class Var(Node):
        pass

    class Const(Node):
        pass

    class Add(Node):
        def __init__(self, a: Node, b: Node) -> None:
            super().__init__(a.value + b.value, a, b)

        def _backward(self) -> None:
            a, b = self.inputs
            if bug == "overwrite":
                a.grad = self.grad
                b.grad = self.grad
            else:
                a.grad += self.grad
                b.grad += self.grad

    class Mul(Node):
        def __init__(self, a: Node, b: Node) -> None:
            super().__init__(a.value * b.value, a, b)

        def _backward(self) -> None:
            a, b = self.inputs
            a.grad += b.value * self.grad
            b.grad += a.value * self.grad

    class Pow(Node):
        def __init__(self, a: Node, k: float) -> None:
            super().__init__(a.value**k, a)
            self.exponent = k

        def _backward(self) -> None:
            (a,) = self.inputs
            a.grad += self.exponent * a.value ** (self.exponent - 1) * self.grad

    class Tanh(Node):
        def __init__(self, a: Node) -> None:
            super().__init__(math.tanh(a.value), a)

        def _backward(self) -> None:
            (a,) = self.inputs
            a.grad += _tanh_local(a.value, self.value, bug) * self.grad

    class Exp(Node):
        def __init__(self, a: Node) -> None:
            super().__init__(math.exp(a.value), a)

        def _backward(self) -> None:
            (a,) = self.inputs
            a.grad += self.value * self.grad

    return Var


# -- the method protocol ---------------------------------------------------------------------------


def method_engine(bug: Optional[str] = None) -> type:
    """``parents()`` and ``_backward(grad)`` returning each parent's contribution; ``backward()`` adds them."""

    class Scalar:
        def __init__(self, data: float, operands: tuple = (), op: str = "") -> None:
            self.data = float(data)
            self.grad = 0.0
            self._operands = operands
            self.op = op

        def parents(self) -> tuple:
            return self._operands

        def _backward(self, grad: float) -> tuple:
            a = self._operands[0] if self._operands else None
            if self.op == "add":
                return grad, grad
            if self.op == "mul":
                return self._operands[1].data * grad, a.data * grad
            if self.op == "pow":
                return (self.k * a.data ** (self.k - 1) * grad,)
            if self.op == "tanh":
                return (_tanh_local(a.data, self.data, bug) * grad,)
            if self.op == "exp":
                return (self.data * grad,)
            return ()

        def __add__(self, other: Any) -> "Scalar":
            other = other if isinstance(other, Scalar) else Scalar(other)
            return Scalar(self.data + other.data, (self, other), "add")

        def __mul__(self, other: Any) -> "Scalar":
            other = other if isinstance(other, Scalar) else Scalar(other)
            return Scalar(self.data * other.data, (self, other), "mul")

        def __pow__(self, k: float) -> "Scalar":
            out = Scalar(self.data**k, (self,), "pow")
            out.k = k  # the exponent, kept beside the op's name
            return out

        def tanh(self) -> "Scalar":
            return Scalar(math.tanh(self.data), (self,), "tanh")

        def exp(self) -> "Scalar":
            return Scalar(math.exp(self.data), (self,), "exp")

        def backward(self) -> None:
            topo = _topological(self, lambda n: n.parents(), bug)
            self.grad = 1.0
            if bug == "nothing":
                return
            for node in reversed(topo):
                for parent, contribution in zip(node.parents(), node._backward(node.grad)):
                    if bug == "overwrite":
                        parent.grad = contribution
                    else:
                        parent.grad += contribution

    return Scalar


# -- stored local gradients (microgpt) ---------------------------------------------------------------


def stored_engine(bug: Optional[str] = None) -> type:
    """Karpathy's microgpt Value: ``_children`` and ``_local_grads`` numbers, no op names, no closures."""

    class Value:
        __slots__ = ("data", "grad", "_children", "_local_grads")

        def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
            self.data = data
            self.grad = 0
            self._children = children
            self._local_grads = local_grads

        def __add__(self, other: Any) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data + other.data, (self, other), (1, 1))

        def __mul__(self, other: Any) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            return Value(self.data * other.data, (self, other), (other.data, self.data))

        def __pow__(self, other: float) -> "Value":
            return Value(self.data**other, (self,), (other * self.data ** (other - 1),))

        def log(self) -> "Value":
            return Value(math.log(self.data), (self,), (1 / self.data,))

        def exp(self) -> "Value":
            return Value(math.exp(self.data), (self,), (math.exp(self.data),))

        def relu(self) -> "Value":
            return Value(max(0, self.data), (self,), (float(self.data > 0),))

        def tanh(self) -> "Value":
            t = math.tanh(self.data)
            return Value(t, (self,), (_tanh_local(self.data, t, bug),))

        def __neg__(self) -> "Value":
            return self * -1

        def __radd__(self, other: Any) -> "Value":
            return self + other

        def __sub__(self, other: Any) -> "Value":
            return self + (-other)

        def __rmul__(self, other: Any) -> "Value":
            return self * other

        def __truediv__(self, other: Any) -> "Value":
            return self * other**-1

        def backward(self) -> None:
            topo = _topological(self, lambda n: n._children, bug)
            self.grad = 1
            if bug == "nothing":
                return
            for v in reversed(topo):
                for child, local_grad in zip(v._children, v._local_grads):
                    if bug == "overwrite":
                        child.grad = local_grad * v.grad
                    else:
                        child.grad += local_grad * v.grad

    return Value


# -- minitorch module 1 ----------------------------------------------------------------------------


def minitorch_engine(bug: Optional[str] = None) -> SimpleNamespace:
    """minitorch's Scalar, ScalarHistory, Context and ScalarFunction classes, as a module-1 solution writes them."""

    class Context:
        def __init__(self) -> None:
            self.saved_values: tuple = ()

        def save_for_backward(self, *values: float) -> None:
            self.saved_values = values

    class ScalarHistory:
        def __init__(self, last_fn: Any = None, ctx: Any = None, inputs: tuple = ()) -> None:
            self.last_fn, self.ctx, self.inputs = last_fn, ctx, inputs

    class ScalarFunction:
        @classmethod
        def _backward(cls, ctx: Context, d_out: float) -> tuple:
            result = cls.backward(ctx, d_out)
            return result if isinstance(result, tuple) else (result,)

        @classmethod
        def apply(cls, *vals: Any) -> "Scalar":
            scalars = [v if isinstance(v, Scalar) else Scalar(v) for v in vals]
            ctx = Context()
            c = cls.forward(ctx, *[s.data for s in scalars])
            return Scalar(c, ScalarHistory(cls, ctx, tuple(scalars)))

    class Add(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float, b: float) -> float:
            return a + b

        @staticmethod
        def backward(ctx: Context, d_output: float) -> tuple:
            return d_output, d_output

    class Mul(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float, b: float) -> float:
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx: Context, d_output: float) -> tuple:
            a, b = ctx.saved_values
            return b * d_output, a * d_output

    class Exp(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float) -> float:
            out = math.exp(a)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx: Context, d_output: float) -> float:
            (out,) = ctx.saved_values
            return out * d_output

    class Tanh(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float) -> float:
            t = math.tanh(a)
            ctx.save_for_backward(a, t)
            return t

        @staticmethod
        def backward(ctx: Context, d_output: float) -> float:
            a, t = ctx.saved_values
            return _tanh_local(a, t, bug) * d_output

    class Inv(ScalarFunction):
        @staticmethod
        def forward(ctx: Context, a: float) -> float:
            ctx.save_for_backward(a)
            return 1.0 / a

        @staticmethod
        def backward(ctx: Context, d_output: float) -> float:
            (a,) = ctx.saved_values
            return -d_output / a**2

    class Scalar:
        _count = 0

        def __init__(self, v: float, back: Optional[ScalarHistory] = None, name: Optional[str] = None) -> None:
            Scalar._count += 1
            self.unique_id = Scalar._count
            self.data = float(v)
            self.history = back if back is not None else ScalarHistory()
            self.derivative: Optional[float] = None
            self.name = name if name is not None else str(self.unique_id)

        def __add__(self, b: Any) -> "Scalar":
            return Add.apply(self, b)

        def __mul__(self, b: Any) -> "Scalar":
            return Mul.apply(self, b)

        def __pow__(self, k: int) -> "Scalar":  # a square, as a course solution writes it
            assert k == 2
            return Mul.apply(self, self)

        def __truediv__(self, b: Any) -> "Scalar":
            return Mul.apply(self, Inv.apply(b))

        def tanh(self) -> "Scalar":
            return Tanh.apply(self)

        def exp(self) -> "Scalar":
            return Exp.apply(self)

        def is_leaf(self) -> bool:
            return self.history is not None and self.history.last_fn is None

        def is_constant(self) -> bool:
            return self.history is None

        @property
        def parents(self) -> tuple:
            assert self.history is not None
            return self.history.inputs

        def accumulate_derivative(self, x: float) -> None:
            assert self.is_leaf(), "Only leaf variables can have derivatives."
            if self.derivative is None:
                self.derivative = 0.0
            self.derivative += x

        def chain_rule(self, d_output: float) -> list:
            h = self.history
            return list(zip(h.inputs, h.last_fn._backward(h.ctx, d_output)))

        def backward(self, d_output: Optional[float] = None) -> None:
            backpropagate(self, 1.0 if d_output is None else d_output)

    def backpropagate(variable: Scalar, deriv: float) -> None:
        if bug == "nothing":
            return
        order = list(reversed(_topological(variable, lambda v: () if v.is_leaf() else v.parents, bug)))
        derivatives = {id(variable): deriv}
        for var in order:
            d = derivatives.get(id(var), 0.0)
            if var.is_leaf():
                var.accumulate_derivative(d)
                continue
            for parent, contribution in var.chain_rule(d):
                if bug == "overwrite":
                    derivatives[id(parent)] = contribution
                else:
                    derivatives[id(parent)] = derivatives.get(id(parent), 0.0) + contribution

    return SimpleNamespace(Scalar=Scalar, ScalarHistory=ScalarHistory, ScalarFunction=ScalarFunction,
                           backpropagate=backpropagate)
