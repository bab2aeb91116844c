"""A look at the raw text before `ast` sees it, for mistakes `ast` reports badly.

Python's own errors for ``x^2`` (it parses as XOR), ``2x`` ("invalid decimal
literal"), ``x²`` or ``a × b`` ("invalid character") either pass silently or
point nowhere useful; ``x*х`` (a Cyrillic ``х``) passes as two inputs that
print alike, and ``x*1j`` would read as an implicit product. This scan finds
them with exact columns and says what to type instead. It only rejects; it
never rewrites the text.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterator, Optional

from symcheck.parse.locate import Locator
from symcheck.parse.lookalike import describe, lookalike
from symcheck.parse.literals import foreign_digit
from symcheck.parse.syntax import MAX_NAME_CHARS

_TOKEN = re.compile(
    r"""
     (?P<newline>\r\n|\r|\n)
    |(?P<space>[ \t\f]+|\\\r?\n)
    |(?P<comment>\#[^\r\n]*)
    |(?P<string>[rRbBuUfF]{0,2}(?:'[^'\r\n]*'?|"[^"\r\n]*"?))
    |(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
        |(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9][0-9_]*)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<op>\*\*|//|==|!=|<=|>=|->|:=|<<|>>|[-+*/%@&|^~<>()\[\]{},:;.=!])
    |(?P<other>.)
    """,
    re.VERBOSE,
)

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "⁽": "(", "⁾": ")"}
_SUBSCRIPTS = {chr(0x2080 + digit): str(digit) for digit in range(10)}
_LOOKALIKES = {
    "×": "*", "·": "*", "⋅": "*", "∙": "*", "✕": "*", "∗": "*",
    "−": "-", "–": "-", "—": "-", "‐": "-",
    "÷": "/", "∕": "/", "⁄": "/",
    "√": "sqrt(...)", "＊": "*", "＋": "+", "＝": "=",
}


@dataclass(frozen=True)
class Token:
    """One lexical piece of the text: kind (a group name of `_TOKEN`), text, line, 0-based column."""

    kind: str
    text: str
    line: int
    col0: int


def tokens(text: str) -> Iterator[Token]:
    """The tokens of `text`, comments and spaces dropped, newlines kept."""
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), line, match.start() - line_start)
        if kind == "newline" or (kind == "space" and match.group().endswith("\n")):
            line, line_start = line + 1, match.end()


def prescan(text: str, locator: Locator, *, claim: bool = False) -> None:
    """Raise InputError at the first ``^``, look-alike character, or implicit multiplication.

    In a claim (`claim` true) a lone ``=`` outside brackets is also an error
    (claims compare with ``==``).
    """
    previous: Optional[Token] = None
    depth = 0
    for token in tokens(text):
        if token.kind == "newline":
            previous = None if depth == 0 else previous
            continue
        _check_token(token, text, locator, claim=claim, depth=depth)
        if previous is not None:
            _check_adjacent(previous, token, locator)
        if token.kind == "op" and token.text in ("(", "[", "{"):
            depth += 1
        elif token.kind == "op" and token.text in (")", "]", "}") and depth > 0:
            depth -= 1
        previous = token


def _check_token(token: Token, text: str, locator: Locator, *, claim: bool, depth: int) -> None:
    if token.kind == "op" and token.text == "^":
        raise locator.error("'^' is not a power operator", token.line, token.col0,
                            hint="write '**' for powers, e.g. x**2")
    if token.kind == "op" and token.text == "=" and claim and depth == 0:
        raise locator.error("a claim compares with '==', not '='", token.line, token.col0,
                            hint="write e.g. D(f, z4) == D(f, z5) * D(z5, z4)")
    if token.kind == "name":
        _check_name(token, locator)
    if token.kind == "number" and token.text[-1] in "jJ":
        raise locator.error(f"complex numbers are not supported ('{token.text}' is imaginary)",
                            token.line, token.col0, hint="use real numbers only", width=len(token.text))
    if token.kind == "other":
        _check_character(token, locator, claim=claim)


def _check_name(token: Token, locator: Locator) -> None:
    if len(token.text) > MAX_NAME_CHARS:
        raise locator.error(f"a name is {len(token.text)} characters long; the limit is {MAX_NAME_CHARS}",
                            token.line, token.col0, hint="use a shorter name", width=len(token.text))
    for offset, char in enumerate(token.text):
        if char in _SUPERSCRIPTS or char in _LOOKALIKES or not token.text[: offset + 1].isidentifier():
            _check_character(Token("other", char, token.line, token.col0 + offset), locator, claim=False)
    normal = unicodedata.normalize("NFKC", token.text)
    if normal != token.text:
        raise locator.error(f"name '{token.text}' contains a compatibility character", token.line,
                            token.col0, hint=f"write it as '{normal}'", width=len(token.text))
    found = lookalike(token.text)
    if found is not None:
        offset, letter, latin = found
        message, hint = describe(token.text, letter, latin)
        raise locator.error(message, token.line, token.col0 + offset, hint=hint)


def _check_character(token: Token, locator: Locator, *, claim: bool) -> None:
    char = token.text
    code = f"U+{ord(char):04X}"
    shown = char if char.isprintable() else ascii(char)[1:-1]  # a control character would garble the terminal
    if char in _SUPERSCRIPTS:
        run = _superscript_run(locator.line_text(token.line), token.col0)
        exponent = "".join(_SUPERSCRIPTS[c] for c in run)
        raise locator.error(f"'{run}' ({code}) is not an operator", token.line, token.col0,
                            hint=f"write '**{exponent}' for a power, e.g. x**{exponent}", width=len(run))
    if char in _SUBSCRIPTS:
        digit = _SUBSCRIPTS[char]
        raise locator.error(f"'{char}' ({code}) is a subscript", token.line, token.col0,
                            hint=f"write a plain '{digit}', e.g. z{digit}")
    digit = foreign_digit(char)
    if digit is not None:
        raise locator.error(digit[2], token.line, token.col0, hint=digit[3])
    if char in _LOOKALIKES:
        raise locator.error(f"'{char}' ({code}) is not an operator", token.line, token.col0,
                            hint=f"write '{_LOOKALIKES[char]}' instead")
    if char == "∂":
        if claim:
            raise locator.error("'∂' must start a derivative written ∂a/∂b", token.line, token.col0,
                                hint="write e.g. ∂f/∂z4 or D(f, z4)")
        raise locator.error("'∂' is only allowed in claims", token.line, token.col0,
                            hint="write derivatives in a claim, e.g. # claim: ∂f/∂z4 == ...")
    raise locator.error(f"unexpected character '{shown}' ({code})", token.line, token.col0,
                        hint="use names, numbers, ( ), commas and + - * / **")


def _superscript_run(line: str, col0: int) -> str:
    end = col0
    while end < len(line) and line[end] in _SUPERSCRIPTS:
        end += 1
    return line[col0:end] or line[col0 : col0 + 1]


def _starts_operand(token: Token) -> bool:
    return token.kind == "number" or token.text == "(" or (
        token.kind == "name" and not keyword.iskeyword(token.text))


_GRAD_BEFORE_WORDS = re.compile(r"(?:(?P<node>[^\W\d]\w*)\s*\.\s*)?grad\s+before\s+(?P<before>[^\W\d]\w*)?")
"""``z3.grad before z4``: the handout's words for what a claim writes ``grad(z3, before=z4)``."""


def _check_grad_before_words(previous: Token, token: Token, locator: Locator) -> None:
    """``z3.grad before z4`` reads as a sentence; say how a claim writes it."""
    line = locator.line_text(token.line)
    owner = re.search(r"([^\W\d]\w*)\s*\.\s*$", line[: previous.col0])
    col0 = owner.start() if owner else previous.col0
    words = _GRAD_BEFORE_WORDS.match(line, col0)
    written = words.group().rstrip() if words else line[col0 : token.col0 + len(token.text)]
    node = owner.group(1) if owner else "NODE"
    before = (words.group("before") if words else None) or "STEP"
    raise locator.error(f"'{written}' is not claim syntax", token.line, col0, width=len(written),
                        hint=f"write grad({node}, before={before}): {node}.grad right before "
                             f"{before}._backward() runs")


def _check_adjacent(previous: Token, token: Token, locator: Locator) -> None:
    """Two operands side by side (``2x``, ``2(x+1)``, ``)(``, ``x y``): an implicit product."""
    if previous.text == "grad" and token.text == "before" and previous.line == token.line:
        _check_grad_before_words(previous, token, locator)
    ends_number = previous.kind == "number"
    ends_group = previous.kind == "op" and previous.text in ")]"
    ends_name = previous.kind == "name" and not keyword.iskeyword(previous.text)
    if ends_name and token.text == "(":
        return  # a call; whether the name is a function is decided after parsing
    if not (ends_number or ends_group or ends_name) or not _starts_operand(token):
        return
    if previous.line != token.line:
        return
    line = locator.line_text(token.line)
    written = line[previous.col0 : token.col0 + len(token.text)]
    fixed = f"{previous.text}*{token.text}"
    raise locator.error(f"implicit multiplication '{written}' is not supported", previous.line,
                        previous.col0, hint=f"write '{fixed}'", width=len(written))
