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

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from symcheck.ops import OPS
from symcheck.symbolic.opkind import kind_of

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
    """The candidate's value from the node values (None outside the op's domain)."""
    kind, refs = kind_for(candidate)
    try:
        result = kind.forward_float()(*[values[r] for r in refs])
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
    """The candidate's partials for each distinct node operand (first-use order), None where not finite."""
    kind, refs = kind_for(candidate)
    try:
        found = [float(p) for p in kind.partials_float()(*[values[r] for r in refs])]
    except (ArithmeticError, ValueError, TypeError):
        return None
    return found if all(math.isfinite(p) for p in found) else None


def kind_for(candidate: Candidate) -> tuple:
    """The compiled op kind of a candidate and the node positions its dummies stand for."""
    refs: dict[int, int] = {}
    slots = []
    for operand in candidate.operands:
        if type(operand) is int:
            slots.append(("v", refs.setdefault(operand, len(refs))))
        else:
            slots.append(("c", float(operand)))
    key = (candidate.op, candidate.index, tuple(slots))
    found = _KINDS.get(key)
    if found is None or OPS.get(candidate.op) is not found.spec:  # a re-registered op is a new kind
        found = _KINDS[key] = kind_of(key)
    return found, tuple(refs)


_KINDS: dict = {}


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
    """Every candidate for a node with no op name, in tier order (then table order)."""
    if len(operands) == 1:
        found = _unary(operands[0], values, target)
    elif len(operands) == 2:
        found = _binary(operands, values)
    else:
        found = _nary(operands)
    return [c for c in found if reproduces(c, values, target)]


def _unary(x: Operand, values: Sequence[float], y: float) -> list[Candidate]:
    a = values[x] if type(x) is int else float(x)
    plain = [Candidate(op, (x,)) for op, spec in OPS.items() if spec.arity == 1 and op not in _GENERIC_UNARY]
    read: list[Candidate] = []
    exponent = power_from_values(a, y)
    if exponent is not None:
        read.append(Candidate("pow", (x, exponent), tier=1))
    if a < 0:
        read.append(Candidate("leaky_relu", (x, y / a), tier=1))
        if math.expm1(a):
            read.append(Candidate("elu", (x, y / math.expm1(a)), tier=1))
    read.append(Candidate("id", (x,), tier=1))
    generic = [Candidate("add", (x, y - a), tier=2)]
    if a:
        generic.insert(0, Candidate("mul", (x, y / a), tier=2))
    return plain + read + generic


def _binary(operands: Sequence[Operand], values: Sequence[float]) -> list[Candidate]:
    found: list[Candidate] = []
    for op in ("add", "mul", "sub", "div", "pow", "max", "min"):
        found += orders(op, operands)
    for op, spec in OPS.items():  # registered two-operand ops too
        if spec.arity == 2 and op not in {"add", "mul", "sub", "div", "pow", "max", "min", "leaky_relu", "elu"}:
            found += orders(op, operands)
    found += [Candidate("mean", tuple(operands)), Candidate("logsumexp", tuple(operands))]
    found += [Candidate("softmax", tuple(operands), k) for k in range(2)]
    return found


def _nary(operands: Sequence[Operand]) -> list[Candidate]:
    found = [Candidate(op, tuple(operands)) for op in ("sum", "mean", "logsumexp")]
    found += [Candidate("softmax", tuple(operands), k) for k in range(len(operands))]
    if len(operands) % 2 == 0:
        found.append(Candidate("dot", tuple(operands)))
    return found


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


def choose(candidates: Sequence[Candidate], values: Sequence[float], target: float,
           step: Callable[[Candidate], Optional[list[float]]]) -> Choice:
    """The candidate to read a node as.

    Among `candidates` (in preference order) those reproducing `target` are
    kept; when they differ in their partials, ``step(candidate)`` (the engine's
    own local step, per distinct parent of that candidate) decides, lower
    tiers first. With nothing reproducing the value, the first candidate is
    taken and `Choice.reproduced` is False (a wrong forward value).
    """
    fitting = [c for c in candidates if reproduces(c, values, target)]
    if not fitting:
        return Choice(candidates[0], (), (), False)
    names = tuple(dict.fromkeys(c.op for c in fitting if c.tier == fitting[0].tier))
    if len(fitting) == 1 or _same_partials(fitting, values):
        return Choice(fitting[0], names, names if len(names) > 1 and _same_partials(fitting, values) else (), True)
    matching = [c for c in fitting if agrees(partials(c, values), step(c) or [])]
    if not matching:
        best = next((c for c in fitting if c.tier < 2), fitting[0])
        return Choice(best, names, (), True)
    best_tier = min(c.tier for c in matching)
    matching = [c for c in matching if c.tier == best_tier]
    agreeing = tuple(dict.fromkeys(c.op for c in matching))
    return Choice(matching[0], names, agreeing if len(agreeing) > 1 else (), True)


def _same_partials(fitting: Sequence[Candidate], values: Sequence[float]) -> bool:
    """True when every fitting candidate gives the same partial for each node (by node, not by position)."""
    first = _by_node(fitting[0], values)
    return first is not None and all(_by_node(c, values) == first for c in fitting[1:])


def _by_node(candidate: Candidate, values: Sequence[float]) -> Optional[dict[int, float]]:
    found = partials(candidate, values)
    if found is None:
        return None
    _, refs = kind_for(candidate)
    return {r: round(p, 9) for r, p in zip(refs, found)}
