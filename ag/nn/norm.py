"""`RMSNorm` and `LayerNorm` over one vector, each with one fused `ag.dot` for the sum of squares."""

from __future__ import annotations

from typing import Sequence

from ..engine import Scalar
from ..functions import dot, mean
from .module import Module, Vector, check_length, check_size, constant_vector


class RMSNorm(Module):
    """yᵢ = xᵢ · (ms + eps)^(-1/2), ms = (Σ xᵢ²)/n  [· gᵢ with ``affine=True``].

    Nodes: s = dot(x, x) (one node), ms = s / n, ms + eps, pow −1/2, then one
    mul per component (two with the gain g, initialised to 1, labelled ``name.gain[i]``).
    Without `affine` (the default, as in microgpt) it has no parameters.

    >>> norm = ag.nn.RMSNorm(4)
    >>> y = norm([ag.Scalar(v) for v in (1.0, -2.0, 0.5, 3.0)])
    """

    def __init__(self, dim: int, *, eps: float = 1e-5, affine: bool = False, name: str = "rmsnorm") -> None:
        super().__init__()
        self.dim = check_size("RMSNorm dim", dim)
        self.eps = _check_eps(eps)
        self.name = name
        self.gain = constant_vector(f"{name}.gain", dim, 1.0) if affine else None
        if self.gain is not None:
            self._add(self.gain)

    def __call__(self, x: Sequence[Scalar]) -> Vector:
        """yᵢ = xᵢ · ((Σ xⱼ²)/n + eps)^(-1/2) [· gᵢ] for one vector of length dim."""
        if x.__class__ is not list or len(x) != self.dim:
            check_length(f"RMSNorm {self.name!r}", x, self.dim)
        scale = (dot(x, x) / self.dim + self.eps) ** -0.5
        if self.gain is None:
            return [xi * scale for xi in x]
        return [xi * scale * g for xi, g in zip(x, self.gain)]


class LayerNorm(Module):
    """yᵢ = (xᵢ − μ) · (σ² + eps)^(-1/2) [· gᵢ + bᵢ with ``affine=True``].

    μ = mean(x) (one node), dᵢ = xᵢ − μ, σ² = dot(d, d)/n. The gain g starts
    at 1 and the bias b at 0 (labels ``name.gain[i]``, ``name.bias[i]``).

    >>> norm = ag.nn.LayerNorm(4, affine=True)
    >>> y = norm([ag.Scalar(v) for v in (1.0, -2.0, 0.5, 3.0)])
    """

    def __init__(self, dim: int, *, eps: float = 1e-5, affine: bool = False, name: str = "layernorm") -> None:
        super().__init__()
        self.dim = check_size("LayerNorm dim", dim)
        self.eps = _check_eps(eps)
        self.name = name
        self.gain = constant_vector(f"{name}.gain", dim, 1.0) if affine else None
        self.bias = constant_vector(f"{name}.bias", dim, 0.0) if affine else None
        if self.gain is not None and self.bias is not None:
            self._add(self.gain)
            self._add(self.bias)

    def __call__(self, x: Sequence[Scalar]) -> Vector:
        """yᵢ = (xᵢ − μ) · (σ² + eps)^(-1/2) [· gᵢ + bᵢ] for one vector of length dim."""
        if x.__class__ is not list or len(x) != self.dim:
            check_length(f"LayerNorm {self.name!r}", x, self.dim)
        mu = mean(x)
        d = [xi - mu for xi in x]
        scale = (dot(d, d) / self.dim + self.eps) ** -0.5
        if self.gain is None or self.bias is None:
            return [di * scale for di in d]
        return [di * scale * g + b for di, g, b in zip(d, self.gain, self.bias)]


def _check_eps(eps: float) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0.0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return float(eps)
