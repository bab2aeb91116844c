"""LaTeX renderer: each adjoint's derivation as an align* block, golden strings."""

from __future__ import annotations

import render_samples as samples
from symcheck.render.latex import latex_symbol, partial, report_to_latex, trace_to_latex

BACKPROP_LATEX = r"""% symcheck: derivatives of f = z8 at x = 1.5, y = 0.5
% paste a block between %%% BEGIN ANSWER and %%% END ANSWER

% ∂f/∂z3
\begin{align*}
\frac{\partial f}{\partial z_{3}} &= \frac{\partial f}{\partial z_{8}} \frac{\partial z_{8}}{\partial z_{3}} + \frac{\partial f}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{3}} \\
  &= z_{3} \cos{\left(z_{4} \right)} + z_{7} \\
  &\approx 1.95566
\end{align*}

% ∂f/∂z4
\begin{align*}
\frac{\partial f}{\partial z_{4}} &= \frac{\partial f}{\partial z_{5}} \frac{\partial z_{5}}{\partial z_{4}} \\
  &= z_{3} \cos{\left(z_{4} \right)} \\
  &\approx -0.47113
\end{align*}
"""


def test_report_latex_golden() -> None:
    assert report_to_latex(samples.report()) == BACKPROP_LATEX


def test_blocks_are_balanced_and_can_be_limited_to_nodes() -> None:
    text = report_to_latex(samples.report(), nodes={"z4"})
    assert text.count(r"\begin{align*}") == text.count(r"\end{align*}") == 1
    assert r"\frac{\partial f}{\partial z_{4}} &= " in text and "z_{3}} &=" not in text


def test_trace_latex_rows_follow_one_grad() -> None:
    text = trace_to_latex(samples.trace(), node="z3")
    rows = text.split(" \\\\\n")
    assert len(rows) == len(samples.ORDER)
    assert rows[4] == r"&\text{step 5, before }\texttt{z4.\_backward()}:\ \texttt{z3.grad} = z7 \approx 2.42679"
    assert text.endswith("\\end{align*}\n")


def test_symbols_print_like_sympy() -> None:
    assert [latex_symbol(n) for n in ("z3", "x", "h_12", "loss_total", "ab2")] == [
        "z_{3}", "x", "h_{12}", r"\mathrm{loss\_total}", r"\mathrm{ab}_{2}",
    ]
    assert partial("f", "z3") == r"\frac{\partial f}{\partial z_{3}}"
