"""`CausalSelfAttention`: multi-head self-attention over a sequence, each position seeing only the past."""

from __future__ import annotations

import random
from typing import Optional, Sequence

from ..engine import Scalar
from ..functions import dot, softmax
from .linear import Linear
from .module import Module, Vector, check_size, make_rng


class CausalSelfAttention(Module):
    """Causal multi-head self-attention; a sequence is a list of vectors.

    For positions t = 0…T−1 and heads h, with head width d = n_embd/n_head and
    slice Sₕ = [h·d, (h+1)·d):

        qₜ = Wq xₜ,  kₜ = Wk xₜ,  vₜ = Wv xₜ                  (Linear, one dot per output)
        q̃ₜ = qₜ · (1/√d)                                      (one mul per component)
        sₜᵤʰ = dot(q̃ₜ[Sₕ], kᵤ[Sₕ])           for u = 0…t      (= qₜ·kᵤ/√d)
        aₜʰ = softmax(sₜ₀ʰ … sₜₜʰ)                              (ag.softmax)
        oₜ[j] = dot(aₜʰ, (v₀[j] … vₜ[j]))    for j in Sₕ
        yₜ = Wo oₜ

    Position t never reads positions after t, so a later token cannot change
    an earlier output. Weights are labelled ``name.wq[j][i]`` … ``name.wo[j][i]``.

    >>> attn = ag.nn.CausalSelfAttention(4, 2, seed=0)
    >>> ys = attn([[ag.Scalar(0.1 * (t + i)) for i in range(4)] for t in range(3)])
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        *,
        bias: bool = False,
        std: Optional[float] = None,
        name: str = "attn",
        seed: int = 0,
        rng: Optional[random.Random] = None,
    ) -> None:
        super().__init__()
        self.n_embd = check_size("attention n_embd", n_embd)
        self.n_head = check_size("attention n_head", n_head)
        if n_embd % n_head:
            raise ValueError(f"attention n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        self.head_dim = n_embd // n_head
        self.name = name
        rng = make_rng(seed, rng)
        self.wq, self.wk, self.wv, self.wo = (
            Linear(n_embd, n_embd, bias=bias, std=std, name=f"{name}.{w}", rng=rng)
            for w in ("wq", "wk", "wv", "wo")
        )
        for layer in (self.wq, self.wk, self.wv, self.wo):
            self._add(layer)

    def __call__(self, xs: Sequence[Sequence[Scalar]]) -> list[Vector]:
        """The attention output for every position of the sequence `xs`."""
        check_sequence(f"attention {self.name!r}", xs)
        d, n_head = self.head_dim, self.n_head
        inv_sqrt_d = Scalar(d**-0.5, op="const")
        keys: list[list[Vector]] = [[] for _ in range(n_head)]  # keys[h][u] = kᵤ[Sₕ]
        value_columns: list[Vector] = [[] for _ in range(self.n_embd)]  # value_columns[j][u] = vᵤ[j]
        out = []
        for x in xs:
            q = [qi * inv_sqrt_d for qi in self.wq(x)]
            k = self.wk(x)
            for j, vj in enumerate(self.wv(x)):
                value_columns[j].append(vj)
            heads: Vector = []
            for h in range(n_head):
                lo = h * d
                keys[h].append(k[lo : lo + d])
                qh = q[lo : lo + d]
                weights = softmax([dot(qh, kh) for kh in keys[h]])
                heads.extend(dot(weights, value_columns[j]) for j in range(lo, lo + d))
            out.append(self.wo(heads))
        return out


def check_sequence(where: str, xs: object, items: str = "vectors") -> None:
    """A non-empty list (of vectors, or of the named `items`), else an error (an empty sequence has nothing to attend to)."""
    if isinstance(xs, Scalar) or not hasattr(xs, "__len__"):
        raise TypeError(f"{where} takes a list of {items}, got {type(xs).__name__}")
    if len(xs) == 0:  # type: ignore[arg-type]
        raise ValueError(f"{where} got an empty sequence; give at least one position")
