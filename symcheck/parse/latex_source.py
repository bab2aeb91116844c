r"""A homework's .tex source: answer blocks, comments and the student's own macros, with every position kept.

The handout's format: answers are typed between the comment lines
``%%% BEGIN ANSWER`` and ``%%% END ANSWER``; the student's macros go between
``%%% BEGIN MACROS`` and ``%%% END MACROS`` in the preamble. `expand` removes
``%`` comments and expands every macro defined with ``\newcommand``,
``\renewcommand``, ``\providecommand``, ``\def`` (arguments ``#1`` … ``#9``,
an optional first argument with its default) or ``\DeclareMathOperator``;
it never runs anything. Each character of the result remembers the offset of
the character it came from in the file (an expanded macro body: its use), so
an error deep inside an expansion still points at a line and column the
student wrote.

A malformed definition inside the macros section or an answer block is an
error; elsewhere in the preamble (packages' internals a student copied) it
is skipped, since only the answers are read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Optional

from symcheck.errors import InputError
from symcheck.ir import SourceLocation

MAX_TEX_CHARS = 2_000_000
"""Longest .tex file read (characters)."""

MAX_EXPANDED_CHARS = 4_000_000
"""Most characters all macro expansions together may produce (a macro that doubles itself stops here)."""

MAX_EXPANSION_DEPTH = 64
"""Deepest nesting of macro uses (a macro that uses itself stops here)."""

BEGIN_ANSWER, END_ANSWER = "%%% BEGIN ANSWER", "%%% END ANSWER"
BEGIN_MACROS, END_MACROS = "%%% BEGIN MACROS", "%%% END MACROS"

_DEFINERS = ("newcommand", "renewcommand", "providecommand", "def", "DeclareMathOperator")
_CONTROL = re.compile(r"\\(?:[A-Za-z@]+|.)", re.DOTALL)


@dataclass(frozen=True)
class Mapped:
    """Text whose every character knows the file offset it came from (`origin`, same length as `text`)."""

    text: str
    origin: tuple[int, ...]

    def slice(self, start: int, end: int) -> "Mapped":
        return Mapped(self.text[start:end], self.origin[start:end])


@dataclass(frozen=True)
class Macro:
    """A user macro: its body with ``#1`` … placeholders, how many arguments, the first one's default if optional."""

    name: str
    arguments: int
    body: Mapped
    default: Optional[Mapped] = None


@dataclass
class TexFile:
    """A .tex file's text and where each line starts, to turn offsets into (line, column)."""

    path: str
    text: str
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a file offset."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def location(self, offset: int) -> SourceLocation:
        line, column = self.position(offset)
        return SourceLocation(self.path, line, column, self.line_text(line))

    def error(self, message: str, offset: int, *, hint: str = "", width: int = 1) -> InputError:
        return InputError(message, location=self.location(offset), hint=hint, width=width)

    def whole(self) -> Mapped:
        return Mapped(self.text, tuple(range(len(self.text))))


@dataclass(frozen=True)
class Region:
    """The lines between a BEGIN and an END marker: file offsets [start, end), and the BEGIN line's number."""

    start: int
    end: int
    line: int


def marked_regions(tex: TexFile, begin: str, end: str) -> list[Region]:
    """The regions between `begin` and `end` marker lines, in order; a marker out of place is an error."""
    regions: list[Region] = []
    opened: Optional[tuple[int, int]] = None
    for number, start in enumerate(tex.line_starts, start=1):
        stripped = tex.line_text(number).strip()
        if stripped.startswith(begin):
            if opened is not None:
                raise tex.error(f"'{begin}' inside the block opened on line {opened[1]}", start,
                                hint=f"close that block with '{end}' first")
            opened = (start + len(tex.line_text(number)) + 1, number)
        elif stripped.startswith(end):
            if opened is None:
                raise tex.error(f"'{end}' without a '{begin}' before it", start,
                                hint=f"open the block with '{begin}' on a line of its own")
            regions.append(Region(min(opened[0], start), start, opened[1]))
            opened = None
    if opened is not None:
        raise tex.error(f"'{begin}' on line {opened[1]} is never closed", tex.line_starts[opened[1] - 1],
                        hint=f"end the block with '{end}' on a line of its own")
    return regions


class Expander:
    """Strips comments and expands user macros over a file, region by region, in file order."""

    def __init__(self, tex: TexFile) -> None:
        self.tex = tex
        self.macros: dict[str, Macro] = {}
        self.produced = 0

    def expand(self, mapped: Mapped, *, strict: bool, depth: int = 0) -> Mapped:
        """`mapped` without comments, its definitions recorded and removed, every user macro expanded."""
        if depth > MAX_EXPANSION_DEPTH:
            raise self.tex.error(f"macros nest more than {MAX_EXPANSION_DEPTH} deep here (a macro that uses "
                                 "itself never ends)", mapped.origin[0] if mapped.origin else 0,
                                 hint="check the macro's definition for a use of itself")
        text, out, origin = mapped.text, [], []
        i = 0
        while i < len(text):
            char = text[i]
            if char == "%":
                i = _line_end(text, i)
                continue
            if char != "\\":
                out.append(char)
                origin.append(mapped.origin[i])
                i += 1
                continue
            control = _CONTROL.match(text, i)
            name = control.group(0)[1:] if control else ""
            end = control.end() if control else i + 1
            if name in _DEFINERS:
                i = self._define(mapped, name, end, strict=strict)
                continue
            if name in self.macros:
                expansion, i = self._use(mapped, self.macros[name], i, end)
                expanded = self.expand(expansion, strict=strict, depth=depth + 1)
                out.extend(expanded.text)
                origin.extend(expanded.origin)
                self._count(len(expanded.text), mapped.origin[i - 1])
                continue
            out.extend(text[i:end])
            origin.extend(mapped.origin[i:end])
            i = end
        return Mapped("".join(out), tuple(origin))

    def _count(self, produced: int, offset: int) -> None:
        self.produced += produced
        if self.produced > MAX_EXPANDED_CHARS:
            raise self.tex.error(f"macros expand to more than {MAX_EXPANDED_CHARS} characters", offset,
                                 hint="a macro that uses another one several times grows exponentially; simplify it")

    # -- definitions ----------------------------------------------------------------

    def _define(self, mapped: Mapped, definer: str, at: int, *, strict: bool) -> int:
        """Record the definition starting after `\\definer` at `at`; return where it ends."""
        start = mapped.origin[at - 1] if at else 0
        try:
            if definer == "def":
                macro, end = self._plain_def(mapped, at)
            elif definer == "DeclareMathOperator":
                macro, end = self._operator(mapped, at)
            else:
                macro, end = self._newcommand(mapped, definer, at)
        except _Malformed as problem:
            if strict:
                raise self.tex.error(f"\\{definer}: {problem.message}", problem.offset if problem.offset is not None
                                     else start, hint=problem.hint) from None
            return _line_end(mapped.text, at)
        if definer != "providecommand" or macro.name not in self.macros:
            self.macros[macro.name] = macro
        return end

    def _newcommand(self, mapped: Mapped, definer: str, i: int) -> tuple[Macro, int]:
        text = mapped.text
        i = _skip_blank(text, i)
        if i < len(text) and text[i] == "*":
            i = _skip_blank(text, i + 1)
        name, i = self._defined_name(mapped, i, braced_ok=True)
        arguments, default = 0, None
        i = _skip_blank(text, i)
        if i < len(text) and text[i] == "[":
            count, i = _bracket(mapped, i)
            if not count.text.strip().isdigit() or not 0 <= int(count.text.strip()) <= 9:
                raise _Malformed(f"the number of arguments [{count.text}] is not 0 … 9", mapped.origin[i - 1],
                                 f"write e.g. \\{definer}{{\\{name}}}[1]{{…#1…}}")
            arguments = int(count.text.strip())
            i = _skip_blank(text, i)
            if i < len(text) and text[i] == "[":
                default, i = _bracket(mapped, i)
        body, i = self._body(mapped, i, name)
        return Macro(name, arguments, body, default), i

    def _plain_def(self, mapped: Mapped, i: int) -> tuple[Macro, int]:
        text = mapped.text
        name, i = self._defined_name(mapped, _skip_blank(text, i), braced_ok=False)
        parameters = re.match(r"(?:#[1-9])*", text[i:])
        written = parameters.group(0) if parameters else ""
        if written != "".join(f"#{k}" for k in range(1, len(written) // 2 + 1)):
            raise _Malformed(f"the parameters {written} of \\{name} are not #1#2…", mapped.origin[i],
                             "number them in order: \\def\\name#1#2{…}")
        body, end = self._body(mapped, i + len(written), name)
        return Macro(name, len(written) // 2, body), end

    def _operator(self, mapped: Mapped, i: int) -> tuple[Macro, int]:
        text = mapped.text
        i = _skip_blank(text, i)
        if i < len(text) and text[i] == "*":
            i += 1
        name, i = self._defined_name(mapped, _skip_blank(text, i), braced_ok=True)
        body, end = self._body(mapped, i, name)
        wrapped = "\\operatorname{" + body.text + "}"
        origin = (body.origin[0] if body.origin else 0,)
        return Macro(name, 0, Mapped(wrapped, origin * 14 + body.origin + origin)), end

    def _defined_name(self, mapped: Mapped, i: int, *, braced_ok: bool) -> tuple[str, int]:
        text = mapped.text
        braced = braced_ok and i < len(text) and text[i] == "{"
        j = _skip_blank(text, i + 1) if braced else i
        control = _CONTROL.match(text, j)
        if control is None:
            raise _Malformed("the name to define is missing", mapped.origin[min(i, len(text) - 1)] if text else None,
                             "write the macro's name with its backslash, e.g. \\newcommand{\\dfdz}[1]{…}")
        j = control.end()
        if braced:
            j = _skip_blank(text, j)
            if j >= len(text) or text[j] != "}":
                raise _Malformed("the macro's name is not closed with '}'", mapped.origin[min(j, len(text) - 1)],
                                 "write \\newcommand{\\name}…")
            j += 1
        return control.group(0)[1:], j

    def _body(self, mapped: Mapped, i: int, name: str) -> tuple[Mapped, int]:
        i = _skip_blank(mapped.text, i)
        if i >= len(mapped.text) or mapped.text[i] != "{":
            raise _Malformed(f"the body of \\{name} is missing", mapped.origin[min(i, len(mapped.text) - 1)],
                             f"write the body in braces, e.g. \\newcommand{{\\{name}}}{{…}}")
        return _braced(mapped, i, f"the body of \\{name}")

    # -- uses -----------------------------------------------------------------------

    def _use(self, mapped: Mapped, macro: Macro, start: int, i: int) -> tuple[Mapped, int]:
        """The body of `macro` with its arguments put in, and where the use ends."""
        arguments: list[Mapped] = []
        for index in range(macro.arguments):
            j = _skip_blank(mapped.text, i)
            if index == 0 and macro.default is not None:
                if j < len(mapped.text) and mapped.text[j] == "[":
                    argument, i = _bracket(mapped, j)
                else:
                    argument = macro.default
                arguments.append(argument)
                continue
            argument, i = self._argument(mapped, j, macro, index, start)
            arguments.append(argument)
        body, out, origin = macro.body, [], []
        at = mapped.origin[start]
        k = 0
        while k < len(body.text):
            if body.text[k] == "#" and k + 1 < len(body.text) and body.text[k + 1].isdigit():
                number = int(body.text[k + 1])
                if 1 <= number <= len(arguments):
                    out.extend(arguments[number - 1].text)
                    origin.extend(arguments[number - 1].origin)
                k += 2
                continue
            out.append(body.text[k])
            origin.append(at)
            k += 1
        return Mapped("".join(out), tuple(origin)), i

    def _argument(self, mapped: Mapped, j: int, macro: Macro, index: int, start: int) -> tuple[Mapped, int]:
        text = mapped.text
        if j >= len(text) or text[j] in "}":
            raise self.tex.error(f"\\{macro.name} takes {macro.arguments} argument(s); argument {index + 1} is "
                                 "missing", mapped.origin[start], width=len(macro.name) + 1,
                                 hint=f"write \\{macro.name}" + "{…}" * macro.arguments)
        if text[j] == "{":
            try:
                return _braced(mapped, j, f"argument {index + 1} of \\{macro.name}")
            except _Malformed as problem:
                raise self.tex.error(problem.message, problem.offset or mapped.origin[j], hint=problem.hint) from None
        control = _CONTROL.match(text, j) if text[j] == "\\" else None
        end = control.end() if control else j + 1
        return mapped.slice(j, end), end


class _Malformed(Exception):
    def __init__(self, message: str, offset: Optional[int], hint: str) -> None:
        super().__init__(message)
        self.message, self.offset, self.hint = message, offset, hint


def _line_end(text: str, i: int) -> int:
    """The index of the line break ending the line that holds `i` (a comment runs up to it)."""
    match = re.compile(r"\r\n|\r|\n").search(text, i)
    return match.start() if match else len(text)


def _skip_blank(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _braced(mapped: Mapped, i: int, what: str) -> tuple[Mapped, int]:
    """The content of the brace group opening at `i` (escaped braces and comments respected), and the index after."""
    text, depth, k = mapped.text, 0, i
    while k < len(text):
        char = text[k]
        if char == "\\":
            k += 2
            continue
        if char == "%":
            k = _line_end(text, k)
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return mapped.slice(i + 1, k), k + 1
        k += 1
    raise _Malformed(f"{what} opens '{{' and never closes it", mapped.origin[i], "add the matching '}'")


def _bracket(mapped: Mapped, i: int) -> tuple[Mapped, int]:
    end = mapped.text.find("]", i)
    if end < 0:
        raise _Malformed("'[' is never closed", mapped.origin[i], "add the matching ']'")
    return mapped.slice(i + 1, end), end + 1


def check_braces(tex: TexFile, mapped: Mapped) -> None:
    """An unbalanced brace, named where it is (comments, ``\\{`` and ``\\}`` aside)."""
    opened: list[int] = []
    text, i = mapped.text, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            opened.append(i)
        elif char == "}":
            if not opened:
                raise tex.error("'}' closes a brace that was never opened", mapped.origin[i],
                                hint="remove it or add the matching '{'")
            opened.pop()
        i += 1
    if opened:
        raise tex.error("'{' is never closed", mapped.origin[opened[-1]], hint="add the matching '}'")
