"""Optimizers: `SGD` (momentum, weight decay) and `Adam`.

`step()` reads each parameter's `.grad` and rewrites its `.data` in place with
plain float arithmetic (no graph is built). A non-finite gradient stops the
step before any parameter changes, with an error naming that parameter.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Iterable

from .engine import Scalar


class Optimizer:
    """Holds a fixed, ordered list of parameters; subclasses implement `_update`."""

    def __init__(self, params: Iterable[Scalar], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate; assign to it to follow a schedule (it is checked again)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_number("lr", value, low=0.0, low_inclusive=False)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its grad (after checking all grads are finite)."""
        grads = [p.grad for p in self.params]
        for p, g in zip(self.params, grads):
            if not math.isfinite(g):
                name = repr(p.label) if p.label else f"#{self.params.index(p)} (unlabelled)"
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {name} has a non-finite grad ({g}); "
                    "nothing was updated. Lower the learning rate or check the loss for overflow"
                )
        self._update(grads)

    def _update(self, grads: list[float]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch's rule).

        g = p.grad + weight_decay · p
        b = momentum · b + g          (b = g on the first step; b is g itself when momentum = 0)
        p ← p − lr · b

    >>> w = ag.Scalar(1.0, "w"); opt = ag.optim.SGD([w], lr=0.1, momentum=0.9)   # or model.parameters()
    >>> (w * w).backward(); opt.step(); opt.zero_grad(); w.data          # w − 0.1 · 2w
    0.8
    """

    def __init__(
        self, params: Iterable[Scalar], lr: float, *, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_number("momentum", momentum, low=0.0, high=1.0)
        self.weight_decay = _check_number("weight_decay", weight_decay, low=0.0)
        self._buffers: list[float] | None = None

    def _update(self, grads: list[float]) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if wd:
            grads = [g + wd * p.data for p, g in zip(self.params, grads)]
        if mu:
            if self._buffers is None:
                self._buffers = list(grads)
            else:
                self._buffers = [mu * b + g for b, g in zip(self._buffers, grads)]
            grads = self._buffers
        for p, g in zip(self.params, grads):
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction and optional L2 weight decay (PyTorch's rule).

    At step t = 1, 2, …:

        g = p.grad + weight_decay · p
        m = β₁ m + (1 − β₁) g,   v = β₂ v + (1 − β₂) g²
        p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + eps)

    >>> w = ag.Scalar(1.0, "w"); opt = ag.optim.Adam([w], lr=1e-2)      # or model.parameters()
    >>> (w * w).backward(); opt.step(); opt.zero_grad(); round(w.data, 6)   # the first step moves by ≈ lr
    0.99
    """

    def __init__(
        self,
        params: Iterable[Scalar],
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.beta1 = _check_number("beta1", betas[0], low=0.0, high=1.0)
        self.beta2 = _check_number("beta2", betas[1], low=0.0, high=1.0)
        self.eps = _check_number("eps", eps, low=0.0, low_inclusive=False)
        self.weight_decay = _check_number("weight_decay", weight_decay, low=0.0)
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def _update(self, grads: list[float]) -> None:
        b1, b2, eps, wd = self.beta1, self.beta2, self.eps, self.weight_decay
        self.t += 1
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        lr = self.lr
        m, v = self._m, self._v
        for i, p in enumerate(self.params):
            g = grads[i] + wd * p.data if wd else grads[i]
            mi = m[i] = b1 * m[i] + (1.0 - b1) * g
            vi = v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (mi / c1) / (math.sqrt(vi / c2) + eps)


def _check_params(params: Iterable[Scalar]) -> list[Scalar]:
    if isinstance(params, Scalar) or not hasattr(params, "__iter__"):
        raise TypeError(f"an optimizer takes an iterable of Scalars (e.g. model.parameters()), got {params!r}")
    out = list(params)
    if not out:
        raise ValueError("an optimizer got an empty parameter list; pass model.parameters() of a model with weights")
    seen: set[int] = set()
    for i, p in enumerate(out):
        if not isinstance(p, Scalar):
            raise TypeError(f"parameter #{i} is a {type(p).__name__}, not an ag.Scalar")
        if p.parents:
            raise ValueError(
                f"parameter #{i} ({p.label or p.op}) is the result of an operation, not a leaf; "
                "optimize the leaf Scalars you created"
            )
        if id(p) in seen:
            raise ValueError(f"parameter #{i} ({p.label or 'unlabelled'}) appears twice; it would be updated twice")
        seen.add(id(p))
    return out


def _check_number(
    name: str, value: object, *, low: float, high: float = math.inf, low_inclusive: bool = True
) -> float:
    """A finite real in [low, high) (or (low, high) when not low_inclusive), else a ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    x = float(value)
    above_low = x >= low if low_inclusive else x > low
    if not (math.isfinite(x) and above_low and x < high):
        left = "[" if low_inclusive else "("
        right = "inf)" if high == math.inf else f"{high:g})"
        raise ValueError(f"{name} must be in {left}{low:g}, {right}, got {value!r}")
    return x
