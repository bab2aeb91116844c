"""A claim's verdict in one sentence: why it holds, or where and how it fails."""

from __future__ import annotations

from itertools import combinations
from typing import Any, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.claims.decide import AT_THE_POINT, ROUNDED_FROM_DIGITS, Decision, agree, side_value
from symcheck.claims.translate import ClaimTranslator
from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.claim_ast import BinOp, ClaimExpr, Derivative, GradBefore, Num, Ref
from symcheck.parse.writeback import claim_text
from symcheck.render.formulas import text
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger, tree_size_at_most


def mentions_a_node(side: ClaimExpr) -> bool:
    return mentions(side, (Ref, Derivative, GradBefore))


def mentions(side: ClaimExpr, kinds: tuple[type, ...]) -> bool:
    """Whether any part of a claim side is one of `kinds`."""
    stack: list = [side]
    while stack:
        node = stack.pop()
        if isinstance(node, kinds):
            return True
        stack.extend(getattr(node, name) for name in ("left", "right", "operand") if hasattr(node, name))
        stack.extend(arg for arg in getattr(node, "args", ()) if not isinstance(arg, (list, tuple)))
        stack.extend(item for arg in getattr(node, "args", ()) if isinstance(arg, (list, tuple)) for item in arg)
    return False


def number_side(equation: Any) -> Optional[int]:
    """0 or 1 when that side of the claim mentions no node (a plain number), else None."""
    for index, side in ((1, equation.rhs), (0, equation.lhs)):
        if not mentions_a_node(side):
            return index
    return None


def shown_side(side: ClaimExpr, expr: sympy.Expr, graph: SymbolicGraph) -> str:
    """A side's symbolic text; a number as it was typed (4.17004, not 104251/25000)."""
    if isinstance(side, Num) and side.written:
        sign = "-" if side.value < 0 and not side.written.startswith("-") else ""
        return sign + side.written
    return text(expr)


class Explainer:
    """Writes the verdict's one sentence."""

    def __init__(self, program: Program, graph: SymbolicGraph, ledger: GradLedger,
                 translator: ClaimTranslator, point: Mapping[str, float]) -> None:
        self.program, self.graph, self.ledger = program, graph, ledger
        self.translator, self.point = translator, point

    def message(self, equation: Any, lhs: Expr, rhs: Expr, values: tuple, decision: Decision) -> str:
        note = self._kink_note(equation) if decision.method == "numeric" else ""
        return self._verdict(equation, lhs, rhs, values, decision) + note

    def _kink_note(self, equation: Any) -> str:
        """A derivative judged by its value where some op is not differentiable depends on a convention: say so."""
        if not (mentions(equation.lhs, (Derivative, GradBefore)) or mentions(equation.rhs, (Derivative, GradBefore))):
            return ""
        try:
            flags = [f for f in self.graph.kinks(self.graph.values(self.point)) if f.kind == "nondifferentiable"]
        except InputError:
            return ""
        if not flags:
            return ""
        what = flags[0].message.split(":")[0]
        return f"; note: {what}, so a derivative through {flags[0].node} depends on the convention " \
               f"(sympy's: Heaviside(0) = ½, sign(0) = 0)"

    def _verdict(self, equation: Any, lhs: Expr, rhs: Expr, values: tuple, decision: Decision) -> str:
        if decision.reason == AT_THE_POINT:
            return self._value(equation, values, decision)
        if decision.holds:
            return self._holds(lhs, rhs, decision)
        if decision.counterexample != dict(self.point):
            return self._fails_elsewhere(decision, at_point=None not in values)
        left = self._describe(equation.lhs, lhs, values[0], first=True)
        right = self._describe(equation.rhs, rhs, values[1], first=False)
        hint = self._pending_hint(equation) or self._difference_hint(decision)
        fails = "fails" if decision.method == "symbolic" else f"fails at the point {self._where()}"
        return f"{fails}: {left}; {right}" + (f"; {hint}" if hint else "")

    def _where(self) -> str:
        return ", ".join(f"{name} = {value:.6g}" for name, value in self.point.items())

    def _holds(self, lhs: Expr, rhs: Expr, decision: Decision) -> str:
        if decision.method == "numeric":
            return (f"holds numerically: sympy could not prove it ({decision.reason}), but both sides agree "
                    f"to 1e-9 at {decision.points} points: the given one and {decision.points - 1} random "
                    f"points within ±10 % of it")
        if decision.reason == "node-symbol":
            return f"holds: both sides simplify to {_short(text(lhs))}"
        expanded = self.graph.expanded(lhs)
        if not tree_size_at_most(expanded, 200):
            return "holds: sympy proves left − right = 0 with every node written in the inputs"
        return f"holds: with every node written in the inputs, sympy simplifies both sides to {_short(text(sympy.simplify(expanded)))}"

    def _value(self, equation: Any, values: tuple, decision: Decision) -> str:
        """A number claim, judged at the point: what the other side is there, against the digits written."""
        number = number_side(equation)
        other_ast, number_ast = (equation.lhs, equation.rhs) if number == 1 else (equation.rhs, equation.lhs)
        other_value, number_value = (values[0], values[1]) if number == 1 else (values[1], values[0])
        where = self._where()
        written = shown_side(number_ast, sympy.Float(number_value or 0.0), self.graph) if isinstance(number_ast, Num) \
            else claim_text(number_ast)
        digits = f" to the digits written (±{decision.half_unit:.1g})" if decision.half_unit else ""
        rule = "a number is compared at the point, not as an identity"
        other = claim_text(other_ast, output=self.program.output)
        if decision.holds:
            return f"holds at the point {where}: {other} is {other_value:.10g}, which matches {written}{digits}; {rule}"
        exact = "" if decision.half_unit else f" (taken as exact; a number with at least {ROUNDED_FROM_DIGITS} " \
            f"significant digits is read as rounded, e.g. {other_value:.6g})"
        return f"fails at the point {where}: {other} is {other_value:.10g}, which does not match {written}{digits}" \
               f"{exact}; {rule}"

    def _fails_elsewhere(self, decision: Decision, *, at_point: bool) -> str:
        where = ", ".join(f"{name} = {value:.6g}" for name, value in (decision.counterexample or {}).items())
        left, right = decision.counter_values or (float("nan"), float("nan"))
        first = "the sides agree at the point but not as an identity" if at_point else \
            "the sides cannot be evaluated at the point"
        return f"fails: {first}: at {where} the left side is {left:.6g} and the right side {right:.6g}"

    def _describe(self, ast: Any, expr: Expr, value: Optional[float], *, first: bool) -> str:
        form = _short(text(expr))
        shown = "(cannot be evaluated here)" if value is None else f"= {value:.6g}"
        if expr.is_Number:
            shown = ""
        if isinstance(ast, GradBefore):
            name, before = self.translator._name(ast.node), self.translator._name(ast.before)
            if expr == 0:
                return f"{name}.grad before {before}._backward() holds 0: nothing has arrived yet"
            return f"{name}.grad before {before}._backward() holds {form} {shown}"
        written = claim_text(ast, output=self.program.output)
        side = "the left side" if first else "the right side"
        if written.replace(" ", "") == form.replace(" ", ""):
            return f"{side} is {form} {shown}".rstrip()
        return f"{side} {written} is {form} {shown}".rstrip()

    def _pending_hint(self, equation: Any) -> str:
        """When one side is grad(b, before=c) and the other adds terms still pending at c, say when they arrive."""
        for grad_side, other_side in ((equation.lhs, equation.rhs), (equation.rhs, equation.lhs)):
            if not isinstance(grad_side, GradBefore):
                continue
            name, before = self.translator._name(grad_side.node), self.translator._name(grad_side.before)
            arrived = self.ledger.arrived(name, before=before)
            other = self.translator.to_sympy(other_side)
            late = self._pending_subset(name, before, other - arrived)
            if late:
                extra = self._extra_terms_text(other_side, arrived) or text(sympy.simplify(other - arrived))
                steps = " and ".join(f"{k}._backward()" for k in late)
                terms = "the term {} arrives" if _top_level_terms(extra) == 1 else "the terms {} arrive"
                return f"{terms.format(extra)} only when {steps} {'runs' if len(late) == 1 else 'run'}"
            pending = self.ledger.pending(name, before=before)
            if pending:
                return f"at that moment the contributions through {', '.join(pending)} have not arrived yet"
        return ""

    def _pending_subset(self, name: str, before: str, missing: Expr) -> tuple[str, ...]:
        """The pending consumers whose contributions add up to `missing` at the point (smallest set first)."""
        pending = self.ledger.pending(name, before=before)[:6]
        target = side_value(missing, self.graph, self.point)
        if target is None or not pending or agree(target, 0.0):
            return ()
        contributions = {}
        for consumer in pending:
            terms = [a.term for a in self.ledger.arrivals(consumer) if a.target == name]
            contributions[consumer] = side_value(sympy.Add(*terms), self.graph, self.point)
        for size in range(1, len(pending) + 1):
            for subset in combinations(pending, size):
                values = [contributions[k] for k in subset]
                if all(v is not None for v in values) and agree(sum(values), target):
                    return subset
        return ()

    def _extra_terms_text(self, side: Any, arrived: Expr) -> str:
        """If `side` is written as a sum containing the arrived part, the rest of it as the user wrote it."""
        terms = _sum_terms(side)
        if len(terms) < 2:
            return ""
        for index, (sign, term) in enumerate(terms):
            value = self.translator.to_sympy(term)
            if sign > 0 and sympy.expand(self.graph.expanded(value - arrived)) == 0:
                rest = terms[:index] + terms[index + 1:]
                return _join_terms(rest)
        return ""

    def _difference_hint(self, decision: Decision) -> str:
        if decision.difference is None or decision.difference == 0:
            return ""
        return f"left − right simplifies to {_short(text(decision.difference))}"


def _short(form: str, limit: int = 160) -> str:
    return form if len(form) <= limit else form[: limit - 1] + "…"


def _sum_terms(node: Any, sign: int = 1) -> list[tuple[int, Any]]:
    """The top-level terms of a sum, each with its sign."""
    if isinstance(node, BinOp) and node.op in "+-":
        right_sign = sign if node.op == "+" else -sign
        return _sum_terms(node.left, sign) + _sum_terms(node.right, right_sign)
    return [(sign, node)]


def _top_level_terms(form: str) -> int:
    """How many terms a printed sum has: its `` + `` and `` - `` outside brackets, plus one."""
    depth, count = 0, 1
    for i, char in enumerate(form):
        depth += char in "(["
        depth -= char in ")]"
        if depth == 0 and char in "+-" and form[i - 1 : i] == " " and form[i + 1 : i + 2] == " ":
            count += 1
    return count


def _join_terms(terms: list[tuple[int, Any]]) -> str:
    joined = ""
    for sign, term in terms:
        written = claim_text(term, 1)
        if not joined:
            joined = written if sign > 0 else f"-{claim_text(term, 3)}"
        else:
            joined += f" + {written}" if sign > 0 else f" - {claim_text(term, 2)}"
    return joined
