"""The method protocol: a node lists its parents with `parents()`, and its local step
`_backward(grad)` returns what each parent gets; `backward()` adds the contributions up.

One slip: the topological sort has no visited set, so a node reached along two paths is listed
(and its step run) twice.
"""

import math


class Tensor:
    def __init__(self, data, operands=(), op="leaf", name=""):
        self.data = float(data)
        self.grad = 0.0
        self._operands = tuple(operands)
        self.op = op
        self.name = name

    def parents(self):
        return self._operands

    def _backward(self, grad):
        if self.op == "add":
            return grad, grad
        if self.op == "mul":
            a, b = self._operands
            return b.data * grad, a.data * grad
        if self.op == "exp":
            return (self.data * grad,)
        return ()

    def __add__(self, other):
        return Tensor(self.data + other.data, (self, other), "add")

    def __mul__(self, other):
        return Tensor(self.data * other.data, (self, other), "mul")

    def exp(self):
        return Tensor(math.exp(self.data), (self,), "exp")

    def backward(self):
        order = []

        def visit(node):  # the slip: no visited set
            for parent in node.parents():
                visit(parent)
            order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, contribution in zip(node.parents(), node._backward(node.grad)):
                parent.grad += contribution
