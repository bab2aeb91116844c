"""The command line, run in-process through `main(argv)` (plus one real subprocess for the exit code)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import symcheck.api
from symcheck.cli import main, parse_steps

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


# -- exit codes -------------------------------------------------------------------------


def test_check_agrees_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "x*y", "--at", "x=1.5,y=0.5", "--no-color")
    assert code == 0, err
    assert "✓ engine, symbolic and finite differences agree on all" in out
    assert err == ""


def test_failing_claim_exit_1_with_reproducer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "claim", "backprop", "grad(z3, before=z4) == z7 + z3*D(z7, z3)", "--no-color")
    assert code == 1
    assert "✗ claim fails" in out
    assert err.strip() == (
        "reproduce: symcheck claim backprop 'grad(z3, before=z4) == z7 + z3*D(z7, z3)' --at x=1.5,y=0.5"
    )


def test_claim_1_3_8_holds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "claim", "backprop", "grad(z3, before=z4) == z7", "--no-color")
    assert code == 0
    assert out.startswith("✓ claim holds: grad(z3, before=z4) == z7")


def test_claim_1_3_7_holds_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "claim", "backprop", "D(f, z4) == D(f, z5) * D(z5, z4)", "--json")
    data = strict_json(out)
    assert code == 0 and data["holds"] is True
    assert set(data) >= {"claim", "holds", "method", "lhs", "rhs"}
    assert set(data["lhs"]) == {"symbolic", "value"}


def test_disagreement_exit_1(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    real_check = symcheck.api.check

    def broken(*args: object, **kwargs: object) -> object:
        report = real_check(*args, **kwargs)
        from symcheck.report import Finding

        report.failures.append(Finding("z1", "mul", "local", "wrong local partial"))
        return report

    monkeypatch.setattr(symcheck.api, "check", broken)
    code, _, err = run(capsys, "check", "x*y", "--at", "x=1.5,y=0.5", "--no-color")
    assert code == 1
    assert err.strip() == "reproduce: symcheck check 'x*y' --at x=1.5,y=0.5"


def test_internal_error_exit_3_with_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(symcheck.api, "check", explode)
    code, _, err = run(capsys, "check", "x*y")
    assert code == 3
    assert "Traceback" in err and "RuntimeError: boom" in err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["check", "x*y", "--at", "x=abc"], "--at"),
        (["check", "x*(y"], ""),
        (["check", "x*y", "--at", "q=1"], "q"),
        (["run", "no_such_problem"], "unknown runnable problem 'no_such_problem'"),
        (["frobnicate"], "invalid choice"),
        (["check"], "required"),
        (["graph", "x*y", "--format", "png"], "invalid choice"),
        (["trace", "backprop", "--steps", "0-99"], "--steps"),
        (["trace", "backprop", "--node", "z99"], "z99"),
        (["check", "x*y", "--rtol", "-1"], "--rtol: '-1' is not a finite number ≥ 0"),
        (["check", "x*y", "--atol", "nan"], "--atol: 'nan' is not a finite number ≥ 0"),
        (["trace", "x*y", "--rtol", "inf"], "--rtol"),
        (["check", "x*y", "--json", "--latex"], "not allowed with argument --json"),
        (["check", "x*y", "--at", "x=nan"], "nan"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert fragment in err


def test_subprocess_exit_code() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "symcheck", "check", "x*y", "--at", "x=1,y=2"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "agree" in done.stdout


# -- outputs ----------------------------------------------------------------------------


def test_check_json_is_strict_and_has_contract_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "backprop", "--json")
    data = strict_json(out)
    assert code == 0
    assert set(data) >= {"schema_version", "output", "inputs", "nodes", "ok", "failures", "flags"}
    assert data["output"] == "z8" and data["inputs"] == {"x": 1.5, "y": 0.5}
    z3 = next(n for n in data["nodes"] if n["name"] == "z3")
    assert set(z3) >= {"name", "op", "inputs", "value", "grad", "grad_symbolic", "grad_expanded",
                       "grad_expected", "grad_fd", "ok"}


def test_trace_json_has_steps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--json")
    steps = strict_json(out)["steps"]
    assert code == 0
    assert [s["node"] for s in steps][:5] == ["z8", "z7", "z6", "z5", "z4"]
    assert steps[4]["symbolic_before"]["z3"] == "z7"


def test_check_latex_derives_dz3(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "backprop", "--latex")
    assert code == 0
    block = out.split("% ∂f/∂z3\n", 1)[1].split("\\end{align*}", 1)[0]
    assert block.startswith("\\begin{align*}\n\\frac{\\partial f}{\\partial z_{3}} &= ")
    assert "z_{7}" in block and "\\cos{\\left(z_{4} \\right)}" in block


def test_trace_backprop_before_z4(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--no-color", "--steps", "z4")
    lines = out.splitlines()
    assert code == 0
    assert lines[1] == "step 5: before z4._backward()   [z4 = add(z3, z1)]"
    assert "  z3.grad = z7 = 2.42679  (pending: z4)" in lines


def test_trace_node_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--no-color", "--node", "z3", "--steps", "1-6")
    z3 = [line for line in out.splitlines() if line.startswith("  z3.grad")]
    assert code == 0
    assert z3[0] == "  z3.grad = 0  (pending: z4, z8)" or z3[0].startswith("  z3.grad = 0  (pending:")
    assert z3[-1].startswith("  z3.grad = z7 + z3*cos(z4) = 1.95566")
    assert len(z3) == 6


def test_graph_mermaid_and_dot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "graph", "x*y", "--at", "x=2,y=3", "--format", "mermaid")
    assert code == 0
    assert out == (
        "flowchart LR\n"
        '  n0["x (input)<br/>value 2<br/>grad 3"]\n'
        '  n1["y (input)<br/>value 3<br/>grad 2"]\n'
        '  n2(("z1 = mul(x, y)<br/>value 6<br/>grad 1"))\n'
        "  n0 --> n2\n"
        "  n1 --> n2\n"
    )
    code, out, _ = run(capsys, "graph", "x*y", "--at", "x=2,y=3")
    assert code == 0 and out.startswith("digraph symcheck {") and '"x" -> "z1";' in out


def test_problems_lists_without_importing_runnables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import problems

    monkeypatch.setitem(problems.RUNNABLE, "ghost", "problems._no_such_module")
    code, out, _ = run(capsys, "problems")
    assert code == 0
    assert "  backprop  " in out and "  gradient_descent  homework 4, part 2" in out and "  ghost" in out
    code, out, _ = run(capsys, "problems", "--json")
    first = json.loads(out)[0]
    assert (first["kind"], first["name"]) == ("program", "backprop")


@pytest.mark.parametrize("extra, env, coloured", [
    ([], {}, True), (["--no-color"], {}, False), ([], {"NO_COLOR": "1"}, False),
    ([], {"NO_COLOR": ""}, True),  # no-color.org: an empty NO_COLOR does not count
])
def test_colour_follows_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    extra: list[str], env: dict[str, str], coloured: bool,
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, out, _ = run(capsys, "check", "x*y", *extra)
    assert code == 0
    assert ("\x1b[" in out) is coloured


def test_run_dispatches_to_main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import problems

    module = types.ModuleType("problems._fake_runnable")
    seen: list[list[str]] = []
    module.main = lambda argv: seen.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "problems._fake_runnable", module)
    monkeypatch.setitem(problems.RUNNABLE, "fake", "problems._fake_runnable")
    code, _, _ = run(capsys, "run", "fake", "--steps", "3", "--seed", "1")
    assert code == 0 and seen == [["--steps", "3", "--seed", "1"]]


def test_run_missing_module_is_an_environment_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import problems

    monkeypatch.setitem(problems.RUNNABLE, "ghost", "problems._no_such_module")
    code, _, err = run(capsys, "run", "ghost")
    assert code == 4 and "problems._no_such_module is missing" in err


def test_parse_steps() -> None:
    schedule = ["z8", "z7", "z6", "z5", "z4", "z3"]
    assert parse_steps("1-2,z4", schedule) == ["z8", "z7", "z4"]
    assert parse_steps("z4, z8", schedule) == ["z8", "z4"]


def test_trace_latex_of_chosen_steps(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--latex", "--steps", "z4", "--node", "z3")
    assert code == 0
    assert out.splitlines()[1:] == [
        "\\begin{align*}",
        "&\\text{step 5: before }\\texttt{z4.\\_backward()}\\quad (z_{4} = z_{3} + z_{1}) \\\\",
        "&\\qquad \\texttt{z3.grad} = z_{7} \\approx 2.42679 \\quad \\text{(pending: }\\texttt{z4}\\text{)} \\\\",
        "&\\qquad \\texttt{z3.grad} \\mathrel{+}= \\frac{\\partial f}{\\partial z_{4}} \\frac{\\partial z_{4}}"
        "{\\partial z_{3}} = z_{3} \\cos{\\left(z_{4} \\right)} \\\\",
        "&\\qquad\\qquad = (-0.47113)(1) = -0.47113",
        "\\end{align*}",
    ]


def test_trace_on_a_kink_agrees_with_check(capsys: pytest.CaptureFixture[str]) -> None:
    check_code, _, _ = run(capsys, "check", "relu(x)*y", "--at", "x=0,y=2")
    code, out, err = run(capsys, "trace", "relu(x)*y", "--at", "x=0,y=2", "--no-color")
    assert check_code == code == 0, err
    assert "disagree" not in out
    last_step = " ".join(out.split("step 4:")[1].split("! z1")[0].split())  # wrapped lines joined
    assert last_step.endswith("x.grad = y*Heaviside(x) = 1 (complete) ! engine holds 0 (subgradient at a kink, "
                              "accepted) x._backward(): adds nothing (an input has no operands)")
    assert "✗" not in out
    assert "! z1 (relu) nondifferentiable" in out


def test_a_long_trace_line_wraps_under_its_equals_sign(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--no-color", "--steps", "z2")  # 80 columns under capsys
    lines = out.splitlines()
    start = lines.index("  z2._backward(): y.grad += ∂f/∂z2·∂z2/∂y = z3*z6 + z1*(z7 + z3*cos(z4))")
    assert code == 0
    assert lines[start + 1] == " " * 44 + "= (4.17004)·(1) = 4.17004"
    assert all(len(line) <= 80 and (line[:1] in " " or line.startswith(("step", "trace", "✓"))) for line in lines)


def test_trace_node_f_is_the_output_and_a_near_miss_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "trace", "backprop", "--no-color", "--node", "f", "--steps", "1-2")
    assert code == 0
    assert [line for line in out.splitlines() if ".grad" in line] == ["  z8.grad = 1  (complete)"] * 2
    code, out, err = run(capsys, "trace", "backprop", "--node", "z33")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "'z33'" in err and "did you mean 'z3'?" in err


def test_run_names_the_command_typed_in_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "run", "gradient_descent", "--steps", "-3")
    assert code == 2 and out == ""
    assert err.startswith("symcheck run gradient_descent: error: argument --steps")
    assert "python -m problems" not in err


def test_run_passes_prog_only_to_a_main_that_takes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    import problems

    module = types.ModuleType("problems._fake_with_prog")
    seen: list[tuple[list[str], str]] = []
    module.main = lambda argv, *, prog="python -m x": seen.append((argv, prog)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "problems._fake_with_prog", module)
    monkeypatch.setitem(problems.RUNNABLE, "fake2", "problems._fake_with_prog")
    assert run(capsys, "run", "fake2", "--seed", "1")[0] == 0
    assert seen == [(["--seed", "1"], "symcheck run fake2")]


def test_an_overflowing_constant_is_named_without_suggesting_another_point(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "10**400*x")
    assert code == 2 and out == ""
    assert "the constant expression 10**400 is too large for a float" in err and "choose another point" not in err


# -- near overflow, finite differences, progress ------------------------------------------------------


def test_a_stencil_that_overflows_is_no_disagreement(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "exp(x)", "--at", "x=709.7", "--no-color")
    assert code == 0, out + err
    code, out, err = run(capsys, "check", "exp(x)", "--at", "x=709.782712893384", "--no-color")
    assert code == 0, out + err
    words = " ".join(out.split())
    assert "x (input) no_fd: no finite difference here (the function overflows a float within the stencil" in words


def test_fd_none_judges_engine_against_symbolic_and_is_in_the_reproducer(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, "check", "x*sin(y)", "--fd", "none", "--no-color")
    assert code == 0 and "✓ engine and symbolic agree on all 4 nodes (no finite differences taken)" in out
    monkeypatch.setattr(symcheck.api, "check_program", _wrong_engine(symcheck.api.check_program))
    code, _, err = run(capsys, "check", "x*sin(y)", "--fd", "none", "--no-color")
    assert code == 1 and err.rstrip().endswith("--fd none")


def _wrong_engine(check_program: object) -> object:
    from symcheck.report import Finding

    def wrapped(program: object, **kw: object) -> object:
        report = check_program(program, **kw)  # type: ignore[operator]
        report.failures.append(Finding("x", "input", "mismatch", "planted"))
        return report

    return wrapped


def test_progress_is_never_drawn_under_json_or_into_a_pipe(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = symcheck.api.check

    def spy(target: object, **kw: object) -> object:
        seen.append(kw["progress"])
        return original(target, **kw)

    monkeypatch.setattr(symcheck.api, "check", spy)
    run(capsys, "check", "x*y", "--json")
    _, _, err = run(capsys, "check", "x*y", "--no-color")
    assert seen == [False, True]  # True: drawn on stderr only when it is a terminal, after 2 s
    assert err == ""  # captured stderr is no terminal
