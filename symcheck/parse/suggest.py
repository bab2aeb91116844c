"""Suggestions for misspelt names: "did you mean ...?" and lists of what exists."""

from __future__ import annotations

import difflib
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


def close_matches(word: str, candidates: Iterable[str], n: int = 1) -> list[str]:
    """The candidates closest to `word` (difflib's ratio ≥ 0.6), best first."""
    return difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)


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
