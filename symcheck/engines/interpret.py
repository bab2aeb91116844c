"""What a captured node computes: its op-table op and its operands, checked against the engine's own values.

An engine op name is read through `alias_op` aliases, the op table's own
names and `canonical_op` (``'+'``, ``'**2'``, ``'ReLU'``, ``Mul``, …); a node
with no op name gets one from its values (`symcheck.engines.infer`). Then the
parents are fitted to the op: a binary op with one parent is ``a op a`` or
``a op c`` (c a number the engine kept outside the graph), ``+`` with many
parents is a sum, pow's exponent and leaky_relu's slope come from the name,
an attribute or the values.

The engine's values rule: the reading must reproduce the node's value from
its parents' values. If the engine's operand order does not, the other orders
are tried (``2 - x`` kept as ``(x, 2)``); ``gelu`` is tried in its erf and tanh
forms; if nothing reproduces the value, the node's forward computation is
wrong and the reading says so (a ``forward`` finding). An op name symcheck
cannot read is an `UnknownOpError` that shows how to teach it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from symcheck.engines.infer import (
    SYMMETRIC, VALUE_ATOL, VALUE_RTOL, Candidate, Choice, agrees, choose, forward, kind_for, kind_over_nodes,
    node_refs, orders, partials, power_from_values, unnamed,
)
from symcheck.engines.discovery import UnreadableEngineError
from symcheck.engines.opnames import CONST, GELU_FORMS, INPUT, alias_op, canonical_op, unknown_op_error
from symcheck.errors import UnknownOpError
from symcheck.ops import OPS

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.engines.graph import EngineGraph

__all__ = ["Operand", "Reading", "alias_op", "interpret_node", "unknown_op_error"]

Operand = Any
"""A node's operand: an int is another node's position, a float a constant (a pow exponent, or a
number the engine kept outside the graph, as in ``x * 2`` with 2 never wrapped as a leaf)."""

DEFAULT_PARAMETER = {"leaky_relu": 0.01, "elu": 1.0}
"""A slope or alpha that neither the node nor its values give (x > 0): the usual default; it does not
change the node's value or its local partial there."""


@dataclass(frozen=True)
class Reading:
    """How a node is read: the op, the engine's op name, operands, softmax index, and what the values said.

    `reproduced` is False when the op does not give the node's value from its
    parents' values (a wrong forward), and `op_value` is then what it gives
    (None outside its domain); `inferred` the ops whose value fits a node that
    names none; `ambiguous` the ops that fit its value and its step alike.
    """

    op: str
    engine_op: str
    operands: tuple[Operand, ...]
    index: Optional[int] = None
    reproduced: bool = True
    op_value: Optional[float] = None
    inferred: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    kind: Any = None
    """The compiled op kind of the reading and the node positions its dummies stand for (`infer.kind_for`)."""


def interpret_node(graph: "EngineGraph", i: int, node: Any, parents: list[Any], position: dict[int, int],
                   unordered: bool) -> Reading:
    """Node i's reading; `parents` as the engine lists them (nodes, or numbers it kept there)."""
    adapter = graph.adapter
    engine_op = adapter.engine_op(node)
    if not parents:
        return _leaf(graph, i, node, engine_op)
    operands = [position[id(p)] if id(p) in position else float(p) for p in parents]
    if not engine_op:
        return _unnamed(graph, i, node, operands)
    known = canonical_op(engine_op)
    if known is None or known[0] in (INPUT, CONST):
        raise unknown_op_error(graph.names[i], engine_op, len(parents))
    op, exponent = known
    plain = _plain(graph, i, op, exponent, operands, unordered)
    if plain is not None:
        return Reading(op, engine_op, tuple(operands), None, kind=plain)
    candidates = _named(graph, i, node, engine_op, op, exponent, operands, adapter.index(node))
    choice = choose(candidates, graph.values, graph.values[i], lambda nodes: graph.step_alone(i, nodes))
    return _reading(graph, i, choice, engine_op)


def _leaf(graph: "EngineGraph", i: int, node: Any, engine_op: Optional[str]) -> Reading:
    """An input or a constant; a node holding an op name but no parents symcheck can find is an error, never
    read as a leaf (its whole sub-graph would go unchecked). A class named after an op names nothing here."""
    adapter = graph.adapter
    held = adapter.op_attribute(node)
    known = canonical_op(held) if held else None
    if known is not None and known[0] not in (INPUT, CONST, "id"):
        raise UnreadableEngineError(
            f"its op is {held!r}, but symcheck finds no parents for it, so it cannot check what it computes",
            node=f"{graph.names[i]} ({held})",
            hint="keep every node's parents where the others keep theirs, or declare where they are: "
            "symcheck.check(out, reader=symcheck.engines.Reader(parents='...'))",
        )
    return Reading(CONST if adapter.is_constant(node) else INPUT, engine_op or "", ())


def _plain(graph: "EngineGraph", i: int, op: str, exponent: Optional[float], operands: list[Operand],
           unordered: bool) -> Optional[tuple]:
    """The fast path of most nodes: an op over distinct nodes in the engine's own order (or in a set, for an
    op the order does not change) that reproduces the node's value; its compiled kind, or None."""
    spec = OPS.get(op)
    count = len(operands)
    if spec is None or exponent is not None or op in _PARAMETERS or spec.indexed or spec.even:
        return None
    if (spec.arity is not None and spec.arity != count) or (unordered and op not in SYMMETRIC and count > 1):
        return None
    if len(set(operands)) != count or any(type(o) is not int for o in operands):
        return None
    kind = kind_over_nodes(op, count)
    values = graph.values
    args = [values[o] for o in operands]
    try:
        value = kind.forward_float()(*args)
    except (ArithmeticError, ValueError, TypeError):
        return None
    target = values[i]
    if value.__class__ is not float or abs(value - target) > VALUE_ATOL + VALUE_RTOL * (
            abs(target) + sum(map(abs, args))):
        return None
    return kind, tuple(operands)


_PARAMETERS = frozenset({"pow", "gelu", "leaky_relu", "elu"})
"""Ops whose reading needs more than the op name and the parents (an exponent, a slope, gelu's two forms)."""


def _reading(graph: "EngineGraph", i: int, choice: Choice, engine_op: str, inferred: bool = False) -> Reading:
    taken = choice.candidate
    op_value = None if choice.reproduced else forward(taken, graph.values)
    return Reading(taken.op, engine_op, taken.operands, taken.index, choice.reproduced, op_value,
                   choice.fit_value if inferred else (), choice.fit_step, kind_for(taken))


def _unnamed(graph: "EngineGraph", i: int, node: Any, operands: list[Operand]) -> Reading:
    candidates = unnamed(operands, graph.values, graph.values[i])
    if not candidates:
        raise _no_op_fits(graph, i, operands)
    choice = choose(candidates, graph.values, graph.values[i], lambda nodes: graph.step_alone(i, nodes),
                    fitting_only=True)
    if choice.candidate.tier == 2 and not choice.matched and not _alone_fits(choice, graph, i):
        raise _no_op_fits(graph, i, operands, step=True)
    return _reading(graph, i, choice, "", inferred=True)


def _alone_fits(choice: Choice, graph: "EngineGraph", i: int) -> bool:
    """A lone generic candidate (``x * c``) counts only when the node's own step agrees with it."""
    candidate = choice.candidate
    nodes = list(node_refs(candidate))
    given = graph.step_alone(i, nodes)
    return given is not None and agrees(partials(candidate, graph.values), given)


def _named(graph: "EngineGraph", i: int, node: Any, engine_op: str, op: str, exponent: Optional[float],
           operands: list[Operand], index: Optional[int]) -> list[Candidate]:
    """The readings an op name allows, the engine's own first."""
    if op == "gelu":
        return [Candidate(form, tuple(operands)) for form in GELU_FORMS] if len(operands) == 1 else \
            _fitted(graph, i, engine_op, op, operands, index)
    if op == "pow" and len(operands) == 1:
        exponent = exponent if exponent is not None else graph.adapter.parameter(node, "pow")
        if exponent is None:
            exponent = power_from_values(_value(graph, operands[0]), graph.values[i])
        if exponent is None:
            raise unknown_op_error(graph.names[i], engine_op, 1)
        return [Candidate("pow", (operands[0], float(exponent)))]
    if op in DEFAULT_PARAMETER and len(operands) == 1:
        parameter = graph.adapter.parameter(node, op)
        if parameter is None:
            parameter = _parameter_from_values(op, _value(graph, operands[0]), graph.values[i])
        return [Candidate(op, (operands[0], parameter))]
    return _fitted(graph, i, engine_op, op, operands, index)


def _fitted(graph: "EngineGraph", i: int, engine_op: str, op: str, operands: list[Operand],
            index: Optional[int]) -> list[Candidate]:
    arity = OPS[op].arity
    if arity is not None and len(operands) != arity:
        op, operands = _fit_arity(graph, i, engine_op, op, arity, operands)
    if OPS[op].indexed and index is None:  # which component: the one whose value is the node's
        return [Candidate(op, tuple(operands), k) for k in range(len(operands))]
    return orders(op, operands, index)


def _parameter_from_values(op: str, x: float, y: float) -> float:
    if x < 0 and op == "leaky_relu":
        return y / x
    if x < 0 and op == "elu" and math.expm1(x):
        return y / math.expm1(x)
    return DEFAULT_PARAMETER[op]


def _value(graph: "EngineGraph", operand: Operand) -> float:
    return graph.values[operand] if type(operand) is int else float(operand)


def _fit_arity(graph: "EngineGraph", i: int, engine_op: str, op: str, arity: int,
               operands: list[Operand]) -> tuple[str, list[Operand]]:
    name, value = graph.names[i], graph.values[i]
    if len(operands) == 1 and op == "sub" and _close(value, -_value(graph, operands[0])):
        return "neg", operands
    if len(operands) == 1 and arity == 2:
        return op, _one_parent_of_two(graph, name, engine_op, op, operands[0], value)
    if op == "add" and len(operands) > 2:
        return "sum", operands
    raise UnknownOpError(
        f"op {engine_op!r} has {len(operands)} parents but {op} takes {arity}",
        node=name,
        hint=f"register it under its own name with symcheck.register_op({engine_op!r}, ..., arity={len(operands)})",
    )


def _one_parent_of_two(graph: "EngineGraph", name: str, engine_op: str, op: str, parent: Operand,
                       value: float) -> list[Operand]:
    """The operands of a binary op that lists one parent: ``a op a`` (a set kept one of them), or
    ``a op c`` with the number c kept outside the graph (``x * 2`` where the engine never wraps 2),
    which the node's value gives for + and * (the order does not matter there)."""
    a = _value(graph, parent)
    twice = forward(Candidate(op, (parent, parent)), graph.values)
    if twice is not None and _close(twice, value):
        return [parent, parent]
    if op == "add":
        return [parent, value - a]
    if op == "mul" and a != 0.0:
        return [parent, value / a]
    raise UnknownOpError(
        f"op {engine_op!r} lists one parent ({graph.names[parent] if type(parent) is int else parent} = {a:g}) and "
        f"its value {value:g} is not that parent {engine_op} itself: its other operand is a number kept outside "
        f"the graph, which symcheck cannot recover here",
        node=name,
        hint="wrap numbers as leaf values when you build the node, as micrograd does "
        "(other = other if isinstance(other, Value) else Value(other))",
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _no_op_fits(graph: "EngineGraph", i: int, operands: list[Operand], *, step: bool = False) -> UnknownOpError:
    shown = ", ".join(f"{graph.names[o]} = {graph.values[o]:.6g}" if type(o) is int else f"{o:g}" for o in operands)
    what = "both its value and its local gradients" if step else "its value"
    return UnknownOpError(
        f"this node names no op, and no op symcheck knows gives {what} (value {graph.values[i]:.6g} from "
        f"{shown}), so symcheck cannot tell what it computes",
        node=graph.names[i],
        hint="name the ops where your engine builds its nodes, or declare where it keeps them "
        "(symcheck.check(out, reader=symcheck.engines.Reader(op='...'))), or teach symcheck the op "
        "(symcheck.register_op)",
    )

