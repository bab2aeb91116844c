"""What a TARGET names: a built-in problem, a program file, or program / expression text."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional

from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.expression import parse_expression
from symcheck.parse.point import PointLike, apply_point
from symcheck.parse.prescan import tokens
from symcheck.parse.program import parse_program
from symcheck.parse.suggest import edit_distance


_FILE_SUFFIX = re.compile(r"\.[A-Za-z]\w*$")


def load_target(target: str, *, at: PointLike = None) -> Program:
    """The CLI's TARGET as a Program, with `at` applied to its inputs.

    TARGET is tried as a built-in problem's name (`problems.PROGRAMS`), then
    an existing file (a staged program), then text: a staged program if it
    has an assignment or several lines, else a bare expression. Something
    that looks like a path but does not exist is "no such file"; a lone name
    one edit away from a problem's name (``backprob``) or naming a runnable
    exercise is an error too, not an expression with one input of that name.
    """
    program = _load(target)
    return apply_point(program, at) if at else program


def _load(target: str) -> Program:
    problems = _builtin_programs()
    if target in problems:
        path = Path(problems[target])
        return parse_program(_read(path), source=_shown_path(path))
    if os.path.isfile(target):
        return parse_program(_read(Path(target)), source=target)
    if _looks_like_path(target):
        known = ", ".join(problems) or "none"
        raise InputError(f"no such file: '{target}'",
                         hint=f"give an existing program file, a built-in problem ({known}), or an expression")
    _refuse_a_near_name(target.strip(), problems)
    if "\n" in target.strip() or _has_assignment(target):
        return parse_program(target, source="<program>")
    return parse_expression(target)


def _builtin_programs() -> dict[str, object]:
    """symcheck's own `problems.PROGRAMS` (never a folder of the user's that is also called problems)."""
    from symcheck.own import problems  # imported lazily: only targets need it

    programs = getattr(problems, "PROGRAMS", None)
    return dict(programs) if isinstance(programs, dict) else {}


def _runnables() -> list[str]:
    from symcheck.own import problems

    return list(getattr(problems, "RUNNABLE", {}))


def _refuse_a_near_name(name: str, programs: dict[str, object]) -> None:
    """A lone name that means a problem: a runnable's, or one edit away from a problem's (``backprob``)."""
    if not name.isidentifier():
        return
    runnables = _runnables()
    if name in runnables:
        raise InputError(f"'{name}' is a runnable exercise, not a graph to check",
                         hint=f"run it with `symcheck run {name}`; the graphs are: {', '.join(programs) or 'none'}")
    near = next((known for known in [*programs, *runnables] if edit_distance(name, known) == 1), None)
    if near is not None:
        fix = f"did you mean `symcheck run {near}`?" if near in runnables else f"did you mean '{near}'?"
        raise InputError(f"'{name}' is not a built-in problem or a file",
                         hint=f"{fix} (`symcheck problems` lists the problems)")


def _shown_path(path: Path) -> str:
    """The path as errors show it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark is not program text
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read '{path}': {error}", hint="check the file's path and that it is UTF-8 text") from None


def _looks_like_path(target: str) -> bool:
    text = target.strip()
    if not text or "\n" in text:
        return False
    if _FILE_SUFFIX.search(text) or text.startswith(("/", "./", "../", "~")) or "\\" in text:
        return True
    first = text.split("/")[0]
    return "/" in text and bool(first) and os.path.isdir(first)


def _has_assignment(text: str) -> bool:
    """A lone ``=`` outside brackets: the text is a program, not an expression.

    ``==``, ``<=``, ``:=`` are other tokens, and an ``=`` inside brackets is a
    keyword argument (``sin(x, y=2)``, ``grad(x, before=y)``): those texts are
    expressions, so their errors speak of expressions.
    """
    depth = 0
    for token in tokens(text):
        if token.kind != "op":
            continue
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            depth = max(0, depth - 1)
        elif token.text == "=" and depth == 0:
            return True
    return False
