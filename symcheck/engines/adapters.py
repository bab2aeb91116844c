"""Reading a node of any engine: the one protocol every family's adapter implements.

`EngineAdapter` is what the rest of `symcheck.engines` needs from an engine,
whatever it calls things: a node's value, its grad, its parents, its op name,
its local step run alone, and the engine's whole backward pass with each step
reported as it runs. `Adapter` implements the reading from `Layout`s that
`symcheck.engines.discovery` finds (or a `Reader` declares), one per node
class; the families (`symcheck.engines.families`) differ only in how a local
step is run and watched:

- micrograd and its variants, one class per op: ``_backward()`` adds into the parents' grads;
- the method protocol: ``_backward(grad)`` returns the parents' contributions;
- stored local gradients (microgpt): numbers kept at forward time, no op names, no step code;
- minitorch's history: ``history.last_fn.backward(ctx, d)``, gradients only on the leaves;
- ``ag.Scalar``: ordered parents, op names from the op table, a ``before_step`` hook.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Protocol

from symcheck.engines.discovery import (
    DRIVER_NAMES, LABEL_NAMES, Layout, UnreadableEngineError, discover, is_node, is_real, label_text, present, read,
    unreadable,
)
from symcheck.engines.opnames import CONST, INPUT, canonical_op, class_op
from symcheck.errors import InputError

__all__ = ["Adapter", "CONST", "EngineAdapter", "INPUT", "Restore", "canonical_op"]

Restore = Callable[[], None]
"""Undoes what `EngineAdapter.observe` did to the nodes."""

_LABELS = frozenset(LABEL_NAMES)

PARAMETER_NAMES = {
    "pow": ("exponent", "_exponent", "power", "_power", "n", "k", "arg"),
    "leaky_relu": ("slope", "negative_slope", "_slope", "alpha", "leak"),
    "elu": ("alpha", "_alpha"),
}
"""Where engines keep an op's number parameter outside the op name."""


class EngineAdapter(Protocol):
    """What symcheck reads from an engine's nodes and how it runs their steps: one protocol, one adapter per family."""

    family: str
    """The family's name, as reports print it (``"micrograd"``, ``"stored local gradients"``, …)."""
    step_adds: bool
    """True when a local step adds into its parents' grads itself (micrograd's closures); False when it
    returns the contributions and the engine's backward adds them (so = for += is the backward's fault)."""
    grads_on_every_node: bool
    """False for engines that keep a gradient only on leaves (minitorch)."""

    def layout(self, node: Any) -> Layout:
        """Where the node's class keeps its parts (attribute names), found once per class."""

    def is_node(self, obj: Any) -> bool:
        """Whether `obj`, a parent as the engine lists it, is a node of this engine (else a number)."""

    def value(self, node: Any) -> float:
        """The node's forward value, as a float (an `UnreadableEngineError` if it is no real number)."""

    def grad(self, node: Any) -> Optional[float]:
        """The node's gradient, or None where the engine keeps none (minitorch's intermediate nodes)."""

    def set_grad(self, node: Any, grad: Optional[float]) -> None:
        """Set the node's gradient (None: the engine's own "no gradient yet")."""

    def parents(self, node: Any) -> tuple[list[Any], bool]:
        """The node's parents as the engine lists them (nodes, or numbers it kept there), and whether they
        came in a set (an order symcheck must find)."""

    def engine_op(self, node: Any) -> Optional[str]:
        """The engine's name for the node's op; None when it names none (inferred from the values)."""

    def op_attribute(self, node: Any) -> Optional[str]:
        """The op name the node itself holds, if any (not a name read from its class)."""

    def parameter(self, node: Any, op: str) -> Optional[float]:
        """A number the op takes that the engine keeps in an attribute (pow's exponent, leaky_relu's slope)."""

    def label(self, node: Any) -> Optional[str]:
        """The name the user gave the node, if any."""

    def is_constant(self, node: Any) -> bool:
        """A leaf the engine coerced from a number (not something the user set)."""

    def index(self, node: Any) -> Optional[int]:
        """Which output of a multi-output op (softmax) the node is, when the engine records it."""

    def creation_key(self, node: Any) -> Optional[int]:
        """A creation counter, when the engine keeps one (it orders nodes and names)."""

    def has_step(self, node: Any) -> bool:
        """Whether a non-leaf node has a local step to run."""

    def step(self, node: Any, parents: list[Any]) -> list[float]:
        """Run the node's local step alone with upstream gradient 1: what it gives each of the distinct
        `parents` (a parent in several operand positions gets every position's share)."""

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        """Make each node's step call ``record(position)`` when the engine runs it; None when it cannot."""

    def run(self, output: Any) -> None:
        """Run the engine's own backward pass from `output` (grads zeroed by the caller)."""


class Adapter:
    """Reads nodes through the `Layout` of their class (discovered, or declared by a `Reader`)."""

    family = "micrograd"
    step_adds = True
    grads_on_every_node = True

    def __init__(self, declared: Optional[Layout] = None) -> None:
        self.declared = declared
        self._layouts: dict[type, Layout] = {}
        self._node_types: dict[type, bool] = {}

    def layout(self, node: Any) -> Layout:
        """The layout of the node's class (found once per class: the hot path of a capture)."""
        kind = type(node)
        found = self._layouts.get(kind)
        if found is None:
            found = self._layouts[kind] = discover(node, self.declared)
        return found

    def is_node(self, obj: Any) -> bool:
        """Whether `obj` (a parent as the engine lists it) is a node of this engine, not a number."""
        known = self._node_types.get(type(obj))
        if known is None:
            known = self._node_types[type(obj)] = is_node(obj, self.declared.value if self.declared else None)
        return known

    # -- values and grads -------------------------------------------------------------------

    def value(self, node: Any) -> float:
        name = self.layout(node).value
        if name is None:
            raise _no_value(node)
        found = getattr(node, name)
        if found.__class__ is float:
            return found
        if not is_real(found):
            raise _not_real(node, name, found)
        return float(found)

    def grad(self, node: Any) -> Optional[float]:
        name = self.layout(node).grad
        found = getattr(node, name, None) if name else None
        if found.__class__ is float:
            return found
        if found is None:
            return 0.0 if self.grads_on_every_node else None
        if not is_real(found):
            raise _not_real(node, name or "grad", found)
        return float(found)

    def set_grad(self, node: Any, grad: Optional[float]) -> None:
        name = self.layout(node).grad
        if name is None:
            raise _no_grad(node)
        setattr(node, name, grad)

    # -- structure --------------------------------------------------------------------------

    def parents(self, node: Any) -> tuple[list[Any], bool]:
        layout = self.layout(node)
        if layout.parents is None:
            return [], False
        try:
            found = read(node, layout.parents, layout.parents_call)
        except AttributeError:  # this node of the class keeps none (a leaf)
            return [], False
        return _members(node, layout.parents, found, self.is_node)

    def engine_op(self, node: Any) -> Optional[str]:
        found = self.op_attribute(node)
        if found and found.strip():
            return found
        return type(node).__name__ if class_op(type(node).__name__) else found

    def op_attribute(self, node: Any) -> Optional[str]:
        """The op name the node itself holds (not its class's name), if any."""
        name = self.layout(node).op
        found = getattr(node, name, None) if name else None
        return found if isinstance(found, str) else None

    def parameter(self, node: Any, op: str) -> Optional[float]:
        names = present(node)
        for name in PARAMETER_NAMES.get(op, ()):
            if names.get(name) in ("instance", "slot", "property"):
                found = getattr(node, name, None)
                if is_real(found):
                    return float(found)
        return None

    def label(self, node: Any) -> Optional[str]:
        name = self.layout(node).label
        found = label_text(getattr(node, name, None)) if name is not None else None
        if found is None:  # a label set on some nodes only (the class's layout found none, or an empty one)
            own = getattr(node, "__dict__", None)
            if isinstance(own, dict) and not _LABELS.isdisjoint(own):
                found = next((label_text(own[n]) for n in LABEL_NAMES if n in own and label_text(own[n])), None)
        return found

    def is_constant(self, node: Any) -> bool:
        return False

    def index(self, node: Any) -> Optional[int]:
        return None

    def creation_key(self, node: Any) -> Optional[int]:
        return None

    # -- steps ------------------------------------------------------------------------------

    def has_step(self, node: Any) -> bool:
        name = self.layout(node).step
        return name is not None and callable(getattr(node, name, None))

    def step(self, node: Any, parents: list[Any]) -> list[float]:  # pragma: no cover - every family overrides
        raise NotImplementedError

    def observe(self, nodes: list[Any], record: Callable[[int], None]) -> Optional[Restore]:
        return None

    def run(self, output: Any) -> None:
        driver = _driver(output)
        getattr(output, driver)()


def _driver(output: Any) -> str:
    names = present(output)
    for name in DRIVER_NAMES:
        if names.get(name) in ("method", "instance", "slot") and callable(getattr(output, name, None)):
            return name
    raise InputError(
        f"a {type(output).__name__} has no backward() method, so symcheck cannot run your engine's backward pass",
        hint="give the value class a backward() that seeds the output's grad with 1 and calls each node's "
        "_backward() in reverse topological order (as micrograd's Value.backward does)",
    )


def _members(node: Any, name: str, found: Any, is_node: Callable[[Any], bool]) -> tuple[list[Any], bool]:
    """A parents collection as a list (a dict gives its node keys or its values), and whether it was a set."""
    if isinstance(found, (set, frozenset)):
        return list(found), True
    if isinstance(found, dict):
        keys = list(found)
        return (keys if any(is_node(k) for k in keys) else list(found.values())), False
    if isinstance(found, (tuple, list)):
        return list(found), False
    raise UnreadableEngineError(
        f"its parents ({name}) are a {type(found).__name__} ({_preview(found)}), not a tuple, list, set or dict "
        f"of nodes",
        node=_who(node),
        hint="keep a node's parents in a tuple, or declare where they are: "
        "symcheck.check(out, reader=symcheck.engines.Reader(parents='...'))",
    )


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _who(node: Any) -> str:
    return f"a {type(node).__name__}"


def _no_value(node: Any) -> UnreadableEngineError:
    return unreadable(node, "the value (data, value, val, …)", "value='...'")


def _no_grad(node: Any) -> UnreadableEngineError:
    return unreadable(node, "the gradient (grad, derivative, …)", "grad='...'")


def _not_real(node: Any, name: str, found: Any) -> UnreadableEngineError:
    kind = type(found).__name__
    shown = _preview(found)
    return UnreadableEngineError(
        f"its {name} is a {kind} ({shown}); symcheck reads values and gradients that are real numbers "
        f"(float or int)",
        node=_who(node),
        hint="keep a node's value and grad as Python floats" + (
            " (a complex number has no ordering, so no ReLU, max or kink)" if isinstance(found, complex) else ""),
    )

