"""Stored local gradients (Karpathy's microgpt): each node keeps its parents in ``_children`` and
∂node/∂parent as numbers in ``_local_grads``, computed at forward time; there are no op names and no
step code, and the engine's backward adds ``local_grad × node.grad`` into each child.

The op of each node is inferred from its value and its parents' values
(`symcheck.engines.infer`), and the stored numbers are judged against it.
The backward pass is watched through the local gradients themselves: for the
run each node's ``_local_grads`` is a tuple that records when the engine
reads it.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from symcheck.engines.adapters import Adapter, Restore
from symcheck.engines.families.returning import distribute


class StoredAdapter(Adapter):
    """Local gradients stored as numbers beside the parents; the engine's backward multiplies and adds."""

    family = "stored local gradients"
    step_adds = False

    def has_step(self, node: Any) -> bool:
        name = self.layout(node).local_grads
        return name is not None and isinstance(getattr(node, name, None), (tuple, list))

    def step(self, node: Any, parents: list[Any]) -> list[float]:
        listed, _ = self.parents(node)
        return distribute(list(getattr(node, self.layout(node).local_grads)), listed, parents)  # type: ignore[arg-type]

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        undo = []
        for i, node in enumerate(nodes):
            name = self.layout(node).local_grads
            stored = getattr(node, name, None) if name else None
            if not isinstance(stored, (tuple, list)) or not stored:
                continue
            watched = (_WatchedList if isinstance(stored, list) else _WatchedTuple)(stored)
            watched.record, watched.position = record, i
            try:
                setattr(node, name, watched)  # type: ignore[arg-type]
            except AttributeError:
                break
            undo.append((node, name, stored))
        else:
            return lambda: _put_back(undo)
        _put_back(undo)
        return None


def _put_back(undo: list) -> None:
    for node, name, stored in undo:
        setattr(node, name, stored)


class _Watched:
    """Local gradients that record when the engine's backward reads them (iterating or indexing);
    mixed into the container the engine used, so the engine still sees its own type."""

    record: Callable[[int], None]
    position: int

    def __iter__(self):  # type: ignore[no-untyped-def]
        self.record(self.position)
        return super().__iter__()  # type: ignore[misc]

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if index == 0:
            self.record(self.position)
        return super().__getitem__(index)  # type: ignore[misc]


class _WatchedTuple(_Watched, tuple):
    """A node's local gradients kept in a tuple, watched."""


class _WatchedList(_Watched, list):
    """The same, for local gradients kept in a list."""
