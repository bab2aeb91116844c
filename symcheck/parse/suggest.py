"""Suggestions for misspelt names: "did you mean ...?" and lists of what exists."""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Sequence

from symcheck import ops

OPERATOR_OPS = ("id", "add", "sub", "mul", "div", "neg", "pow")
"""Ops written as operators in text (``+ - * / **``); callable too, but not advertised."""


def function_names() -> list[str]:
    """Every op callable by name in text, read from the op table now (so `register_op` counts)."""
    return list(ops.OPS)


def advertised_functions() -> list[str]:
    """The functions worth listing in an error: the op table minus the operator ops."""
    return [name for name in ops.OPS if name not in OPERATOR_OPS]


_NUMBERED = re.compile(r"(?P<stem>.*?)(?P<number>\d+)")


def edit_distance(a: str, b: str) -> int:
    """The fewest single-character insertions, deletions, substitutions or swaps of neighbours from a to b.

    >>> edit_distance("backprob", "backprop"), edit_distance("bakcprop", "backprop"), edit_distance("x3", "z3")
    (1, 1, 1)
    """
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def close_matches(word: str, candidates: Iterable[str], n: int = 1) -> list[str]:
    """The candidates closest to `word`, best first.

    A numbered name keeps its number: ``x3`` among ``x, z1 … z8`` is ``z3``
    (the handout's node written with another letter), so candidates with the
    same number and a stem one edit away come first; then difflib's closest
    (ratio ≥ 0.6).

    >>> close_matches("x3", ["x", "y", "z1", "z2", "z3"])
    ['z3']
    """
    names = list(candidates)
    numbered = _NUMBERED.fullmatch(word)
    same_number: list[str] = []
    if numbered:
        for name in names:
            other = _NUMBERED.fullmatch(name)
            if other and other["number"] == numbered["number"] and edit_distance(other["stem"], numbered["stem"]) <= 1:
                same_number.append(name)
    rest = difflib.get_close_matches(word, [name for name in names if name not in same_number], n=n, cutoff=0.6)
    return (same_number + rest)[:n]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"did you mean 'sin'?"`` or ``""`` when nothing is close."""
    matches = close_matches(word, candidates)
    return f"did you mean '{matches[0]}'?" if matches else ""


def listing(names: Sequence[str], limit: int = 12) -> str:
    """``"a, b, c"``, cut after `limit` names with a count of the rest."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown}, … ({rest} more)" if rest > 0 else shown


def join_hints(*parts: str) -> str:
    """The non-empty parts joined with ``"; "`` (after a question, with a space)."""
    text = ""
    for part in (p for p in parts if p):
        text += ("" if not text else " " if text.endswith("?") else "; ") + part
    return text
