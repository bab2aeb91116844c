"""Why a claim fails, in the student's terms: the slip, not just left − right.

A chain rule written for a derivative ``D(a, b)`` is compared with the true
decomposition over b's consumers k (those that reach a)::

    D(a, b) = Σ_k D(a, k) · ∂k/∂b          (∂k/∂b the local partial of k's op)

Each written term is matched to a consumer, by the derivative factor it
carries (``∂f/∂z4`` in ``∂f/∂z4·∂z4/∂z3``) or else by its value at the point.
What is left over is the slip:

* a **missing path**: a consumer with no term (its term named, with its value);
* an **extra term**: a term through a node that b does not feed, also when it is
  0 (``∂z3/∂z4 is 0: z4 does not feed z3``);
* a **sign flip**: of a term, or of a whole side;
* a **wrong local derivative**: the term's factor beside ``∂a/∂k`` is not k's
  local partial (``z5 = sin(z4), so ∂z5/∂z4 is cos(z4); you wrote -sin(z4)``);
* a **truncated number**: a value cut off instead of rounded.

Each `Diagnosis` has a `hidden` wording that names the kind of slip but never
the correct expression or value (``symcheck grade --hide-solutions``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from sympy import Expr

from symcheck.claims.decide import agree, side_value
from symcheck.ir import Program, upstream
from symcheck.parse.claim import textbook_reading
from symcheck.parse.claim_ast import ADJOINT, EVERY_PATH, LOCAL, BinOp, Derivative, GradBefore, LocalPartial, Neg, Num
from symcheck.parse.writeback import claim_text
from symcheck.render.formulas import text
from symcheck.symbolic.graph import SymbolicGraph

MISSING_PATH, EXTRA_TERM, SIGN, LOCAL_DERIVATIVE, TRUNCATED = (
    "missing path", "extra term", "sign flip", "wrong local derivative", "truncated number")


@dataclass(frozen=True)
class Diagnosis:
    """One slip: its `kind`, the `full` sentence, and a `hidden` one without the solution."""

    kind: str
    full: str
    hidden: str


MISSING_SHOWN = 3
"""Missing paths named (and their terms shown) before the rest are counted."""

FORM_CHARS = 80
"""Characters of a term's form shown in a diagnosis before it is cut with …."""


def _short(form: str) -> str:
    return form if len(form) <= FORM_CHARS else form[: FORM_CHARS - 1] + "…"


@dataclass(frozen=True)
class _Path:
    """The true term of one consumer k in D(a, b): D(a, k) · ∂k/∂b, symbolic and at the point."""

    consumer: str
    adjoint: Expr
    local: Expr
    value: Optional[float]


class Diagnoser:
    """Finds the slip in a claim about a graph, at a point."""

    def __init__(self, program: Program, graph: SymbolicGraph, translator: Any, point: Mapping[str, float]) -> None:
        self.program, self.graph, self.translator, self.point = program, graph, translator, point

    # -- notes on any claim ---------------------------------------------------------

    def zero_terms(self, equation: Any) -> list[Diagnosis]:
        """Terms that are 0 because a partial's node does not feed the other (an extra term, even when it holds)."""
        found = []
        for side in (equation.lhs, equation.rhs):
            for sign, term in _sum_terms(side):
                for factor in _factors(term):
                    if isinstance(factor, Derivative) and self._never_feeds(factor):
                        of, wrt = self._name(factor.of), factor.wrt
                        why = f"{partial_text(factor, self.program)} is 0: {wrt} does not feed {of}"
                        written = student_text(term, self.program)
                        found.append(Diagnosis(EXTRA_TERM, f"the term {written} is extra: {why}",
                                               f"the term {written} is extra: {why}"))
                        break
        return found

    def _never_feeds(self, node: Derivative) -> bool:
        of, wrt = self._name(node.of), node.wrt
        return of != wrt and wrt not in upstream(self.program, of)

    # -- failing claims -------------------------------------------------------------

    def diagnose(self, equation: Any, values: tuple[Optional[float], Optional[float]]) -> Optional[Diagnosis]:
        """The slip that explains why the claim fails, or None when none is recognised."""
        lhs, rhs = _without_common_factors(equation.lhs, equation.rhs)
        for quantity, other in ((lhs, rhs), (rhs, lhs)):
            found = self._local_claim(quantity, other) or self._chain_rule(quantity, other)
            if found is not None:
                return found
        return self._whole_sign(equation, values)

    def _whole_sign(self, equation: Any, values: tuple[Optional[float], Optional[float]]) -> Optional[Diagnosis]:
        left, right = values
        if left is None or right is None or agree(left, 0.0) or not agree(left, -right):
            return None
        return Diagnosis(SIGN, "the sides differ only in sign: the right side is −1 times the left",
                         "the sides differ only in sign")

    def _local_claim(self, quantity: Any, other: Any) -> Optional[Diagnosis]:
        """``∂z5/∂z4 == -sin(z4)``: a local partial set equal to an expression without partials."""
        if isinstance(quantity, Derivative) and quantity.wrt in self._operands(self._name(quantity.of)) \
                and self._single_path(self._name(quantity.of), quantity.wrt):
            quantity = LocalPartial(self._name(quantity.of), quantity.wrt)
        if not isinstance(quantity, LocalPartial) or _has_partial(other):
            return None
        return self._wrong_local(self._name(quantity.of), quantity.wrt, other, written_sign=1)

    def _wrong_local(self, consumer: str, wrt: str, written: Any, *, written_sign: int,
                     place: str = "") -> Optional[Diagnosis]:
        local = self.graph.local_partial(consumer, wrt)
        mine = self._value(self.translator.to_sympy(written))
        true = self._value(local)
        if mine is None or true is None or agree(written_sign * mine, true):
            return None
        node = self.program.node(consumer)
        operands = ", ".join(str(o) for o in node.inputs)
        defined = f"{consumer} = {node.op}({operands})"
        partial = f"∂{consumer}/∂{wrt}"
        shown = student_text(written, self.program)
        shown = f"-{shown}" if written_sign < 0 else shown
        if agree(written_sign * mine, -true):
            return Diagnosis(SIGN, f"{place}{defined}, so {partial} is {text(local)}; you wrote {shown}: the sign "
                                   f"is flipped", f"{place}the sign of {partial} is flipped")
        return Diagnosis(LOCAL_DERIVATIVE,
                         f"{place}{defined}, so {partial} is {text(local)} (the derivative of {node.op}); "
                         f"you wrote {shown}",
                         f"{place}the local derivative {partial} (of {node.op}) is wrong")

    def _chain_rule(self, quantity: Any, other: Any) -> Optional[Diagnosis]:
        """A derivative set equal to a sum of terms: match the terms to its paths (see the module)."""
        target = self._derivative_of(quantity)
        if target is None:
            return None
        of, wrt = target
        paths = {path.consumer: path for path in self._paths(of, wrt)}
        if not paths:
            return None
        matched: dict[str, tuple[int, Any]] = {}
        terms = _sum_terms(other)
        unmatched = 0
        for sign, term in terms:
            before = len(matched)
            found = self._match(term, sign, of, wrt, paths, matched)
            if found is not None:
                return found
            unmatched += len(matched) == before and not self._zero_term(term)
        missing = [paths[k] for k in paths if k not in matched and not _is_zero(paths[k].value)]
        if missing and not unmatched:
            return self._missing(of, wrt, missing)
        return None

    def _zero_term(self, term: Any) -> bool:
        return any(isinstance(f, Derivative) and self._never_feeds(f) for f in _factors(term))

    def _match(self, term: Any, sign: int, of: str, wrt: str, paths: dict[str, _Path],
               matched: dict[str, tuple[int, Any]]) -> Optional[Diagnosis]:
        """Record which path `term` is; a Diagnosis when the term itself is the slip."""
        factor = self._adjoint_factor(term, of)
        value = self._value(self.translator.to_sympy(term))
        if factor is not None:
            consumer = factor.wrt
            if consumer not in paths:
                return None  # a term through a node that does not use wrt: `zero_terms` names it
            matched[consumer] = (sign, term)
            path = paths[consumer]
            if value is None or path.value is None or agree(sign * value, path.value):
                return None
            rest = _without(term, factor)
            place = f"in the path through {consumer}: "
            return self._wrong_local(consumer, wrt, rest, written_sign=sign, place=place) if rest is not None \
                else None
        for consumer, path in paths.items():
            if consumer in matched or value is None or path.value is None:
                continue
            if agree(sign * value, path.value):
                matched[consumer] = (sign, term)
                return None
            if not _is_zero(path.value) and agree(sign * value, -path.value):
                matched[consumer] = (sign, term)
                written = ("-" if sign < 0 else "") + student_text(term, self.program)
                return Diagnosis(SIGN, f"the sign of the term {written} is flipped: the path through {consumer} "
                                       f"adds {_number(path.value)}", f"the sign of the term {written} is flipped")
        if len(paths) == 1 and len(matched) == 0:  # one path, one term with no partial in it: its local factor
            (consumer, path), = paths.items()
            if consumer == of and not _has_partial(term):
                matched[consumer] = (sign, term)
                return self._wrong_local(consumer, wrt, term, written_sign=sign)
        return None

    def _missing(self, of: str, wrt: str, missing: list[_Path]) -> Diagnosis:
        parts, names = [], [path.consumer for path in missing]
        for path in missing[:MISSING_SHOWN]:
            written = f"{_partial(of, path.consumer, self.program)}·∂{path.consumer}/∂{wrt}"
            form = _short(text(path.adjoint * path.local))
            parts.append(f"{written} = {form} = {_number(path.value)}")
        if len(missing) > MISSING_SHOWN:
            parts.append(f"and {len(missing) - MISSING_SHOWN} more")
        through = " and ".join(names) if len(names) <= MISSING_SHOWN else \
            f"{', '.join(names[:MISSING_SHOWN])} and {len(names) - MISSING_SHOWN} more consumers of {wrt}"
        noun = "path" if len(missing) == 1 else "paths"
        return Diagnosis(MISSING_PATH, f"the {noun} through {through} {'is' if len(missing) == 1 else 'are'} "
                                       f"missing: {'; '.join(parts)}",
                         f"the {noun} through {through} {'is' if len(missing) == 1 else 'are'} missing")

    # -- helpers --------------------------------------------------------------------

    def _derivative_of(self, quantity: Any) -> Optional[tuple[str, str]]:
        if isinstance(quantity, Derivative):
            return self._name(quantity.of), quantity.wrt
        if isinstance(quantity, GradBefore):
            return None  # the grad ledger's own hint says which contributions have arrived
        return None

    def _paths(self, of: str, wrt: str) -> list[_Path]:
        reaching = upstream(self.program, of)
        paths = []
        for consumer in dict.fromkeys(self.program.consumers().get(wrt, ())):
            if consumer not in reaching:
                continue
            adjoint = self.graph.derivative(of, consumer)
            local = self.graph.local_partial(consumer, wrt)
            paths.append(_Path(consumer, adjoint, local, self._value(adjoint * local)))
        return paths

    def _adjoint_factor(self, term: Any, of: str) -> Optional[Derivative]:
        for factor in _factors(term):
            if isinstance(factor, Derivative) and self._name(factor.of) == of and factor.wrt != of:
                return factor
        return None

    def _operands(self, name: str) -> tuple[str, ...]:
        return tuple(o for o in self.program.node(name).inputs if isinstance(o, str))

    def _single_path(self, of: str, wrt: str) -> bool:
        users = [k for k in self.program.consumers().get(wrt, ()) if k in upstream(self.program, of)]
        return users == [of]

    def _name(self, name: str) -> str:
        return self.program.output if name == "f" and "f" not in self.program else name

    def _value(self, expr: Expr) -> Optional[float]:
        return side_value(expr, self.graph, self.point)


def truncation(written: str, value: float) -> Optional[Diagnosis]:
    """A number that is `value` cut off after its last written digit instead of rounded (2.4267 for 2.42679…)."""
    stripped = written.strip().lstrip("+-")
    if "." not in stripped or "e" in stripped.lower() or not math.isfinite(value):
        return None
    decimals = len(stripped.split(".")[1])
    scale = 10.0 ** decimals
    number = float(written)
    truncated = math.trunc(value * scale) / scale
    rounded = round(value, decimals)
    if abs(number - truncated) > 0.5 / scale / 1e3 or abs(truncated - rounded) < 0.5 / scale:
        return None
    return Diagnosis(TRUNCATED, f"{written} looks truncated: {value:.{decimals + 4}f}… rounds to "
                                f"{rounded:.{decimals}f} at these digits",
                     f"{written} looks truncated, not rounded")


# -- the student's own spelling ------------------------------------------------------


def student_text(node: Any, program: Program) -> str:
    """A claim side written as a handout would: ``∂f/∂z8·∂z8/∂z3``, a partial in ∂ notation wherever
    ∂ would read back the same (see `symcheck.parse.claim.textbook_reading`), products with ``·``."""
    if isinstance(node, (Derivative, LocalPartial)):
        return partial_text(node, program)
    if isinstance(node, BinOp) and node.op == "*":
        return "·".join(_factor_text(f, program) for f in (node.left, node.right))
    if isinstance(node, BinOp) and node.op in "+-":
        return f"{student_text(node.left, program)} {node.op} {_factor_text(node.right, program)}"
    if isinstance(node, Neg):
        return f"-{_factor_text(node.operand, program)}"
    return claim_text(node)


def _factor_text(node: Any, program: Program) -> str:
    shown = student_text(node, program)
    return f"({shown})" if isinstance(node, BinOp) and node.op in "+-" else shown


def partial_text(node: Any, program: Program) -> str:
    """``∂a/∂b`` when the textbook reading of that spelling is this partial, else ``D(a, b)``/``local(a, b)``."""
    reading = textbook_reading(node.of, node.wrt, program)
    wanted = LOCAL if isinstance(node, LocalPartial) else ADJOINT if node.of == "f" else EVERY_PATH
    if reading == wanted:
        return f"∂{node.of}/∂{node.wrt}"
    return claim_text(node)


def _partial(of: str, wrt: str, program: Program) -> str:
    """∂f/∂k for the output's derivative, ∂a/∂k otherwise."""
    return f"∂f/∂{wrt}" if of == program.output else f"∂{of}/∂{wrt}"


def _number(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:.6g}"


def _is_zero(value: Optional[float]) -> bool:
    return value is not None and agree(value, 0.0)


def _has_partial(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, (Derivative, LocalPartial, GradBefore)):
            return True
        stack.extend(getattr(item, name) for name in ("left", "right", "operand") if hasattr(item, name))
        stack.extend(getattr(item, "args", ()))
    return False


def _sum_terms(node: Any, sign: int = 1) -> list[tuple[int, Any]]:
    """The top-level terms of a sum, each with its sign (a negation's sign folded in)."""
    if isinstance(node, BinOp) and node.op in "+-":
        right_sign = sign if node.op == "+" else -sign
        return _sum_terms(node.left, sign) + _sum_terms(node.right, right_sign)
    if isinstance(node, Neg):
        return _sum_terms(node.operand, -sign)
    return [(sign, node)]


def _factors(node: Any) -> list[Any]:
    """The factors of a product (a lone expression is its own factor)."""
    if isinstance(node, BinOp) and node.op == "*":
        return _factors(node.left) + _factors(node.right)
    return [node]


def _without_common_factors(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides of ``∂f/∂z5·∂z5/∂z4 == ∂f/∂z5·(-sin z4)`` without the factors they share: the slip is
    in what differs (here ∂z5/∂z4 against -sin z4)."""
    left_factors, right_factors = _factors(left), _factors(right)
    if len(left_factors) < 2 and len(right_factors) < 2:
        return left, right
    common = [f for f in left_factors if f in right_factors and isinstance(f, (Derivative, LocalPartial))]
    if not common:
        return left, right
    for factor in common:
        if factor in left_factors and factor in right_factors:
            left_factors.remove(factor)
            right_factors.remove(factor)
    return _product(left_factors), _product(right_factors)


def _product(factors: list[Any]) -> Any:
    if not factors:
        return Num(1.0, "1")
    product = factors[0]
    for item in factors[1:]:
        product = BinOp("*", product, item)
    return product


def _without(term: Any, factor: Any) -> Optional[Any]:
    """The product `term` without one `factor` (1 when nothing is left)."""
    rest = list(_factors(term))
    rest.remove(factor)
    return _product(rest)


__all__ = ["Diagnosis", "Diagnoser", "student_text", "partial_text", "truncation"]
