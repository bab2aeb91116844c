"""``ag.Scalar``, symcheck's own engine: ordered parents, the op table's op names, a ``before_step`` hook.

Numbers an operator coerced are constant leaves (op ``"const"``); pow's
exponent and softmax's index are kept in ``arg``. A step is ``_backward()``,
which adds into the parents' grads as micrograd's closures do.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from symcheck.engines.adapters import Restore
from symcheck.engines.discovery import Layout
from symcheck.engines.families.closure import ClosureAdapter
from symcheck.engines.opnames import CONST


class AgAdapter(ClosureAdapter):
    """``ag.Scalar``: parents in operand order, ops named as in the op table, creation ids."""

    family = "ag"

    def __init__(self) -> None:
        super().__init__(Layout(value="data", grad="grad", parents="parents", op="op", step="_backward",
                                label="label"))
        self._record: Optional[Callable[[int], None]] = None
        self._position: dict[int, int] = {}

    def layout(self, node: Any) -> Layout:
        return self.declared  # type: ignore[return-value]

    def value(self, node: Any) -> float:
        return node.data

    def grad(self, node: Any) -> Optional[float]:
        return node.grad

    def set_grad(self, node: Any, grad: Optional[float]) -> None:
        node.grad = grad

    def parents(self, node: Any) -> tuple[list[Any], bool]:
        return list(node.parents), False

    def engine_op(self, node: Any) -> Optional[str]:
        return node.op

    def parameter(self, node: Any, op: str) -> Optional[float]:
        return node.arg

    def label(self, node: Any) -> Optional[str]:
        return node.label or None

    def index(self, node: Any) -> Optional[int]:
        return node.arg if node.op == "softmax" else None

    def is_constant(self, node: Any) -> bool:
        return node.op == CONST

    def creation_key(self, node: Any) -> Optional[int]:
        return node._id

    def has_step(self, node: Any) -> bool:
        return bool(node.parents)

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        self._record = record
        self._position = {id(node): i for i, node in enumerate(nodes)}

        def restore() -> None:
            self._record = None

        return restore

    def run(self, output: Any) -> None:
        record, position = self._record, self._position
        if record is None:
            output.backward()
            return
        output.backward(before_step=lambda node: record(position[id(node)]))
