"""Self-contained sequence tasks for the Transformer, generated in code (no downloads).

A task turns a short string of digits into a token sequence

    d₁ d₂ … d_L  SEP  a₁ a₂ … a_L

where a = answer(d) (the digits reversed, or sorted). A language model reads the
sequence left to right; it is trained to predict only the answer tokens, and
judged by exact match: every answer digit right, produced greedily from the
prompt ``d₁ … d_L SEP``.

Every digit string of length L is one example (10^L of them); a seeded shuffle
splits them into disjoint training and held-out sets, so held-out accuracy
measures the rule, not memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

SEP = 10  # the separator token; digits are tokens 0-9
VOCAB_SIZE = 11

ANSWERS: dict[str, Callable[[list[int]], list[int]]] = {
    "reverse": lambda digits: digits[::-1],
    "sort": lambda digits: sorted(digits),
}
"""Task name → the answer it asks for."""


@dataclass(frozen=True)
class Example:
    """One training example: the model reads `inputs` and is scored on `targets` at `answer_positions`."""

    digits: tuple[int, ...]
    answer: tuple[int, ...]

    @property
    def prompt(self) -> list[int]:
        """What greedy decoding starts from: the digits and the separator."""
        return [*self.digits, SEP]

    @property
    def sequence(self) -> list[int]:
        """The whole token sequence: digits, SEP, answer."""
        return [*self.digits, SEP, *self.answer]

    @property
    def inputs(self) -> list[int]:
        """sequence[:-1]: position t reads tokens 0…t and predicts token t+1."""
        return self.sequence[:-1]

    @property
    def targets(self) -> list[int]:
        """sequence[1:]: the next token at each input position."""
        return self.sequence[1:]

    @property
    def answer_positions(self) -> range:
        """Input positions whose next token is part of the answer (SEP's position onwards)."""
        length = len(self.digits)
        return range(length, 2 * length)


@dataclass(frozen=True)
class Dataset:
    """A task's examples split into disjoint `train` and `held_out` lists."""

    task: str
    length: int
    train: list[Example]
    held_out: list[Example]

    @property
    def block_size(self) -> int:
        """The longest input a model must read: 2·length tokens."""
        return 2 * self.length


def make_example(task: str, digits: list[int]) -> Example:
    """The example for one digit string."""
    return Example(tuple(digits), tuple(ANSWERS[task](list(digits))))


def make_dataset(task: str = "reverse", *, length: int = 3, held_out: int = 200, seed: int = 0) -> Dataset:
    """Every digit string of `length`, shuffled with `seed`, the first `held_out` kept aside.

    >>> data = make_dataset("reverse", length=3)
    >>> len(data.train), len(data.held_out), data.train[0].sequence[:4]
    """
    if task not in ANSWERS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(ANSWERS)}")
    if not 1 <= length <= 5:
        raise ValueError(f"digit strings of length {length} are not supported; choose 1 to 5")
    total = 10**length
    if not 0 < held_out < total:
        raise ValueError(f"held_out must be between 1 and {total - 1} for length {length}, got {held_out}")
    strings = [[int(c) for c in f"{i:0{length}d}"] for i in range(total)]
    random.Random(seed).shuffle(strings)
    examples = [make_example(task, digits) for digits in strings]
    return Dataset(task, length, train=examples[held_out:], held_out=examples[:held_out])
