"""What a captured node computes: its op-table op and its operands, from the engine's op name.

An engine op name is read through `alias_op` aliases, the op table's own
names and `canonical_op` (``'+'``, ``'**2'``, ``'ReLU'``, …). Then the
parents are fitted to the op: a binary op with one parent is ``a op a`` or
``a op c`` (c a number the engine kept outside the graph), ``+`` with many
parents is a sum, and parents that came in a set are put in the order that
reproduces the node's value when the op's value depends on it. An op name
symcheck cannot read is an `UnknownOpError` that shows how to teach it.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import TYPE_CHECKING, Any, Optional, Union

from symcheck.engines.adapters import CONST, INPUT, canonical_op
from symcheck.errors import UnknownOpError
from symcheck.ops import OPS
from symcheck.symbolic.opkind import kind_of

if TYPE_CHECKING:  # pragma: no cover
    from symcheck.engines.graph import EngineGraph

Operand = Union[int, float]
"""A node's operand: an int is another node's position, a float a constant (a pow exponent, or a
number the engine kept outside the graph, as in ``x * 2`` with 2 never wrapped as a leaf)."""

_ENGINE_ALIASES: dict[str, str] = {}
_SYMMETRIC = frozenset({"add", "mul", "sum", "mean", "logsumexp"})
"""Ops whose value does not depend on the operand order: a set of parents needs no ordering by value."""


def alias_op(engine_op: str, op: str) -> None:
    """Read the engine op name `engine_op` (any string, e.g. ``'@'``) as the op table's `op`."""
    if op not in OPS:
        raise KeyError(f"unknown op {op!r}; known ops: {', '.join(OPS)}")
    _ENGINE_ALIASES[engine_op] = op


def interpret_node(
    graph: "EngineGraph", i: int, node: Any, parents: list[Any], position: dict[int, int], unordered: bool
) -> tuple[str, str, tuple[Operand, ...], Optional[int]]:
    """Node i's (op-table op, engine op name, operands, softmax index); `parents` as the engine lists them."""
    adapter = graph.adapter
    engine_op = adapter.engine_op(node)
    if not parents:
        return (CONST if adapter.is_constant(node) else INPUT), engine_op, (), None
    known = _known(engine_op)
    if known is None or known[0] in (INPUT, CONST):
        raise unknown_op_error(graph.names[i], engine_op, len(parents))
    op, exponent = known
    refs: list[Operand] = [position[id(p)] for p in parents]
    if op == "pow" and len(refs) == 1:
        exponent = exponent if exponent is not None else adapter.exponent(node)
        if exponent is None:
            raise unknown_op_error(graph.names[i], engine_op, 1)
        return op, engine_op, (refs[0], float(exponent)), None
    index = adapter.index(node)
    arity = OPS[op].arity
    if arity is not None and len(refs) != arity:
        op, refs = _fit_arity(graph.names[i], engine_op, op, arity, refs, node, graph)
    if unordered and len(set(refs)) > 1 and op not in _SYMMETRIC:
        refs = _order_by_value(op, refs, index, node, graph)
    return op, engine_op, tuple(refs), index


def _known(engine_op: str) -> Optional[tuple[str, Optional[float]]]:
    if engine_op in _ENGINE_ALIASES:
        return _ENGINE_ALIASES[engine_op], None
    if engine_op in OPS:
        return engine_op, None
    return canonical_op(engine_op)


def _fit_arity(
    name: str, engine_op: str, op: str, arity: int, refs: list[Operand], node: Any, graph: "EngineGraph"
) -> tuple[str, list[Operand]]:
    if len(refs) == 1 and op == "sub" and _close(float(node.data), -float(graph.nodes[refs[0]].data)):
        return "neg", refs
    if len(refs) == 1 and arity == 2:
        return op, _one_parent_of_two(name, engine_op, op, refs[0], node, graph)
    if op == "add" and len(refs) > 2:
        return "sum", refs
    raise UnknownOpError(
        f"op {engine_op!r} has {len(refs)} parents but {op} takes {arity}",
        node=name,
        hint=f"register it under its own name with symcheck.register_op({engine_op!r}, ..., arity={len(refs)})",
    )


def _one_parent_of_two(name: str, engine_op: str, op: str, parent: int, node: Any, graph: "EngineGraph") -> list[Operand]:
    """The operands of a binary op that lists one parent: ``a op a`` (a set kept one of them), or
    ``a op c`` with the number c kept outside the graph (``x * 2`` where the engine never wraps 2),
    which the node's value gives for + and * (the order does not matter there)."""
    a, value = float(graph.nodes[parent].data), float(node.data)
    try:
        if _close(float(_positional(op, 2).forward_float()(a, a)), value):
            return [parent, parent]
    except (ArithmeticError, ValueError):
        pass
    if op == "add":
        return [parent, value - a]
    if op == "mul" and a != 0.0:
        return [parent, value / a]
    raise UnknownOpError(
        f"op {engine_op!r} lists one parent ({graph.names[parent]} = {a:g}) and its value {value:g} is not "
        f"{graph.names[parent]} {engine_op} {graph.names[parent]}: its other operand is a number kept outside "
        f"the graph, which symcheck cannot recover here",
        node=name,
        hint="wrap numbers as leaf values when you build the node, as micrograd does "
        "(other = other if isinstance(other, Value) else Value(other))",
    )


def _order_by_value(op: str, refs: list[Operand], index: Optional[int], node: Any, graph: "EngineGraph") -> list[Operand]:
    """The first operand order (from the stable one) whose forward value is the node's value."""
    if len(refs) > 4:
        return refs
    target = float(node.data)
    for candidate in itertools.permutations(refs):
        operands = list(candidate)
        values = [float(graph.nodes[o].data) for o in operands]
        try:
            value = _positional(op, len(operands), index).forward_float()(*values)
        except (ArithmeticError, ValueError, TypeError):
            continue
        if _close(float(value), target):
            return operands
    return refs


def _positional(op: str, count: int, index: Optional[int] = None) -> Any:
    """The kind of `op` over `count` operands that are all different nodes (values passed by position)."""
    return kind_of((op, index, tuple(("v", k) for k in range(count))))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def unknown_op_error(name: str, engine_op: str, arity: int) -> UnknownOpError:
    if not engine_op.strip():
        return UnknownOpError(
            f"this node has {arity} parent(s) but no op name (its _op / op is empty), so symcheck cannot "
            f"tell what it computes",
            node=name,
            hint="name the op where your engine builds the node (e.g. Value(..., _op='*')), as micrograd does",
        )
    examples = {1: "lambda a: a / (1 + sympy.exp(-a))", 2: "lambda a, b: a * sympy.exp(b)"}
    forward = examples.get(arity, "lambda a, b, c: a * b + c")
    lookalike = _resembles(engine_op, arity)
    if lookalike is not None:
        hint = (
            f"if it computes {lookalike}, say so: symcheck.engines.alias_op({engine_op!r}, {lookalike!r}); "
            f"else teach it its forward meaning, e.g. import sympy, symcheck; symcheck.register_op(name, {forward})"
        )
    elif engine_op.isidentifier():
        extra = "" if arity == 1 else f", arity={arity}"
        hint = (
            f"teach it the op's forward meaning as a sympy expression, e.g. "
            f"import sympy, symcheck; symcheck.register_op({engine_op!r}, {forward}{extra})"
        )
    else:
        hint = (
            f"map it to a known op, e.g. symcheck.engines.alias_op({engine_op!r}, 'mul'), or give the op "
            f"an identifier name and teach it with symcheck.register_op(name, {forward})"
        )
    return UnknownOpError(f"op {engine_op!r} is an op symcheck cannot interpret", node=name, hint=hint)


_SYNONYMS = {"plus": "add", "times": "mul", "minus": "sub", "truediv": "div", "power": "pow"}
_AFFIXES = re.compile(r"backward$|^op|op$")


def _resembles(engine_op: str, arity: int) -> Optional[str]:
    """The op-table op an unknown engine op name spells in other letters (``'__mul__'``,
    ``'MulBackward'``, ``'Tanh()'``), if any. Only an exact spelling counts: ``'leaky_relu'`` is not relu."""
    letters = _AFFIXES.sub("", "".join(c for c in engine_op.lower() if c.isalpha()))
    op = _SYNONYMS.get(letters, letters)
    return op if op in OPS and OPS[op].arity in (None, arity) else None
