"""The public Python API: symcheck.check / trace / claim / graph on every kind of target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ag
import symcheck
from symcheck.errors import InputError
from symcheck.ir import Node, Program

ROOT = Path(__file__).resolve().parents[2]


def test_import_is_lazy() -> None:
    code = "import sys, symcheck; print('sympy' in sys.modules, 'rich' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"]


def test_check_an_expression_string() -> None:
    report = symcheck.check("x*y + sin(x)", at={"x": 1.5, "y": 0.5})
    assert report.ok
    assert report.inputs == {"x": 1.5, "y": 0.5}
    assert report.node("x").grad == pytest.approx(0.5 + 0.0707372016677029)


def test_check_a_live_ag_graph() -> None:
    x, y = ag.Scalar(1.5, "x"), ag.Scalar(0.5, "y")
    report = symcheck.check(x * y + ag.exp(y))
    assert report.ok and report.node("y").grad_expected == pytest.approx(1.5 + 1.6487212707001282)


def test_check_a_program_with_at_as_text() -> None:
    program = Program((Node("a", "input", (), 2.0), Node("b", "mul", ("a", "a"))), "b")
    report = symcheck.check(program, at="a=3")
    assert report.node("a").grad == pytest.approx(6.0)


def test_check_a_callable_taking_scalars() -> None:
    report = symcheck.check(lambda u, v: u * ag.tanh(v), at={"u": 2.0, "v": 0.3})
    assert report.ok
    assert [r.name for r in report.nodes][:2] == ["u", "v"]


def test_trace_the_homework_graph() -> None:
    trace = symcheck.trace("backprop")
    assert trace.step("z4").symbolic_before["z3"] == "z7"


def test_claims_on_the_homework_graph() -> None:
    assert symcheck.claim("backprop", "grad(z3, before=z4) == z7").holds
    assert not symcheck.claim("backprop", "grad(z3, before=z4) == z7 + z3*D(z7, z3)").holds


def test_graph_text() -> None:
    assert symcheck.graph("x*y", at={"x": 2, "y": 3}, format="mermaid").startswith("flowchart LR")


@pytest.mark.parametrize(
    "target, at",
    [
        (lambda *xs: xs[0], None),                 # no named parameters
        (lambda x: 3.0, None),                     # does not return a Scalar
        (lambda x: x * 2, {"y": 1.0}),             # unknown input
        (42, None),                                # not a target
    ],
)
def test_bad_targets_raise_input_error(target: object, at: object) -> None:
    with pytest.raises(InputError):
        symcheck.check(target, at=at)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "abc", None])
@pytest.mark.parametrize("target", ["x*y", lambda x, y: x * y])
def test_a_point_that_is_not_a_finite_number_is_named_not_a_domain_error(target: object, value: object) -> None:
    with pytest.raises(InputError, match=r"^at= gives x = .*, which is not a (finite )?number; give a finite number$") \
            as caught:
        symcheck.check(target, at={"x": value})
    assert "domain" not in str(caught.value)


def test_a_callable_whose_parameters_do_not_match_at_names_them() -> None:
    with pytest.raises(InputError, match=r"at= names 'c', which is not a parameter; the parameters are: a, b"):
        symcheck.check(lambda a, b: a * b, at={"a": 1.0, "c": 2.0})


def test_a_callable_that_ag_refuses_at_the_point_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"the function fails at x = -1: log\(-1\.0\) at node 'x'.*choose another point with at="):
        symcheck.check(lambda x: ag.log(x), at={"x": -1.0})


def test_notebook_bundle_has_html_text_and_math() -> None:
    bundle = symcheck.check("backprop")._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown", "text/latex"}
    assert "agree on all 10 nodes" in bundle["text/plain"] and "\x1b[" not in bundle["text/plain"]
    assert bundle["text/html"].count("<table class=\"witnesses\"") == 1 and "$$" not in bundle["text/html"]
    assert bundle["text/html"].count("<math") >= 9  # every derivation typeset as MathML
    assert "\\frac{\\partial f}{\\partial z_{3}} &= " in bundle["text/markdown"]
    assert bundle["text/markdown"].startswith("$$\n\\begin{aligned}")


def test_verdict_displays_in_notebooks() -> None:
    bundle = symcheck.claim("backprop", "grad(z3, before=z4) == z7")._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "text/markdown"}
    assert bundle["text/markdown"] == (
        "**✓ claim holds** (symbolic): ` grad(z3, before=z4) == z7 `\n\n- lhs = ` z7 ` = 2.42679\n- rhs = ` z7 ` = 2.42679"
    )
    assert bundle["text/plain"].startswith("✓ claim holds: grad(z3, before=z4) == z7")


def test_check_judges_the_claims_of_a_program_file(tmp_path) -> None:
    path = tmp_path / "claims.sc"
    path.write_text("x = 1.5\ny = x * sin(x)\n# claim: D(f, x) == sin(x) + x*cos(x)\n# claim: D(f, x) == 1\n")
    report = symcheck.check(str(path))
    assert [v.holds for v in report.claims] == [True, False] and not report.ok
    assert report.failures == []  # the gradients agree; only the second claim fails
