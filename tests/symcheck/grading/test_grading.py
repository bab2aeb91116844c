r"""Grading LaTeX answers: the excerpt's own answers, the usual slips on the right line, the JSON contract,
hidden solutions, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import symcheck
from homework import backprop_program
from symcheck import cli
from symcheck.errors import InputError
from symcheck.grading import grade_answers

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
PROGRAM = backprop_program()  # declares question 1: D(f, z4) and question 2: grad(z3, before=z4)


def verdicts(report: symcheck.grading.GradeReport) -> list[list[tuple[int, str]]]:
    return [[(r.line, r.verdict) for r in block.relations] for block in report.blocks]


def test_the_excerpts_own_answers() -> None:
    report = symcheck.grade(str(EXAMPLES / "hw4-answers.tex"), "backprop")
    first, second = report.blocks
    assert (first.question, second.question) == ("D(f, z4)", "grad(z3, before=z4)")
    # 1.3.7: the chain rule through z5 holds, ∂z5/∂z4 read as the local partial of sin
    assert [(r.line, r.verdict, r.claim) for r in first.relations] == [
        (13, "holds", "D(f, z4) == D(f, z5)*local(z5, z4)")]
    assert "∂z5/∂z4 as the local partial of z5 = sin(z4) in z4: cos(z4)" in first.relations[0].message
    assert first.answer is not None and first.answer.verdict == "correct"
    # 1.3.8: x_3 for z_3 is unreadable, with a pointer to z_3; the final z_7 is correct
    assert [(r.line, r.verdict) for r in second.relations] == [
        (22, "unreadable"), (23, "holds"), (25, "unreadable"), (27, "unreadable"), (27, "holds")]
    assert second.relations[0].message == ("unreadable: " + str(EXAMPLES / "hw4-answers.tex") +
                                           ":22:30: x_3 is not a node of this graph; did you mean z_3?")
    assert second.answer is not None and (second.answer.latex, second.answer.verdict) == ("z_7", "correct")
    assert not report.ok


SLIPS = r"""%%% BEGIN ANSWER
$$\frac{\partial f}{\partial z_4} = \frac{\partial f}{\partial z_5} \cdot (-\sin z_4)$$
%%% END ANSWER
%%% BEGIN ANSWER
$z_3.grad = z_7 + z_3 \cos z_4$
%%% END ANSWER
%%% BEGIN ANSWER
\begin{align*}
\frac{\partial f}{\partial z_3} &= \frac{\partial f}{\partial z_8}\frac{\partial z_8}{\partial z_3}
    + \frac{\partial f}{\partial z_4}\frac{\partial z_4}{\partial z_3} \\
\frac{\partial f}{\partial z_3} &= \frac{\partial f}{\partial z_8}\frac{\partial z_8}{\partial z_3} \\
\frac{\partial f}{\partial z_5} &= -z_3 \\
\frac{\partial f}{\partial z_4} &= \frac{\partial f}{\partial z_5}\frac{\partial z_5}{\partial z_4}
    + \frac{\partial f}{\partial z_3}\frac{\partial z_3}{\partial z_4} \\
\frac{\partial f}{\partial x} &\approx 0.5067 \\
\frac{\partial f}{\partial z_3} &\approx 1.9556 \\
\frac{\partial f}{\partial z_3} &\approx 1.9557
\end{align*}
%%% END ANSWER
"""


def test_the_usual_slips_get_the_right_verdict_on_the_right_line() -> None:
    report = grade_answers(PROGRAM, SLIPS, path="s.tex")
    first, second, third = report.blocks
    assert first.relations[0].slip == "wrong local derivative" and first.relations[0].line == 2
    assert "z5 = sin(z4), so ∂z5/∂z4 is cos(z4) (the derivative of sin); you wrote -sin(z4)" in \
        first.relations[0].message
    assert first.answer is not None and first.answer.verdict == "wrong"
    assert second.answer is not None and second.answer.verdict == "wrong"
    assert "the term z3*cos(z4) arrives only when z4._backward() runs" in second.answer.message
    assert [(r.line, r.verdict, r.slip) for r in third.relations] == [
        (9, "holds", ""),                          # a chain rule with local partials, every consumer
        (11, "fails", "missing path"),             # the path through z4 forgotten
        (12, "fails", "sign flip"),
        (13, "holds", "extra term"),               # + ∂f/∂z3·∂z3/∂z4: zero, and said so
        (15, "holds", ""),                         # ≈ to the digits written
        (16, "fails", "truncated number"),
        (17, "holds", ""),
    ]
    missing = third.relations[1].message
    assert "the path through z4 is missing: ∂f/∂z4·∂z4/∂z3 = z3*cos(z4) = -0.47113" in missing
    assert "∂z3/∂z4 is 0: z4 does not feed z3" in third.relations[3].message
    assert "1.9556 looks truncated: 1.95566425… rounds to 1.9557" in third.relations[5].message


def test_hidden_solutions_name_the_slip_but_never_the_answer() -> None:
    report = grade_answers(PROGRAM, SLIPS, path="s.tex", hide_solutions=True)
    messages = [r.message for block in report.blocks for r in block.relations] + [
        block.answer.message for block in report.blocks if block.answer is not None]
    joined = " | ".join(messages)
    for solution in ("is cos(z4)", "0.47113", "1.95566", "2.42679", "rounds to", "holds z7", "= z3*cos(z4)"):
        assert solution not in joined  # the student's own terms may be quoted, never the right ones
    assert "the path through z4 is missing" in joined and "looks truncated, not rounded" in joined
    assert "the local derivative ∂z5/∂z4 (of sin) is wrong" in joined


def test_macros_between_the_markers_and_an_empty_block() -> None:
    text = ("%%% BEGIN MACROS\n\\newcommand{\\dfdz}[1]{\\frac{\\partial f}{\\partial z_{#1}}}\n%%% END MACROS\n"
            "%%% BEGIN ANSWER\n$\\dfdz{4} = \\dfdz{5}\\,\\cos z_4$\n%%% END ANSWER\n%%% BEGIN ANSWER\n%%% END ANSWER\n")
    report = grade_answers(PROGRAM, text, path="m.tex")
    assert [(r.line, r.verdict, r.claim) for r in report.blocks[0].relations] == [
        (5, "holds", "D(f, z4) == D(f, z5)*cos(z4)")]
    assert report.blocks[0].relations[0].latex == "\\dfdz{4} = \\dfdz{5}\\,\\cos z_4"
    empty = report.blocks[1]
    assert empty.relations == [] and empty.answer is not None and empty.answer.verdict == "missing"
    assert [n.message for n in empty.notes] == ["the block holds no formula"]


def test_a_question_without_a_block_is_missing() -> None:
    report = grade_answers(PROGRAM, "%%% BEGIN ANSWER\n$\\frac{\\partial f}{\\partial z_4} = z_3\\cos z_4$\n"
                                    "%%% END ANSWER\n", path="one.tex")
    assert [(b.block, b.line, b.answer.verdict if b.answer else None) for b in report.blocks] == [
        (1, 1, "correct"), (2, None, "missing")]
    assert not report.ok


def test_the_json_contract(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "a.tex"
    path.write_text(SLIPS, encoding="utf-8")
    code = cli.main(["grade", str(path), "--graph", "backprop", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False and data["file"] == str(path) and data["graph"] == "backprop"
    block = data["blocks"][0]
    assert set(block) >= {"block", "line", "question", "answer", "relations"}
    assert set(block["answer"]) >= {"latex", "verdict", "message"}
    relation = data["blocks"][2]["relations"][1]
    assert set(relation) >= {"line", "column", "latex", "claim", "verdict", "method", "message"}
    assert (relation["line"], relation["column"], relation["verdict"], relation["method"], relation["claim"]) == (
        11, 34, "fails", "symbolic", "D(f, z3) == D(f, z8)*local(z8, z3)")
    assert {r["verdict"] for b in data["blocks"] for r in b["relations"]} <= {"holds", "fails", "unreadable",
                                                                             "undecided"}


def test_exit_codes_and_annotate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "good.tex"
    good.write_text("%%% BEGIN ANSWER\n$\\frac{\\partial f}{\\partial z_4} = z_3\\cos z_4$\n%%% END ANSWER\n"
                    "%%% BEGIN ANSWER\nIt holds $z_7$.\n%%% END ANSWER\n", encoding="utf-8")
    out = tmp_path / "out.tex"
    assert cli.main(["grade", str(good), "--graph", "backprop", "--annotate", str(out)]) == 0
    assert "✓ 2 of 2 relations hold" not in capsys.readouterr().out  # one relation; the summary counts it
    assert out.read_text(encoding="utf-8").splitlines()[2].startswith("% symcheck: ✓ holds (2:")
    assert cli.main(["grade", str(tmp_path / "nope.tex"), "--graph", "backprop"]) == 2
    assert cli.main(["grade", str(tmp_path), "--graph", "backprop"]) == 2
    (tmp_path / "none.tex").write_text("no answers\n", encoding="utf-8")
    assert cli.main(["grade", str(tmp_path / "none.tex"), "--graph", "backprop"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-3:] == [f"symcheck: error: no such file: '{tmp_path / 'nope.tex'}'; give the path of the "
                        "homework's .tex file",
                        f"symcheck: error: '{tmp_path}' is a directory, not a .tex file; give the path of the "
                        "homework's .tex file",
                        f"symcheck: error: {tmp_path / 'none.tex'} holds no answer block; type each answer between "
                        "a line '%%% BEGIN ANSWER' and a line '%%% END ANSWER'"]


def test_question_lines_are_checked_where_they_stand() -> None:
    from symcheck.parse import parse_program

    with pytest.raises(InputError) as caught:
        parse_program("x = 1\nz1 = x*x\n# question 1: D(f, z9)\n", source="q.sc")
    assert str(caught.value).startswith("q.sc:3:20: unknown node 'z9'")
    with pytest.raises(InputError) as caught:
        parse_program("x = 1\nz1 = x*x\n# question one: D(f, x)\n", source="q.sc")
    assert str(caught.value).startswith("q.sc:3:12: a question line needs the answer block's number, not 'one'")
