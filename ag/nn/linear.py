"""`Linear` and `MLP`: affine maps built from one fused `ag.dot` node per output."""

from __future__ import annotations

import random
from typing import Callable, Optional, Sequence

from ..engine import Scalar
from ..functions import dot
from .module import Module, Vector, check_length, check_size, constant_vector, gaussian_matrix, make_rng

ACTIVATIONS: dict[str, Callable[[Scalar], Scalar]] = {
    "relu": Scalar.relu,
    "tanh": Scalar.tanh,
    "sigmoid": Scalar.sigmoid,
}
"""Activation name → the elementwise function applied between an MLP's layers."""


def activation_function(name: str) -> Callable[[Scalar], Scalar]:
    """The elementwise function called `name`, else a ValueError listing the choices."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None


class Linear(Module):
    """y = W x + b, one `ag.dot` node per output.

    yⱼ = Σᵢ Wⱼᵢ xᵢ + bⱼ. With a bias, the bias rides in the same dot node:
    yⱼ = dot((Wⱼ₁ … Wⱼₙ, bⱼ), (x₁ … xₙ, 1)), the 1 being a constant leaf, so
    ∂yⱼ/∂Wⱼᵢ = xᵢ, ∂yⱼ/∂bⱼ = 1, ∂yⱼ/∂xᵢ = Wⱼᵢ. W ~ N(0, std²) (std defaults
    to 1/√nin), b = 0. Parameters are labelled ``name[j][i]`` and ``name.bias[j]``.

    >>> layer = ag.nn.Linear(2, 3, seed=0)
    >>> y = layer([ag.Scalar(1.0), ag.Scalar(-2.0)])      # a list of 3 Scalars
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        bias: bool = True,
        std: Optional[float] = None,
        name: str = "linear",
        seed: int = 0,
        rng: Optional[random.Random] = None,
    ) -> None:
        super().__init__()
        self.nin = check_size("Linear nin", nin)
        self.nout = check_size("Linear nout", nout)
        self.name = name
        rng = make_rng(seed, rng)
        self.weight = gaussian_matrix(name, nout, nin, nin**-0.5 if std is None else std, rng)
        self._add(self.weight)
        self.bias: Optional[Vector] = None
        self._rows = self.weight
        if bias:
            self.bias = constant_vector(f"{name}.bias", nout, 0.0)
            self._add(self.bias)
            self._rows = [row + [b] for row, b in zip(self.weight, self.bias)]

    def __call__(self, x: Sequence[Scalar]) -> Vector:
        """W x + b for one input vector of length nin."""
        if x.__class__ is not list or len(x) != self.nin:  # a list of the right size skips the check
            check_length(f"Linear {self.name!r}", x, self.nin)
        if self.bias is not None:
            x = [*x, Scalar(1.0, op="const")]
        return [dot(row, x) for row in self._rows]


class MLP(Module):
    """A stack of `Linear` layers with an activation between them (none after the last).

    For sizes (n₀, n₁, …, n_L): h⁰ = x, hᵏ = act(Lᵏ hᵏ⁻¹) for k < L, y = Lᴸ hᴸ⁻¹.
    Layers are named ``name.fc1``, ``name.fc2``, …

    >>> mlp = ag.nn.MLP([2, 8, 1], activation="tanh", seed=0)
    >>> (y,) = mlp([ag.Scalar(0.5), ag.Scalar(-1.0)])
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str = "relu",
        bias: bool = True,
        std: Optional[float] = None,
        name: str = "mlp",
        seed: int = 0,
        rng: Optional[random.Random] = None,
    ) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least two sizes (input and output), got {sizes!r}")
        self.act = activation_function(activation)
        self.activation = activation
        rng = make_rng(seed, rng)
        self.layers = [
            Linear(nin, nout, bias=bias, std=std, name=f"{name}.fc{k + 1}", rng=rng)
            for k, (nin, nout) in enumerate(zip(sizes, sizes[1:]))
        ]
        for layer in self.layers:
            self._add(layer)

    def __call__(self, x: Sequence[Scalar]) -> Vector:
        """y = Lᴸ act(… act(L¹ x)) for one input vector of length n₀."""
        act = self.act
        *hidden, last = self.layers
        for layer in hidden:
            x = [act(h) for h in layer(x)]
        return last(x)

