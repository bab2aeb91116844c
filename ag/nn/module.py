"""`Module`: the base of every layer, owning its parameters and sub-modules.

Parameters are leaf `ag.Scalar`s (op ``"input"``) created once, at
construction, with a label that names them completely (``"layer0.attn.wq[3][5]"``),
so a captured graph or an error message can say which weight it is.
"""

from __future__ import annotations

import random
from typing import Optional, Union

from ..engine import Scalar

Vector = list[Scalar]
Matrix = list[list[Scalar]]


class Module:
    """A layer: parameters and sub-modules, kept in the order they were registered.

    Subclasses call `super().__init__()` and then `_add(...)` for each
    parameter group (a vector or a matrix of Scalars) and each sub-module;
    `parameters()` walks them in that order, so it is deterministic.

    >>> layer = ag.nn.Linear(3, 2, seed=0)
    >>> len(layer.parameters())               # 3·2 weights + 2 biases
    8
    """

    def __init__(self) -> None:
        self._entries: list[Union["Module", Vector]] = []
        self._flat: Optional[list[Scalar]] = None

    def _add(self, entry: Union["Module", Vector, Matrix]) -> None:
        """Register a sub-module, a vector of parameters or a matrix of them (row by row).

        Modules register everything in `__init__`, children before their parent
        registers them, so the flattened list cached by `parameters()` stays valid.
        """
        self._flat = None
        if isinstance(entry, Module):
            self._entries.append(entry)
        elif entry and isinstance(entry[0], list):
            self._entries.extend(entry)
        else:
            self._entries.append(entry)

    def _parameter_list(self) -> list[Scalar]:
        if self._flat is None:
            flat: list[Scalar] = []
            for entry in self._entries:
                flat.extend(entry._parameter_list() if isinstance(entry, Module) else entry)
            self._flat = flat
        return self._flat

    def parameters(self) -> list[Scalar]:
        """Every parameter, in registration order (the same order on every call)."""
        return list(self._parameter_list())

    def named_parameters(self) -> list[tuple[str, Scalar]]:
        """``(label, parameter)`` pairs in `parameters()` order."""
        return [(p.label or "", p) for p in self._parameter_list()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (grads accumulate across backward calls).

        >>> layer = ag.nn.Linear(2, 1, seed=0); layer([1.0, 2.0])[0].backward()
        >>> layer.zero_grad(); [p.grad for p in layer.parameters()]
        [0.0, 0.0, 0.0]
        """
        for p in self._parameter_list():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the module holds."""
        return len(self._parameter_list())


def make_rng(seed: int, rng: Optional[random.Random]) -> random.Random:
    """The generator a module draws its initial weights from.

    A composite module passes its own `rng` down, so one seed fixes every
    weight of the whole model; a module made alone gets ``random.Random(seed)``.
    """
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        return rng
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


def gaussian_matrix(name: str, rows: int, cols: int, std: float, rng: random.Random) -> Matrix:
    """A rows×cols matrix of parameters drawn from N(0, std²), row by row; labels ``name[j][i]``."""
    gauss = rng.gauss
    return [[Scalar(gauss(0.0, std), f"{name}[{j}][{i}]") for i in range(cols)] for j in range(rows)]


def constant_vector(name: str, size: int, value: float) -> Vector:
    """A vector of parameters all equal to `value`; labels ``name[i]``."""
    return [Scalar(value, f"{name}[{i}]") for i in range(size)]


def check_size(what: str, value: object) -> int:
    """A layer dimension: a positive int, else a ValueError saying which one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


def check_length(where: str, vector: object, expected: int) -> None:
    """An input vector of the expected length, else a ValueError saying expected vs got."""
    try:
        got = len(vector)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{where} takes a list of Scalars, got {type(vector).__name__}") from None
    if got != expected:
        raise ValueError(f"{where} expected an input of length {expected}, got {got}")
