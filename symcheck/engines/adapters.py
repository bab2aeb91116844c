"""Reading a node of any micrograd-style engine.

`EngineNode` is what symcheck needs from a node, whatever the engine calls it:
a value (``data``), a gradient (``grad``), its parents (``_prev``,
``_children`` or ``parents``; a set is accepted), the name of the op that made
it (``_op`` or ``op``) and its local step (``_backward()``). An `Adapter`
reads those for one engine family: `AgAdapter` for ``ag.Scalar`` (ordered
parents, op names from the op table, pow's exponent in ``arg``, constants
marked ``"const"``) and `MicrogradAdapter` for PyPI's micrograd 0.1.0 and the
course variants (``'+'``, ``'*'``, ``'**2'``, ``'ReLU'``, ``'tanh'``, …).
"""

from __future__ import annotations

import re
import types
from typing import Any, Collection, Optional, Protocol, runtime_checkable

from symcheck.ops import OPS

INPUT = "input"
CONST = "const"


@runtime_checkable
class EngineNode(Protocol):
    """What symcheck reads from a node: the value, the gradient and the local step.

    Parents and the op name are read through an `Adapter`, because engines
    spell them differently (``_prev``/``_children``/``parents``, ``_op``/``op``).
    """

    data: float
    grad: float

    def _backward(self) -> None:
        """Add ``self.grad`` × ∂self/∂parent into each parent's ``grad``."""


@runtime_checkable
class MicrogradNode(EngineNode, Protocol):
    """micrograd's spelling: parents in ``_prev`` (a set or a tuple), the op's name in ``_op``."""

    _prev: Collection[Any]
    _op: str


@runtime_checkable
class AgNode(EngineNode, Protocol):
    """ag's spelling: parents in operand order, the op's name, the op's number argument."""

    parents: tuple
    op: str
    arg: Optional[float]


# engine op names that mean one of the op table's ops
_ALIASES = {
    "": INPUT,
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "**": "pow",
    "^": "pow",
    "neg": "neg",
    "ReLU": "relu",
    "Relu": "relu",
    "σ": "sigmoid",
}
_POW_NAME = re.compile(r"^(?:\*\*|\^|pow)\s*\(?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)?$")
_EXPONENT_ATTRIBUTES = ("arg", "exponent", "_exponent", "power", "_power")


def canonical_op(engine_op: str) -> Optional[tuple[str, Optional[float]]]:
    """The op table's name for an engine op name, and a constant exponent if the name holds one.

    ``'**2'`` → ("pow", 2.0); ``'**-1'`` → ("pow", -1.0); ``'ReLU'`` → ("relu", None);
    ``''`` → ("input", None); an unknown name → None.

    >>> canonical_op("**0.5")
    ('pow', 0.5)
    """
    name = engine_op.strip()
    if name in _ALIASES:
        return _ALIASES[name], None
    match = _POW_NAME.match(name)
    if match:
        return "pow", float(match.group(1))
    for candidate in (name, name.lower()):
        if candidate in OPS or candidate in (INPUT, CONST):
            return candidate, None
    return None


class Adapter:
    """How to read one engine family's nodes (the default reads micrograd-style attributes)."""

    name = "micrograd-style"
    ordered_parents = False
    _PARENT_ATTRIBUTES = ("_prev", "_children", "parents", "_parents", "children")

    def __init__(self) -> None:
        self._parent_attribute: dict[type, str] = {}  # found once per node class: the hot path of a capture

    def parents(self, node: Any) -> Collection[Any]:
        """The node's parents, from the first of `_PARENT_ATTRIBUTES` it holds (none: a leaf)."""
        attribute = self._parent_attribute.get(type(node))
        if attribute is not None:
            found = getattr(node, attribute, None)
            if found is not None:
                return found
        for attribute in self._PARENT_ATTRIBUTES:
            found = getattr(node, attribute, None)
            if found is not None and not callable(found):
                self._parent_attribute[type(node)] = attribute
                return found
        return ()

    def engine_op(self, node: Any) -> str:
        """The engine's own name for the op that made the node (``_op`` or ``op``; ``""`` for a leaf)."""
        for attribute in ("_op", "op"):
            found = getattr(node, attribute, None)
            if isinstance(found, str):
                return found
        return ""

    def exponent(self, node: Any) -> Optional[float]:
        """A pow node's constant exponent when the engine stores it outside the op name."""
        for attribute in _EXPONENT_ATTRIBUTES:
            found = getattr(node, attribute, None)
            if isinstance(found, (int, float)) and not isinstance(found, bool):
                return float(found)
        return None

    def label(self, node: Any) -> Optional[str]:
        """The name the user gave the node: ``label``, or ``name`` in engines that call it that.

        ``name`` counts only when the node itself holds it (instance attribute or slot): a class
        attribute ``name = "Value"`` would give every node the same label.
        """
        found = getattr(node, "label", None)
        if not (isinstance(found, str) and found.strip()) and _own_attribute(node, "name"):
            found = getattr(node, "name", None)
        return found if isinstance(found, str) and found.strip() else None

    def is_constant(self, node: Any) -> bool:
        """A leaf the engine itself coerced from a number (not something the user can vary)."""
        return False

    def index(self, node: Any) -> Optional[int]:
        """Which output of a multi-output op (softmax) the node is, when the engine records it."""
        return None

    def creation_key(self, node: Any) -> Optional[int]:
        """A creation counter, when the engine keeps one (it orders nodes and names)."""
        return None


def _own_attribute(node: Any, attribute: str) -> bool:
    """True when `attribute` is stored on the node itself (its __dict__ or a slot), not on its class."""
    if attribute in getattr(node, "__dict__", {}):
        return True
    return isinstance(getattr(type(node), attribute, None), types.MemberDescriptorType)


class MicrogradAdapter(Adapter):
    """micrograd 0.1.0 and its course variants: ``_prev`` a set, ``_op`` a symbol, ``_backward`` a closure."""

    name = "micrograd"


class AgAdapter(Adapter):
    """``ag.Scalar``: parents in operand order, ops named as in the op table, creation ids."""

    name = "ag"
    ordered_parents = True

    def parents(self, node: Any) -> Collection[Any]:
        return node.parents

    def engine_op(self, node: Any) -> str:
        return node.op

    def label(self, node: Any) -> Optional[str]:
        return node.label or None

    def exponent(self, node: Any) -> Optional[float]:
        return node.arg

    def index(self, node: Any) -> Optional[int]:
        return node.arg if node.op == "softmax" else None

    def is_constant(self, node: Any) -> bool:
        return node.op == CONST

    def creation_key(self, node: Any) -> Optional[int]:
        return node._id


def adapter_for(value: Any) -> Adapter:
    """The adapter that reads `value`'s engine (ag's own, else the micrograd-style reader)."""
    from symcheck.own import ag  # symcheck's own ag: a course's ag.Scalar is read as a foreign engine

    if isinstance(value, ag.Scalar):
        return AgAdapter()
    if not hasattr(value, "data") or not hasattr(value, "grad"):
        raise TypeError(
            f"symcheck cannot read a {type(value).__name__}: a micrograd-style value needs "
            "'data', 'grad', parents ('_prev', '_children' or 'parents') and '_backward'"
        )
    return MicrogradAdapter()
