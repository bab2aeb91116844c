"""Claims about a graph's derivatives, decided by sympy (or, failing a proof, by sampling).

The claim language (DESIGN.md): node names, ``f`` for the output, numbers,
``+ - * / **``, the op table's functions, ``D(a, b)``, ``grad(b, before=c)``
and one ``==``; ``∂f/∂z4`` and ``df/dz4`` mean ``D(f, z4)``.

A claim holds when sympy proves both sides equal (method ``symbolic``).
Failing a proof, both sides are compared at the point and at random points
within ±10 % of it: agreement everywhere holds with method ``numeric``; a
disagreement fails, and the verdict names the point.

A claim whose one side is a plain number (``D(f, y) == 4.17004``,
``grad(z3, before=z4) == 2.42679``) states a value at the point, the way a
student writes down a hand-computed gradient: unless sympy proves it as an
identity, it is compared at the given point only (method ``numeric``), and
a number written with a decimal point and at least three significant
digits matches to the digits written (4.17004 means 4.170035 … 4.170045);
shorter numbers (0.5, 4.2) and integers are taken as exact.

>>> from symcheck.parse import parse_expression
>>> verdict = judge_claim(parse_expression("sin(x) * x"), "D(f, x) == x*cos(x) + sin(x)")
>>> verdict.holds, verdict.method
(True, 'symbolic')
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.claim_ast import BinOp, ClaimExpr, Derivative, GradBefore, Num, Ref
from symcheck.claim_eval import (
    AT_THE_POINT,
    ROUNDED_FROM_DIGITS,
    ClaimTranslator,
    Decision,
    agree,
    decide,
    decide_value,
    side_value,
    written_half_unit,
)
from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.precision import resolve_inputs
from symcheck.report import Report, Verdict
from symcheck.symbolic import SymbolicGraph
from symcheck.tracing import GradLedger, tree_size_at_most

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 4}


def judge_claim(
    program: Program,
    text: str,
    *,
    at: Optional[Mapping[str, float]] = None,
    report: Optional[Report] = None,
    location: Optional[SourceLocation] = None,
) -> Verdict:
    """Decide the claim `text` about `program` at the point `at` (else the report's, else the program's).

    `lhs_symbolic`/`rhs_symbolic` are the sides in node-symbol form,
    `lhs_value`/`rhs_value` their values at the point; `message` is one
    sentence saying why. A malformed claim raises `InputError` at `location`.
    """
    from symcheck.parse import parse_claim

    if at is None and report is not None:
        at = report.inputs
    point = resolve_inputs(program, at)
    equation = parse_claim(text, program, location=location)
    graph = SymbolicGraph(program)
    ledger = GradLedger(program, graph, placeholders=False)  # claims evaluate and prove: full forms only
    translator = ClaimTranslator(program, graph, ledger, location)
    lhs, rhs = translator.to_sympy(equation.lhs), translator.to_sympy(equation.rhs)
    number = _number_side(equation)
    graph.values(point)  # the program itself outside an op's domain here: that error, with its node, comes first
    values = (side_value(lhs, graph, point), side_value(rhs, graph, point))
    try:
        if number is not None:
            written = equation.rhs if number == 1 else equation.lhs
            half_unit = written_half_unit(written.written) if isinstance(written, Num) else None
            decision = decide_value(lhs, rhs, graph, point, half_unit=half_unit)
        else:
            decision = decide(lhs, rhs, graph, point)
    except InputError as error:
        gaps = _domain_flags(program, point, report)
        if gaps:
            raise _no_symbolic_value(equation, values, point, location, gaps) from None
        raise _unevaluable(equation, values, point, location, near=number is None, hint=error.hint) from None
    explainer = _Explainer(program, graph, ledger, translator, point)
    message = explainer.message(equation, lhs, rhs, values, decision)
    return Verdict(
        claim=text.strip(),
        holds=decision.holds,
        method=decision.method,
        lhs_symbolic=_shown(equation.lhs, lhs, graph),
        lhs_value=values[0],
        rhs_symbolic=_shown(equation.rhs, rhs, graph),
        rhs_value=values[1],
        message=message,
    )


def _unevaluable(equation: Any, values: tuple, point: Mapping[str, float], location: Optional[SourceLocation],
                 *, near: bool, hint: str) -> InputError:
    """The claim cannot be decided: name the side(s) that have no real value at the point."""
    where = ", ".join(f"{name} = {value:.6g}" for name, value in point.items())
    sides = [f"the {side} side {claim_text(ast)}" for side, ast, value in
             (("left", equation.lhs, values[0]), ("right", equation.rhs, values[1])) if value is None]
    what = " and ".join(sides) if sides else "the claim"
    verb = "have" if len(sides) > 1 else "has"
    nearby = " (nor at points near it)" if near else ""
    text = equation.text.strip()
    place = location or SourceLocation("<claim>", 1, 1, text)
    return InputError(f"{what} {verb} no real value at {where}{nearby}", location=place, hint=hint,
                      width=len(text))


def _domain_flags(program: Program, point: Mapping[str, float], report: Optional[Report]) -> list:
    """check's `domain` flags at the point: local partials sympy cannot evaluate there."""
    if report is None or report.inputs != dict(point):
        from symcheck.compare import check_program

        report = check_program(program, at=point, forms=False)
    return [flag for flag in report.flags if flag.kind == "domain"]


def _no_symbolic_value(equation: Any, values: tuple, point: Mapping[str, float],
                       location: Optional[SourceLocation], flags: list) -> InputError:
    """The claim has no symbolic value because a local partial has none here: say which, and what check found."""
    where = ", ".join(f"{name} = {value:.6g}" for name, value in point.items())
    sides = [f"the {side} side {claim_text(ast)}" for side, ast, value in
             (("left", equation.lhs, values[0]), ("right", equation.rhs, values[1])) if value is None]
    what = " and ".join(sides) if sides else "the claim"
    verb = "have" if len(sides) > 1 else "has"
    text = equation.text.strip()
    place = location or SourceLocation("<claim>", 1, 1, text)
    return InputError(f"{what} {verb} no symbolic value at {where}, so the claim cannot be judged there: "
                      f"{flags[0].message}", location=place, width=len(text),
                      hint="sympy folds that partial to nan wherever the constant stays, so no nearby point helps; "
                           "`symcheck check` judges the gradient itself (with sympy's limit where one exists)")


def _mentions_a_node(side: ClaimExpr) -> bool:
    return _mentions(side, (Ref, Derivative, GradBefore))


def _mentions(side: ClaimExpr, kinds: tuple[type, ...]) -> bool:
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


def _number_side(equation: Any) -> Optional[int]:
    """0 or 1 when that side of the claim mentions no node (a plain number), else None."""
    for index, side in ((1, equation.rhs), (0, equation.lhs)):
        if not _mentions_a_node(side):
            return index
    return None


def _shown(side: ClaimExpr, expr: sympy.Expr, graph: SymbolicGraph) -> str:
    """A side's symbolic text; a number as it was typed (4.17004, not 104251/25000)."""
    if isinstance(side, Num) and side.written:
        sign = "-" if side.value < 0 and not side.written.startswith("-") else ""
        return sign + side.written
    return graph.text(expr)


def check_claims(program: Program, report: Report) -> list[Verdict]:
    """The verdict of each ``# claim:`` line of `program`, at the report's point."""
    return [
        judge_claim(program, claim.text, at=report.inputs, report=report, location=claim.location)
        for claim in program.claims
    ]


# -- messages -----------------------------------------------------------------------


class _Explainer:
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
        if not (_mentions(equation.lhs, (Derivative, GradBefore)) or _mentions(equation.rhs, (Derivative, GradBefore))):
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
            return f"holds: both sides simplify to {_short(self.graph.text(lhs))}"
        expanded = self.graph.expanded(lhs)
        if not tree_size_at_most(expanded, 200):
            return "holds: sympy proves left − right = 0 with every node written in the inputs"
        return f"holds: with every node written in the inputs, sympy simplifies both sides to {_short(self.graph.text(sympy.simplify(expanded)))}"

    def _value(self, equation: Any, values: tuple, decision: Decision) -> str:
        """A number claim, judged at the point: what the other side is there, against the digits written."""
        number = _number_side(equation)
        other_ast, number_ast = (equation.lhs, equation.rhs) if number == 1 else (equation.rhs, equation.lhs)
        other_value, number_value = (values[0], values[1]) if number == 1 else (values[1], values[0])
        where = self._where()
        written = _shown(number_ast, sympy.Float(number_value or 0.0), self.graph) if isinstance(number_ast, Num) \
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
        form = _short(self.graph.text(expr))
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
                extra = self._extra_terms_text(other_side, arrived) or self.graph.text(sympy.simplify(other - arrived))
                steps = " and ".join(f"{k}._backward()" for k in late)
                term = "the term" if "+" not in extra and " - " not in extra else "the terms"
                return f"{term} {extra} arrives only when {steps} runs" if len(late) == 1 else \
                    f"{term} {extra} arrive only when {steps} run"
            pending = self.ledger.pending(name, before=before)
            if pending:
                return f"at that moment the contributions through {', '.join(pending)} have not arrived yet"
        return ""

    def _pending_subset(self, name: str, before: str, missing: Expr) -> tuple[str, ...]:
        """The pending consumers whose contributions add up to `missing` at the point (smallest set first)."""
        from itertools import combinations

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
        return f"left − right simplifies to {_short(self.graph.text(decision.difference))}"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- printing a claim's AST back as text ------------------------------------------------


def claim_text(node: Any, parent_precedence: int = 0, *, output: str = "") -> str:
    """A claim side as the claim language writes it (``z7 + z3*D(z7, z3)``); ``D(output, b)`` prints as ``D(f, b)``."""
    kind = type(node).__name__
    if output:
        return claim_text(node, parent_precedence).replace(f"D({output}, ", "D(f, ")
    if kind == "Num":
        value = float(node.value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if kind == "Ref":
        return node.name
    if kind == "Derivative":
        return f"D({_ref_text(node.of)}, {_ref_text(node.wrt)})"
    if kind == "GradBefore":
        return f"grad({_ref_text(node.node)}, before={_ref_text(node.before)})"
    if kind == "Call":
        index = [str(node.index)] if node.index is not None else []  # softmax's component comes first
        return f"{node.func}({', '.join(index + [claim_text(a) for a in node.args])})"
    if kind == "Neg":
        return _wrap(f"-{claim_text(node.operand, 3)}", 3, parent_precedence)
    if kind == "BinOp":
        precedence = _PRECEDENCE[node.op]
        right_precedence = precedence + (0 if node.op == "**" else 1)
        left_precedence = precedence + (1 if node.op == "**" else 0)
        text = f"{claim_text(node.left, left_precedence)}{_spaced(node.op)}{claim_text(node.right, right_precedence)}"
        return _wrap(text, precedence, parent_precedence)
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(claim_text(a) for a in node) + "]"
    return str(node)


def _spaced(op: str) -> str:
    return f" {op} " if op in "+-" else op


def _wrap(text: str, precedence: int, parent_precedence: int) -> str:
    return f"({text})" if precedence < parent_precedence else text


def _ref_text(ref: Any) -> str:
    return ref if isinstance(ref, str) else ref.name


def _sum_terms(node: Any, sign: int = 1) -> list[tuple[int, Any]]:
    """The top-level terms of a sum, each with its sign."""
    if isinstance(node, BinOp) and node.op in "+-":
        right_sign = sign if node.op == "+" else -sign
        return _sum_terms(node.left, sign) + _sum_terms(node.right, right_sign)
    return [(sign, node)]


def _join_terms(terms: list[tuple[int, Any]]) -> str:
    text = ""
    for sign, term in terms:
        written = claim_text(term, 1)
        if not text:
            text = written if sign > 0 else f"-{claim_text(term, 3)}"
        else:
            text += f" + {written}" if sign > 0 else f" - {claim_text(term, 2)}"
    return text
