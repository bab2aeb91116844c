"""symcheck.testing and the pytest plugin: a gradcheck fixture with a readable failure table."""

from __future__ import annotations

import inspect
import sys
from importlib import metadata
from pathlib import Path

import pytest

import buggy_engines
from buggy_engines import make_engine
from symcheck.errors import InputError
from symcheck.testing import GradientCheckError, assert_gradients

pytest_plugins = ["pytester"]


def _uses(V: type, x: float = 0.6, y: float = -1.3) -> object:
    a, b = V(x, label="x"), V(y, label="y")
    z = a * b + a
    return (z.tanh() * a + (b**2).exp() * 0.1 - z.sigmoid()).tanh()


def test_a_correct_engine_passes_and_returns_the_report() -> None:
    report = assert_gradients(_uses(make_engine(None)))
    assert report.ok and report.failures == []


def test_an_expression_and_a_function_of_engine_values_are_accepted() -> None:
    assert assert_gradients("x * sin(y)", at={"x": 1.5, "y": 0.5}).ok
    V = make_engine(None)
    assert assert_gradients(lambda x, y: (x * y).tanh(), at={"x": 0.5, "y": -1.0}, engine=V).ok


def test_a_failure_is_a_table_with_the_root_cause_and_a_reproducer() -> None:
    with pytest.raises(GradientCheckError) as error:
        assert_gradients(_uses(make_engine("tanh")))
    message = str(error.value)
    lines = message.splitlines()
    assert lines[0].startswith("symcheck: 1 gradient failure(s) in <micrograd graph")
    header = next(line for line in lines if line.startswith("node"))
    assert header.split() == ["node", "op", "engine", "symbolic", "finite", "diff", "error", "finding"]
    assert any("tanh" in line and "local (its step)" in line for line in lines)
    assert any(line.startswith("local: node z5 (tanh): your _backward gives ∂z5/∂z2") for line in lines)
    assert any(line.startswith("reproduce: symcheck check '") and "--at x=0.6,y=-1.3" in line for line in lines)
    assert not error.value.report.ok


def test_tolerances_are_honoured() -> None:
    # the tanh bug is off by 6e-8 relative at the output's own tanh step only: a loose rtol lets it pass
    V = make_engine("tanh")
    x = V(0.01, label="x")
    assert assert_gradients(x.tanh(), rtol=1e-2).ok
    with pytest.raises(GradientCheckError):
        assert_gradients(x.tanh(), rtol=1e-9, atol=0.0)


def test_assert_gradients_hides_its_own_frames() -> None:
    assert inspect.getsource(assert_gradients).count("__tracebackhide__ = True") == 1


# -- the plugin, run in a separate pytest session ---------------------------------------------


def _plugin_args() -> list[str]:
    entry_points = metadata.entry_points(group="pytest11")
    installed = any(ep.value == "symcheck.pytest_plugin" for ep in entry_points)
    return [] if installed else ["-p", "symcheck.pytest_plugin"]


@pytest.fixture
def student(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(buggy_engines=Path(buggy_engines.__file__).read_text())
    pytester.syspathinsert()
    for module in [m for m in sys.modules if m == "test_student"]:
        del sys.modules[module]
    pytester.makepyfile(
        test_student='''
        from buggy_engines import make_engine

        def build(V):
            x, y = V(0.6, label="x"), V(-1.3, label="y")
            z = x * y + x
            return (z.tanh() * x + (y ** 2).exp() * 0.1 - z.sigmoid()).tanh()

        def test_correct(gradcheck):
            gradcheck(build(make_engine(None)))

        def test_missing(gradcheck):
            gradcheck(build(make_engine("missing")))
        '''
    )
    return pytester


def test_the_fixture_passes_a_correct_engine_and_shows_a_table_for_a_buggy_one(student: pytest.Pytester) -> None:
    result = student.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*symcheck: 1 gradient failure(s) in <micrograd graph*",
        "*node*op*engine*symbolic*finite diff*error*finding*",
        "*exp*missing (its step)*",
        "*missing: node z8 (exp): your _backward propagates nothing*",
        "*reproduce: symcheck check '*",
        "*rerun: python -m pytest test_student.py::test_missing --symcheck-trace*",
    ])
    assert "assert_gradients" not in result.stdout.str().split("test_missing", 2)[-1].split("symcheck:")[0]


def test_trace_option_and_ini_tolerance(student: pytest.Pytester) -> None:
    result = student.runpytest(*_plugin_args(), "--symcheck-trace", "-k", "missing")
    result.stdout.fnmatch_lines(["*trace: your backward ran the local steps in this order: z12, *"])
    student.makeini("[pytest]\nsymcheck_rtol = 0.5\n")
    loose = student.runpytest(*_plugin_args(), "-k", "correct")
    loose.assert_outcomes(passed=1)


def test_a_tolerance_that_is_no_number_is_a_usage_error(student: pytest.Pytester) -> None:
    student.makeini("[pytest]\nsymcheck_rtol = loose\n")
    result = student.runpytest(*_plugin_args(), "-k", "correct")
    result.stderr.fnmatch_lines(["ERROR: --symcheck-rtol / symcheck_rtol: 'loose' is not a number; give a finite "
                                 "number ≥ 0, e.g. 1e-06"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    negative = student.runpytest(*_plugin_args(), "-k", "correct", "--symcheck-rtol=1e-6", "--symcheck-atol=-1")
    negative.stderr.fnmatch_lines(["ERROR: --symcheck-atol / symcheck_atol: '-1' is not a finite number ≥ 0; give a "
                                   "finite number ≥ 0, e.g. 1e-09"])


@pytest.mark.parametrize(("options", "message"), [
    ({"rtol": "loose"}, "rtol='loose' is not a number; give a finite number ≥ 0, e.g. rtol=1e-06"),
    ({"atol": -1}, "atol=-1 is not a finite number ≥ 0; give a finite number ≥ 0, e.g. atol=1e-09"),
    ({"rtol": float("nan")}, "rtol=nan is not a finite number ≥ 0"),
    ({"rtol": True}, "rtol=True is not a number"),
    ({"atol": "١"}, "atol='١' is not a number"),
])
def test_assert_gradients_validates_its_tolerances_as_the_command_line_does(options: dict, message: str) -> None:
    with pytest.raises(InputError) as caught:
        assert_gradients("x * sin(y)", **options)
    assert str(caught.value).startswith(message)


def test_the_fixture_works_in_hypothesis_given_tests(student: pytest.Pytester) -> None:
    # A function-scoped fixture fails hypothesis's health check; gradcheck is session-scoped and stateless.
    student.makepyfile(test_fuzz='''
        from hypothesis import given, settings, strategies as st
        from buggy_engines import make_engine

        @settings(max_examples=15, deadline=None)
        @given(st.floats(-1.5, 1.5))
        def test_tanh_ok(gradcheck, x):
            V = make_engine(None)
            a = V(x, label="a")
            gradcheck((a * a).tanh() + a)

        @settings(max_examples=15, deadline=None)
        @given(st.floats(0.25, 1.5))
        def test_missing_fails(gradcheck, x):
            V = make_engine("missing")
            a = V(x, label="a")
            gradcheck((a * a).exp() + a)
        ''')
    result = student.runpytest(*_plugin_args(), "test_fuzz.py")
    result.assert_outcomes(passed=1, failed=1)
    assert "FailedHealthCheck" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*rerun: python -m pytest test_fuzz.py::test_missing_fails --symcheck-trace*"])


@pytest.mark.parametrize("option", [["-p", "symcheck"], ["-p", "symcheck.pytest_plugin"]])
def test_the_plugin_can_be_named_with_p_and_is_registered_once(student: pytest.Pytester, option: list[str]) -> None:
    result = student.runpytest_subprocess(*option, "-k", "correct")
    result.assert_outcomes(passed=1)
    assert "already registered" not in result.stdout.str() + result.stderr.str()


def test_p_symcheck_loads_the_plugin_when_no_entry_point_does(student: pytest.Pytester,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # as in a source checkout that is not installed
    without = student.runpytest_subprocess("-p", "hypothesis", "-k", "correct")
    assert "fixture 'gradcheck' not found" in without.stdout.str()
    result = student.runpytest_subprocess("-p", "symcheck", "-k", "correct")
    result.assert_outcomes(passed=1)


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["pytest11"] == {"symcheck": "symcheck.pytest_plugin"}


def test_the_reproducer_renames_labels_the_expression_language_cannot_name() -> None:
    import shlex
    import subprocess

    V = make_engine(None)
    f, d, grad, w0 = V(0.6, label="f"), V(-1.3, label="D"), V(0.4, label="grad"), V(0.9, label="w[0]")
    out = (f * d + grad).tanh() * w0
    import symcheck
    from symcheck.testing import default_reproducer

    report = symcheck.check(out, progress=False)
    line = default_reproducer(report)
    assert line is not None
    command = shlex.split(line.split("   #", 1)[0])
    expression, point = command[2], command[4]
    assert sorted(name for name in ("x1", "x2", "x3", "x4") if name in expression) == ["x1", "x2", "x3", "x4"]
    assert "grad" not in expression and "D" not in expression and "w[0]" not in expression and "f" not in expression
    assert sorted(float(part.split("=")[1]) for part in point.split(",")) == [-1.3, 0.4, 0.6, 0.9]
    done = subprocess.run([sys.executable, "-m", "symcheck", *command[1:]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_finding_over_many_nodes_names_them_in_the_failure_message() -> None:
    V = make_engine("overwrite")
    x = V(0.3, label="x")
    terms = [(x * k + x).tanh() for k in (2.0, 3.0, 4.0)]
    with pytest.raises(GradientCheckError) as error:
        assert_gradients(terms[0] * terms[1] * terms[2])
    lines = str(error.value).splitlines()
    [sentence] = [line for line in lines if line.startswith("accumulation: ")]
    assert "(= instead of +=)" in sentence and sentence.endswith(")") and "(the same at " in sentence
