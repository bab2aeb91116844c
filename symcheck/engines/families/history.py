"""minitorch's Scalar: a ``history`` record (``last_fn``, ``ctx``, ``inputs``) instead of parents and a step.

The op is the function class in ``history.last_fn`` (``Add``, ``Mul``, ``Inv``,
``Neg``, ``Sigmoid``, ``ReLU``, ``Exp``, ``Log``); the local step is that
class's backward with the node's saved context, ``last_fn._backward(ctx, d)``
(or ``backward``); the parents are ``history.inputs``. Gradients exist only on
leaves, in ``derivative`` (None until something accumulates there), so the
engine witness is judged where it exists: on the leaves. The backward pass
(``backpropagate``) is watched through each node's ``chain_rule``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from symcheck.engines.adapters import Adapter, Restore
from symcheck.engines.families.returning import distribute
from symcheck.engines.families.watch import watch


class HistoryAdapter(Adapter):
    """minitorch's ScalarFunction / ScalarHistory API (module 1 of the minitorch course)."""

    family = "minitorch history"
    step_adds = False
    grads_on_every_node = False

    def _history(self, node: Any) -> Any:
        name = self.layout(node).history
        return getattr(node, name, None) if name else None

    def _function(self, node: Any) -> Any:
        history = self._history(node)
        return getattr(history, "last_fn", None) if history is not None else None

    def parents(self, node: Any) -> tuple[list[Any], bool]:
        history = self._history(node)
        if history is None or getattr(history, "last_fn", None) is None:
            return [], False
        return list(history.inputs or ()), False

    def engine_op(self, node: Any) -> Optional[str]:
        function = self._function(node)
        return getattr(function, "__name__", type(function).__name__) if function is not None else ""

    def is_constant(self, node: Any) -> bool:
        return self._history(node) is None  # minitorch's constants have no history at all

    def grad(self, node: Any) -> Optional[float]:
        if self._function(node) is not None:
            return None  # minitorch keeps no derivative on an intermediate node
        found = super().grad(node)
        return 0.0 if found is None else found

    def has_step(self, node: Any) -> bool:
        function = self._function(node)
        return function is not None and callable(getattr(function, "_backward", getattr(function, "backward", None)))

    def step(self, node: Any, parents: list[Any]) -> list[float]:
        function = self._function(node)
        ctx = self._history(node).ctx
        backward = getattr(function, "_backward", None) or function.backward
        result = backward(ctx, 1.0)
        listed, _ = self.parents(node)
        if len(listed) == 1 and not isinstance(result, (tuple, list)):
            result = (result,)
        return distribute(result, listed, parents)

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        stepped = [(node, i) for i, node in enumerate(nodes) if self._function(node) is not None]
        if not stepped or not all(callable(getattr(node, "chain_rule", None)) for node, _ in stepped):
            return None
        return watch([node for node, _ in stepped], [i for _, i in stepped], "chain_rule", record)
