"""What a TARGET names: a built-in problem, a program file, or program / expression text."""

from __future__ import annotations

import codecs
import os
import re
import stat
from pathlib import Path
from typing import Optional

from symcheck.errors import InputError
from symcheck.ir import Program
from symcheck.parse.expression import parse_expression
from symcheck.parse.point import PointLike, apply_point
from symcheck.parse.prescan import tokens
from symcheck.parse.program import parse_program
from symcheck.parse.suggest import edit_distance
from symcheck.parse.syntax import MAX_TEXT_CHARS


_FILE_SUFFIX = re.compile(r"\.[A-Za-z]\w*$")


def load_target(target: str, *, at: PointLike = None) -> Program:
    """The CLI's TARGET as a Program, with `at` applied to its inputs.

    TARGET is tried as a built-in problem's name (`problems.PROGRAMS`), then
    an existing file (a staged program), then text: a staged program if it
    has an assignment or several lines, else a bare expression. Something
    that looks like a path but does not exist is "no such file"; one that
    names a directory, a named pipe, a device or a socket says which (none is
    opened, so nothing blocks); a lone name one edit away from a problem's
    name (``backprob``) or naming a runnable exercise is an error too, not an
    expression with one input of that name. A file is read up to
    `MAX_TEXT_CHARS` + 1 characters: a longer one is refused without reading
    the rest.
    """
    program = _load(target)
    return apply_point(program, at) if at else program


def _load(target: str) -> Program:
    problems = _builtin_programs()
    if target in problems:
        path = Path(problems[target])
        return parse_program(_read(path), source=_shown_path(path))
    mode = _file_mode(target)
    if mode is not None and stat.S_ISREG(mode):
        return parse_program(_read(Path(target)), source=target)
    if _looks_like_path(target):
        if mode is not None:
            raise InputError(f"'{target}' is {_kind_of_file(mode)}, not a program file",
                             hint="give a program file (text with one assignment per line)")
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


def _file_mode(target: str) -> Optional[int]:
    """The `st_mode` of the file `target` names (symlinks followed), or None when it names none."""
    try:
        return os.stat(target).st_mode
    except (OSError, ValueError):  # missing, a name too long for a path, a NUL byte, no permission to look
        return None


_FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _kind_of_file(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a regular file")


def _read(path: Path, limit: int = MAX_TEXT_CHARS) -> str:
    """The file's text (UTF-8, a byte-order mark dropped), reading at most `limit` + 1 characters.

    The file is opened without blocking and checked to be a regular file on the
    open descriptor itself, so a path swapped for a FIFO after the first look is
    refused too, never waited on.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise _unreadable(path, error) from None
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"'{path}' is {_kind_of_file(mode)}, not a program file",
                             hint="give a program file (text with one assignment per line)")
        try:
            text = _decode_prefix(file, limit + 1, path)
        except OSError as error:
            raise _unreadable(path, error) from None
        if len(text) > limit:
            size = os.fstat(descriptor).st_size
            raise InputError(f"'{path}' is {_size_text(size)}, more than the {limit:,} characters symcheck reads",
                             hint="split it into smaller programs, or check a live graph instead")
    return text


def _decode_prefix(file: object, count: int, path: Path) -> str:
    """Up to `count` characters of UTF-8 from a binary file (a leading byte-order mark dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    parts: list[str] = []
    have = consumed = 0
    while have < count:
        chunk = file.read(min(1 << 16, 4 * (count - have)))  # type: ignore[attr-defined]
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as error:  # its offset counts from the bytes the decoder still held
            offset = consumed - len(decoder.getstate()[0]) + error.start
            raise InputError(f"cannot read '{path}': it is not UTF-8 text ({error.reason} at byte {offset})",
                             hint="save the file as UTF-8") from None
        consumed += len(chunk)
        parts.append(text)
        have += len(text)
        if not chunk:
            break
    return "".join(parts)[:count]


def _size_text(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _unreadable(path: Path, error: OSError) -> InputError:
    reason = error.strerror or str(error)
    return InputError(f"cannot read '{path}': {reason}", hint="check the file's path and its permissions")


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
