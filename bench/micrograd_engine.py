"""micrograd 0.1.0 from PyPI, given the exp and log that the GPT workload needs.

The additions follow micrograd's own closure style: each op builds its output
and attaches a `_backward` closure. Everything else is the published package.
"""

from __future__ import annotations

import math

from micrograd.engine import Value


def _exp(self: Value) -> Value:
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def _log(self: Value) -> Value:
    out = Value(math.log(self.data), (self,), "log")

    def _backward():
        self.grad += (1 / self.data) * out.grad

    out._backward = _backward
    return out


Value.exp = _exp
Value.log = _log

__all__ = ["Value"]
