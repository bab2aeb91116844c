"""symcheck in a student's homework folder: the course's ``ag.py`` and a ``problems/`` of their own beside it.

Every command runs in a fresh process started in that folder (``cwd``), the
way a student types it: ``python -m symcheck`` (which puts the folder first on
``sys.path``), the ``symcheck`` console script, and Python code that imports
the course's ``ag`` and hands its ``Scalar`` to ``symcheck.check``. Each test
asserts which graph was checked, not only that the command succeeded.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from course_folder import make_homework_folder

SYMCHECK_SCRIPT = Path(sys.executable).with_name("symcheck")


@pytest.fixture
def homework(tmp_path: Path) -> Path:
    return make_homework_folder(tmp_path)


def _run(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=folder, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(SYMCHECK_SCRIPT.parent), "NO_COLOR": "1", "COLUMNS": "100"})


def _symcheck(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(folder, sys.executable, "-m", "symcheck", *args)


def test_python_m_symcheck_checks_an_expression(homework: Path) -> None:
    done = _symcheck(homework, "check", "x*y", "--at", "x=2,y=3", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] and report["inputs"] == {"x": 2.0, "y": 3.0}
    assert {n["name"]: n["grad"] for n in report["nodes"]} == {"x": 3.0, "y": 2.0, "z1": 1.0}


def test_the_console_script_checks_an_expression(homework: Path) -> None:
    assert SYMCHECK_SCRIPT.is_file(), f"the symcheck console script is not installed at {SYMCHECK_SCRIPT}"
    done = _run(homework, str(SYMCHECK_SCRIPT), "check", "x*sin(y)", "--at", "x=1.5,y=0.5")
    assert done.returncode == 0, done.stderr
    assert "agree on all 4 nodes" in done.stdout


def test_check_backprop_is_symcheck_s_graph_not_the_student_s(homework: Path) -> None:
    done = _symcheck(homework, "check", "backprop", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["output"] == "z8" and len(report["nodes"]) == 10  # the student's backprop is x, z1


def test_a_program_file_in_the_folder_is_checked(homework: Path) -> None:
    done = _symcheck(homework, "trace", "graph.sc", "--steps", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "step 1: before z3._backward()   [z3 = mul(z2, x)]"


def test_problems_lists_symcheck_s_problems(homework: Path) -> None:
    done = _symcheck(homework, "problems", "--json")
    assert done.returncode == 0, done.stderr
    assert [p["name"] for p in json.loads(done.stdout)] == ["backprop", "gradient_descent", "transformer"]


def test_run_trains_with_symcheck_s_engine(homework: Path) -> None:
    done = _symcheck(homework, "run", "gradient_descent", "--steps", "3", "--json")
    assert done.returncode in (0, 1), done.stderr  # 3 steps do not converge; the run itself must work
    result = json.loads(done.stdout)
    assert result["gradcheck"]["ok"] is True and result["gradcheck"]["nodes"] > 100


def test_symcheck_check_reads_the_course_scalar_as_an_engine(homework: Path) -> None:
    code = (
        "import ag, symcheck, json\n"
        "x, y = ag.Scalar(1.5, label='x'), ag.Scalar(0.5, label='y')\n"
        "f = (x * y).sin() * x + y.exp()\n"
        "report = symcheck.check(f)\n"
        "print(json.dumps({'ok': report.ok, 'nodes': [n.name for n in report.nodes], 'engine': ag.__file__,\n"
        "                  'grad_x': report.node('x').grad, 'text': symcheck.check('x*y', at='x=2,y=3').ok}))\n"
    )
    done = _run(homework, sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["ok"] and seen["text"]
    assert seen["nodes"] == ["x", "y", "z1", "z2", "z3", "z4", "z5"]  # every node of the course's graph
    assert Path(seen["engine"]) == homework / "ag.py"
    assert seen["grad_x"] == pytest.approx(1.5 * 0.5 * math.cos(0.75) + math.sin(0.75))  # ∂f/∂x = xy·cos(xy) + sin(xy)


def test_a_wrong_backward_in_the_course_engine_is_found(homework: Path) -> None:
    course = (homework / "ag.py").read_text()
    (homework / "ag.py").write_text(course.replace("self.grad += math.cos(self.data) * out.grad",
                                                   "self.grad += math.sin(self.data) * out.grad"))
    code = ("import ag, symcheck\n"
            "x = ag.Scalar(0.8, label='x')\n"
            "report = symcheck.check((x * x).sin())\n"
            "print([(f.kind, f.node, f.op) for f in report.failures])\n")
    done = _run(homework, sys.executable, "-c", code)
    assert done.returncode == 0, done.stderr
    assert "('local', 'z2', 'sin')" in done.stdout


@pytest.mark.slow
def test_the_student_s_own_pytest_uses_the_gradcheck_fixture_on_the_course_engine(homework: Path) -> None:
    (homework / "test_engine.py").write_text(
        "import ag\n\n"
        "def test_mul_then_sin(gradcheck):\n"
        "    x = ag.Scalar(0.8, label='x')\n"
        "    gradcheck((x * x).sin())\n"
    )
    done = _run(homework, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_engine.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


NOTEBOOK_CELLS = [
    "import ag, symcheck",
    "x, y = ag.Scalar(1.5, label='x'), ag.Scalar(0.5, label='y')\n"
    "f = (x * y).sin() * x + y.exp()\n"
    "report = symcheck.check(f)",
    "print(report.ok, [n.name for n in report.nodes], ag.__file__)",
    "print(len(symcheck.check('backprop').nodes), symcheck.claim('backprop', 'grad(z3, before=z4) == z7').holds)",
]


@pytest.mark.slow
def test_a_notebook_in_the_folder_checks_the_course_scalar(homework: Path) -> None:
    """A real kernel, started in the homework folder (where Jupyter puts the folder first on sys.path)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in NOTEBOOK_CELLS])
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(homework)}}).execute()
    printed = ["".join(out.get("text", "") for out in cell.outputs) for cell in notebook.cells]
    ok, rest = printed[2].split(" ", 1)
    names, engine = rest.rsplit("] ", 1)
    assert ok == "True" and names + "]" == "['x', 'y', 'z1', 'z2', 'z3', 'z4', 'z5']"
    assert Path(engine.strip()) == homework / "ag.py"
    assert printed[3].strip() == "10 True"
