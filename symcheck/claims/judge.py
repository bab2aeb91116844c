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

from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

from sympy import Expr

from symcheck.claims.decide import decide, decide_approx, decide_value, side_value, written_half_unit
from symcheck.claims.explain import Explainer, number_side, shown_side
from symcheck.claims.translate import ClaimTranslator
from symcheck.compare import check_program
from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.parse.claim import parse_claim
from symcheck.parse.claim_ast import ClaimEquation, Num
from symcheck.parse.point import resolve_inputs
from symcheck.parse.writeback import claim_text
from symcheck.render.formulas import latex
from symcheck.render.latex import claim_latex
from symcheck.report import Report, Verdict
from symcheck.symbolic.budget import CLAIM_SECONDS, OutOfTime, run_bounded
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger


@dataclass(frozen=True)
class Judgement:
    """A verdict with what grading needs besides: the `slip`'s kind (``missing path``, ``sign flip``, …,
    empty when none was named) and `hidden`, the verdict's sentence without any correct expression or value."""

    verdict: Verdict
    slip: str = ""
    hidden: str = ""


def judge_claim(
    program: Program,
    text: str,
    *,
    at: Optional[Mapping[str, float]] = None,
    report: Optional[Report] = None,
    location: Optional[SourceLocation] = None,
    target: str = "",
    seconds: float = CLAIM_SECONDS,
) -> Verdict:
    """Decide the claim `text` about `program` at the point `at` (else the report's, else the program's).

    `lhs_symbolic`/`rhs_symbolic` are the sides in node-symbol form,
    `lhs_value`/`rhs_value` their values at the point; `message` is one
    sentence saying why, and how each partial was read. A malformed claim
    raises `InputError` at `location`. All of sympy's work runs within
    `seconds` (`symcheck.symbolic.budget`), in any thread: past it the
    verdict is undecided (method ``undecided``).
    """
    equation = parse_claim(text, program, location=location)
    return judge_equation(program, equation, at=at, report=report, target=target, seconds=seconds).verdict


def judge_equation(
    program: Program,
    equation: ClaimEquation,
    *,
    at: Optional[Mapping[str, float]] = None,
    report: Optional[Report] = None,
    target: str = "",
    seconds: float = CLAIM_SECONDS,
) -> Judgement:
    """`judge_claim` for a parsed claim (a relation read from LaTeX, say), with grading's extras."""
    if at is None and report is not None:
        at = report.inputs
    point = resolve_inputs(program, at)
    try:
        return run_bounded(lambda: _judge(program, equation, point, report, target), seconds)
    except OutOfTime:
        return _undecided(equation, point, seconds, target)


def _judge(program: Program, equation: ClaimEquation, point: dict[str, float], report: Optional[Report],
           target: str) -> Judgement:
    graph = SymbolicGraph(program)
    ledger = GradLedger(program, graph, placeholders=False)  # claims evaluate and prove: full forms only
    translator = ClaimTranslator(program, graph, ledger, equation.location)
    lhs, rhs = translator.to_sympy(equation.lhs), translator.to_sympy(equation.rhs)
    number = number_side(equation)
    graph.values(point)  # the program itself outside an op's domain here: that error, with its node, comes first
    values = (side_value(lhs, graph, point), side_value(rhs, graph, point))
    try:
        decision = _decide(equation, lhs, rhs, graph, point, number)
    except InputError as error:
        gaps = _domain_flags(program, point, report)
        if gaps:
            raise _no_symbolic_value(equation, values, point, equation.location, gaps) from None
        raise _unevaluable(equation, values, point, equation.location, near=number is None,
                           hint=error.hint) from None
    explanation = Explainer(program, graph, ledger, translator, point).explain(equation, lhs, rhs, values, decision)
    verdict = Verdict(
        claim=equation.text.strip(),
        holds=decision.holds,
        method=decision.method,
        lhs_symbolic=shown_side(equation.lhs, lhs, graph),
        lhs_value=values[0],
        rhs_symbolic=shown_side(equation.rhs, rhs, graph),
        rhs_value=values[1],
        message=explanation.full,
        target=target,
        lhs_expr=lhs,
        rhs_expr=rhs,
        relation=equation.relation,
        lhs_latex=claim_latex(equation.lhs),
        rhs_latex=claim_latex(equation.rhs),
        lhs_symbolic_latex=_side_latex(equation.lhs, lhs),
        rhs_symbolic_latex=_side_latex(equation.rhs, rhs),
    )
    return Judgement(verdict, explanation.slip, explanation.hidden)


def _decide(equation: ClaimEquation, lhs: Expr, rhs: Expr, graph: SymbolicGraph, point: dict[str, float],
            number: Optional[int]) -> Any:
    if number is None:
        return decide_approx(lhs, rhs, graph, point) if equation.relation == "≈" else decide(lhs, rhs, graph, point)
    written = equation.rhs if number == 1 else equation.lhs
    rounded_from = 1 if equation.relation == "≈" else None
    half_unit = None
    if isinstance(written, Num):
        half_unit = written_half_unit(written.written, rounded_from=rounded_from) if rounded_from \
            else written_half_unit(written.written)
    return decide_value(lhs, rhs, graph, point, half_unit=half_unit)


def _side_latex(side: Any, expr: Expr) -> str:
    return claim_latex(side) if isinstance(side, Num) else latex(expr)


def _undecided(equation: ClaimEquation, point: Mapping[str, float], seconds: float, target: str) -> Judgement:
    """The verdict of a claim whose sympy work did not end within its budget."""
    why = f"undecided: sympy did not finish within {seconds:g} s, the claim's time budget; " \
          "a claim this hard may hold or fail: split it into smaller claims, or state a value at the point " \
          "(D(f, x) ≈ 0.507)"
    verdict = Verdict(claim=equation.text.strip(), holds=False, method="undecided",
                      lhs_symbolic=claim_text(equation.lhs), lhs_value=None,
                      rhs_symbolic=claim_text(equation.rhs), rhs_value=None, message=why, target=target,
                      relation=equation.relation, lhs_latex=claim_latex(equation.lhs),
                      rhs_latex=claim_latex(equation.rhs))
    return Judgement(verdict, "", f"undecided: sympy did not finish within {seconds:g} s")


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


def with_claims(report: Report) -> Report:
    """The report with a verdict for each of its program's ``# claim:`` lines (the same report when it has none)."""
    if not report.program.claims:
        return report
    return replace(report, claims=check_claims(report.program, report))


def check_claims(program: Program, report: Report) -> list[Verdict]:
    """The verdict of each ``# claim:`` line of `program`, at the report's point."""
    return [
        judge_claim(program, claim.text, at=report.inputs, report=report, location=claim.location)
        for claim in program.claims
    ]


