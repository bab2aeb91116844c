"""A claim's verdict in words: why it holds, or where and how it fails, and how each partial was read.

Every sentence comes in two wordings: `Explanation.full`, and `Explanation.hidden`
which names the kind of slip but never a correct expression or value (for
answers graded before a deadline). The sympy work behind a sentence runs under
a time limit of its own: past it the sentence does without that detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.claims.decide import AT_THE_POINT, ROUNDED_FROM_DIGITS, Decision, agree, side_value
from symcheck.claims.diagnose import FORM_CHARS, Diagnoser, Diagnosis, truncation
from symcheck.claims.translate import ClaimTranslator
from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.claim_ast import ADJOINT, LOCAL, BinOp, ClaimExpr, Derivative, GradBefore, LocalPartial, Num, Ref
from symcheck.parse.writeback import claim_text
from symcheck.render.formulas import readable, text
from symcheck.symbolic.budget import OutOfTime, time_limit
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger, tree_size_at_most

MESSAGE_SECONDS = 2.0
"""Time allowed to the sympy work of one sentence (a simplified form shown in it)."""

PARTIALS = (Derivative, LocalPartial, GradBefore)

SIDE_CHARS = 160
"""Characters of a side's form shown in a verdict before it is cut with …"""


def mentions_a_node(side: ClaimExpr) -> bool:
    return mentions(side, (Ref, Derivative, LocalPartial, GradBefore))


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


@dataclass(frozen=True)
class Explanation:
    """A verdict's words: `full`, `hidden` (no solution in it), and the `slip`'s kind when one was found."""

    full: str
    hidden: str
    slip: str = ""


class Explainer:
    """Writes the verdict's sentences."""

    def __init__(self, program: Program, graph: SymbolicGraph, ledger: GradLedger,
                 translator: ClaimTranslator, point: Mapping[str, float]) -> None:
        self.program, self.graph, self.ledger = program, graph, ledger
        self.translator, self.point = translator, point
        self.diagnoser = Diagnoser(program, graph, translator, point)

    def explain(self, equation: Any, lhs: Expr, rhs: Expr, values: tuple, decision: Decision) -> Explanation:
        """The verdict sentence, the slip (or the notes on a claim that holds) and the readings of its partials."""
        full, hidden, slip = self._verdict(equation, lhs, rhs, values, decision)
        notes = self.diagnoser.zero_terms(equation)
        if notes:
            slip = slip or notes[0].kind
            full += "".join(f"; {note.full}" for note in notes)
            hidden += "".join(f"; {note.hidden}" for note in notes)
        if decision.method == "numeric":
            kink = self._kink_note(equation)
            full, hidden = full + kink, hidden + kink
        readings_full, readings_hidden = self._readings(equation)
        return Explanation(full + readings_full, hidden + readings_hidden, slip)

    def message(self, equation: Any, lhs: Expr, rhs: Expr, values: tuple, decision: Decision) -> str:
        """The full wording alone."""
        return self.explain(equation, lhs, rhs, values, decision).full

    # -- how each partial was read ---------------------------------------------------

    def _readings(self, equation: Any) -> tuple[str, str]:
        """``; read ∂f/∂z8 as an adjoint, ∂z8/∂z3 as the local partial of z8 = z3·z7 in z3: z7``."""
        adjoints, paths, full, hidden = [], [], [], []
        for reading in dict.fromkeys(equation.readings):
            if reading.kind == ADJOINT:
                adjoints.append(reading.written)
            elif reading.kind == LOCAL:
                of = self.translator._name(reading.of)
                words = f"{reading.written} as the local partial of {of} = {self._defined(of)} in {reading.wrt}"
                full.append(f"{words}: {self._form(self.graph.local_partial(of, reading.wrt))}")
                hidden.append(words)
            else:
                paths.append(reading.written)
        groups = []
        if adjoints:
            groups.append(f"{_listed(adjoints)} as {'an adjoint' if len(adjoints) == 1 else 'adjoints'}")
        if paths:
            groups.append(f"{_listed(paths)} along every path")
        if not groups and not full:
            return "", ""
        return "; read " + ", ".join(groups + full), "; read " + ", ".join(groups + hidden)

    def _defined(self, name: str) -> str:
        return readable(self.graph.forward(name))

    def _form(self, expr: Expr) -> str:
        return _short(text(expr))

    def _kink_note(self, equation: Any) -> str:
        """A derivative judged by its value where some op is not differentiable depends on a convention: say so."""
        if not (mentions(equation.lhs, PARTIALS) or mentions(equation.rhs, PARTIALS)):
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

    # -- the verdict ----------------------------------------------------------------

    def _verdict(self, equation: Any, lhs: Expr, rhs: Expr, values: tuple,
                 decision: Decision) -> tuple[str, str, str]:
        if decision.reason == AT_THE_POINT:
            return self._value(equation, values, decision)
        if decision.holds:
            return self._holds(lhs, rhs, decision), "holds", ""
        if decision.counterexample != dict(self.point):
            full = self._fails_elsewhere(decision, at_point=None not in values)
            return full, full.split(": at ")[0], ""
        fails = "fails" if decision.method == "symbolic" else f"fails at the point {self._where()}"
        pending = self._pending_hint(equation)
        diagnosis = None if pending else self._diagnosis(equation, values)
        # beside a diagnosis, which says what is wrong, the sides are shown shorter
        limit = FORM_CHARS if diagnosis is not None else SIDE_CHARS
        left = self._describe(equation.lhs, lhs, values[0], first=True, limit=limit)
        right = self._describe(equation.rhs, rhs, values[1], first=False, limit=limit)
        if pending:
            return f"{fails}: {left}; {right}; {pending}", f"{fails}: {pending}", "pending contribution"
        if diagnosis is not None:
            return f"{fails}: {diagnosis.full}; {left}; {right}", f"{fails}: {diagnosis.hidden}", diagnosis.kind
        hint = self._difference_hint(decision)
        return f"{fails}: {left}; {right}" + (f"; {hint}" if hint else ""), fails, ""

    def _diagnosis(self, equation: Any, values: tuple) -> Optional[Diagnosis]:
        try:
            with time_limit(MESSAGE_SECONDS):
                return self.diagnoser.diagnose(equation, values)
        except OutOfTime:
            return None

    def _where(self) -> str:
        return ", ".join(f"{name} = {value:.6g}" for name, value in self.point.items())

    def _holds(self, lhs: Expr, rhs: Expr, decision: Decision) -> str:
        if decision.method == "numeric":
            return (f"holds numerically: sympy could not prove it ({decision.reason}), but both sides agree "
                    f"to 1e-9 at {decision.points} points: the given one and {decision.points - 1} random "
                    f"points within ±10 % of it")
        if decision.reason == "node-symbol":
            return f"holds: both sides simplify to {_short(text(lhs))}"
        proved = "holds: sympy proves left − right = 0 with every node written in the inputs"
        expanded = self.graph.expanded(lhs)
        if not tree_size_at_most(expanded, 200):
            return proved
        try:
            with time_limit(MESSAGE_SECONDS):
                simplest = sympy.simplify(expanded)
        except OutOfTime:
            return proved
        return f"holds: with every node written in the inputs, sympy simplifies both sides to {_short(text(simplest))}"

    def _value(self, equation: Any, values: tuple, decision: Decision) -> tuple[str, str, str]:
        """A value relation, judged at the point: what the other side is there, against the digits written."""
        number = number_side(equation)
        where = self._where()
        rule = "a number is compared at the point, not as an identity"
        if number is None:  # ≈ between two expressions
            verb = "agree" if decision.holds else "do not agree"
            full = f"{'holds' if decision.holds else 'fails'} at the point {where}: the sides are " \
                   f"{values[0]:.10g} and {values[1]:.10g}, which {verb} to 1e-6 (≈ compares values at the point)"
            return full, f"{'holds' if decision.holds else 'fails'} at the point {where}", ""
        other_ast, number_ast = (equation.lhs, equation.rhs) if number == 1 else (equation.rhs, equation.lhs)
        other_value, number_value = (values[0], values[1]) if number == 1 else (values[1], values[0])
        written = shown_side(number_ast, sympy.Float(number_value or 0.0), self.graph) if isinstance(number_ast, Num) \
            else claim_text(number_ast)
        digits = f" to the digits written (±{decision.half_unit:.1g})" if decision.half_unit else ""
        other = claim_text(other_ast)
        if decision.holds:
            full = f"holds at the point {where}: {other} is {other_value:.10g}, which matches {written}{digits}; {rule}"
            return full, f"holds at the point {where}: {other} matches {written}{digits}", ""
        cut = truncation(written, other_value) if isinstance(number_ast, Num) and other_value is not None else None
        if cut is not None:
            return (f"fails at the point {where}: {cut.full}; {rule}",
                    f"fails at the point {where}: {cut.hidden}", cut.kind)
        exact = "" if decision.half_unit else f" (taken as exact; a number with at least {ROUNDED_FROM_DIGITS} " \
            f"significant digits is read as rounded, e.g. {other_value:.6g})"
        full = f"fails at the point {where}: {other} is {other_value:.10g}, which does not match {written}{digits}" \
               f"{exact}; {rule}"
        return full, f"fails at the point {where}: {other} does not match {written}{digits}", ""

    def _fails_elsewhere(self, decision: Decision, *, at_point: bool) -> str:
        where = ", ".join(f"{name} = {value:.6g}" for name, value in (decision.counterexample or {}).items())
        left, right = decision.counter_values or (float("nan"), float("nan"))
        first = "the sides agree at the point but not as an identity" if at_point else \
            "the sides cannot be evaluated at the point"
        return f"fails: {first}: at {where} the left side is {left:.6g} and the right side {right:.6g}"

    def _describe(self, ast: Any, expr: Expr, value: Optional[float], *, first: bool, limit: int) -> str:
        form = _short(text(expr), limit)
        shown = "(cannot be evaluated here)" if value is None else f"= {value:.6g}"
        if expr.is_Number:
            shown = ""
        if isinstance(ast, GradBefore):
            name, before = self.translator._name(ast.node), self.translator._name(ast.before)
            if expr == 0:
                return f"{name}.grad before {before}._backward() holds 0: nothing has arrived yet"
            return f"{name}.grad before {before}._backward() holds {form} {shown}"
        written = claim_text(ast)
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
                extra = self._extra_terms_text(other_side, arrived) or self._late_text(other - arrived)
                steps = " and ".join(f"{k}._backward()" for k in late)
                terms = "the term {} arrives" if _top_level_terms(extra) == 1 else "the terms {} arrive"
                return f"{terms.format(extra)} only when {steps} {'runs' if len(late) == 1 else 'run'}"
            pending = self.ledger.pending(name, before=before)
            if pending:
                return f"at that moment the contributions through {', '.join(pending)} have not arrived yet"
        return ""

    def _late_text(self, late: Expr) -> str:
        try:
            with time_limit(MESSAGE_SECONDS):
                return text(sympy.expand(late))
        except OutOfTime:
            return text(late)

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
        return f"left − right = {_short(text(decision.difference))}"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _short(form: str, limit: int = SIDE_CHARS) -> str:
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
