r"""Students' LaTeX answers (and LaTeX claims) read as claims about a graph, safely.

`read_answers` reads a homework's .tex file: every ``%%% BEGIN ANSWER`` …
``%%% END ANSWER`` block in order, after its macros are expanded and its
comments dropped (`symcheck.parse.latex_source`). Inside a block every math
environment is read: ``$…$``, ``$$…$$``, ``\(…\)``, ``\[…\]``,
``equation(*)``, ``align(*)``, ``gather(*)``, ``multline(*)``, ``split``,
``aligned``. A chain ``A = B = C`` and the ``&=`` rows of an align become
relations between neighbours (``A = B``, ``B = C``); ``\approx`` is a value
relation; other relations (``\neq``, ``<``, ``\Rightarrow``…) are skipped
with a note, and top-level commas, ``\quad`` and ``\text{…}`` end a
statement. Each member is read by `symcheck.parse.latex_math`; a member it
cannot read makes its relations unreadable, with the .tex line and column
and what was not understood. A relation's line is the line of its sign.

The text is tokenised by pylatexenc's walker (structure only: groups, math
modes, environments, with positions), in strict mode so an unbalanced brace
or a math mode left open is reported where it is. Nothing is ever evaluated
and sympy never parses the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, Sequence

from symcheck.errors import InputError
from symcheck.ir import Program, SourceLocation
from symcheck.parse.claim_ast import ClaimEquation, ClaimExpr, Reading
from symcheck.parse.claim_language import check_claim_text
from symcheck.parse.latex_math import MathReader, Tok
from symcheck.parse.latex_source import (
    BEGIN_ANSWER,
    BEGIN_MACROS,
    END_ANSWER,
    END_MACROS,
    MAX_TEX_CHARS,
    Expander,
    Mapped,
    Region,
    TexFile,
    check_braces,
    marked_regions,
)

MATH_ENVIRONMENTS = frozenset({"equation", "equation*", "align", "align*", "gather", "gather*", "multline",
                               "multline*", "flalign", "flalign*", "alignat", "alignat*", "eqnarray", "eqnarray*",
                               "displaymath", "math"})
INNER_ENVIRONMENTS = frozenset({"split", "aligned", "gathered", "alignedat", "multlined"})
"""Environments inside math whose rows continue the formula around them."""

RELATIONS = {"=": "==", "approx": "≈"}
"""Relations judged: ``=`` as an identity (or a value, when one side is a number) and ``\\approx`` as a value."""

OTHER_RELATIONS = {"<": "<", ">": ">", "neq": "≠", "ne": "≠", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
                   "equiv": "≡", "sim": "∼", "simeq": "≃", "propto": "∝", "lt": "<", "gt": ">", "coloneqq": ":=",
                   "to": "→", "rightarrow": "→", "mapsto": "↦"}
SEPARATORS = frozenset({"quad", "qquad", "text", "texttt", "textbf", "textit", "mbox", "Rightarrow", "implies",
                        "iff", "Longrightarrow", "therefore", "because", "label", "tag", "intertext"})
"""What ends a statement inside a formula (text, wide spaces, implications); \\text{…} itself is left out."""


@dataclass(frozen=True)
class Note:
    """Something in a block that was not judged, and why (a ``\\neq``, a side left empty)."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class LatexRelation:
    """One relation ``A = B`` of an answer: where its sign stands, its LaTeX, and the claim it was read as
    (`equation`), or the `error` that made it unreadable."""

    line: int
    column: int
    latex: str
    equation: Optional[ClaimEquation] = None
    error: Optional[InputError] = None


@dataclass(frozen=True)
class FinalMember:
    """A block's final expression: the last member of its last formula, read (`expr`) or not (`error`)."""

    line: int
    column: int
    latex: str
    expr: Optional[ClaimExpr] = None
    error: Optional[InputError] = None
    readings: tuple[Reading, ...] = ()


@dataclass(frozen=True)
class AnswerBlock:
    """The n-th answer block (1-based `number`), its BEGIN line, its relations, notes and final member."""

    number: int
    line: int
    relations: tuple[LatexRelation, ...]
    notes: tuple[Note, ...] = ()
    final: Optional[FinalMember] = None
    error: Optional[InputError] = None


@dataclass(frozen=True)
class AnswerFile:
    """A homework's answers: the file's path and text, and its blocks in order."""

    path: str
    text: str
    blocks: tuple[AnswerBlock, ...]


# -- the file -------------------------------------------------------------------------


def read_answers(text: str, program: Program, *, path: str = "<answers>") -> AnswerFile:
    """Every answer block of a .tex file's `text`, read against `program`.

    A file with no answer block, or whose markers do not pair up, is an
    `InputError`; what is wrong inside a block is kept in the block.
    """
    tex = TexFile(path, text)
    if len(text) > MAX_TEX_CHARS:
        raise tex.error(f"the file is {len(text)} characters long; the limit is {MAX_TEX_CHARS}", 0,
                        hint="grade the answers of one homework at a time")
    answers = marked_regions(tex, BEGIN_ANSWER, END_ANSWER)
    if not answers:
        raise InputError(f"{path} holds no answer block", hint=f"type each answer between a line '{BEGIN_ANSWER}' "
                                                               f"and a line '{END_ANSWER}'")
    macros = marked_regions(tex, BEGIN_MACROS, END_MACROS)
    expanded = _expand_in_order(tex, answers, macros)
    blocks = tuple(_block(tex, program, number, region, mapped)
                   for number, (region, mapped) in enumerate(zip(answers, expanded), start=1))
    return AnswerFile(path, text, blocks)


def _expand_in_order(tex: TexFile, answers: list[Region], macros: list[Region]) -> list[Mapped | InputError]:
    """Each answer block expanded with the macros defined before it (strictly in its own text and the macros
    section); an error in a block's own text stays with that block."""
    expander = Expander(tex)
    whole = tex.whole()
    strict = sorted([(r, True) for r in answers] + [(r, False) for r in macros], key=lambda item: item[0].start)
    results: list[Mapped | InputError] = []
    position = 0
    for region, is_answer in strict:
        expander.expand(whole.slice(position, region.start), strict=False)
        part = whole.slice(region.start, region.end)
        if is_answer:
            try:
                results.append(expander.expand(part, strict=True))
            except InputError as error:
                results.append(error)
        else:
            expander.expand(part, strict=True)
        position = region.end
    return results


def _block(tex: TexFile, program: Program, number: int, region: Region, mapped: Mapped | InputError) -> AnswerBlock:
    if isinstance(mapped, InputError):
        return AnswerBlock(number, region.line, (), error=mapped)
    try:
        check_braces(tex, mapped)
        nodes = _walk(tex, mapped)
    except InputError as error:
        return AnswerBlock(number, region.line, (), error=error)
    reader = _BlockReader(tex, program, mapped)
    for formula in _formulas(nodes, mapped):
        reader.formula(formula)
    return AnswerBlock(number, region.line, tuple(reader.relations), tuple(reader.notes), reader.final)


def _walk(tex: TexFile, mapped: Mapped) -> list[Any]:
    """pylatexenc's nodes of `mapped`, every macro without arguments (symcheck reads arguments itself)."""
    from pylatexenc.latexwalker import LatexWalker, LatexWalkerParseError  # imported when LaTeX is read
    from pylatexenc.macrospec import EnvironmentSpec, LatexContextDb, MacroSpec, SpecialsSpec

    context = LatexContextDb()
    context.set_unknown_macro_spec(MacroSpec(""))
    context.set_unknown_environment_spec(EnvironmentSpec(""))
    context.set_unknown_specials_spec(SpecialsSpec(""))
    try:
        nodes, _, _ = LatexWalker(mapped.text, latex_context=context, tolerant_parsing=False).get_latex_nodes()
    except LatexWalkerParseError as error:
        position = min(max(getattr(error, "pos", 0) or 0, 0), max(len(mapped.origin) - 1, 0))
        offset = mapped.origin[position] if mapped.origin else 0
        raise tex.error(_walker_message(error.msg or "cannot read the LaTeX here"), offset,
                        hint="close every math mode and environment that the block opens") from None
    return list(nodes)


def _walker_message(message: str) -> str:
    if "end of stream" in message:
        return message.replace("Unexpected end of stream, was expecting", "the block ends while LaTeX expects")
    return message[0].lower() + message[1:]


# -- formulas -------------------------------------------------------------------------


@dataclass
class _Formula:
    """A math environment's tokens, split into rows; `display` when a row may continue the previous formula."""

    rows: list[list[Tok]]
    display: bool


def _formulas(nodes: Sequence[Any], mapped: Mapped) -> Iterator[_Formula]:
    """Every math environment among `nodes`, in document order (text around them is skipped)."""
    for node in nodes:
        kind = type(node).__name__
        if kind == "LatexMathNode":
            yield _Formula(_rows(_tokens(node.nodelist, mapped)), node.displaytype == "display")
        elif kind == "LatexEnvironmentNode" and node.environmentname in MATH_ENVIRONMENTS:
            yield _Formula(_rows(_tokens(node.nodelist, mapped)), True)
        elif getattr(node, "nodelist", None):
            yield from _formulas(node.nodelist, mapped)


def _tokens(nodes: Sequence[Any], mapped: Mapped) -> list[Tok]:
    tokens: list[Tok] = []
    for node in nodes or ():
        kind = type(node).__name__
        if kind == "LatexCharsNode":
            tokens.extend(_char_tokens(node.chars, node.pos, mapped))
        elif kind == "LatexMacroNode":
            tokens.append(_tok("cmd", node.macroname, node.pos, node.pos + node.len, mapped))
        elif kind == "LatexGroupNode":
            tokens.append(Tok("group", "{", _origin(mapped, node.pos), _origin(mapped, node.pos + node.len - 1) + 1,
                              tuple(_tokens(node.nodelist, mapped))))
        elif kind == "LatexSpecialsNode":
            tokens.append(_tok("char", node.specials_chars, node.pos, node.pos + node.len, mapped))
        elif kind == "LatexEnvironmentNode" and node.environmentname in INNER_ENVIRONMENTS:
            tokens.append(_tok("cmd", "\\", node.pos, node.pos + 1, mapped))
            tokens.extend(_tokens(node.nodelist, mapped))
            tokens.append(_tok("cmd", "\\", node.pos + node.len - 1, node.pos + node.len, mapped))
        elif kind == "LatexEnvironmentNode":
            tokens.append(_tok("cmd", f"begin{{{node.environmentname}}}", node.pos, node.pos + node.len, mapped))
    return tokens


def _origin(mapped: Mapped, index: int) -> int:
    return mapped.origin[min(max(index, 0), len(mapped.origin) - 1)] if mapped.origin else 0


def _tok(kind: str, text: str, start: int, end: int, mapped: Mapped) -> Tok:
    return Tok(kind, text, _origin(mapped, start), _origin(mapped, end - 1) + 1)


def _char_tokens(chars: str, position: int, mapped: Mapped) -> Iterator[Tok]:
    """Characters as tokens: a run of digits (with one decimal point) is a number, blanks one space token."""
    i = 0
    while i < len(chars):
        char = chars[i]
        if char.isspace():
            j = i
            while j < len(chars) and chars[j].isspace():
                j += 1
            yield _tok("space", " ", position + i, position + j, mapped)
            i = j
        elif char.isdigit() or char == "." and i + 1 < len(chars) and chars[i + 1].isdigit():
            j = i
            while j < len(chars) and (chars[j].isdigit() or chars[j] == "." and "." not in chars[i:j]
                                      and j + 1 < len(chars) and chars[j + 1].isdigit()):
                j += 1
            yield _tok("number", chars[i:j], position + i, position + j, mapped)
            i = j
        else:
            yield _tok("char", char, position + i, position + i + 1, mapped)
            i += 1


def _rows(tokens: list[Tok]) -> list[list[Tok]]:
    """The rows of a formula, split at ``\\\\`` (an optional ``[2pt]`` after it skipped), alignment ``&`` dropped."""
    rows: list[list[Tok]] = [[]]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.kind == "cmd" and token.text in ("\\", "cr", "newline"):
            rows.append([])
            j = i
            while j < len(tokens) and tokens[j].kind == "space":
                j += 1
            if j < len(tokens) and tokens[j].kind == "char" and tokens[j].text == "[":
                while j < len(tokens) and not (tokens[j].kind == "char" and tokens[j].text == "]"):
                    j += 1
                i = j + 1
        elif not (token.kind == "char" and token.text == "&"):
            rows[-1].append(token)
    return _joined_continuations([row for row in rows if any(t.kind != "space" for t in row)])


_CONTINUES = frozenset({"cdot", "times"})
_LEADING_SPACE = frozenset({"quad", "qquad", ",", ";", ":", " ", "hspace", "phantom"})


def _joined_continuations(rows: list[list[Tok]]) -> list[list[Tok]]:
    """Rows that start with ``+``, ``-``, ``\\cdot`` or ``\\times`` continue the row above (a long
    right side broken over lines: ``&\\quad + …``); their leading spacing is dropped."""
    joined: list[list[Tok]] = []
    for row in rows:
        start = 0
        while start < len(row) and (row[start].kind == "space" or row[start].kind == "cmd"
                                    and row[start].text in _LEADING_SPACE):
            start += 1
        first = row[start] if start < len(row) else None
        continues = first is not None and (first.kind == "char" and first.text in "+-"
                                           or first.kind == "cmd" and first.text in _CONTINUES)
        if continues and joined:
            joined[-1].extend(row[start:])
        else:
            joined.append(row)
    return joined


# -- relations ------------------------------------------------------------------------


@dataclass
class _Member:
    tokens: list[Tok]
    expr: Optional[ClaimExpr] = None
    error: Optional[InputError] = None
    readings: tuple[Reading, ...] = ()


@dataclass
class _BlockReader:
    """Turns a block's formulas into relations, notes and the final member."""

    tex: TexFile
    program: Program
    mapped: Mapped
    relations: list[LatexRelation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    final: Optional[FinalMember] = None
    previous: Optional[_Member] = None

    def formula(self, formula: _Formula) -> None:
        last: Optional[_Member] = None
        for row_index, row in enumerate(formula.rows):
            continues = row_index > 0 or formula.display
            for statement in _statements(row):
                member = self._statement(statement, continues=continues)
                last = member or last
                continues = False
        self.previous = last
        if last is not None:
            self.final = self._final(last)

    def _statement(self, statement: list[Tok], *, continues: bool) -> Optional[_Member]:
        parts = _split_relations(statement)
        members = [self._member(tokens) if _has_content(tokens) else None for tokens, _ in parts]
        if members and members[0] is None and continues and self.previous is not None and len(parts) > 1:
            members[0] = self.previous
        for index, (tokens, sign) in enumerate(parts[:-1]):
            left, right = members[index], members[index + 1]
            self._relation(sign, left, right)
        found = [m for m in members if m is not None]
        if found:
            self.previous = found[-1]
        return found[-1] if found else None

    def _relation(self, sign: Tok, left: Optional[_Member], right: Optional[_Member]) -> None:
        line, column = self.tex.position(sign.start)
        word = "=" if sign.kind == "char" and sign.text == "=" else sign.text
        if word not in RELATIONS:
            shown = OTHER_RELATIONS.get(word, word)
            self.notes.append(Note(line, column, f"'{shown}' is not judged: only = and \\approx are"))
            return
        if left is None or right is None:
            side = "left" if left is None else "right"
            self.notes.append(Note(line, column, f"the {side} side of '{'=' if word == '=' else chr(8776)}' is "
                                                 "empty (or text): nothing to judge"))
            return
        latex = f"{self._source(left.tokens)} {self._source([sign])} {self._source(right.tokens)}"
        error = left.error or right.error
        if error is not None:
            self.relations.append(LatexRelation(line, column, latex, error=error))
            return
        location = SourceLocation(self.tex.path, line, column, self.tex.line_text(line))
        equation = ClaimEquation(left.expr, right.expr, latex, location, relation=RELATIONS[word],  # type: ignore[arg-type]
                                 readings=left.readings + right.readings)
        self.relations.append(LatexRelation(line, column, latex, equation=equation))

    def _member(self, tokens: list[Tok]) -> _Member:
        reader = MathReader(self.program, self._error)
        try:
            return _Member(tokens, reader.member(tokens), readings=tuple(reader.readings))
        except InputError as error:
            return _Member(tokens, error=error)
        except RecursionError:
            return _Member(tokens, error=self._error("the formula is nested too deeply", tokens[0],
                                                     "split it into smaller formulas"))

    def _final(self, member: _Member) -> FinalMember:
        line, column = self.tex.position(member.tokens[0].start)
        return FinalMember(line, column, self._source(member.tokens), member.expr, member.error, member.readings)

    def _error(self, message: str, token: Tok, hint: str) -> InputError:
        return self.tex.error(message, token.start, hint=hint, width=max(1, token.end - token.start))

    def _source(self, tokens: list[Tok]) -> str:
        spans = [t for t in tokens if t.kind != "space"]
        if not spans:
            return ""
        start, end = min(t.start for t in spans), max(t.end for t in spans)
        return " ".join(self.tex.text[start:_macro_use_end(self.tex.text, end)].split())


def _macro_use_end(text: str, end: int) -> int:
    """Where a span that ends inside a macro's use (its characters all point at the use's backslash) ends:
    after the macro's name and the braced arguments right after it."""
    if end < 1 or text[end - 1] != "\\":
        return end
    i = end
    while i < len(text) and text[i].isalpha():
        i += 1
    while True:
        j = i
        while j < len(text) and text[j] in " \t":
            j += 1
        if j >= len(text) or text[j] not in "{[":
            return i
        closer, depth = "}" if text[j] == "{" else "]", 0
        for k in range(j, len(text)):
            depth += {text[j]: 1, closer: -1}.get(text[k], 0)
            if depth == 0:
                i = k + 1
                break
        else:
            return len(text)


def _has_content(tokens: list[Tok]) -> bool:
    return any(t.kind not in ("space",) and not (t.kind == "char" and t.text in ".,;~") and
               not (t.kind == "cmd" and t.text in (",", ";", ":", "!", " ")) for t in tokens)


def _statements(row: list[Tok]) -> Iterator[list[Tok]]:
    """A row cut at top-level commas, semicolons, wide spaces, implications and text (text left out)."""
    current: list[Tok] = []
    tokens = iter(row)
    depth = 0
    for token in tokens:
        if token.kind == "char" and token.text in "([":
            depth += 1
        elif token.kind == "char" and token.text in ")]":
            depth = max(0, depth - 1)
        if token.kind == "char" and token.text in ",;" and depth == 0 or token.kind == "cmd" and token.text in SEPARATORS:
            if current:
                yield current
            current = []
            if token.kind == "cmd" and token.text in ("text", "texttt", "textbf", "textit", "mbox", "label", "tag",
                                                       "intertext"):
                next(tokens, None)  # its {…} argument
            continue
        current.append(token)
    if current:
        yield current


def _split_relations(statement: list[Tok]) -> list[tuple[list[Tok], Tok]]:
    """[(member tokens, the relation sign after it)], the last member paired with its own first token."""
    parts: list[tuple[list[Tok], Tok]] = []
    current: list[Tok] = []
    for token in statement:
        if _is_relation(token):
            parts.append((current, token))
            current = []
        else:
            current.append(token)
    parts.append((current, current[0] if current else statement[-1]))
    return parts


def _is_relation(token: Tok) -> bool:
    if token.kind == "char":
        return token.text in ("=", "<", ">")
    return token.kind == "cmd" and (token.text in RELATIONS or token.text in OTHER_RELATIONS)


# -- one claim ------------------------------------------------------------------------


def parse_latex_claim(text: str, program: Program, *, location: Optional[SourceLocation] = None) -> ClaimEquation:
    r"""A claim written in LaTeX (``\frac{\partial f}{\partial z_4} = …``; ``$…$`` around it is fine).

    ``=`` reads as ``==`` and ``\approx`` as ``≈``; the claim holds exactly one relation.
    """
    base = location or SourceLocation("<claim>", 1, 1, text)
    check_claim_text(text, base)
    tex = _ClaimTex(base, text)
    mapped = Expander(tex).expand(tex.whole(), strict=True)
    check_braces(tex, mapped)
    nodes = _walk(tex, mapped)
    formulas = list(_formulas(nodes, mapped))
    tokens = [t for f in formulas for row in f.rows for t in row] if formulas else \
        [t for row in _rows(_tokens(nodes, mapped)) for t in row]
    reader = _BlockReader(tex, program, mapped)
    reader.formula(_Formula([tokens], False))
    for relation in reader.relations:
        if relation.error is not None:
            raise relation.error
    judged = [r for r in reader.relations if r.equation is not None]
    if len(judged) != 1:
        what = "no relation = or \\approx" if not judged else f"{len(judged)} relations"
        note = f" ({reader.notes[0].message})" if reader.notes and not judged else ""
        raise tex.error(f"a LaTeX claim holds exactly one relation; this one has {what}{note}", 0,
                        hint=r"write one relation, e.g. \frac{\partial f}{\partial z_4} = z_3 \cos z_4",
                        width=len(text))
    equation = judged[0].equation
    assert equation is not None
    return ClaimEquation(equation.lhs, equation.rhs, text, base, relation=equation.relation,
                         readings=equation.readings)


class _ClaimTex(TexFile):
    """A one-line claim as a .tex text whose positions are columns of the line it stands on."""

    def __init__(self, base: SourceLocation, text: str) -> None:
        super().__init__(base.file, text)
        self.base = base

    def location(self, offset: int) -> SourceLocation:
        return SourceLocation(self.base.file, self.base.line, self.base.column + offset, self.base.text)

    def position(self, offset: int) -> tuple[int, int]:
        return self.base.line, self.base.column + offset

    def line_text(self, line: int) -> str:
        return self.base.text
