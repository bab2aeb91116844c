"""Finding where an engine keeps each part of a node: its value, grad, parents, op and local step.

symcheck reads an engine it has never seen by looking at what its nodes hold,
not by guessing names blindly: the names it considers are the ones a node
really has (its ``__dict__``, its slots, the properties and methods of its
class), so a ``__getattr__`` that answers every name misleads nothing. For
each part, the usual names come first (``data``/``value``/``val``;
``grad``/``derivative``; ``_prev``/``prev``/``_children``/``children``/
``_parents``/``parents``/``inputs``; ``_op``/``op``; ``_backward``), then any
attribute, slot, property or zero-argument method holding a tuple, list, set
or dict of nodes counts as the parents.

A `Layout` records the names found for one node class. Whatever discovery
cannot settle is an `UnreadableEngineError` that lists the attributes it
found and shows the `symcheck.engines.Reader` line that declares the rest.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass, replace
from typing import Any, Optional

from symcheck.errors import InputError

VALUE_NAMES = ("data", "value", "val", "_data", "_value", "_val", "v")
GRAD_NAMES = ("grad", "derivative", "gradient", "_grad", "_derivative", "g", "adjoint")
PARENT_NAMES = ("_prev", "prev", "_children", "children", "_parents", "parents", "inputs", "_inputs",
                "operands", "_operands", "args", "_args", "srcs", "_srcs", "deps", "_deps")
OP_NAMES = ("_op", "op", "operation", "_operation", "op_name", "_op_name", "operator", "_operator")
STEP_NAMES = ("_backward", "_backprop", "backward_fn", "_backward_fn", "grad_fn", "_grad_fn")
LOCAL_GRAD_NAMES = ("_local_grads", "local_grads", "_local_gradients", "local_gradients", "_partials",
                    "partials", "_grads", "grads")
DRIVER_NAMES = ("backward", "backprop", "backpropagate")
LABEL_NAMES = ("label", "_label", "name", "_name")
HISTORY_NAMES = ("history", "_history")


class UnreadableEngineError(InputError):
    """symcheck cannot read this engine's nodes: the message says what it found and what is missing."""


@dataclass(frozen=True)
class Layout:
    """Where one node class keeps its parts (attribute names; None where it keeps no such part).

    `parents_call` and `step_arity` say how to use a name: a zero-argument
    method is called; a local step takes no argument (it adds into the
    parents' grads itself) or one (it returns the contributions).
    """

    value: Optional[str] = None
    grad: Optional[str] = None
    parents: Optional[str] = None
    parents_call: bool = False
    op: Optional[str] = None
    step: Optional[str] = None
    step_arity: int = 0
    local_grads: Optional[str] = None
    history: Optional[str] = None
    label: Optional[str] = None


# -- what a node really has ----------------------------------------------------------------------


def present(node: Any) -> dict[str, str]:
    """The names `node` really has, each with where it lives: instance, slot, property, method or class."""
    found: dict[str, str] = {}
    own = getattr(node, "__dict__", None)
    if isinstance(own, dict):
        found.update(dict.fromkeys(own, "instance"))
    for cls in type(node).__mro__[:-1]:
        for slot in _slots(cls):
            if slot not in found and _slot_is_set(node, cls, slot):
                found[slot] = "slot"
        for name, member in vars(cls).items():
            if name in found or name.startswith("__"):
                continue
            if isinstance(member, property):
                found[name] = "property"
            elif isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(member):
                found[name] = "method"
            elif not isinstance(member, type(_slot_probe)) and not inspect.isroutine(member):
                found[name] = "class"
    return found


class _Probe:
    __slots__ = ("x",)


_slot_probe = vars(_Probe)["x"]


def _slots(cls: type) -> tuple[str, ...]:
    slots = vars(cls).get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


def _slot_is_set(node: Any, cls: type, slot: str) -> bool:
    descriptor = vars(cls).get(slot)
    if descriptor is None or not hasattr(descriptor, "__get__"):
        return False
    try:
        descriptor.__get__(node, type(node))
    except AttributeError:
        return False
    return True


def read(node: Any, name: str, call: bool = False) -> Any:
    """The attribute `name` of `node` (called when `call`: a zero-argument method)."""
    found = getattr(node, name)
    return found() if call else found


def is_real(value: Any) -> bool:
    """A real number symcheck can read as a float: int, float or a numpy float; not a bool, complex or Decimal."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not _is_decimal(value)


def _is_decimal(value: Any) -> bool:
    return type(value).__name__ == "Decimal"


# -- the layout of one node class ------------------------------------------------------------------


def discover(node: Any, declared: Optional[Layout] = None) -> Layout:
    """The layout of `node`'s class: declared names first, then the usual names, then any fitting attribute."""
    names = present(node)
    layout = declared or Layout()
    value = layout.value or _first(names, VALUE_NAMES, lambda v: is_real(v), node)
    if value is None:
        value = _first(names, VALUE_NAMES, lambda v: v is not None, node)  # a wrong type: named in the error
    grad = layout.grad or _first(names, GRAD_NAMES, lambda g: g is None or is_real(g), node)
    history = layout.history or _first(names, HISTORY_NAMES, _is_history, node)
    op = layout.op or _first(names, OP_NAMES, lambda o: isinstance(o, str) or o is None, node)
    label = layout.label or _label_name(node, names)
    step = layout.step or _first(names, STEP_NAMES, callable, node, methods=True)
    step_arity = _arity(getattr(node, step, None)) if step else 0
    local = layout.local_grads or _first(names, LOCAL_GRAD_NAMES, _numbers, node)
    found = replace(layout, value=value, grad=grad, history=history, op=op, label=label, step=step,
                    step_arity=step_arity, local_grads=local)
    if history is None and layout.parents is None:
        parents, call = _parents_name(node, names, value, exclude={value, grad, op, label, step, local})
        found = replace(found, parents=parents, parents_call=call)
    elif layout.parents is not None:
        found = replace(found, parents_call=names.get(layout.parents) == "method")
    return found


def _first(names: dict[str, str], candidates: tuple[str, ...], fits: Any, node: Any, *, methods: bool = False) -> Optional[str]:
    """The first of `candidates` the node has (methods only when `methods`) whose value `fits`."""
    for name in candidates:
        where = names.get(name)
        if where is None or (where == "method" and not methods):
            continue
        try:
            if fits(getattr(node, name)):
                return name
        except Exception:  # a property that raises on this node: not this part
            continue
    return None


def _is_history(record: Any) -> bool:
    """minitorch's ScalarHistory: ``last_fn``, ``ctx`` and ``inputs``."""
    return record is not None and all(hasattr(record, name) for name in ("last_fn", "inputs"))


def _numbers(values: Any) -> bool:
    return isinstance(values, (tuple, list)) and all(is_real(v) for v in values)


def _arity(step: Any) -> int:
    """How many arguments a bound local step takes (0: it adds into the parents itself; 1: it returns them)."""
    if step is None:
        return 0
    try:
        parameters = inspect.signature(step).parameters.values()
    except (TypeError, ValueError):
        return 0
    required = [p for p in parameters if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(required)


def _label_name(node: Any, names: dict[str, str]) -> Optional[str]:
    """``label``, else ``name`` held by the node itself (a class attribute ``name = "Value"`` labels nothing)."""
    for name in LABEL_NAMES:
        if names.get(name) in ("instance", "slot", "property"):
            return name
    return None


def label_text(value: Any) -> Optional[str]:
    """A label worth naming a node by: a non-blank string that is not just digits (minitorch's default ids)."""
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        return value
    return None


def _parents_name(node: Any, names: dict[str, str], value: Optional[str], exclude: set) -> tuple[Optional[str], bool]:
    """The attribute (or zero-argument method) holding the parents: a usual name holding a collection
    (of nodes, or empty), else any attribute holding a non-empty collection of nodes."""
    ordered = [n for n in PARENT_NAMES if n in names] + [n for n in names if n not in PARENT_NAMES]
    for name in ordered:
        if name in exclude or name.startswith("__"):
            continue
        call = names[name] == "method"
        if call and (name not in PARENT_NAMES or _arity(getattr(node, name, None)) != 0):
            continue
        try:
            found = read(node, name, call)
        except Exception:  # a property or method that raises: not the parents
            continue
        if not isinstance(found, (tuple, list, set, frozenset, dict)):
            continue
        members = list(found.values() if isinstance(found, dict) and not _node_keys(found, value) else found)
        if any(is_node(m, value) for m in members) or (not members and name in PARENT_NAMES):
            return name, call
    return None, False


def _node_keys(found: dict, value: Optional[str]) -> bool:
    return any(is_node(k, value) for k in found)


def is_node(obj: Any, value: Optional[str] = None) -> bool:
    """An object that looks like a graph node: something other than a number or text, holding a value
    (under one of the usual names, or under `value` when a `Reader` declares it)."""
    key = (type(obj), value)
    known = _NODE_TYPES.get(key)
    if known is None:
        if obj is None or isinstance(obj, (str, bytes, numbers.Number)) or _is_decimal(obj):
            known = False
        else:
            names = present(obj)
            known = any(names.get(name) not in (None, "method") for name in (value, *VALUE_NAMES) if name)
        _NODE_TYPES[key] = known
    return known


_NODE_TYPES: dict[tuple[type, Optional[str]], bool] = {}


# -- describing what was found, for errors ---------------------------------------------------------


def inventory(node: Any, limit: int = 12) -> str:
    """``data = 1.5 (float), kids = [2 items], op() (method)``: the attributes a node has, for an error."""
    parts = []
    for name, where in present(node).items():
        if name.startswith("__") or len(parts) >= limit:
            continue
        if where == "method":
            parts.append(f"{name}() (method)")
            continue
        try:
            parts.append(f"{name} = {_short(getattr(node, name))}")
        except Exception as error:  # a property that raises
            parts.append(f"{name} (raises {type(error).__name__})")
    return ", ".join(parts) or "no attributes"


def _short(value: Any) -> str:
    if isinstance(value, (tuple, list, set, frozenset, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    text = repr(value)
    return text if len(text) <= 24 else f"a {type(value).__name__}"


def unreadable(node: Any, what: str, fix: str, why: str = "") -> UnreadableEngineError:
    """The error for a part symcheck cannot find: what it looked for, what the node has, the declaring line."""
    because = f" ({why})" if why else ""
    return UnreadableEngineError(
        f"symcheck cannot find {what} of this {type(node).__name__} node{because}; it has: {inventory(node)}",
        hint=f"declare it: symcheck.check(out, reader=symcheck.engines.Reader({fix}))",
    )
