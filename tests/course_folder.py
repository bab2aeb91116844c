"""A student's homework folder: the course's own ``ag.py`` and a ``problems/`` package of their own.

The homework's engine is called ``ag`` and its values ``ag.Scalar``, like
symcheck's; a student's folder therefore holds a module symcheck must never
mistake for its own. `make_homework_folder` writes one: ``ag.py`` in the
course's style, the manual's docs/examples/homework/ag.py (``Scalar`` with
``data``, ``grad``, ``_backward``, parents in ``_children``, the op in
``_op``; no ``DomainError``, no ``parents``), and a
``problems/`` package whose ``backprop`` is a different graph from
symcheck's, so a check of the wrong one is seen.
"""

from __future__ import annotations

from pathlib import Path

COURSE_AG = (Path(__file__).resolve().parents[1] / "docs" / "examples" / "homework" / "ag.py").read_text(encoding="utf-8")
"""The course's engine, as the manual shows it (docs/examples/homework/ag.py)."""

STUDENT_PROBLEMS = '''\
"""The student's own notes, in a folder that happens to be called problems."""
from pathlib import Path

PROGRAMS = {"backprop": Path(__file__).with_name("mine.sc")}
RUNNABLE = {"mine": "problems.mine"}
DESCRIPTIONS = {"backprop": "the student's own graph, not symcheck's"}
'''

STUDENT_GRAPH = "x = 3.0\nz1 = x * x\n"

HOMEWORK_GRAPH = """\
x = 1.5
y = 0.5
z1 = x * y
z2 = sin(z1)
z3 = z2 * x
"""


def make_homework_folder(folder: Path) -> Path:
    """Write ``ag.py``, ``problems/__init__.py`` (+ ``mine.sc``) and ``graph.sc`` into `folder`."""
    (folder / "ag.py").write_text(COURSE_AG, encoding="utf-8")
    package = folder / "problems"
    package.mkdir()
    (package / "__init__.py").write_text(STUDENT_PROBLEMS, encoding="utf-8")
    (package / "mine.sc").write_text(STUDENT_GRAPH, encoding="utf-8")
    (folder / "graph.sc").write_text(HOMEWORK_GRAPH, encoding="utf-8")
    return folder
