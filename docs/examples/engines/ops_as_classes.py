"""An engine with one class per op: `Add`, `Mul`, `Tanh` are subclasses of `Node`, each with its
own `_backward`; a node keeps its operands in `inputs` and has no op attribute at all.

One slip: Tanh's local derivative is 1 - x² of its input, not 1 - tanh(x)².
"""

import math


class Node:
    def __init__(self, value, *inputs):
        self.value = float(value)
        self.grad = 0.0
        self.inputs = inputs

    def _backward(self):
        pass

    def __add__(self, other):
        return Add(self, other)

    def __mul__(self, other):
        return Mul(self, other)

    def tanh(self):
        return Tanh(self)

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, ready = stack.pop()
            if ready:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((operand, False) for operand in node.inputs)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


class Var(Node):
    def __init__(self, value, name=""):
        super().__init__(value)
        self.name = name


class Add(Node):
    def __init__(self, a, b):
        super().__init__(a.value + b.value, a, b)

    def _backward(self):
        a, b = self.inputs
        a.grad += self.grad
        b.grad += self.grad


class Mul(Node):
    def __init__(self, a, b):
        super().__init__(a.value * b.value, a, b)

    def _backward(self):
        a, b = self.inputs
        a.grad += b.value * self.grad
        b.grad += a.value * self.grad


class Tanh(Node):
    def __init__(self, a):
        super().__init__(math.tanh(a.value), a)

    def _backward(self):
        (a,) = self.inputs
        a.grad += (1 - a.value**2) * self.grad  # the slip: should be 1 - self.value**2
