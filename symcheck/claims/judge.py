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

from dataclasses import replace
from typing import Any, Mapping, Optional

import sympy
from sympy import Expr

from symcheck.claims.decide import decide, decide_value, side_value, written_half_unit
from symcheck.claims.explain import Explainer, number_side, shown_side
from symcheck.claims.translate import ClaimTranslator
from symcheck.compare import check_program
from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.parse.claim import parse_claim
from symcheck.parse.claim_ast import Num
from symcheck.parse.point import resolve_inputs
from symcheck.parse.writeback import claim_text
from symcheck.report import Report, Verdict
from symcheck.symbolic.graph import SymbolicGraph
from symcheck.symbolic.ledger import GradLedger



def judge_claim(
    program: Program,
    text: str,
    *,
    at: Optional[Mapping[str, float]] = None,
    report: Optional[Report] = None,
    location: Optional[SourceLocation] = None,
    target: str = "",
) -> Verdict:
    """Decide the claim `text` about `program` at the point `at` (else the report's, else the program's).

    `lhs_symbolic`/`rhs_symbolic` are the sides in node-symbol form,
    `lhs_value`/`rhs_value` their values at the point; `message` is one
    sentence saying why. A malformed claim raises `InputError` at `location`.
    """
    if at is None and report is not None:
        at = report.inputs
    point = resolve_inputs(program, at)
    equation = parse_claim(text, program, location=location)
    graph = SymbolicGraph(program)
    ledger = GradLedger(program, graph, placeholders=False)  # claims evaluate and prove: full forms only
    translator = ClaimTranslator(program, graph, ledger, location)
    lhs, rhs = translator.to_sympy(equation.lhs), translator.to_sympy(equation.rhs)
    number = number_side(equation)
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
    explainer = Explainer(program, graph, ledger, translator, point)
    message = explainer.message(equation, lhs, rhs, values, decision)
    return Verdict(
        claim=text.strip(),
        holds=decision.holds,
        method=decision.method,
        lhs_symbolic=shown_side(equation.lhs, lhs, graph),
        lhs_value=values[0],
        rhs_symbolic=shown_side(equation.rhs, rhs, graph),
        rhs_value=values[1],
        message=message,
        target=target,
        lhs_expr=lhs,
        rhs_expr=rhs,
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


