"""`Reader`: the one line that tells symcheck where an engine keeps what discovery could not find.

>>> class Node:
...     def __init__(self, v, kids=(), kind=""):
...         self.v, self.g, self.kids, self.kind = v, 0.0, kids, kind
>>> Reader(value="v", grad="g", parents="kids", op="kind")
Reader(value='v', grad='g', parents='kids', op='kind')

Every field names an attribute, a property or a zero-argument method of the
nodes; fields left out are discovered (`symcheck.engines.discovery`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Optional

from symcheck.engines.discovery import Layout, UnreadableEngineError, inventory, present


@dataclass(frozen=True)
class Reader:
    """Where the nodes keep their parts, for an engine discovery cannot read by itself.

    `value` the forward value, `grad` the gradient, `parents` the parents (a
    tuple, list, set or dict of nodes, or a zero-argument method giving one),
    `op` the op's name, `step` the local step (``_backward()`` adding into the
    parents, or ``_backward(grad)`` returning the contributions),
    `local_grads` local gradients stored as numbers beside the parents,
    `label` a node's name.
    """

    value: Optional[str] = None
    grad: Optional[str] = None
    parents: Optional[str] = None
    op: Optional[str] = None
    step: Optional[str] = None
    local_grads: Optional[str] = None
    label: Optional[str] = None

    def __repr__(self) -> str:
        given = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if getattr(self, f.name))
        return f"Reader({given})"

    def layout(self, output: Any) -> Layout:
        """The declared names as a `Layout`, after checking that `output` has each of them."""
        names = present(output)
        for f in fields(self):
            name = getattr(self, f.name)
            if name is None:
                continue
            if not isinstance(name, str) or not name:
                raise UnreadableEngineError(f"{self!r}: {f.name} must name an attribute (a str), got {name!r}",
                                            hint=f"e.g. Reader({f.name}='...')")
            if name not in names and not (f.name in ("op", "label", "step", "local_grads") and hasattr(output, name)):
                raise UnreadableEngineError(
                    f"{self!r}: the output, a {type(output).__name__}, has no attribute {name!r} for its {f.name}; "
                    f"it has: {inventory(output)}",
                    hint=f"name one of its attributes: Reader({f.name}='...')",
                )
        return Layout(value=self.value, grad=self.grad, parents=self.parents, op=self.op, step=self.step,
                      local_grads=self.local_grads, label=self.label)
