"""ag.nn: layers built from ag.Scalar and its fused ops, with seeded initialisation.

A vector is a list of Scalars; a sequence is a list of vectors. Parameters are
leaf Scalars labelled with their full name (``layer0.attn.wq[3][5]``).

>>> model = ag.nn.MLP([2, 8, 1], activation="tanh", seed=0)
>>> (y,) = model([ag.Scalar(0.5), ag.Scalar(-1.0)]); y.backward()
"""

from .attention import CausalSelfAttention
from .embedding import Embedding
from .linear import ACTIVATIONS, MLP, Linear
from .module import Module
from .norm import LayerNorm, RMSNorm
from .transformer import GPT, Block, GPTConfig

__all__ = [
    "Module", "Linear", "MLP", "ACTIVATIONS", "Embedding", "RMSNorm", "LayerNorm",
    "CausalSelfAttention", "Block", "GPT", "GPTConfig",
]
