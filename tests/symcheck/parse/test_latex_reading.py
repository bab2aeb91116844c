r"""Reading LaTeX: every notation the homework's answers use, every malformed input located, macros expanded.

Each notation is read into the claim language (`equation_text`), so a test
states exactly what was understood; each malformed input names its .tex line
and column and what was not understood.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homework import backprop_program
from symcheck.errors import InputError
from symcheck.parse import parse_claim, parse_program
from symcheck.parse.claim_ast import ADJOINT, EVERY_PATH, LOCAL, Reading
from symcheck.parse.latex import read_answers
from symcheck.parse.writeback import equation_text

PROGRAM = backprop_program()
MLP = parse_program("x1 = 0.5\nw11 = 0.3\nb1 = 0.1\nv1 = 1.1\nt = 0.9\nh1 = tanh(w11*x1 + b1)\n"
                    "err = v1*h1 - t\nloss = 0.5*err**2\n")


def read(latex: str, program=PROGRAM) -> str:
    """A LaTeX claim as the claim language reads it."""
    return equation_text(parse_claim(latex, program))


def error_of(latex: str, program=PROGRAM) -> str:
    with pytest.raises(InputError) as caught:
        parse_claim(latex, program)
    return str(caught.value)


@pytest.mark.parametrize(("latex", "claim"), [
    # derivatives: \frac, \tfrac, \dfrac, the inline slash, d instead of \partial
    (r"\frac{\partial f}{\partial z_4} = 1", "D(f, z4) == 1"),
    (r"\tfrac{\partial f}{\partial z_4} = 1", "D(f, z4) == 1"),
    (r"\dfrac{\partial f}{\partial z_4} = 1", "D(f, z4) == 1"),
    (r"\partial f/\partial z_4 = 1", "D(f, z4) == 1"),
    (r"\frac{df}{dz_4} = 1", "D(f, z4) == 1"),
    (r"\frac{d f}{d z_4} = 1", "D(f, z4) == 1"),
    (r"\frac{\mathrm{d} f}{\mathrm{d} z_4} = 1", "D(f, z4) == 1"),
    (r"$df/dz_4 = 1$", "D(f, z4) == 1"),
    # the textbook rule: between neighbours the local partial, otherwise along every path
    (r"\frac{\partial z_8}{\partial z_3} = z_7", "local(z8, z3) == z7"),
    (r"\frac{\partial z_7}{\partial z_3} = 1", "D(z7, z3) == 1"),
    # an evaluation point after a derivative or after f is dropped
    (r"\frac{\partial f}{\partial z_5}(x, y) = z_3", "D(f, z5) == z3"),
    (r"\frac{\partial f}{\partial z_5}\left(x,y\right) = z_3", "D(f, z5) == z3"),
    (r"$z_8 = f(x, y)$", "z8 == f"),
    # names: z_4, z_{4}, z4, \mathit{…}, \alpha-style names
    (r"\frac{\partial f}{\partial z_{4}} = z_{3} \cos{z_{4}}", "D(f, z4) == z3*cos(z4)"),
    (r"\frac{\partial f}{\partial z4} = z3 \cos z4", "D(f, z4) == z3*cos(z4)"),
    # products: \cdot, \times, *, implicit; powers, fractions, roots
    (r"\frac{\partial f}{\partial z_1} = z_3 \cdot z_2 \times z_1 * x", "D(f, z1) == z3*z2*z1*x"),
    (r"\frac{\partial f}{\partial z_1} = z_3 z_2", "D(f, z1) == z3*z2"),
    (r"\frac{\partial f}{\partial z_1} = xy", "D(f, z1) == x*y"),
    (r"\frac{\partial f}{\partial z_1} = z_3^{2} + z_3^2 x", "D(f, z1) == z3**2 + z3**2*x"),
    (r"\frac{\partial f}{\partial z_1} = \frac{z_3}{2}", "D(f, z1) == z3/2"),
    (r"\frac{\partial f}{\partial z_1} = \sqrt{z_3} + \sqrt[3]{x}", "D(f, z1) == sqrt(z3) + x**(1/3)"),
    # functions: \exp, e^{…}, \log, \ln, \sin, \cos, \tanh, \sigma, \operatorname{relu}, |…|, powers of them
    (r"\frac{\partial f}{\partial z_2} = z_3 e^{z_2}", "D(f, z2) == z3*exp(z2)"),
    (r"\frac{\partial f}{\partial z_2} = z_3 \exp(z_2) + \log x + \ln(y)", "D(f, z2) == z3*exp(z2) + log(x) + log(y)"),
    (r"\frac{\partial f}{\partial z_4} = z_3 \cos z_4 - \sin^2 z_4", "D(f, z4) == z3*cos(z4) - sin(z4)**2"),
    (r"\frac{\partial f}{\partial z_4} = \tanh(x) \sigma(y) \operatorname{relu}(x) |y|",
     "D(f, z4) == tanh(x)*sigmoid(y)*relu(x)*abs(y)"),
    # brackets with \left \right and sizes, spacing commands, \text outside the formula
    (r"\frac{\partial f}{\partial z_3} = z_7 + z_3 \left( \cos z_4 \right)", "D(f, z3) == z7 + z3*cos(z4)"),
    (r"\frac{\partial f}{\partial z_3} = \bigl[z_7\bigr] + \Big(z_3\Big)", "D(f, z3) == z7 + z3"),
    (r"\frac{\partial f}{\partial z_3} \, = \; z_7 \! + \: z_3", "D(f, z3) == z7 + z3"),
    (r"\frac{\partial f}{\partial z_3} = z_7 \quad \text{(the chain rule)}", "D(f, z3) == z7"),
    # numbers: decimals, scientific notation written with \times 10^{…}, ≈
    (r"\frac{\partial f}{\partial x} \approx 0.5067", "D(f, x) ≈ 0.5067"),
    (r"\frac{\partial f}{\partial x} = -1.7446 \times 10^{-17}", "D(f, x) == -1.7446e-17"),
    (r"$$\frac{\partial f}{\partial x} = 2$$", "D(f, x) == 2"),
    (r"\[ \frac{\partial f}{\partial x} = 2 \]", "D(f, x) == 2"),
])
def test_every_notation(latex: str, claim: str) -> None:
    assert read(latex) == claim


def test_word_names_and_subscripted_names() -> None:
    assert read(r"\frac{\partial f}{\partial w_{11}} = \mathit{err}\, v_1 (1 - h_1^2) x_1", MLP) == \
        "D(f, w11) == err*v1*(1 - h1**2)*x1"
    assert read(r"\frac{\partial f}{\partial w_{11}} = err v_1 (1 - h_1^2) x_1", MLP) == \
        "D(f, w11) == err*v1*(1 - h1**2)*x1"


def test_how_each_partial_was_read_is_recorded() -> None:
    equation = parse_claim(r"\frac{\partial f}{\partial z_3} = \frac{\partial f}{\partial z_8}"
                           r"\frac{\partial z_8}{\partial z_3} + \frac{\partial f}{\partial z_7}"
                           r"\frac{\partial z_7}{\partial z_3}", PROGRAM)
    assert equation.readings == (
        Reading("∂f/∂z3", ADJOINT, "f", "z3"), Reading("∂f/∂z8", ADJOINT, "f", "z8"),
        Reading("∂z8/∂z3", LOCAL, "z8", "z3"), Reading("∂f/∂z7", ADJOINT, "f", "z7"),
        Reading("∂z7/∂z3", EVERY_PATH, "z7", "z3"))


@pytest.mark.parametrize(("latex", "message"), [
    (r"\frac{\partial f}{\partial x_3} = z_7",
     "<claim>:1:28: x_3 is not a node of this graph; did you mean z_3?"),
    (r"\frac{\partial f}{\partial} = 1", "<claim>:1:19: \\partial has no node after it; write the node it "
                                         "differentiates, e.g. \\partial z_4"),
    (r"\partial = 1", "<claim>:1:1: \\partial has no node after it; write the node it differentiates, "
                      "e.g. \\partial z_4"),
    (r"\frac{\partial f}{\partial z_4} = \foo{z_3}",
     "<claim>:1:35: \\foo is not a command symcheck reads in a formula; expand it, or define it between "
     "%%% BEGIN MACROS and %%% END MACROS"),
    (r"\frac{\partial f}{\partial z_4 = 1", "<claim>:1:18: '{' is never closed; add the matching '}'"),
    (r"\frac{\partial f}{\partial z_4}} = 1", "<claim>:1:32: '}' closes a brace that was never opened; remove it "
                                              "or add the matching '{'"),
    (r"$\frac{\partial f}{\partial z_4} = 1", "<claim>:1:36: the block ends while LaTeX expects '$'; close every "
                                              "math mode and environment that the block opens"),
    (r"\frac{\partial (z_7 z_3)}{\partial z_3} = z_7",
     "<claim>:1:7: \\partial takes one node here, not an expression; name the expression's node, e.g. "
     "\\partial z_8 for z_8 = z_7 z_3"),
    (r"$z_3 = z_7 = 1$", "<claim>:1:1: a LaTeX claim holds exactly one relation; this one has 2 relations; write one "
                       "relation, e.g. \\frac{\\partial f}{\\partial z_4} = z_3 \\cos z_4"),
    (r"\frac{\partial f}{\partial z_4} \neq 1", "<claim>:1:1: a LaTeX claim holds exactly one relation; this one "
                                                "has no relation = or \\approx ('≠' is not judged: only = and "
                                                "\\approx are); write one relation, e.g. \\frac{\\partial f}"
                                                "{\\partial z_4} = z_3 \\cos z_4"),
    (r"\frac{\partial f}{\partial z_4} = (z_3", "<claim>:1:35: '(' is never closed with ')'; add the matching ')'"),
    (r"\frac{\partial f}{\partial z_4} = z_3 +", "<claim>:1:39: '+' has nothing after it; finish the sum"),
    (r"\frac{\partial f}{\partial z_4} = z_3^", "<claim>:1:38: '^' has no exponent after it; write the power, "
                                                "e.g. x^{2}"),
])
def test_every_malformed_input_is_located_and_explained(latex: str, message: str) -> None:
    assert error_of(latex) == message


ANSWERS = r"""\documentclass{article}
%%% BEGIN MACROS
\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
\renewcommand{\vec}[1]{#1}
\def\up#1{\pd{f}{#1}}
\newcommand{\chain}[2][z_8]{\up{#1}\pd{#1}{#2}}
\DeclareMathOperator{\act}{tanh}
%%% END MACROS
\begin{document}
%%% BEGIN ANSWER
% a comment $\frac{\partial f}{\partial q} = 1$ is not read
Chain rule: $\up{z_3} = \chain{z_3} + \chain[z_4]{z_3}$.
\begin{align*}
\pd{f}{z_4} &= \pd{f}{z_5} \pd{z_5}{z_4} \\[2pt]
            &= z_3 \cos z_4 \\
            &\approx -0.471
\end{align*}
\begin{equation}
\act(x) < 1, \quad x \neq 0
\end{equation}
%%% END ANSWER
%%% BEGIN ANSWER
%%% END ANSWER
%%% BEGIN ANSWER
$\pd{f}{z_4} = {z_3$
%%% END ANSWER
\end{document}
"""


def test_an_answer_file_with_macros_rows_chains_and_notes() -> None:
    blocks = read_answers(ANSWERS, PROGRAM, path="a.tex").blocks
    assert [block.line for block in blocks] == [10, 22, 24]
    first = blocks[0]
    assert [(r.line, r.column, equation_text(r.equation)) for r in first.relations] == [
        (12, 23, "D(f, z3) == D(f, z8)*local(z8, z3) + D(f, z4)*local(z4, z3)"),
        (14, 14, "D(f, z4) == D(f, z5)*local(z5, z4)"),
        (15, 14, "D(f, z5)*local(z5, z4) == z3*cos(z4)"),  # an &= row continues from the row above
        (16, 14, "z3*cos(z4) ≈ -0.471"),
    ]
    assert first.relations[0].latex == r"\up{z_3} = \chain{z_3} + \chain[z_4]{z_3}"
    assert [(n.line, n.column, n.message) for n in first.notes] == [
        (19, 9, "'<' is not judged: only = and \\approx are"), (19, 22, "'≠' is not judged: only = and \\approx are")]
    assert first.final is not None and (first.final.line, first.final.latex) == (19, "0")  # the last member
    assert blocks[1].relations == () and blocks[1].final is None and blocks[1].error is None
    assert str(blocks[2].error) == "a.tex:25:16: '{' is never closed; add the matching '}'"


@pytest.mark.parametrize(("text", "message"), [
    ("no answers here\n", "a.tex holds no answer block; type each answer between a line '%%% BEGIN ANSWER' and a "
                          "line '%%% END ANSWER'"),
    ("%%% BEGIN ANSWER\n$x = 1$\n", "a.tex:1:1: '%%% BEGIN ANSWER' on line 1 is never closed; end the block with "
                                    "'%%% END ANSWER' on a line of its own"),
    ("%%% END ANSWER\n", "a.tex:1:1: '%%% END ANSWER' without a '%%% BEGIN ANSWER' before it; open the block with "
                         "'%%% BEGIN ANSWER' on a line of its own"),
    ("%%% BEGIN ANSWER\n%%% BEGIN ANSWER\n%%% END ANSWER\n",
     "a.tex:2:1: '%%% BEGIN ANSWER' inside the block opened on line 1; close that block with '%%% END ANSWER' first"),
])
def test_a_file_whose_blocks_cannot_be_found_is_an_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_answers(text, PROGRAM, path="a.tex")
    assert str(caught.value) == message


@pytest.mark.parametrize(("macros", "message"), [
    (r"\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}", "a.tex:2:20: \\newcommand: the body of \\pd opens '{' "
                                                             "and never closes it; add the matching '}'"),
    (r"\newcommand{\pd}[x]{1}", "a.tex:2:19: \\newcommand: the number of arguments [x] is not 0 … 9; write e.g. "
                                "\\newcommand{\\pd}[1]{…#1…}"),
    (r"\newcommand{\pd}", "a.tex:2:17: \\newcommand: the body of \\pd is missing; write the body in braces, e.g. "
                          "\\newcommand{\\pd}{…}"),
    (r"\def\loop{\loop}", None),
])
def test_malformed_macros_are_located(macros: str, message: str) -> None:
    text = f"%%% BEGIN MACROS\n{macros}\n%%% END MACROS\n%%% BEGIN ANSWER\n$\\loop = 1$\n%%% END ANSWER\n"
    if message is None:  # a macro that uses itself: the block that uses it is unreadable, at the use
        block = read_answers(text, PROGRAM, path="a.tex").blocks[0]
        assert "macros nest more than 64 deep here" in str(block.error) and "a.tex:5:" in str(block.error)
        return
    with pytest.raises(InputError) as caught:
        read_answers(text, PROGRAM, path="a.tex")
    assert str(caught.value) == message


@pytest.mark.slow
def test_a_macro_that_doubles_itself_stops_at_the_cap() -> None:
    defs = "\\def\\a{x}" + "".join(f"\\def\\{chr(98 + i)}{{\\{chr(97 + i)}\\{chr(97 + i)}}}" for i in range(24))
    text = f"%%% BEGIN MACROS\n{defs}\n%%% END MACROS\n%%% BEGIN ANSWER\n$\\y = 1$\n%%% END ANSWER\n"
    block = read_answers(text, PROGRAM, path="a.tex").blocks[0]
    assert "macros expand to more than" in str(block.error)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="\\{}$^_()[]&%=+-*/ xyzf0123456789\n", max_size=60))
def test_any_text_in_a_block_reads_or_is_located_never_crashes(body: str) -> None:
    text = f"%%% BEGIN ANSWER\n{body}\n%%% END ANSWER\n"
    try:
        blocks = read_answers(text, PROGRAM, path="a.tex").blocks
    except InputError as error:  # only the block markers can make the whole file unreadable
        assert "ANSWER" in str(error)
        return
    for block in blocks:
        for relation in block.relations:
            assert (relation.equation is None) != (relation.error is None)
            if relation.error is not None:
                assert relation.error.location is not None and relation.error.location.file == "a.tex"


ENVIRONMENTS = r"""%%% BEGIN ANSWER
\( \frac{\partial f}{\partial z_7} = z_3 \)
\begin{gather*}
\frac{\partial f}{\partial z_5} = z_3 \\
\frac{\partial f}{\partial z_6} = z_3
\end{gather*}
\begin{multline}
\frac{\partial f}{\partial z_3} = z_7 \\
  + z_3 \cos z_4
\end{multline}
\begin{equation*}
\begin{split}
\frac{\partial f}{\partial z_4} &= z_3 \\
  &\qquad \cdot \cos z_4
\end{split}
\end{equation*}
\begin{itemize}
\item in a list: $\frac{\partial f}{\partial z_8} = 1$
\end{itemize}
%%% END ANSWER
"""


def test_every_math_environment_is_read() -> None:
    relations = read_answers(ENVIRONMENTS, PROGRAM, path="e.tex").blocks[0].relations
    assert [(r.line, equation_text(r.equation)) for r in relations] == [
        (2, "D(f, z7) == z3"),
        (4, "D(f, z5) == z3"),
        (5, "D(f, z6) == z3"),
        (8, "D(f, z3) == z7 + z3*cos(z4)"),   # a row starting with + continues the row above
        (13, "D(f, z4) == z3*cos(z4)"),
        (18, "D(f, z8) == 1"),
    ]
