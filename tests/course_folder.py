"""A student's homework folder: the course's own ``ag.py`` and a ``problems/`` package of their own.

The homework's engine is called ``ag`` and its values ``ag.Scalar``, like
symcheck's; a student's folder therefore holds a module symcheck must never
mistake for its own. `make_homework_folder` writes one: ``ag.py`` in the
course's style (``Scalar`` with ``data``, ``grad``, ``_backward``, parents in
``_children``, the op in ``_op``; no ``DomainError``, no ``parents``), and a
``problems/`` package whose ``backprop`` is a different graph from
symcheck's, so a check of the wrong one is seen.
"""

from __future__ import annotations

from pathlib import Path

COURSE_AG = '''\
"""The course's scalar autodiff engine, as homework 4 hands it out."""
import math


class Scalar:
    """A scalar value that remembers how it was computed."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._children = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Scalar(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        out = Scalar(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Scalar(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def sin(self):
        out = Scalar(math.sin(self.data), (self,), "sin")

        def _backward():
            self.grad += math.cos(self.data) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Scalar(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
'''

STUDENT_PROBLEMS = '''\
"""The student's own notes, in a folder that happens to be called problems."""
from pathlib import Path

PROGRAMS = {"backprop": Path(__file__).with_name("mine.sc")}
RUNNABLE = {"mine": "problems.mine"}
DESCRIPTIONS = {"backprop": "the student's own graph, not symcheck's"}
'''

STUDENT_GRAPH = "x = 3.0\nz1 = x * x\n"

HOMEWORK_GRAPH = """\
x = 1.5
y = 0.5
z1 = x * y
z2 = sin(z1)
z3 = z2 * x
"""


def make_homework_folder(folder: Path) -> Path:
    """Write ``ag.py``, ``problems/__init__.py`` (+ ``mine.sc``) and ``graph.sc`` into `folder`."""
    (folder / "ag.py").write_text(COURSE_AG, encoding="utf-8")
    package = folder / "problems"
    package.mkdir()
    (package / "__init__.py").write_text(STUDENT_PROBLEMS, encoding="utf-8")
    (package / "mine.sc").write_text(STUDENT_GRAPH, encoding="utf-8")
    (folder / "graph.sc").write_text(HOMEWORK_GRAPH, encoding="utf-8")
    return folder
