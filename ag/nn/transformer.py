"""`Block` (a pre-norm Transformer block) and `GPT` (a small decoder-only language model)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from ..engine import Scalar
from ..functions import logsumexp, mean
from .attention import CausalSelfAttention, check_sequence
from .embedding import Embedding, check_index
from .linear import MLP, Linear
from .module import Module, Vector, check_size, make_rng
from .norm import LayerNorm, RMSNorm

NORMS = {"rms": RMSNorm, "layer": LayerNorm}
"""Norm name (the `norm` option) → class."""


def make_norm(kind: str, dim: int, *, eps: float, affine: bool, name: str) -> Union[RMSNorm, LayerNorm]:
    """An RMSNorm (``"rms"``) or LayerNorm (``"layer"``), else a ValueError listing both."""
    if kind not in NORMS:
        raise ValueError(f"unknown norm {kind!r}; choose one of {', '.join(NORMS)}")
    return NORMS[kind](dim, eps=eps, affine=affine, name=name)


class Block(Module):
    """A pre-norm Transformer block over a sequence:

        aₜ = xₜ + Attn(Norm₁(x))ₜ
        yₜ = aₜ + MLP(Norm₂(aₜ))          MLP: n_embd → mlp_width → n_embd, activation between

    Sub-modules are named ``name.norm1``, ``name.attn``, ``name.norm2``, ``name.mlp``.

    >>> block = ag.nn.Block(4, 2, seed=0)
    >>> ys = block([[ag.Scalar(0.1 * (t + i)) for i in range(4)] for t in range(3)])
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        *,
        mlp_width: Optional[int] = None,
        norm: str = "rms",
        norm_affine: bool = False,
        activation: str = "relu",
        bias: bool = False,
        std: Optional[float] = None,
        eps: float = 1e-5,
        name: str = "block",
        seed: int = 0,
        rng: Optional[random.Random] = None,
    ) -> None:
        super().__init__()
        rng = make_rng(seed, rng)
        width = check_size("Block mlp_width", 4 * n_embd if mlp_width is None else mlp_width)
        self.norm1 = make_norm(norm, n_embd, eps=eps, affine=norm_affine, name=f"{name}.norm1")
        self.attn = CausalSelfAttention(n_embd, n_head, bias=bias, std=std, name=f"{name}.attn", rng=rng)
        self.norm2 = make_norm(norm, n_embd, eps=eps, affine=norm_affine, name=f"{name}.norm2")
        self.mlp = MLP(
            [n_embd, width, n_embd], activation=activation, bias=bias, std=std, name=f"{name}.mlp", rng=rng
        )
        for module in (self.norm1, self.attn, self.norm2, self.mlp):
            self._add(module)

    def __call__(self, xs: Sequence[Sequence[Scalar]]) -> list[Vector]:
        """yₜ for every position: aₜ = xₜ + Attn(Norm₁(x))ₜ, yₜ = aₜ + MLP(Norm₂(aₜ))."""
        norm1, norm2, mlp = self.norm1, self.norm2, self.mlp
        attended = self.attn([norm1(x) for x in xs])
        out = []
        for x, a in zip(xs, attended):
            r = [xi + ai for xi, ai in zip(x, a)]
            out.append([ri + mi for ri, mi in zip(r, mlp(norm2(r)))])
        return out


@dataclass(frozen=True)
class GPTConfig:
    """The shape of a `GPT`. The benchmark's model is ``GPTConfig(vocab_size=27)``.

    Attributes:
        vocab_size: number of token ids (0 … vocab_size−1).
        n_embd: width of every position's vector.
        n_head: attention heads (n_embd must be a multiple).
        n_layer: Transformer blocks.
        block_size: the longest sequence (positions 0 … block_size−1).
        mlp_width: hidden width of each block's MLP (None → 4·n_embd).
        norm: ``"rms"`` (RMSNorm, no gain) or ``"layer"`` (LayerNorm, no gain/bias).
        activation: the MLP's activation (``"relu"``, ``"tanh"``, ``"sigmoid"``).
        init_std: every weight matrix starts as N(0, init_std²).
        eps: the norms' epsilon.
    """

    vocab_size: int
    n_embd: int = 16
    n_head: int = 4
    n_layer: int = 1
    block_size: int = 8
    mlp_width: Optional[int] = None
    norm: str = "rms"
    activation: str = "relu"
    init_std: float = 0.08
    eps: float = 1e-5


class GPT(Module):
    """A microgpt-style decoder-only Transformer on scalars.

    The exact math (what a baseline must mirror for identical gradients), for
    tokens x₀…x_{T−1} (T ≤ block_size), targets y₀…y_{T−1}, d = n_embd,
    hd = n_embd/n_head, N(v) = RMSNorm without gain:

        N(v)ᵢ   = vᵢ · ((Σⱼ vⱼ²)/d + eps)^(−1/2)                    eps = 1e-5
        hₜ      = N(wte[xₜ] + wpe[t])                                 (norm right after the embedding)
        for each layer ℓ (pre-norm, residual):
          nₜ    = N(hₜ)
          qₜ = Wqˡ nₜ,  kₜ = Wkˡ nₜ,  vₜ = Wvˡ nₜ                     (no biases anywhere)
          per head h (slice Sₕ of width hd):
            sₜᵤ = (qₜ[Sₕ] · kᵤ[Sₕ]) / √hd        u = 0…t              (causal; computed as (qₜ/√hd)·kᵤ)
            aₜ  = softmax(sₜ₀ … sₜₜ)
            oₜ[Sₕ] = Σᵤ aₜᵤ vᵤ[Sₕ]
          hₜ    = hₜ + Woˡ oₜ
          hₜ    = hₜ + W2ˡ relu(W1ˡ N(hₜ))                           W1: mlp_width×d, W2: d×mlp_width
        logitsₜ = W_lm hₜ                                             (no final norm)
        loss    = (1/T) Σₜ [logsumexp(logitsₜ) − logitsₜ[yₜ]]         (= mean of −log softmax(logitsₜ)[yₜ])

    Here W x means (W x)ⱼ = Σᵢ Wⱼᵢ xᵢ. Initialisation: ``random.Random(seed)``
    draws ``gauss(0, init_std)`` row by row for, in this order, wte
    (vocab×d), wpe (block×d), lm_head (vocab×d), then per layer wq, wk, wv, wo
    (d×d), mlp.fc1 (mlp_width×d), mlp.fc2 (d×mlp_width); `parameters()` has the
    same order. Labels: ``wte[3][5]``, ``layer0.attn.wq[3][5]``, ``layer0.mlp.fc1[7][2]``, ``lm_head[…]``.
    With ``norm="layer"`` N is LayerNorm without gain or bias.

    >>> model = ag.nn.GPT(ag.nn.GPTConfig(vocab_size=27), seed=0)
    >>> loss = model.loss([0, 5, 3], [5, 3, 0]); loss.backward()
    """

    def __init__(self, config: GPTConfig, *, seed: int = 0, rng: Optional[random.Random] = None) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT takes a GPTConfig, got {type(config).__name__}")
        self.config = c = config
        check_size("GPT vocab_size", c.vocab_size)
        check_size("GPT block_size", c.block_size)
        check_size("GPT n_layer", c.n_layer)
        rng = make_rng(seed, rng)
        self.wte = Embedding(c.vocab_size, c.n_embd, std=c.init_std, name="wte", rng=rng)
        self.wpe = Embedding(c.block_size, c.n_embd, std=c.init_std, name="wpe", rng=rng)
        self.lm_head = Linear(c.n_embd, c.vocab_size, bias=False, std=c.init_std, name="lm_head", rng=rng)
        self.norm_in = make_norm(c.norm, c.n_embd, eps=c.eps, affine=False, name="norm_in")
        self.layers = [
            Block(
                c.n_embd, c.n_head, mlp_width=c.mlp_width, norm=c.norm, activation=c.activation,
                bias=False, std=c.init_std, eps=c.eps, name=f"layer{i}", rng=rng,
            )
            for i in range(c.n_layer)
        ]
        for module in (self.wte, self.wpe, self.lm_head, self.norm_in, *self.layers):
            self._add(module)

    def __call__(self, tokens: Sequence[int]) -> list[Vector]:
        """The logits (a vocab_size vector) at every position of `tokens`."""
        self._check_tokens(tokens)
        wte, wpe, norm_in = self.wte, self.wpe, self.norm_in
        xs = [norm_in([a + b for a, b in zip(wte(tok), wpe(t))]) for t, tok in enumerate(tokens)]
        for block in self.layers:
            xs = block(xs)
        lm_head = self.lm_head
        return [lm_head(x) for x in xs]

    def loss(self, tokens: Sequence[int], targets: Sequence[int]) -> Scalar:
        """Mean cross-entropy of predicting ``targets[t]`` at position t: mean of logsumexp(ℓₜ) − ℓₜ[yₜ]."""
        self._check_tokens(tokens)
        check_sequence("GPT.loss", targets, "target ids")
        if len(targets) != len(tokens):  # type: ignore[arg-type]
            raise ValueError(f"GPT.loss needs one target per token: {len(tokens)} tokens, {len(targets)} targets")
        vocab = self.config.vocab_size
        for target in targets:
            check_index("GPT target", target, vocab)
        return mean([logsumexp(row) - row[target] for row, target in zip(self(tokens), targets)])

    def _check_tokens(self, tokens: Sequence[int]) -> None:
        check_sequence("GPT", tokens, "token ids")
        if len(tokens) > self.config.block_size:
            raise ValueError(
                f"GPT got a sequence of {len(tokens)} tokens, longer than block_size "
                f"{self.config.block_size}; shorten it or build the model with a larger block_size"
            )
        vocab = self.config.vocab_size
        for tok in tokens:
            check_index("GPT token", tok, vocab)
