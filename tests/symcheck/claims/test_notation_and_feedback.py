"""The textbook notation rule in verdicts, and feedback in the student's own terms."""

from __future__ import annotations

import pytest

import symcheck
from homework import backprop_program
from symcheck import cli
from symcheck.claims import judge_claim
from symcheck.parse import parse_program

PROGRAM = backprop_program()


def judge(text: str, program=PROGRAM) -> symcheck.report.Verdict:
    return judge_claim(program, text)


def test_the_trace_s_local_partial_reads_back_as_the_trace_means_it() -> None:
    verdict = judge("∂z8/∂z3 == z7")
    assert verdict.holds and verdict.message == (
        "holds: both sides simplify to z7; read ∂z8/∂z3 as the local partial of z8 = z3·z7 in z3: z7")
    chain = judge("D(f, z3) == ∂f/∂z8·∂z8/∂z3 + ∂f/∂z4·∂z4/∂z3")  # the textbook chain rule, once rejected
    assert chain.holds and "∂z4/∂z3 as the local partial of z4 = z1 + z3 in z3: 1" in chain.message
    assert judge("local(z8, z3) == z7").holds and not judge("D(z8, z3) == z7").holds  # D: every path, always


def test_a_verdict_quotes_the_claim_as_written_and_blames_timing_only_for_grad() -> None:
    message = judge("D(z8, z3) == z7").message
    assert "the left side D(z8, z3) is z7 + z3*cos(z4)" in message and "D(f, z3)" not in message
    assert "arrives only when" not in message and "the path through z4 is missing" in message


@pytest.mark.parametrize(("claim", "slip"), [
    ("D(f, z4) == D(f, z5)*(-sin(z4))",
     "in the path through z5: z5 = sin(z4), so ∂z5/∂z4 is cos(z4) (the derivative of sin); you wrote -sin(z4)"),
    ("∂z5/∂z4 == -sin(z4)", "z5 = sin(z4), so ∂z5/∂z4 is cos(z4) (the derivative of sin); you wrote -sin(z4)"),
    ("D(f, z5) == -z3", "the sign of the term -z3 is flipped: the path through z7 adds 0.75"),
    ("D(f, z3) == ∂f/∂z8·∂z8/∂z3", "the path through z4 is missing: ∂f/∂z4·∂z4/∂z3 = z3*cos(z4) = -0.47113"),
    ("D(f, y) ≈ 4.1700", None),
    ("D(f, z3) ≈ 1.9556", "1.9556 looks truncated: 1.95566425… rounds to 1.9557 at these digits"),
])
def test_each_slip_is_named(claim: str, slip: str) -> None:
    verdict = judge(claim)
    if slip is None:
        assert verdict.holds
        return
    assert not verdict.holds and slip in verdict.message


def test_an_extra_term_that_is_zero_does_not_hold_silently() -> None:
    verdict = judge("D(f, z4) == D(f, z5)*∂z5/∂z4 + D(f, z3)*∂z3/∂z4")
    assert verdict.holds
    assert "the term ∂f/∂z3·∂z3/∂z4 is extra: ∂z3/∂z4 is 0: z4 does not feed z3" in verdict.message


def test_forms_use_the_students_own_node_names() -> None:
    mlp = parse_program("x1 = 0.5\nw11 = 0.3\nb1 = 0.1\nv1 = 1.1\nt = 0.9\nh1 = tanh(w11*x1 + b1)\n"
                        "err = v1*h1 - t\nloss = 0.5*err**2\n")
    assert judge("D(f, w11) == err*v1*(1 - h1**2)*x1", mlp).lhs_symbolic == "err*v1*x1*(1 - h1**2)"
    logistic = parse_program("x = 0.4\nw = 1.5\nz2 = w*x\nz3 = sigmoid(z2)\nloss = -log(z3)\n")
    assert judge("local(z3, z2) == z3*(1 - z3)", logistic).lhs_symbolic == "z3*(1 - z3)"  # not sigmoid(z2)
    assert (judge("D(f, z2) == z3 - 1", logistic).lhs_symbolic, judge("D(f, z2) == z3 - 1", logistic).holds) == (
        "z3 - 1", True)
    softmax = parse_program("a = 1.0\nb = 2.0\nc = 0.5\np0 = softmax(0, a, b, c)\nloss = -log(p0)\n")
    verdict = judge("D(f, a) == p0 - 1", softmax)
    assert verdict.holds and verdict.lhs_symbolic == "p0 - 1"
    assert [n.name for n in softmax.nodes][-2:] == ["loss_1", "loss"]  # named after its line, not z1


def test_claim_latex_and_an_undecided_verdict_on_the_console(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["claim", "backprop", r"\frac{\partial z_8}{\partial z_3} = z_7", "--latex"]) == 0
    assert capsys.readouterr().out == (
        "% symcheck: claim holds [symbolic]: \\frac{\\partial z_8}{\\partial z_3} = z_7\n\\begin{align*}\n"
        "\\frac{\\partial z_{8}}{\\partial z_{3}} &= z_{7} \\\\\n  &\\approx 2.42679\n\\end{align*}\n")
    verdict = judge_claim(parse_program("x = 1.0\nz1 = x * 2"), "f == exp(exp(exp(exp(100))))", seconds=1.0)
    from rich.console import Console

    console = Console(width=80, color_system=None, record=True, file=open("/dev/null", "w"))
    console.print(verdict)
    assert console.export_text().splitlines()[0] == "? claim undecided: f == exp(exp(exp(exp(100))))"
