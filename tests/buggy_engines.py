"""A correct hand-written micrograd-style engine, and six copies with one classic bug each.

`make_engine(bug)` returns a ``Value`` class in the style students write in
courses: ``_prev`` a set, ``_op`` a symbol (``'+'``, ``'*'``, ``'**2'``,
``'tanh'``, ``'exp'``, ``'log'``, ``'sigmoid'``, ``'ReLU'``), ``_backward`` a
closure, an optional ``label``; ``-`` and ``/`` go through ``*`` and ``**``
with constant leaves. `bug` is one of `BUGS` (None for the correct engine).
"""

from __future__ import annotations

import math
from typing import Optional

BUGS = {
    "tanh": "tanh's local derivative is 1 - x² (of the input) instead of 1 - tanh²",
    "pow": "x**k's local derivative is k·x^k instead of k·x^(k-1)",
    "mul": "a*b sends a·grad to a instead of b·grad",
    "missing": "exp never sets _backward",
    "overwrite": "+ assigns (=) its parents' grads instead of adding (+=)",
    "order": "backward runs the steps in topological order, forgetting reversed()",
}


def make_engine(bug: Optional[str] = None) -> type:
    """A micrograd-style Value class; `bug` picks the one thing it gets wrong."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; one of {sorted(BUGS)}")

    class Value:
        def __init__(self, data: float, _children: tuple = (), _op: str = "", label: str = "") -> None:
            self.data = float(data)
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = set(_children)
            self._op = _op
            self.label = label

        def __repr__(self) -> str:
            return f"Value(data={self.data}, grad={self.grad})"

        def __add__(self, other: object) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward() -> None:
                if bug == "overwrite":
                    self.grad = out.grad
                    other.grad = out.grad
                else:
                    self.grad += out.grad
                    other.grad += out.grad

            out._backward = _backward
            return out

        def __mul__(self, other: object) -> "Value":
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward() -> None:
                self.grad += (self.data if bug == "mul" else other.data) * out.grad
                other.grad += self.data * out.grad

            out._backward = _backward
            return out

        def __pow__(self, k: float) -> "Value":
            out = Value(self.data**k, (self,), f"**{k}")

            def _backward() -> None:
                exponent = k if bug == "pow" else k - 1
                self.grad += k * self.data**exponent * out.grad

            out._backward = _backward
            return out

        def tanh(self) -> "Value":
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward() -> None:
                local = 1 - self.data**2 if bug == "tanh" else 1 - t**2
                self.grad += local * out.grad

            out._backward = _backward
            return out

        def exp(self) -> "Value":
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward() -> None:
                self.grad += out.data * out.grad

            if bug != "missing":
                out._backward = _backward
            return out

        def log(self) -> "Value":
            out = Value(math.log(self.data), (self,), "log")

            def _backward() -> None:
                self.grad += out.grad / self.data

            out._backward = _backward
            return out

        def sigmoid(self) -> "Value":
            s = 1 / (1 + math.exp(-self.data))
            out = Value(s, (self,), "sigmoid")

            def _backward() -> None:
                self.grad += s * (1 - s) * out.grad

            out._backward = _backward
            return out

        def relu(self) -> "Value":
            out = Value(max(self.data, 0.0), (self,), "ReLU")

            def _backward() -> None:
                self.grad += (out.data > 0) * out.grad

            out._backward = _backward
            return out

        def backward(self) -> None:
            topo: list[Value] = []
            visited: set[int] = set()
            stack = [(self, False)]
            while stack:  # iterative build_topo
                v, ready = stack.pop()
                if ready:
                    topo.append(v)
                    continue
                if id(v) in visited:
                    continue
                visited.add(id(v))
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev if id(c) not in visited)
            self.grad = 1.0
            for v in topo if bug == "order" else reversed(topo):
                v._backward()

        def __neg__(self) -> "Value":
            return self * -1

        def __radd__(self, other: object) -> "Value":
            return self + other

        def __sub__(self, other: object) -> "Value":
            return self + (-other)

        def __rsub__(self, other: object) -> "Value":
            return other + (-self)

        def __rmul__(self, other: object) -> "Value":
            return self * other

        def __truediv__(self, other: object) -> "Value":
            return self * other**-1

        def __rtruediv__(self, other: object) -> "Value":
            return other * self**-1

    Value.__qualname__ = f"Value[{bug or 'correct'}]"
    return Value
