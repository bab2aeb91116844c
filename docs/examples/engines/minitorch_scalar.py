"""minitorch module 1, as a solution writes it: `ScalarFunction` classes with forward/backward,
a `ScalarHistory(last_fn, ctx, inputs)` on every result, `derivative` on leaves only, and
`chain_rule` / `backpropagate`.

One slip: `backpropagate` was left half-written and never reaches a leaf.
"""

import math


class Context:
    def __init__(self):
        self.saved_values = ()

    def save_for_backward(self, *values):
        self.saved_values = values


class ScalarHistory:
    def __init__(self, last_fn=None, ctx=None, inputs=()):
        self.last_fn, self.ctx, self.inputs = last_fn, ctx, inputs


class ScalarFunction:
    @classmethod
    def _backward(cls, ctx, d_out):
        result = cls.backward(ctx, d_out)
        return result if isinstance(result, tuple) else (result,)

    @classmethod
    def apply(cls, *vals):
        scalars = [v if isinstance(v, Scalar) else Scalar(v) for v in vals]
        ctx = Context()
        value = cls.forward(ctx, *[s.data for s in scalars])
        return Scalar(value, ScalarHistory(cls, ctx, tuple(scalars)))


class Mul(ScalarFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, d_output):
        a, b = ctx.saved_values
        return b * d_output, a * d_output


class Sigmoid(ScalarFunction):
    @staticmethod
    def forward(ctx, a):
        s = 1 / (1 + math.exp(-a))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, d_output):
        (s,) = ctx.saved_values
        return s * (1 - s) * d_output


class Scalar:
    def __init__(self, v, back=None, name=None):
        self.data = float(v)
        self.history = back if back is not None else ScalarHistory()
        self.derivative = None
        self.name = name or ""

    def __mul__(self, b):
        return Mul.apply(self, b)

    def sigmoid(self):
        return Sigmoid.apply(self)

    def is_leaf(self):
        return self.history.last_fn is None

    def accumulate_derivative(self, x):
        self.derivative = (self.derivative or 0.0) + x

    def chain_rule(self, d_output):
        h = self.history
        return list(zip(h.inputs, h.last_fn._backward(h.ctx, d_output)))

    def backward(self, d_output=None):
        backpropagate(self, 1.0 if d_output is None else d_output)


def backpropagate(variable, deriv):
    queue = [(variable, deriv)]  # the slip: the loop that walks the queue was never written
    del queue
