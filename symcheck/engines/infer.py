"""Which op made a node, from values: the candidates that reproduce it, and the one its local step agrees with.

An engine that names no ops (microgpt's stored local gradients) leaves only
values: each node's value and its parents' values. Every op of the table that
reproduces the node's value from its parents' values is a candidate, in three
tiers:

0. an op of the table applied to the parents as they are (tanh, exp, a + b, a / b, max(a, b), …);
1. an op with a number read from the values: ``x ** k`` (k = ln|y| / ln|x|), leaky_relu's slope, elu's alpha;
2. ``x * c`` or ``x + c`` with a number c kept outside the graph (these fit any value, so come last).

The node's own local step (its stored local gradients, or its step run alone)
then decides between candidates that give different partials; candidates that
agree on the value and on every partial are the same at this point, and the
first is taken (the report says so, with an ``ambiguous`` flag). The same
test orders a node's operands when the engine's order does not reproduce its
value (``2 - x`` stored as ``(x, 2)``).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

from symcheck.ops import OPS
from symcheck.symbolic.opkind import cache_generation, kind_of

Operand = Union[int, float]
"""An int is another node's position, a float a constant."""

VALUE_RTOL = 1e-9
"""How closely an interpreted forward value must reproduce the engine's (relative to the values involved)."""

VALUE_ATOL = 1e-12

PARTIAL_RTOL, PARTIAL_ATOL = 1e-6, 1e-9
"""How closely a candidate's partials must match the engine's local step to count as that op."""

MAX_ORDERS = 24
"""Operand orders tried when the engine's own order does not reproduce a value (4 operands: all of them)."""

SYMMETRIC = frozenset({"add", "mul", "sum", "mean", "logsumexp", "max", "min"})
"""Ops whose value and partials do not depend on the operand order (up to relabelling)."""

_GENERIC_UNARY = ("id",)


@dataclass(frozen=True)
class Candidate:
    """``op(*operands)`` (component `index` of a softmax), from `tier` 0 (plain) to 2 (a number outside the graph)."""

    op: str
    operands: tuple[Operand, ...]
    index: Optional[int] = None
    tier: int = 0


def forward(candidate: Candidate, values: Sequence[float]) -> Optional[float]:
    """The candidate's value from the node values (None outside the op's domain).

    The op table's own float meaning (`OpSpec.numeric`) is called directly where there is one
    (the fast path: inference tries dozens of ops per node); a registered op's compiled forward otherwise.
    """
    spec = OPS.get(candidate.op)
    args = [values[o] if type(o) is int else o for o in candidate.operands]
    try:
        if spec is not None and spec.numeric is not None:
            result = spec.numeric(candidate.index or 0, *args) if spec.indexed else spec.numeric(*args)
        else:  # a registered op: its compiled forward, constants taken as variables (one kind per arity)
            kind = kind_of((candidate.op, candidate.index, _distinct(len(args))))
            result = kind.forward_float()(*args)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if type(result) is not float:
        if isinstance(result, complex):
            if result.imag:
                return None
            result = result.real
        try:
            result = float(result)
        except (TypeError, ValueError):
            return None
    return result if result - result == 0.0 else None  # inf - inf and nan - nan are nan


def partials(candidate: Candidate, values: Sequence[float]) -> Optional[list[float]]:
    """The candidate's partials for each distinct node operand (first-use order), None where not finite.

    Constants are taken as variables of the op here (one compiled kind per op and operand count, not one
    per constant: inference meets a new constant at almost every node), then only the nodes' partials are
    kept, a node in several positions getting the sum of theirs.
    """
    operands = candidate.operands
    kind = kind_of((candidate.op, candidate.index, _distinct(len(operands))))
    try:
        found = kind.partials_float()(*[values[o] if type(o) is int else float(o) for o in operands])
    except (ArithmeticError, ValueError, TypeError):
        return None
    by_node: dict[int, float] = {}
    for operand, partial in zip(operands, found):
        if type(operand) is int:
            by_node[operand] = by_node.get(operand, 0.0) + float(partial)
    result = list(by_node.values())
    return result if all(math.isfinite(p) for p in result) else None


@functools.lru_cache(maxsize=None)
def _distinct(count: int) -> tuple:
    return tuple(("v", k) for k in range(count))


def node_refs(candidate: Candidate) -> tuple[int, ...]:
    """The distinct node operands of a candidate, in first-use order (the order of its partials)."""
    return tuple(dict.fromkeys(o for o in candidate.operands if type(o) is int))


def kind_for(candidate: Candidate) -> tuple:
    """The compiled op kind of a candidate and the node positions its dummies stand for."""
    operands = candidate.operands
    n = len(operands)
    if n == 1 and type(operands[0]) is int:  # the common shapes, without building a pattern
        slots, refs = _ONE, operands
    elif n == 2 and type(operands[0]) is int and type(operands[1]) is int and operands[0] != operands[1]:
        slots, refs = _TWO, operands
    else:
        slots, refs = _pattern(operands)
    key = (candidate.op, candidate.index, slots)
    _forget_if_cleared()
    found = _KINDS.get(key)
    if found is None or OPS.get(candidate.op) is not found.spec:  # a re-registered op is a new kind
        found = _KINDS[key] = kind_of(key)
    return found, refs


def kind_over_nodes(op: str, count: int) -> Any:
    """The compiled kind of `op` over `count` distinct nodes (the common case, looked up without a pattern)."""
    _forget_if_cleared()
    found = _OVER_NODES.get((op, count))
    if found is None or OPS.get(op) is not found.spec:
        found = _OVER_NODES[(op, count)] = kind_of((op, None, _distinct(count)))
    return found


_OVER_NODES: dict[tuple[str, int], Any] = {}

_ONE = (("v", 0),)
_TWO = (("v", 0), ("v", 1))


def _pattern(operands: Sequence[Operand]) -> tuple[tuple, tuple[int, ...]]:
    refs: dict[int, int] = {}
    slots = []
    for operand in operands:
        if type(operand) is int:
            slots.append(("v", refs.setdefault(operand, len(refs))))
        else:
            slots.append(("c", float(operand)))
    return tuple(slots), tuple(refs)


_KINDS: dict = {}
_SEEN_GENERATION = [cache_generation()]


def _forget_if_cleared() -> None:
    """Drop the kinds kept here when `symcheck.symbolic.opkind.clear_cache` ran (a cold start, measured)."""
    if _SEEN_GENERATION[0] != cache_generation():
        _KINDS.clear()
        _OVER_NODES.clear()
        _SEEN_GENERATION[0] = cache_generation()


def reproduces(candidate: Candidate, values: Sequence[float], target: float) -> bool:
    """True when the candidate's forward value is the engine's value `target`."""
    value = forward(candidate, values)
    if value is None:
        return False
    scale = abs(target) + sum(abs(values[o]) if type(o) is int else abs(o) for o in candidate.operands)
    return abs(value - target) <= VALUE_ATOL + VALUE_RTOL * scale


def agrees(expected: Optional[Sequence[float]], got: Sequence[float]) -> bool:
    """True when a candidate's partials match what the engine's step gives (per distinct parent)."""
    if expected is None or len(expected) != len(got):
        return False
    return all(abs(g - e) <= PARTIAL_ATOL + PARTIAL_RTOL * abs(e) for g, e in zip(got, expected))


# -- candidates ----------------------------------------------------------------------------------


def orders(op: str, operands: Sequence[Operand], index: Optional[int] = None) -> list[Candidate]:
    """The engine's operand order first, then the others (none for symmetric ops)."""
    first = Candidate(op, tuple(operands), index)
    if op in SYMMETRIC or len(set(operands)) < 2:
        return [first]
    others = itertools.islice(itertools.permutations(operands), 1, MAX_ORDERS)
    return [first, *(Candidate(op, tuple(p), index) for p in dict.fromkeys(others) if tuple(p) != tuple(operands))]


def unnamed(operands: Sequence[Operand], values: Sequence[float], target: float) -> list[Candidate]:
    """Every candidate that reproduces the value of a node with no op name, in tier order (then table order).

    The op table's float meanings are evaluated directly and a candidate is built only for an op that fits:
    inference tries some thirty ops at every node of a graph that names none.
    """
    args = [values[o] if type(o) is int else float(o) for o in operands]
    tolerance = VALUE_ATOL + VALUE_RTOL * (abs(target) + sum(abs(a) for a in args))

    def fits(value: Optional[float]) -> bool:
        return value is not None and abs(value - target) <= tolerance

    if len(operands) == 1:
        return _unary(operands[0], args[0], target, fits, values)
    found: list[Candidate] = []
    for op, numeric, indexed, outputs in _table(len(operands)):
        for k in range(outputs if indexed else 1):
            for order in _orders(op, len(operands)):
                if fits(_call(numeric, k if indexed else None, [args[j] for j in order])):
                    found.append(Candidate(op, tuple(operands[j] for j in order), k if indexed else None))
    return found


def _unary(x: Operand, a: float, y: float, fits: Callable[[Optional[float]], bool],
           values: Sequence[float]) -> list[Candidate]:
    found = [Candidate(op, (x,)) for op, numeric, _, _ in _table(1) if fits(_call(numeric, None, [a]))]
    read: list[Candidate] = []
    exponent = power_from_values(a, y)
    if exponent is not None:
        read.append(Candidate("pow", (x, exponent), tier=1))
    if a < 0:
        read.append(Candidate("leaky_relu", (x, y / a), tier=1))
        if math.expm1(a):
            read.append(Candidate("elu", (x, y / math.expm1(a)), tier=1))
    read.append(Candidate("id", (x,), tier=1))
    generic = [Candidate("mul", (x, y / a), tier=2)] if a else []
    generic.append(Candidate("add", (x, y - a), tier=2))
    return found + [c for c in read + generic if fits(forward(c, values))]


def _call(numeric: Callable[..., float], index: Optional[int], args: list[float]) -> Optional[float]:
    try:
        value = numeric(index, *args) if index is not None else numeric(*args)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if value.__class__ is not float:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
    return value if value - value == 0.0 else None


def _orders(op: str, count: int) -> list[tuple[int, ...]]:
    """Operand orders to try for a node with no op name: as given, and for two operands reversed too."""
    if op in SYMMETRIC or count != 2:
        return [(0, 1)[:count] if count <= 2 else tuple(range(count))]
    return [(0, 1), (1, 0)]


def _table(count: int) -> list[tuple[str, Callable[..., float], bool, int]]:
    """The ops a node with `count` parents may be (the op table's float meanings), in table order."""
    key = (count, len(OPS))
    if key not in _TABLES:
        _TABLES[key] = [(op, _numeric(op), spec.indexed, count) for op, spec in OPS.items()
                        if op not in _GENERIC_UNARY and op not in ("leaky_relu", "elu") and _takes(spec, count)
                        and not (count == 2 and op in ("sum", "dot"))]  # add and mul already, by other names
    return _TABLES[key]


_TABLES: dict[tuple[int, int], list] = {}


def _takes(spec: Any, count: int) -> bool:
    if spec.arity is not None:
        return spec.arity == count
    return count >= 2 and (not spec.even or count % 2 == 0)


def _numeric(op: str) -> Callable[..., float]:
    """The op's float meaning; for a registered op, its compiled forward over distinct variables."""
    spec = OPS[op]
    if spec.numeric is not None:
        return spec.numeric
    def compiled(*args: float) -> float:
        return kind_of((op, None, _distinct(len(args)))).forward_float()(*args)
    return compiled


def power_from_values(a: float, y: float) -> Optional[float]:
    """The k with a ** k = y, rounded to a whole or half number when it is one within rounding; None when
    the values cannot tell (a = 0, 1 or −1, or signs no real power gives)."""
    if a == 0 or abs(a) == 1 or y == 0 or (y < 0 and a > 0):
        return None
    k = math.log(abs(y)) / math.log(abs(a))
    for nice in (round(k), round(2 * k) / 2):
        if abs(k - nice) <= 1e-9 * max(1.0, abs(k)):
            k = float(nice)
            break
    if a < 0 and not float(k).is_integer():
        return None
    return k


# -- choosing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The reading of one node: the candidate taken, the ops that fit its value, the ops that fit its step too."""

    candidate: Candidate
    fit_value: tuple[str, ...]
    fit_step: tuple[str, ...]
    reproduced: bool
    matched: bool = False
    """True when the engine's own step was run and its partials match the candidate's."""


def choose(candidates: Sequence[Candidate], values: Sequence[float], target: float,
           step: Callable[[list[int]], Optional[list[float]]], *, fitting_only: bool = False) -> Choice:
    """The candidate to read a node as.

    Among `candidates` (in preference order) those reproducing `target` are
    kept (all of them, when `fitting_only` says they were checked already). One
    is taken as it is; between several, the engine's own local step decides —
    ``step(nodes)`` gives what it contributes to each of those parent positions
    — tier by tier: the candidates of the lowest tier whose partials match it,
    the first of them taken (several ops there: ambiguous, and they agree at
    this point). With no match the first candidate of a tier below 2 is taken
    (the check of the steps reports the mismatch); with nothing reproducing the
    value, the first candidate, and `Choice.reproduced` is False.
    """
    fitting = list(candidates) if fitting_only else [c for c in candidates if reproduces(c, values, target)]
    if not fitting:
        return Choice(candidates[0], (), (), False)
    names = tuple(dict.fromkeys(c.op for c in fitting if c.tier == fitting[0].tier))
    if len(fitting) == 1:
        return Choice(fitting[0], names, (), True)
    nodes = sorted({o for c in fitting for o in c.operands if type(o) is int})
    given = step(nodes)
    engine = dict(zip(nodes, given)) if given is not None else None
    if engine is not None:
        for tier in sorted({c.tier for c in fitting}):
            matching = [c for c in fitting if c.tier == tier and _agrees_by_node(c, values, engine)]
            if matching:
                matching.sort(key=lambda c: _at_kink(c, values))  # where several agree, one without a kink here
                agreeing = tuple(dict.fromkeys(c.op for c in matching))
                return Choice(matching[0], names, agreeing if len(agreeing) > 1 else (), True, True)
    best = next((c for c in fitting if c.tier < 2), fitting[0])
    return Choice(best, names, (), True)


def _at_kink(candidate: Candidate, values: Sequence[float]) -> bool:
    kind, refs = kind_for(candidate)
    return kind.at_kink([values[r] for r in refs])


def _agrees_by_node(candidate: Candidate, values: Sequence[float], engine: dict[int, float]) -> bool:
    """The candidate's partial for each of its nodes matches the step's, and the step gives its other parents 0."""
    found = partials(candidate, values)
    if found is None:
        return False
    mine = dict(zip(node_refs(candidate), found))
    return all(abs(engine[n] - mine.get(n, 0.0)) <= PARTIAL_ATOL + PARTIAL_RTOL * abs(mine.get(n, 0.0))
               for n in engine)
