r"""Derivations as LaTeX ``align*`` blocks, ready to paste into a homework answer.

Each adjoint ∂f/∂node becomes one block, written between the handout's
``%%% BEGIN ANSWER`` and ``%%% END ANSWER`` markers:

    \begin{align*}
    \frac{\partial f}{\partial z_{3}} &= (chain rule over z3's consumers) \\
      &= (node-symbol form) \\
      &= (in the inputs) \\
      &\approx (value at the point)
    \end{align*}

Node names print the way sympy prints symbols (``z3`` → ``z_{3}``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Collection, Iterator, Optional

from symcheck.render import format_number as num

if TYPE_CHECKING:  # renderers read report data; the report imports them, never the reverse
    from symcheck.report import NodeResult, Report, Trace

_INDEXED = re.compile(r"^([A-Za-z]+)_?(\d+)$")


def latex_symbol(name: str) -> str:
    r"""A node name as LaTeX: ``z3`` → ``z_{3}``, ``x`` → ``x``, ``loss_total`` → ``\mathrm{loss\_total}``."""
    match = _INDEXED.match(name)
    if match:
        stem = match.group(1)
        stem = stem if len(stem) == 1 else rf"\mathrm{{{stem}}}"
        return f"{stem}_{{{match.group(2)}}}"
    if len(name) == 1 and name.isalpha():
        return name
    return r"\mathrm{" + name.replace("\\", "").replace("_", r"\_") + "}"


def partial(of: str, wrt: str) -> str:
    r"""``\frac{\partial f}{\partial z_{3}}`` (`of` ``"f"`` stays f)."""
    top = "f" if of == "f" else latex_symbol(of)
    return rf"\frac{{\partial {top}}}{{\partial {latex_symbol(wrt)}}}"


def _point(report: Report) -> str:
    return ", ".join(f"{name} = {num(value)}" for name, value in report.inputs.items())


def derivation(result: NodeResult) -> Optional[str]:
    """One ``align*`` block for ∂f/∂node, or None when no symbolic form was kept."""
    forms = [
        form for form in (result.chain_rule_latex, result.grad_symbolic_latex, result.grad_expanded_latex)
        if form is not None
    ]
    forms = list(dict.fromkeys(forms))
    if not forms:
        return None
    lines = [rf"{partial('f', result.name)} &= {forms[0]}"]
    lines += [rf"  &= {form}" for form in forms[1:]]
    lines.append(rf"  &\approx {num(result.grad_expected)}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def report_to_latex(report: Report, *, nodes: Optional[Collection[str]] = None) -> str:
    """Every adjoint's derivation (program order, the output's trivial 1 left out), one block each.

    `nodes` keeps only the named nodes.
    """
    blocks = [
        f"% symcheck: derivatives of f = {report.output} at {_point(report)}\n"
        "% paste a block between %%% BEGIN ANSWER and %%% END ANSWER",
    ]
    for result in report.nodes:
        if result.name == report.output or (nodes is not None and result.name not in nodes):
            continue
        block = derivation(result)
        if block is not None:
            blocks.append(f"% ∂f/∂{result.name}\n{block}")
    return "\n\n".join(blocks) + "\n"


def _trace_rows(trace: Trace, node: Optional[str], steps: Optional[Collection[str]]) -> Iterator[str]:
    arrived: dict[str, list[str]] = {}
    for number, step in enumerate(trace.steps, 1):
        if steps is None or step.node in steps:
            names = [node] if node is not None else [step.node] + [
                n for n, users in step.pending.items()
                if users and n != step.node and step.symbolic_before.get(n, "0") != "0"
            ]
            for name in names:
                terms = arrived.get(name) or (["1"] if name == trace.report.output else ["0"])
                value = num(step.expected_before.get(name, step.grads_before.get(name)))
                sum_ = " + ".join(terms)
                shown = sum_ if sum_ == value else rf"{sum_} \approx {value}"
                yield (rf"&\text{{step {number}, before }}\texttt{{{_tt(step.node)}.\_backward()}}:\ "
                       rf"\texttt{{{_tt(name)}.grad}} = {shown}")
        for c in step.adds:  # what this step adds arrives before the next one
            arrived.setdefault(c.target, []).append(c.term_latex)


def _tt(name: str) -> str:
    return name.replace("\\", "").replace("_", r"\_")


def trace_to_latex(trace: Trace, *, node: Optional[str] = None, steps: Optional[Collection[str]] = None) -> str:
    """Each step's grads right before it, one ``align*`` row per grad.

    `node` keeps one node's grad, `steps` the steps of the named nodes; `trace`
    must hold every step (the sums are rebuilt from what each step adds).
    """
    rows = list(_trace_rows(trace, node, steps))
    head = f"% symcheck: .grad right before each _backward() step, f = {trace.report.output} at {_point(trace.report)}"
    return head + "\n\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
