r"""Grading students' written answers: every relation of a LaTeX answer file judged against a graph.

`grade_file` reads a homework's .tex file (answers between ``%%% BEGIN
ANSWER`` and ``%%% END ANSWER``, macros expanded) and `grade_answers` grades
its text: each relation as a claim, each block's final expression against
the program's ``# question N:`` line. The result is a `GradeReport`, which
`symcheck.render.grading` shows on the console, as JSON, or written back
into the file as ``% symcheck:`` comments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional

from symcheck.errors import InputError
from symcheck.grading.grade import grade_answers
from symcheck.grading.results import AnswerGrade, BlockGrade, GradeReport, NoteGrade, RelationGrade
from symcheck.ir import Program
from symcheck.parse.latex_source import MAX_TEX_CHARS

__all__ = ["AnswerGrade", "BlockGrade", "GradeReport", "NoteGrade", "RelationGrade", "grade_answers", "grade_file",
           "read_tex"]


def read_tex(path: str) -> str:
    """A .tex file's text (UTF-8), read no further than `MAX_TEX_CHARS` + 1 characters; a path that is not a
    readable regular file is an `InputError` naming what it is."""
    file = Path(path)
    if not file.exists():
        raise InputError(f"no such file: '{path}'", hint="give the path of the homework's .tex file")
    if file.is_dir():
        raise InputError(f"'{path}' is a directory, not a .tex file", hint="give the path of the homework's .tex file")
    if not file.is_file():
        raise InputError(f"'{path}' is not a regular file", hint="give the path of the homework's .tex file")
    try:
        with file.open(encoding="utf-8-sig") as handle:
            text = handle.read(MAX_TEX_CHARS + 1)
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read '{path}': {error}", hint="check the file's path and that it is UTF-8 text") \
            from None
    if len(text) > MAX_TEX_CHARS:
        raise InputError(f"'{path}' is longer than {MAX_TEX_CHARS} characters",
                         hint="grade the answers of one homework at a time")
    return text


def grade_file(path: str, program: Program, *, graph: str = "", at: Optional[Mapping[str, float]] = None,
               hide_solutions: bool = False) -> GradeReport:
    """Grade the answer file at `path` against `program` (see `grade_answers`)."""
    return grade_answers(program, read_tex(path), path=path, graph=graph, at=at, hide_solutions=hide_solutions)
