"""HTML pieces of reports, traces and verdicts, with their formulas as MathML.

The HTML page (`symcheck.render.html`) and Jupyter's display
(`symcheck.render.notebook`) are built from these: the witnesses table, the
findings, each adjoint's derivation, a claim's verdict, one step of the
backward pass. Every piece is plain HTML with inline MathML (typeset by the
browser itself, no script and no font to fetch), each ``<math>`` labelled
with its text form for screen readers. All user text is escaped.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any, Iterable, Optional

from symcheck.render import format_number as num, summary_sentence
from symcheck.render.formulas import (
    math_element,
    mathml_inner,
    name_mathml,
    partial_mathml,
    signed_terms_mathml,
    sum_mathml,
    text,
)

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import Contribution, NodeResult, Report, Step, Trace, Verdict


def esc(value: str) -> str:
    """User text escaped for HTML text and attributes."""
    return html.escape(value, quote=True)


def point_text(inputs: dict[str, float], *, limit: int = 0) -> str:
    """``x = 1.5, y = 0.5``; past `limit` inputs (when given) the rest are counted."""
    items = list(inputs.items())
    shown = items[:limit] if limit and len(items) > limit else items
    text = ", ".join(f"{name} = {num(value)}" for name, value in shown)
    return text + (f" and {len(items) - len(shown)} more inputs" if len(shown) < len(items) else "")


def output_text(output: str) -> str:
    """``f = z8``, or just ``f`` when the output is named f."""
    return "f" if output == "f" else f"f = {output}"


def describe(report: "Report", name: str) -> str:
    """``z4 = add(z3, z1)`` for a node, ``x = input`` for an input (the console's wording)."""
    node = report.program.node(name)
    if node.is_input:
        return f"{name} = input"
    operands = ", ".join(o if isinstance(o, str) else num(o) for o in node.inputs)
    index = f"[{node.index}]" if node.index is not None else ""
    return f"{name} = {node.op}{index}({operands})"


def formula_math(expr: Any, shown: str = "") -> str:
    """An expression as inline ``<math>``, labelled with its text; `shown` text that is not the
    expression's own printing (a number as written in a claim) is shown as written instead."""
    if expr is None or (shown and text(expr) != shown):
        return math_element(f"<mtext>{esc(shown)}</mtext>", label=shown)
    return math_element(mathml_inner(expr), label=text(expr))


def adjoint_math(name: str) -> str:
    """∂f/∂name as inline ``<math>``."""
    return math_element(partial_mathml("f", name), label=f"∂f/∂{name}")


def mark(ok: bool) -> str:
    """A ✓ or ✗ with its meaning for screen readers."""
    return ('<span class="ok" role="img" aria-label="agrees">✓</span>' if ok
            else '<span class="bad" role="img" aria-label="disagrees">✗</span>')


# -- reports ----------------------------------------------------------------------------


def report_heading(report: "Report") -> str:
    """``check f = z2 at x = 1.5, y = 0.5 (rtol 1e-06, atol 1e-09)``."""
    return f"check f = {report.output} at {point_text(report.inputs)}  (rtol {report.rtol:g}, atol {report.atol:g})"


def node_button(name: str) -> str:
    """A node's name as a button the page's script acts on (shows its row, its step, its neighbourhood)."""
    return f'<button type="button" class="node-link" data-goto="{esc(name)}">{esc(name)}</button>'


def node_table(report: "Report", *, names: Optional[Iterable[str]] = None, links: bool = False) -> str:
    """The witnesses table: value, the engine's grad, sympy's, the finite difference, error, ok;
    `links` makes each node's name a button (for the page, whose script acts on it)."""
    chosen = set(names) if names is not None else None
    head = ("node", "op", "value", "engine grad", "symbolic grad", "FD grad", "error", "ok")
    rows = []
    for r in report.nodes:
        if chosen is not None and r.name not in chosen:
            continue
        shown = node_button(r.name) if links else esc(r.name)
        cells = [f'<th scope="row">{shown}</th>', f"<td>{esc(r.op)}</td>"]
        cells += [f'<td class="num">{num(v)}</td>' for v in (r.value, r.grad, r.grad_expected, r.grad_fd)]
        cells += [f'<td class="num">{num(r.error, 2)}</td>', f'<td class="mark">{mark(r.ok)}</td>']
        rows.append(f'<tr data-row="{esc(r.name)}" class="{"" if r.ok else "bad-row"}">{"".join(cells)}</tr>')
    header = "".join(f'<th scope="col">{h}</th>' for h in head)
    return (f'<table class="witnesses"><caption>∂f/∂node three ways: the engine, sympy, finite differences'
            f"</caption><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def findings(report: "Report") -> str:
    """Failures (✗) and flags (!) as a list, or nothing."""
    items = [f'<li class="failure" data-finding="{esc(f.node)}"><span class="bad">✗</span> <b>{esc(f.node)}</b> '
             f"({esc(f.op)}) {esc(f.kind)}: {esc(f.message)}</li>" for f in report.failures]
    items += [f'<li class="flag" data-finding="{esc(f.node)}"><span class="warn">!</span> <b>{esc(f.node)}</b> '
              f"({esc(f.op)}) {esc(f.kind)}: {esc(f.message)}</li>" for f in report.flags]
    return f'<ul class="findings">{"".join(items)}</ul>' if items else ""


def derivation_rows(result: "NodeResult") -> str:
    """∂f/∂node = chain rule = node-symbol form = in the inputs ≈ value, one form per row."""
    forms = []
    for key, shown in (("chain_rule", result.chain_rule), ("grad_symbolic", result.grad_symbolic),
                       ("grad_expanded", result.grad_expanded)):
        expr = result.expressions.get(key)
        if expr is not None and shown not in [s for s, _ in forms]:
            forms.append((shown, formula_math(expr)))
    if not forms:
        return ""
    forms.append((num(result.grad_expected), f'<span class="num">{num(result.grad_expected)}</span>'))
    rows = []
    for i, (_, shown) in enumerate(forms):
        head = adjoint_math(result.name) if i == 0 else ""
        sign = "≈" if i == len(forms) - 1 else "="
        rows.append(f'<tr><td class="lhs">{head}</td><td class="rel">{sign}</td><td>{shown}</td></tr>')
    return f'<table class="derivation" data-derivation="{esc(result.name)}">{"".join(rows)}</table>'


def derivations(report: "Report") -> str:
    """Every node's derivation (the output's is just 1), where the forms were kept."""
    blocks = [derivation_rows(r) for r in report.nodes if r.name != report.output]
    blocks = [b for b in blocks if b]
    return f'<section class="derivations"><h3>Derivations</h3>{"".join(blocks)}</section>' if blocks else ""


def summary(report: "Report") -> str:
    """The closing line: all agree, or how many failures and where the first divergence is."""
    kind = "summary good" if report.ok else "summary bad-summary"
    return f'<p class="{kind}">{mark(report.ok)} {esc(summary_sentence(report))}</p>'


def report_fragment(report: "Report") -> str:
    """A check's report as one HTML block: heading, findings, table, derivations, claims, summary."""
    claims = "".join(verdict_fragment(v) for v in report.claims)
    return (f'<div class="symcheck-report"><p class="heading">{esc(report_heading(report))}</p>'
            f"{findings(report)}{node_table(report)}{derivations(report)}{claims}{summary(report)}</div>")


# -- verdicts ---------------------------------------------------------------------------


def verdict_fragment(verdict: "Verdict") -> str:
    """``✓ claim holds: CLAIM [method]``, both sides as MathML with their values, and why."""
    word = "holds" if verdict.holds else "fails"
    sides = []
    for label, expr, shown, value in (("lhs", verdict.lhs_expr, verdict.lhs_symbolic, verdict.lhs_value),
                                      ("rhs", verdict.rhs_expr, verdict.rhs_symbolic, verdict.rhs_value)):
        number = "" if shown == num(value) else f' = <span class="num">{num(value)}</span>'
        sides.append(f"<li>{label} = {formula_math(expr, shown)}{number}</li>")
    message = f'<p class="why">{esc(verdict.message)}</p>' if verdict.message else ""
    return (f'<div class="verdict {"good" if verdict.holds else "bad-verdict"}"><p>{mark(verdict.holds)} '
            f"claim {word}: <code>{esc(verdict.claim)}</code> [{esc(verdict.method)}]</p>"
            f'<ul class="sides">{"".join(sides)}</ul>{message}</div>')


# -- steps ------------------------------------------------------------------------------

SUM_TERMS = 6
"""Terms of a symbolic sum shown before the rest are counted."""


class SumBook:
    """The chain rule's partial sum in each node's grad before each step, as MathML.

    Built from the contributions of every step (all of them must be kept:
    `complete` says whether they are).
    """

    def __init__(self, trace: "Trace") -> None:
        self.output = trace.report.output
        self.complete = len(trace.steps) == trace.step_count and all(
            c.expr is not None for s in trace.steps for c in s.adds)
        self.arrivals: dict[str, list[tuple[int, list[tuple[bool, str]]]]] = {}
        if self.complete:
            for step in trace.steps:
                for c in step.adds:
                    self.arrivals.setdefault(c.target, []).append((step.number, signed_terms_mathml([c.expr])))

    def before(self, name: str, number: int) -> Optional[str]:
        """MathML content of name's grad right before step `number` (None when it cannot be composed)."""
        if not self.complete:
            return None
        terms: list[tuple[bool, str]] = [(False, "<mn>1</mn>")] if name == self.output else []
        for step, signed in self.arrivals.get(name, ()):
            if step >= number:
                break
            terms.extend(signed)
        return sum_mathml(terms, limit=SUM_TERMS)




def pending_text(users: Iterable[str]) -> str:
    """``complete`` or ``pending: z4, z8``."""
    users = tuple(users)
    return "pending: " + ", ".join(users) if users else "complete"


def term_math(contribution: "Contribution") -> str:
    """The contribution's term (∂f/∂k·∂k/∂target in node symbols) as ``<math>``."""
    return formula_math(contribution.expr, contribution.term)


def contribution_line(step: "Step", c: "Contribution", upstream: Optional[float]) -> str:
    """``z3.grad += ∂f/∂z4·∂z4/∂z3 = z3 cos(z4) = −0.47113 × 1 = −0.47113``."""
    chain = math_element(partial_mathml("f", step.node) + "<mo>\u2062</mo>" + partial_mathml(step.node, c.target),
                         label=f"∂f/∂{step.node}·∂{step.node}/∂{c.target}")
    numbers = ""
    if upstream is not None and not math.isnan(c.local):
        numbers = f' = <span class="num">{num(upstream)}</span> × <span class="num">{num(c.local)}</span>'
    return (f'<li data-target="{esc(c.target)}"><code>{esc(c.target)}.grad +=</code> {chain} = {term_math(c)}'
            f'{numbers} = <span class="num contribution">{num(c.value)}</span></li>')


def _grad_line(name: str, step: "Step", book: SumBook, state: str, report: "Report") -> str:
    """``z3.grad = z₇ = 2.42679 (pending: z4)``, the sum as MathML where it can be composed."""
    shown = book.before(name, step.number)
    form = step.symbolic_before.get(name, "0")
    symbolic = math_element(shown, label=form) if shown is not None else f"<code>{esc(form)}</code>"
    value = step.expected_before.get(name)
    engine = step.grads_before.get(name)
    disagrees = ""
    if engine is not None and value is not None and not math.isclose(engine, value, rel_tol=report.rtol, abs_tol=report.atol) \
            and name not in step.kink_excused and not (math.isnan(engine) and math.isnan(value)):
        disagrees = f' {mark(False)} the engine holds <span class="num">{num(engine)}</span>'
    return (f'<li class="grad-line"><code>{esc(name)}.grad</code> = {symbolic} = <span class="num">{num(value)}</span>'
            f" ({esc(state)}){disagrees}</li>")


def step_fragment(trace: "Trace", step: "Step", book: Optional[SumBook] = None) -> str:
    """One step as the console prints it, with MathML: the node's grad, the grads in flight, the adds."""
    report = trace.report
    book = book or SumBook(trace)
    bad = "" if step.ok else f" {mark(False)}"
    lines = [_grad_line(step.node, step, book, "complete", report)]
    for name, users in step.pending.items():
        if users and name != step.node and step.symbolic_before.get(name, "0") not in ("0", ""):
            lines.append(_grad_line(name, step, book, pending_text(users), report))
    upstream = step.expected_before.get(step.node)
    adds = "".join(contribution_line(step, c, upstream) for c in step.adds)
    adds_block = f'<ul class="adds">{adds}</ul>' if adds else ""
    return (f'<li class="step" data-step="{step.number}"><p><b>step {step.number}</b>: before '
            f"<code>{esc(step.node)}._backward()</code> [{esc(describe(report, step.node))}]{bad}</p>"
            f'<ul class="grads">{"".join(lines)}</ul>{adds_block}</li>')


def steps_list(trace: "Trace", *, limit: int = 200, more: str = "step through them above") -> str:
    """Every kept step (up to `limit`) as a static list: the trace readable without a script."""
    shown = trace.steps[:limit]
    book = SumBook(trace)
    left = len(trace.steps) - len(shown)
    tail = f"<p>… {left} more steps ({esc(more)})</p>" if left > 0 else ""
    return f'<ol class="steps-list">{"".join(step_fragment(trace, s, book) for s in shown)}</ol>{tail}'


def trace_heading(trace: "Trace") -> str:
    """``trace f = z8 at x = 1.5, y = 0.5: 10 backward steps``."""
    report = trace.report
    return f"trace f = {report.output} at {point_text(report.inputs)}: {trace.step_count} backward steps"


def name_math(name: str) -> str:
    """A node name as inline ``<math>``."""
    return math_element(name_mathml(name), label=name)
