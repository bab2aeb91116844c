"""LaTeX renderer: each adjoint's derivation as an align* block, golden strings."""

from __future__ import annotations

import sympy

import render_samples as samples
import symcheck
from symcheck.render.formulas import latex
from symcheck.render.latex import (
    ROW_WIDTH,
    break_formula,
    latex_number,
    latex_symbol,
    partial,
    report_to_latex,
    trace_to_latex,
    visible_width,
)

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


def test_trace_latex_keeps_the_pending_and_the_adds_lines_one_block_per_step() -> None:
    text = trace_to_latex(samples.trace(), node="z3", steps={"z4"})
    assert text.count(r"\begin{align*}") == 1
    rows = text.split("\\begin{align*}\n")[1].split("\n\\end{align*}")[0].split(" \\\\\n")
    assert rows == [
        r"&\text{step 5: before }\texttt{z4.\_backward()}\quad (z_{4} = z_{3} + z_{1})",
        r"&\qquad \texttt{z3.grad} = z7 \approx 2.42679 \quad \text{(pending: }\texttt{z4}\text{)}",
        r"&\qquad \texttt{z3.grad} \mathrel{+}= \frac{\partial f}{\partial z_{4}} \frac{\partial z_{4}}{\partial z_{3}}"
        r" = z3*cos(z4)",
        r"&\qquad\qquad = (-0.47113)(1) = -0.47113",
    ]
    whole = trace_to_latex(samples.trace())
    assert whole.count(r"\begin{align*}") == len(samples.ORDER)  # a long pass breaks across pages between steps
    assert r"\texttt{x.\_backward()} \text{ adds nothing: an input has no operands}" in whole


def test_symbols_are_a_letter_with_its_index_or_a_word() -> None:
    assert [latex_symbol(n) for n in ("z3", "x", "h_12", "loss_total", "ab2", "err", "alpha", "Delta", "h1_1")] == [
        "z_{3}", "x", "h_{12}", r"\mathit{loss\_total}", r"\mathit{ab}_{2}", r"\mathit{err}", r"\alpha", r"\Delta",
        r"\mathit{h1\_1}",
    ]
    assert partial("f", "z3") == r"\frac{\partial f}{\partial z_{3}}"


def test_a_word_beside_a_factor_is_kept_apart_and_numbers_read_times_ten_to_the() -> None:
    err, v2, x1 = sympy.symbols("err v2 x1", real=True)
    assert latex(err * v2 * x1) == r"\mathit{err}\, v_{2} x_{1}"
    assert latex(sympy.Float(-1.7446e-17) * x1) == r"- 1.7446 \times 10^{-17} x_{1}"
    assert [latex_number(v) for v in (0.75, -1.7446e-17, 5.28491e8, float("nan"), float("-inf"), None)] == [
        "0.75", r"-1.7446 \times 10^{-17}", r"5.28491 \times 10^{8}", r"\text{nan}", r"-\infty", r"\text{-}"]


def test_long_formulas_break_before_a_plus_between_factors_or_inside_a_bracket() -> None:
    terms = " + ".join(f"w_{{{i}}} x_{{{i}}}" for i in range(1, 30))
    pieces = break_formula(terms)
    assert len(pieces) > 2 and " ".join(pieces) == terms and pieces[1].startswith("+ ")
    assert all(visible_width(piece) <= ROW_WIDTH for piece in pieces)
    product = r"v_{1} \left(" + terms + r"\right) \left(" + terms + r"\right)"
    pieces = break_formula(product)
    assert pieces[1].startswith(r"\cdot ") and all(p.count(r"\left") == p.count(r"\right") for p in pieces)
    assert all(visible_width(piece) <= ROW_WIDTH + 1 for piece in pieces)
    assert break_formula("x + y") == ["x + y"]


def test_a_verdict_as_an_align_block_ready_to_paste() -> None:
    holds = symcheck.claim("backprop", "∂z8/∂z3 == z7")
    assert holds.to_latex() == (
        "% symcheck: claim holds [symbolic]: ∂z8/∂z3 == z7\n"
        "\\begin{align*}\n\\frac{\\partial z_{8}}{\\partial z_{3}} &= z_{7} \\\\\n  &\\approx 2.42679\n\\end{align*}\n")
    fails = symcheck.claim("backprop", "D(f, z3) == z7").to_latex()
    assert "&\\neq z_{7}" in fails and "z_{7} + z_{3} \\cos{\\left(z_{4} \\right)} \\approx 1.95566" in fails
