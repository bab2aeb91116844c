"""micrograd and its variants: a local step ``_backward()`` that adds into its parents' grads itself.

This covers PyPI's micrograd 0.1.0, the course variants (parents under
``_prev``, ``prev``, ``_children``, ``children``, ``_parents``, ``parents``
or ``inputs``, in a set, tuple, list or dict; op names such as ``'+'``,
``'**2'``, ``'pow(2)'``, ``'ReLU'``; leaves with or without a ``_backward``)
and engines with one class per op (``class Mul(Node)``, the op read from the
class name), whose ``_backward`` is a method.

A step is run alone by setting its node's grad to 1 and each parent's grad to
`SENTINEL`: what the step adds is the grad minus the sentinel, and a step that
overwrites instead of adding shows up when it is replayed from 0 (`replay`).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from symcheck.engines.adapters import Adapter, Restore
from symcheck.engines.families.watch import watch

SENTINEL = 0.75
"""The grad parents hold before an isolated step: adding to it and overwriting it differ visibly."""


class ClosureAdapter(Adapter):
    """A local step that adds ``node.grad × ∂node/∂parent`` into each parent's grad (micrograd's contract)."""

    family = "micrograd"
    step_adds = True

    def step(self, node: Any, parents: list[Any]) -> list[float]:
        return [g - SENTINEL for g in self.replay(node, parents, SENTINEL)]

    def replay(self, node: Any, parents: list[Any], start: float) -> list[float]:
        """The parents' grads after the node's step alone, from `start` (the node's own grad 1)."""
        for parent in parents:
            self.set_grad(parent, start)
        self.set_grad(node, 1.0)
        getattr(node, self.layout(node).step)()  # type: ignore[arg-type]
        return [self.grad(parent) or 0.0 for parent in parents]

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        return watch_steps(self, nodes, record)


def watch_steps(adapter: Adapter, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
    """Watch every node that has a local step (leaves without one are skipped), by its step's name."""
    by_name: dict[str, tuple[list[Any], list[int]]] = {}
    for i, node in enumerate(nodes):
        if adapter.has_step(node):
            name = adapter.layout(node).step
            group = by_name.setdefault(name, ([], []))  # type: ignore[arg-type]
            group[0].append(node)
            group[1].append(i)
    undo: list[Restore] = []
    for name, (members, positions) in by_name.items():
        restore = watch(members, positions, name, record)
        if restore is None:
            for done in reversed(undo):
                done()
            return None
        undo.append(restore)

    def restore() -> None:
        for done in reversed(undo):
            done()

    return restore
