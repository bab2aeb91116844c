"""Deciding a claim whose sides are sympy expressions: prove them equal, or sample them.

`decide` then proves ``lhs − rhs = 0`` (node-symbol forms first, then with
every node written in the inputs, under a size and time guard) and, when no
proof comes, samples the point and random points within ±10 % of it.

A claim with a plain number for one side (``D(f, y) == 4.17004``) states a
value, not an identity: `decide_value` compares it at the given point only,
to the digits written (`written_half_unit`).
"""

from __future__ import annotations

import math
import random
import re
import zlib
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.errors import InputError
from symcheck.symbolic.budget import OutOfTime, time_limit
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import tree_size_at_most

PROOF_OPS_LIMIT = 600
"""Past this many tree nodes in lhs − rhs (over node symbols, or estimated in the inputs) no proof is tried."""

PROOF_SECONDS = 5.0
"""Time allowed to sympy.simplify before the claim is decided by sampling instead."""

VALUE_PROOF_SECONDS = 1.0
"""Time allowed to prove a claim with a number side an identity; it is then judged at the point."""

DIFFERENCE_SECONDS = 2.0
"""Time allowed to tidy a failing claim's lhs − rhs for its message (else the message does without it)."""

APPROX_RTOL = 1e-6
"""``a ≈ b`` between two expressions: they agree at the point to this relative tolerance (check's default)."""

SAMPLES = 5
"""Random points tried besides the given one."""

SPREAD = 0.10
"""Random points lie within ±SPREAD·max(|value|, FLOOR) of each input."""

FLOOR = 0.1
"""The smallest scale an input is moved on: an input at 0 still moves by up to ±0.01."""

RTOL = 1e-9
ATOL = 1e-12


# -- deciding -------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """How a claim was decided.

    `method` is ``symbolic`` (sympy proved lhs − rhs = 0, or its simplified
    difference is nonzero where the sides disagree) or ``numeric`` (sampling
    decided); `difference` is the simplified lhs − rhs in node symbols when
    sympy produced one; `counterexample` the input point where the sides
    differ (None when they hold); `points` how many points were compared.
    """

    holds: bool
    method: str
    difference: Optional[Expr] = None
    counterexample: Optional[dict[str, float]] = None
    counter_values: Optional[tuple[float, float]] = None
    points: int = 0
    reason: str = ""
    half_unit: Optional[float] = None


AT_THE_POINT = "a number is compared at the point"
"""`Decision.reason` of a value claim decided by `decide_value`."""

_DECIMAL = re.compile(r"(?P<whole>\d*)(?:\.(?P<fraction>\d*))?(?:[eE](?P<exponent>[-+]?\d+))?")


def prove_equal(lhs: Expr, rhs: Expr, graph: SymbolicGraph, *,
                ops_limit: int = PROOF_OPS_LIMIT, seconds: float = PROOF_SECONDS) -> tuple[Optional[bool], str]:
    """(True, how) if sympy proves lhs = rhs; (None, why not) when it cannot tell.

    `how` is ``node-symbol`` (equal as written over node symbols), ``inputs``
    (equal once expanded in the inputs) or ``simplify``. Expressions past
    `ops_limit` tree nodes, or work past `seconds`, are left to sampling.
    """
    if lhs == rhs:
        return True, "node-symbol"
    try:
        with time_limit(seconds):
            return _prove(lhs, rhs, graph, ops_limit)
    except OutOfTime:
        return None, f"sympy did not finish within {seconds:g} s"


def _prove(lhs: Expr, rhs: Expr, graph: SymbolicGraph, limit: int) -> tuple[Optional[bool], str]:
    difference = lhs - rhs
    too_big = f"more than the {limit} terms sympy is given"
    if not tree_size_at_most(difference, limit):
        return None, f"the sides have {too_big}"
    if sympy.expand(difference) == 0:
        return True, "node-symbol"
    # The size in the inputs, estimated without building it: a DAG with reuse can be exponential there.
    sizes = graph.expanded_sizes()
    written = sum(1 for _ in sympy.preorder_traversal(difference))  # at most `limit`: checked above
    estimate = written + sum(sizes.get(str(symbol), 1) for symbol in difference.free_symbols)
    if estimate > limit:
        return None, f"written in the inputs the sides have {too_big}"
    difference = graph.expanded(lhs) - graph.expanded(rhs)
    if sympy.expand(difference) == 0:
        return True, "inputs"
    if sympy.simplify(difference) == 0:
        return True, "simplify"
    return None, "sympy.simplify does not reduce the difference to 0"


def decide(lhs: Expr, rhs: Expr, graph: SymbolicGraph, point: Mapping[str, float], *,
           samples: int = SAMPLES, seed: Optional[int] = None, **proof: Any) -> Decision:
    """Prove lhs = rhs, else compare them at `point` and `samples` random points near it."""
    proved, reason = prove_equal(lhs, rhs, graph, **proof)
    if proved:
        return Decision(True, "symbolic", difference=sympy.Integer(0), reason=reason)
    compared = 0
    for candidate in _candidates(point, samples, seed):
        sides = _both_sides(lhs, rhs, graph, candidate)
        if sides is None:
            continue  # outside some op's domain: not a point of the claim
        compared += 1
        if not agree(*sides):
            return _failure(lhs, rhs, graph, candidate, sides, compared, reason)
        if compared == samples + 1:
            break
    if compared == 0:
        raise InputError("the claim cannot be evaluated at the point or near it", hint="choose another point with --at")
    return Decision(True, "numeric", points=compared, reason=reason)


ROUNDED_FROM_DIGITS = 3
"""A number written with at least this many significant digits is read as a rounded value."""


def written_half_unit(written: str, *, rounded_from: int = ROUNDED_FROM_DIGITS) -> Optional[float]:
    """Half a unit in the last digit of a rounded decimal: ``"4.17004"`` → 5e-06, ``"2.50e-3"`` → 5e-06.

    A number written with a decimal point or an exponent and at least
    `ROUNDED_FROM_DIGITS` significant digits is read as rounded to the digits
    shown (what a student copies from a printout), so it matches every value
    within this distance. Shorter numbers (``0.5``, ``4.2``) are more likely
    meant exactly, as are integers (``2``): for them the result is None.
    After ``≈`` every number is rounded (`rounded_from` 1): ``≈ 0.5`` means 0.45 … 0.55, ``≈ 2`` 1.5 … 2.5.
    """
    match = _DECIMAL.fullmatch(written.strip().lstrip("+-").replace("_", ""))
    if match is None or not (match.group("whole") or match.group("fraction")):
        return None
    if rounded_from > 1 and match.group("fraction") is None and match.group("exponent") is None:
        return None
    fraction = match.group("fraction") or ""
    significant = (match.group("whole") + fraction).lstrip("0")
    if len(significant) < rounded_from and (significant or rounded_from > 1):  # ≈ 0.00 is rounded too
        return None
    return 0.5 * 10.0 ** (int(match.group("exponent") or 0) - len(fraction))


def decide_value(lhs: Expr, rhs: Expr, graph: SymbolicGraph, point: Mapping[str, float], *,
                 half_unit: Optional[float] = None, **proof: Any) -> Decision:
    """A claim whose one side is a number: proved if it is an identity, else judged at `point` alone.

    At the point the sides agree when they are within `half_unit` (the
    number's last written digit, see `written_half_unit`) or to RTOL/ATOL.
    The method is then ``numeric`` with `points` 1; no other point is tried,
    since a value such as ``D(f, y) == 4.17004`` is a statement about this point.
    """
    proof.setdefault("seconds", VALUE_PROOF_SECONDS)
    proved, reason = prove_equal(lhs, rhs, graph, **proof)
    if proved:
        return Decision(True, "symbolic", difference=sympy.Integer(0), reason=reason)
    sides = _both_sides(lhs, rhs, graph, point)
    if sides is None:
        raise InputError("the claim cannot be evaluated at the point", hint="choose another point with --at")
    close = agree(*sides) or (half_unit is not None and abs(sides[0] - sides[1]) <= half_unit * (1 + 1e-9))
    return Decision(close, "numeric", counterexample=None if close else dict(point), counter_values=sides,
                    points=1, reason=AT_THE_POINT, half_unit=half_unit)


def _failure(lhs: Expr, rhs: Expr, graph: SymbolicGraph, candidate: dict[str, float],
             sides: tuple[float, float], compared: int, reason: str) -> Decision:
    """A counterexample decides; the method is symbolic when sympy's difference is itself nonzero there."""
    difference = _simplified_difference(lhs, rhs)
    method = "numeric"
    if difference is not None and difference != 0:
        try:
            value = graph.evaluate(difference, graph.values(candidate))
        except (TypeError, ValueError, ArithmeticError):
            value = math.nan
        if math.isfinite(value) and not agree(value, 0.0):
            method = "symbolic"
    return Decision(False, method, difference=difference, counterexample=candidate,
                    counter_values=sides, points=compared, reason=reason)


def decide_approx(lhs: Expr, rhs: Expr, graph: SymbolicGraph, point: Mapping[str, float]) -> Decision:
    """``lhs ≈ rhs`` between two expressions: a value relation at the point, to `APPROX_RTOL`."""
    sides = _both_sides(lhs, rhs, graph, point)
    if sides is None:
        raise InputError("the claim cannot be evaluated at the point", hint="choose another point with --at")
    close = abs(sides[0] - sides[1]) <= ATOL + APPROX_RTOL * max(abs(sides[0]), abs(sides[1]))
    return Decision(close, "numeric", counterexample=None if close else dict(point), counter_values=sides,
                    points=1, reason=AT_THE_POINT)


def _simplified_difference(lhs: Expr, rhs: Expr) -> Optional[Expr]:
    """lhs − rhs in node symbols, expanded (no trigonometric rewriting: the student's functions stay);
    None when that is too big or takes too long."""
    difference = lhs - rhs
    if not tree_size_at_most(difference, PROOF_OPS_LIMIT):
        return None
    try:
        with time_limit(DIFFERENCE_SECONDS):
            return sympy.expand(difference)
    except OutOfTime:
        return None


def side_value(expr: Expr, graph: SymbolicGraph, point: Mapping[str, float]) -> Optional[float]:
    """`expr` at the input point (None outside a domain or where it is not a finite real)."""
    try:
        value = graph.evaluate(expr, graph.values(point))
    except (InputError, TypeError, ValueError, ArithmeticError):
        return None
    return value if math.isfinite(value) else None


def _both_sides(lhs: Expr, rhs: Expr, graph: SymbolicGraph, point: Mapping[str, float]) -> Optional[tuple[float, float]]:
    left, right = side_value(lhs, graph, point), side_value(rhs, graph, point)
    if left is None or right is None:
        return None
    return left, right


def agree(a: float, b: float) -> bool:
    """Whether two values agree to RTOL (relative) or ATOL (absolute)."""
    return abs(a - b) <= ATOL + RTOL * max(abs(a), abs(b))


def _candidates(point: Mapping[str, float], count: int, seed: Optional[int]) -> Iterator[dict[str, float]]:
    """The point itself, then random points with each input moved by up to ±SPREAD of itself.

    The spread never falls below ±SPREAD·FLOOR, so an input at (or near) 0 still
    moves. Seeded by the point: the same claim at the same point sees the same
    points. Up to four times `count` candidates, so domain edges can be skipped.
    """
    yield dict(point)
    rng = random.Random(seed if seed is not None else zlib.crc32(repr(sorted(point.items())).encode()))
    for _ in range(4 * count):
        yield {
            name: value + rng.uniform(-SPREAD, SPREAD) * max(abs(value), FLOOR)
            for name, value in point.items()
        }
