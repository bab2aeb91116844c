"""`Embedding`: a table of learned vectors looked up by integer id."""

from __future__ import annotations

import random
from typing import Optional

from .module import Module, Vector, check_size, gaussian_matrix, make_rng


class Embedding(Module):
    """E[id]: row `id` of a num×dim table of parameters, E ~ N(0, std²).

    The lookup returns the row's own parameter Scalars (no new node), so
    ∂E[id]ᵢ/∂E[id]ᵢ = 1 and every other row gets no gradient. Labels ``name[id][i]``.

    >>> wte = ag.nn.Embedding(27, 16, name="wte", seed=0)
    >>> vector = wte(3)                                     # 16 parameter Scalars
    """

    def __init__(
        self,
        num: int,
        dim: int,
        *,
        std: float = 1.0,
        name: str = "embedding",
        seed: int = 0,
        rng: Optional[random.Random] = None,
    ) -> None:
        super().__init__()
        self.num = check_size("Embedding num", num)
        self.dim = check_size("Embedding dim", dim)
        self.name = name
        self.weight = gaussian_matrix(name, num, dim, std, make_rng(seed, rng))
        self._add(self.weight)

    def __call__(self, index: int) -> Vector:
        """The row for `index` (0 ≤ index < num); an IndexError names the id and the table size."""
        check_index(f"Embedding {self.name!r}", index, self.num)
        return self.weight[index]


def check_index(where: str, index: object, size: int) -> int:
    """An int id in 0..size-1, else an error naming the id and the size."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"{where}: an id must be an int, got {type(index).__name__}: {index!r}")
    if not 0 <= index < size:
        raise IndexError(f"{where}: id {index} is out of range for a table of {size} (ids 0..{size - 1})")
    return index
