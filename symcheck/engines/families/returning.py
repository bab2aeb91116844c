"""The method protocol: parents from ``parents()`` and a local step ``_backward(grad)`` that returns
the contributions, which the engine's own backward adds into the parents' grads.

The step's result is read in the form engines give it: a sequence with one
contribution per parent (in the order the parents are listed), a dict from
parent to contribution, or a single number for a node with one parent.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from symcheck.engines.adapters import Adapter, Restore
from symcheck.engines.discovery import is_real
from symcheck.engines.families.closure import watch_steps


class StepResultError(Exception):
    """A local step returned something that is not one contribution per parent (an engine bug, reported as a finding)."""


class ReturningAdapter(Adapter):
    """``_backward(grad)`` returns ∂node/∂parent × grad for each parent; the engine's backward accumulates."""

    family = "method protocol"
    step_adds = False

    def step(self, node: Any, parents: list[Any]) -> list[float]:
        listed, _ = self.parents(node)
        result = getattr(node, self.layout(node).step)(1.0)  # type: ignore[arg-type]
        return distribute(result, listed, parents)

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        return watch_steps(self, nodes, record)


def distribute(result: Any, listed: list[Any], parents: list[Any]) -> list[float]:
    """Contributions given per listed parent (or as a dict by parent, or one number) → one per distinct parent."""
    if isinstance(result, dict):
        pairs = list(result.items())
    elif is_real(result) and len(listed) == 1:
        pairs = [(listed[0], result)]
    elif isinstance(result, (tuple, list)) or hasattr(result, "__iter__") and not isinstance(result, (str, bytes)):
        values = list(result)
        if len(values) != len(listed):
            raise StepResultError(f"it returned {len(values)} contribution(s) for {len(listed)} parent(s)")
        pairs = list(zip(listed, values))
    else:
        raise StepResultError(f"it returned a {type(result).__name__}, not one contribution per parent")
    total = {id(p): 0.0 for p in parents}
    for parent, value in pairs:
        if not is_real(value):
            raise StepResultError(f"it returned a {type(value).__name__} ({value!r}) as a contribution")
        if id(parent) in total:
            total[id(parent)] += float(value)
    return [total[id(p)] for p in parents]
