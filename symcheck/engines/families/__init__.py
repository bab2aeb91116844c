"""One adapter per engine family, chosen by what the output node holds (`adapter_for`).

- `AgAdapter`: ``ag.Scalar``;
- `HistoryAdapter`: minitorch's ``history`` record (``last_fn``, ``ctx``, ``inputs``);
- `ClosureAdapter`: a local step ``_backward()`` that adds into the parents (micrograd, one class per op);
- `ReturningAdapter`: a local step ``_backward(grad)`` that returns the contributions (the method protocol);
- `StoredAdapter`: local gradients stored as numbers (``_local_grads``, microgpt), no step code.
"""

from __future__ import annotations

from typing import Any, Optional

from symcheck.engines.adapters import Adapter
from symcheck.engines.discovery import Layout, discover, unreadable
from symcheck.engines.families.ag import AgAdapter
from symcheck.engines.families.closure import ClosureAdapter
from symcheck.engines.families.history import HistoryAdapter
from symcheck.engines.families.returning import ReturningAdapter
from symcheck.engines.families.stored import StoredAdapter

__all__ = ["AgAdapter", "ClosureAdapter", "HistoryAdapter", "ReturningAdapter", "StoredAdapter", "adapter_for"]


def adapter_for(output: Any, declared: Optional[Layout] = None) -> Adapter:
    """The adapter for `output`'s engine, from what the node holds (and what `declared` names)."""
    if declared is None and _is_ag(output):
        return AgAdapter()
    layout = discover(output, declared)
    if layout.value is None:
        raise unreadable(output, "the value (data, value, val, …)", "value='...'")
    if layout.history is not None:
        return HistoryAdapter(declared)
    if layout.step is not None:
        return (ReturningAdapter if layout.step_arity >= 1 else ClosureAdapter)(declared)
    if layout.local_grads is not None:
        return StoredAdapter(declared)
    raise unreadable(output, "the local step (_backward, or local gradients stored as numbers)",
                     "step='...' or local_grads='...'")


def _is_ag(value: Any) -> bool:
    """symcheck's own ag (never a course's ag.py of the same name: that one is read as a foreign engine)."""
    from symcheck.own import ag

    return isinstance(value, ag.Scalar)
